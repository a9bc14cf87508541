import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import { TOKEN_META } from './guard.ts';

/**
 * Where the built UI is: ECS_ENDPOINTS_UI_DIR, else `ui/build` of the repository this module lives
 * in, found by walking up from it (backend/dist/main.js and backend/src/control/ui.ts both work),
 * else ./ui/build of the working directory. Undefined if none has an index.html.
 */
export function findUiDir(configured?: string, from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  if (configured) return resolve(configured);
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'ui', 'build');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const cwd = resolve('ui', 'build');
  return existsSync(join(cwd, 'index.html')) ? cwd : undefined;
}

/** index.html with the token meta tag in its head (no tag without a token: Docker Desktop's transport sends none). */
export function injectToken(html: string, token: string | undefined): string {
  if (!token) return html;
  const tag = `<meta name="${TOKEN_META}" content="${token.replace(/[^A-Za-z0-9_-]/g, '')}" />`;
  if (/<\/head>/i.test(html)) return html.replace(/<\/head>/i, (m) => `  ${tag}\n  ${m}`);
  return `${tag}\n${html}`;
}

// Emotion (MUI) injects <style> elements; everything else comes from our own origin.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built UI: index.html with the token injected and `Cache-Control: no-store` (the token
 * changes every run), hashed assets cached for a year. Without a built UI, `/` explains how to build it.
 */
export function uiRouter(uiDir: string | undefined, token: string | undefined): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  let cached: { mtimeMs: number; html: string } | undefined;
  const index = (_req: Request, res: Response) => {
    const file = uiDir ? join(uiDir, 'index.html') : undefined;
    if (!file || !existsSync(file)) {
      // Still a page with the token: the ecs-endpoints command (and curl users) find it here too.
      const text =
        `The ECS Endpoints UI is not built${uiDir ? ` (no ${file})` : ''}.\n` +
        'Build it with `npm run build -w ui` (or set ECS_ENDPOINTS_UI_DIR to a built UI) and reload.\n' +
        'The control API is available under /api (see docs/api.md).\n';
      const html = `<!doctype html><html><head><meta charset="utf-8" /><title>ECS Endpoints</title></head><body><pre>${escapeHtml(text)}</pre></body></html>`;
      res.status(404).type('html').set('Cache-Control', 'no-store').set('Content-Security-Policy', CSP).send(injectToken(html, token));
      return;
    }
    const mtimeMs = statSync(file).mtimeMs;
    if (!cached || cached.mtimeMs !== mtimeMs) cached = { mtimeMs, html: readFileSync(file, 'utf8') };
    res
      .status(200)
      .type('html')
      .set('Cache-Control', 'no-store')
      .set('Content-Security-Policy', CSP)
      .send(injectToken(cached.html, token));
  };
  router.get(['/', '/index.html'], index);
  // Browsers ask for /favicon.ico by themselves; without one in the build, answer "no icon" rather than an error.
  router.get('/favicon.ico', (_req, res, next) => {
    if (uiDir && existsSync(join(uiDir, 'favicon.ico'))) return next();
    res.status(204).set('Cache-Control', 'public, max-age=86400').end();
  });
  if (uiDir) {
    router.use(
      express.static(uiDir, {
        index: false,
        redirect: false,
        fallthrough: true,
        setHeaders(res, path) {
          res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      }),
    );
  }
  return router;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
