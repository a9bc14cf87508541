import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const UI_BUILD = join(ROOT, 'ui', 'build');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Build the UI if there is no build or the sources (UI or contract) are newer than it. */
export function ensureUiBuilt(): void {
  const index = join(UI_BUILD, 'index.html');
  const sources = Math.max(
    newest(join(ROOT, 'ui', 'src')),
    newest(join(ROOT, 'contract', 'src')),
    statSync(join(ROOT, 'ui', 'index.html')).mtimeMs,
    statSync(join(ROOT, 'ui', 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync('npm', ['run', 'build', '-w', 'ui'], { cwd: ROOT, stdio: 'inherit' });
}
