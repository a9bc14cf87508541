#!/usr/bin/env node
// Runs the test groups in order (fast ones first, then the ones that need dockerd, then the serial
// ones that need 169.254.170.2 or a browser) and ends with one plain "N passed, N failed" line.
// Usage: npm test [-- group ...]   groups: unit ui integration serial (default: all)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';

const all = ['unit', 'ui', 'integration', 'serial'];
const args = process.argv.slice(2);
const groups = args.length ? args : all;
for (const g of groups) if (!all.includes(g)) {
  console.error(`Unknown test group "${g}". Groups: ${all.join(', ')}`);
  process.exit(2);
}
mkdirSync('test-results', { recursive: true });
let passed = 0, failed = 0, skipped = 0, worst = 0;
const batches = [groups.filter((g) => g === 'unit' || g === 'ui'), ...groups.filter((g) => g !== 'unit' && g !== 'ui').map((g) => [g])]
  .filter((b) => b.length);
for (const batch of batches) {
  const out = `test-results/${batch.join('+')}.json`;
  const projectArgs = batch.flatMap((g) => ['--project', g]);
  console.log(`\n=== ${batch.join(' + ')} ===`);
  const res = spawnSync('npx', ['vitest', 'run', ...projectArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
    { stdio: 'inherit' });
  worst = Math.max(worst, res.status ?? 1);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (r.numTotalTestSuites > 0 && r.numFailedTestSuites > 0 && r.numFailedTests === 0) failed += r.numFailedTestSuites;
  } else {
    failed += 1;
  }
}
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || worst !== 0 ? 1 : 0);
