import { execFile } from 'node:child_process';
import type { Cmd } from './commands.ts';

/** One command's exit code and combined output (as the agent logs them). */
export interface CmdResult {
  argv: string[];
  code: number;
  out: string;
}

export interface BatchResult {
  results: CmdResult[];
  /** The first command that failed without `mayFail`; the batch stopped there. */
  failed?: CmdResult;
  /** The deadline passed (the agent's 5 s for a request's commands). */
  timedOut?: boolean;
}

function one(argv: string[], timeoutMs: number): Promise<CmdResult & { timedOut: boolean }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: Math.max(1, timeoutMs), maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      const out = `${stdout}${stderr}`;
      if (!e) return resolve({ argv, code: 0, out, timedOut: false });
      if (e.code === 'ENOENT') return resolve({ argv, code: 127, out: `${argv[0]}: command not found`, timedOut: false });
      resolve({ argv, code: typeof e.code === 'number' ? e.code : 1, out: out || e.message, timedOut: Boolean(e.killed) });
    });
  });
}

/** Runs the commands in order, each prefixed (e.g. nsenter into a namespace), until one fails or the deadline passes. */
export async function runBatch(cmds: Cmd[], deadline: number, prefix: string[] = []): Promise<BatchResult> {
  const results: CmdResult[] = [];
  for (const c of cmds) {
    const left = deadline - Date.now();
    if (left <= 0) return { results, timedOut: true };
    const r = await one([...prefix, ...c.argv], left);
    const result = { argv: c.argv, code: r.code, out: r.out };
    results.push(result);
    if (r.timedOut) return { results, timedOut: true };
    if (r.code !== 0 && !c.mayFail) return { results, failed: result };
  }
  return { results };
}
