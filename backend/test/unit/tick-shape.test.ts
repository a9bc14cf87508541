/**
 * tick-shape.ts: with one nextTick entry kept alive, V8's feedback for the entry's object literal
 * stays monomorphic through full GCs at moments when no other entry is alive; without it, Node 20
 * loses the shape and the sites go megamorphic for good (issue 13: the data plane's slow mode).
 * Read from V8's own feedback (%DebugPrint of process.nextTick) in a child process.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const MODULE = fileURLToPath(new URL('../../src/tick-shape.ts', import.meta.url));

/** The states of nextTick's DefineKeyedOwnPropertyInLiteral sites after ticks, two full GCs with none alive, and ticks again. */
async function literalSites(keep: boolean): Promise<string[]> {
  const script = `
    ${keep ? `await import(${JSON.stringify(MODULE)});` : ''}
    const tick = () => new Promise((r) => { for (let i = 0; i < 50; i++) process.nextTick(() => {}); setImmediate(r); });
    await tick();
    gc(); gc();
    await tick();
    new Function('%DebugPrint(process.nextTick)')();
  `;
  // V8 prints with C stdio, which loses output on a non-blocking pipe: a file takes it all.
  const dir = mkdtempSync(join(tmpdir(), 'tick-shape-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const out = openSync(join(dir, 'out'), 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', out, 'pipe'], timeout: 15_000 });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  closeSync(out);
  if (code !== 0) throw new Error(`the child exited with ${code}: ${err}`);
  const stdout = readFileSync(join(dir, 'out'), 'utf8');
  return [...stdout.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]!);
}

describe('nextTick entry shape', () => {
  it('without a kept entry, Node loses the shape in a full GC and the literal sites go megamorphic', async () => {
    const sites = await literalSites(false);
    // If this fails, Node no longer loses the shape: tick-shape.ts can go.
    expect(sites).toContain('MEGAMORPHIC');
  });

  it('with tick-shape.ts loaded, every literal site stays monomorphic', async () => {
    const sites = await literalSites(true);
    expect(sites.length).toBeGreaterThanOrEqual(4);
    expect(sites).toEqual(sites.map(() => 'MONOMORPHIC'));
  });
});
