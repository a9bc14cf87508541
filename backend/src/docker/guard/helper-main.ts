/**
 * Entry point of the short-lived privileged helper container (container topology: the backend
 * itself runs unprivileged, in its own namespaces). Usage: node guard-helper.js apply|remove <base64 JSON>
 * Prints the outcome as one JSON line; exits 1 with the reason on stderr.
 */
import { applyGuard, removeGuard, type GuardPlan } from './apply.ts';

async function main(): Promise<void> {
  const [verb, arg] = process.argv.slice(2);
  const plan = JSON.parse(Buffer.from(arg ?? '', 'base64').toString('utf8')) as GuardPlan;
  if (verb === 'remove') await removeGuard(plan.table);
  else process.stdout.write(JSON.stringify(await applyGuard(plan)) + '\n');
}

main().catch((err: Error) => {
  process.stderr.write(err.message + '\n');
  process.exit(1);
});
