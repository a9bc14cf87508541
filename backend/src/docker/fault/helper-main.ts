/**
 * Entry point of the short-lived fault-injection helper container (container topology): it runs
 * in the task's network namespace (NetworkMode container:<owner>, CAP_NET_ADMIN) and executes the
 * commands it is given, nothing else. Usage: node fault-helper.js <base64 JSON {cmds, timeoutMs}>
 * Prints the batch result as one JSON line.
 */
import type { Cmd } from './commands.ts';
import { runBatch } from './exec.ts';

async function main(): Promise<void> {
  const { cmds, timeoutMs } = JSON.parse(Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8')) as { cmds: Cmd[]; timeoutMs: number };
  process.stdout.write(JSON.stringify(await runBatch(cmds, Date.now() + timeoutMs)) + '\n');
}

main().catch((err: Error) => {
  process.stderr.write(err.message + '\n');
  process.exit(1);
});
