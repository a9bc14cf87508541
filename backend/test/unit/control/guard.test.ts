import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createControlApp } from '../../../src/control/app.ts';
import { isApiPath, normalizedPath } from '../../../src/control/guard.ts';
import { findUiDir, injectToken } from '../../../src/control/ui.ts';
import { lightBackend, onCleanup, serveControl, tempDir } from './helpers.ts';

const TOKEN = 'a'.repeat(64);

function uiDir(): string {
  const dir = tempDir('ecs-ui-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>\n<html>\n  <head>\n    <meta charset="UTF-8" />\n    <script type="module" src="./assets/index-abc.js"></script>\n  </head>\n  <body><div id="root"></div></body>\n</html>\n');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

function serve(opts: { token?: string; uiDir?: string } = { token: TOKEN }) {
  return serveControl(opts);
}

/** A raw request with exactly the headers given (fetch and supertest set Host themselves). */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    // Content-Length: Node's client does not frame DELETE bodies by itself.
    const all = body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: all, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The status of a GET, without waiting for the body (an event stream has no end). */
function statusOf(port: number, path: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host, ...headers }, setHost: false }, (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Host check (DNS rebinding)', () => {
  it('refuses a request addressed to another host name, for the API and for index.html (which holds the token)', async () => {
    const { port } = await serve({ token: TOKEN, uiDir: uiDir() });
    for (const path of ['/api/status', '/', '/index.html']) {
      const r = await raw(port, 'GET', path, { Host: `evil.example:${port}`, 'X-ECS-Endpoints-Token': TOKEN });
      expect(r.status, path).toBe(403);
      expect(JSON.parse(r.body).error).toMatch(/evil\.example/);
      expect(JSON.parse(r.body).remedy).toMatch(/DNS rebinding/);
      expect(r.body).not.toContain(TOKEN);
    }
  });

  it('refuses a loopback name with another port, and a request without Host', async () => {
    const { port } = await serve();
    expect((await raw(port, 'GET', '/api/status', { Host: `127.0.0.1:${port + 1}`, 'X-ECS-Endpoints-Token': TOKEN })).status).toBe(403);
    // Node itself refuses an HTTP/1.1 request without Host.
    expect((await raw(port, 'GET', '/api/status', { 'X-ECS-Endpoints-Token': TOKEN })).status).toBe(400);
  });

  it('accepts 127.0.0.1, localhost and [::1] with our port', async () => {
    const { port } = await serve();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const r = await raw(port, 'GET', '/api/status', { Host: host, 'X-ECS-Endpoints-Token': TOKEN });
      expect(r.status, host).toBe(200);
    }
  });
});

describe('Origin check (cross-site requests)', () => {
  it('refuses a cross-origin POST, PUT and DELETE even with the token', async () => {
    const { port } = await serve();
    const host = `127.0.0.1:${port}`;
    for (const [method, path] of [['POST', '/api/sources'], ['PUT', '/api/sources/x'], ['DELETE', '/api/sources/x']] as const) {
      const r = await raw(port, method, path, { Host: host, Origin: 'https://evil.example', 'X-ECS-Endpoints-Token': TOKEN, 'Content-Type': 'application/json' }, '{"type":"fake","name":"x"}');
      expect(r.status, method).toBe(403);
      expect(JSON.parse(r.body).error).toMatch(/another origin \(https:\/\/evil\.example\)/);
    }
    // A page on localhost with another port is another origin too; "null" (sandboxed frames, files) as well.
    expect((await raw(port, 'POST', '/api/sources', { Host: host, Origin: `http://127.0.0.1:${port + 1}`, 'X-ECS-Endpoints-Token': TOKEN })).status).toBe(403);
    expect((await raw(port, 'POST', '/api/sources', { Host: host, Origin: 'null', 'X-ECS-Endpoints-Token': TOKEN })).status).toBe(403);
  });

  it('accepts a POST from the same origin, and one without Origin (curl)', async () => {
    const { port } = await serve();
    const host = `127.0.0.1:${port}`;
    const body = '{"type":"fake","name":"Same origin"}';
    const same = await raw(port, 'POST', '/api/sources', { Host: host, Origin: `http://${host}`, 'X-ECS-Endpoints-Token': TOKEN, 'Content-Type': 'application/json' }, body);
    expect(same.status, same.body).toBe(201);
    const curl = await raw(port, 'POST', '/api/sources', { Host: host, 'X-ECS-Endpoints-Token': TOKEN, 'Content-Type': 'application/json' }, body.replace('Same origin', 'Curl'));
    expect(curl.status, curl.body).toBe(201);
  });
});

describe('per-run token', () => {
  it('answers 401 without the token and 403 with a wrong one, on every API route', async () => {
    const { port } = await serve();
    const host = `127.0.0.1:${port}`;
    for (const path of ['/api/status', '/api/containers', '/api/sources', '/api/profiles', '/api/requests', '/api/nope']) {
      const none = await raw(port, 'GET', path, { Host: host });
      expect(none.status, path).toBe(401);
      expect(JSON.parse(none.body)).toMatchObject({ error: expect.stringContaining('no control token'), remedy: expect.stringContaining('token') });
      const wrong = await raw(port, 'GET', path, { Host: host, 'X-ECS-Endpoints-Token': 'b'.repeat(64) });
      expect(wrong.status, path).toBe(403);
      expect(JSON.parse(wrong.body).remedy).toMatch(/reload the page/);
    }
    // A mutating request without the token changes nothing.
    const post = await raw(port, 'POST', '/api/sources', { Host: host, 'Content-Type': 'application/json' }, '{"type":"fake","name":"No token"}');
    expect(post.status).toBe(401);
    const list = await raw(port, 'GET', '/api/sources', { Host: host, 'X-ECS-Endpoints-Token': TOKEN });
    expect(list.body).not.toContain('No token');
  });

  it('accepts ?token= for GET /api/events only', async () => {
    const { port } = await serve();
    const host = `127.0.0.1:${port}`;
    expect((await raw(port, 'GET', `/api/status?token=${TOKEN}`, { Host: host })).status).toBe(401);
    expect((await raw(port, 'GET', `/api/events?token=${'c'.repeat(64)}`, { Host: host })).status).toBe(403);
    const status = await new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/api/events?token=${TOKEN}` }, (res) => {
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] });
        req.destroy();
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toEqual({ status: 200, type: 'text/event-stream; charset=utf-8' });
  });

  it('does not ask for a token on the unix socket (no token option): any Host, no meta tag', async () => {
    const dir = uiDir();
    const { port } = await serve({ uiDir: dir });
    const r = await raw(port, 'GET', '/api/status', { Host: 'x' });
    expect(r.status).toBe(200);
    const page = await raw(port, 'GET', '/', { Host: 'x' });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('ecs-endpoints-token');
  });
});

describe('the UI', () => {
  it('serves index.html with the token in a meta tag, no-store and a CSP; assets are cached', async () => {
    const { backend } = await lightBackend();
    const app = createControlApp(backend, { token: TOKEN, uiDir: uiDir() });
    onCleanup(() => app.dispose());
    for (const path of ['/', '/index.html']) {
      const r = await request(app).get(path);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(r.text).toContain(`<meta name="ecs-endpoints-token" content="${TOKEN}" />`);
      // In the head, after the charset.
      expect(r.text.indexOf('ecs-endpoints-token')).toBeGreaterThan(r.text.indexOf('charset'));
      expect(r.text.indexOf('ecs-endpoints-token')).toBeLessThan(r.text.indexOf('</head>'));
    }
    const js = await request(app).get('/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await request(app).get('/favicon.svg');
    expect(icon.headers['cache-control']).toBe('no-cache');
    expect((await request(app).get('/nope.js')).status).toBe(404);
    expect((await request(app).get('/../package.json')).status).toBe(404);
  });

  it('says how to build the UI when there is none', async () => {
    const { backend } = await lightBackend();
    const app = createControlApp(backend, { token: TOKEN });
    onCleanup(() => app.dispose());
    const r = await request(app).get('/');
    expect(r.status).toBe(404);
    expect(r.text).toMatch(/npm run build -w ui/);
  });

  it('finds ui/build from the source tree and from a bundle, and honours a configured directory', () => {
    const root = tempDir('ecs-repo-');
    mkdirSync(join(root, 'ui', 'build'), { recursive: true });
    writeFileSync(join(root, 'ui', 'build', 'index.html'), '<html></html>');
    mkdirSync(join(root, 'backend', 'src', 'control'), { recursive: true });
    mkdirSync(join(root, 'backend', 'dist'), { recursive: true });
    expect(findUiDir(undefined, join(root, 'backend', 'src', 'control'))).toBe(join(root, 'ui', 'build'));
    expect(findUiDir(undefined, join(root, 'backend', 'dist'))).toBe(join(root, 'ui', 'build'));
    expect(findUiDir('/somewhere/ui')).toBe('/somewhere/ui');
  });

  it('injects the token before </head>, and only hex-safe characters', () => {
    expect(injectToken('<html><head><title>x</title></head></html>', 'ab"><script>')).toBe('<html><head><title>x</title>  <meta name="ecs-endpoints-token" content="abscript" />\n  </head></html>');
    expect(injectToken('<html></html>', undefined)).toBe('<html></html>');
  });
});

describe('path spellings (audit issue 8, finding 3)', () => {
  // Each one names /api/status to someone: express once matched it case-insensitively, a proxy or a
  // later change might decode or collapse it. None may skip the token check, none may reach the route.
  const STATUS_SPELLINGS = [
    '/API/status',
    '/Api/Status',
    '/api/STATUS',
    '//api/status',
    '/api//status',
    '/api/status/',
    '/api/status//',
    '/api%2Fstatus',
    '/api%2fstatus',
    '/%61pi/status',
    '/api/%73tatus',
    '/%2561pi/status',
    '/./api/status',
    '/api/./status',
    '/x/../api/status',
    '/api\\status',
  ];

  it('normalizes a path the most lenient way', () => {
    expect(STATUS_SPELLINGS.map(normalizedPath)).toEqual(STATUS_SPELLINGS.map(() => '/api/status'));
    expect(normalizedPath('/')).toBe('/');
    expect(normalizedPath('/../../etc/%2e%2e/x')).toBe('/x');
    expect(isApiPath('/apix/status')).toBe(false);
    expect(isApiPath('/assets/api/x.js')).toBe(false);
    expect(isApiPath('/API')).toBe(true);
  });

  it('asks every spelling of an API path for the token, and routes none but the exact one', async () => {
    const { port } = await serve();
    const host = `127.0.0.1:${port}`;
    // The absolute form of the request target too (a proxy's spelling).
    for (const path of [...STATUS_SPELLINGS, `http://${host}/API/status`, `http://${host}//api/status`]) {
      const none = await raw(port, 'GET', path, { Host: host });
      expect(none.status, path).toBe(401);
      expect(JSON.parse(none.body).error, path).toMatch(/no control token/);
      expect((await raw(port, 'GET', path, { Host: host, 'X-ECS-Endpoints-Token': 'b'.repeat(64) })).status, path).toBe(403);
      const withToken = await raw(port, 'GET', path, { Host: host, 'X-ECS-Endpoints-Token': TOKEN });
      expect(withToken.status, path).toBe(404);
    }
    expect((await raw(port, 'GET', '/api/status', { Host: host, 'X-ECS-Endpoints-Token': TOKEN })).status).toBe(200);
  });

  it('creates no source through another spelling of POST /api/sources, with or without the token', async () => {
    const { port, backend } = await serve();
    const host = `127.0.0.1:${port}`;
    const body = '{"type":"fake","name":"Sneaky"}';
    for (const path of ['/API/sources', '/api/Sources', '/api/sources/', '//api/sources', '/api%2Fsources', '/./api/sources']) {
      const none = await raw(port, 'POST', path, { Host: host, 'Content-Type': 'application/json' }, body);
      expect(none.status, path).toBe(401);
      const withToken = await raw(port, 'POST', path, { Host: host, 'Content-Type': 'application/json', 'X-ECS-Endpoints-Token': TOKEN }, body);
      expect(withToken.status, path).toBe(404);
    }
    expect(backend.sources.list().map((s) => s.name)).not.toContain('Sneaky');
  });

  it('gives no live-update slot to an event stream without the token, however it is spelled', async () => {
    const { port, app } = await serve();
    const host = `127.0.0.1:${port}`;
    // The query token is for /api/events itself only.
    for (const path of ['/API/events', '/api/EVENTS', '/api/events/', '//api/events', `/API/events?token=${TOKEN}`]) {
      expect(await statusOf(port, path, host), path).toBe(401);
    }
    expect(app.live.size).toBe(0);
    // Not even with the token in the header: only /api/events is the stream.
    expect(await statusOf(port, '/API/events', host, { 'X-ECS-Endpoints-Token': TOKEN })).toBe(404);
    expect(app.live.size).toBe(0);
  });
});
