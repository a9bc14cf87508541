#!/usr/bin/env node
// Runs the test groups in order (fast ones first, then the ones that need dockerd, then the serial
// ones that need 169.254.170.2 or a browser) and ends with one plain "N passed, N failed" line.
// Before running any group it checks what the selected groups need from the machine and stops at
// once, naming what is missing and how to install it. This file owns that list:
// scripts/test-prereqs.sh (make test, CI) installs what `--missing-packages` prints.
// Usage: npm test [-- group ...]   groups: unit ui integration serial (default: all)
//        node scripts/test.mjs --missing-packages [group ...]   the Debian packages to install
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const all = ['unit', 'ui', 'integration', 'serial'];
const docker = ['integration', 'serial'];

const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const which = (name) => (process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, name)).find((f) => f && executable(f));
const onPath = (name) => which(name) !== undefined;
const firstLine = (s) => (s ?? '').trim().split('\n')[0];

/** test/images/build.sh copies busybox into a scratch image: it must be static and have nc. */
function staticBusybox() {
  return [which('busybox'), '/bin/busybox'].some(
    (bb) => bb && executable(bb) && run('ldd', [bb]).status !== 0 && run(bb, ['--list']).stdout?.split('\n').includes('nc'),
  );
}

let daemonAnswer;
/** `docker version` reaches a daemon (DOCKER_HOST or the default socket); asked once. */
function daemon() {
  daemonAnswer ??= run('docker', ['version', '--format', '{{.Server.Version}}']);
  return daemonAnswer;
}

/**
 * What each group needs beyond node_modules. `pkg` is the Debian package that provides it (null: no
 * package helps, e.g. a daemon that is installed but not running).
 */
const prereqs = [
  { what: 'docker (the client)', groups: docker, ok: () => onPath('docker'), pkg: () => 'docker.io' },
  {
    what: 'a Docker daemon answering `docker version`',
    groups: docker,
    ok: () => !onPath('docker') || daemon().status === 0,
    pkg: () => (onPath('dockerd') ? null : 'docker.io'),
    remedy: () =>
      `"${firstLine(daemon().stderr) || 'no answer'}". Start it (sudo dockerd &) or point DOCKER_HOST at one` +
      (onPath('dockerd') ? '' : '; dockerd comes with apt-get install docker.io'),
  },
  { what: 'a statically linked busybox with nc (the test image is built from it)', groups: docker, ok: staticBusybox, pkg: () => 'busybox-static' },
  { what: 'nsenter', groups: docker, ok: () => onPath('nsenter'), pkg: () => 'util-linux' },
  { what: 'nft', groups: docker, ok: () => onPath('nft'), pkg: () => 'nftables' },
  // Fault injection: the agent's commands, in the host topology and in the test node image.
  { what: 'tc', groups: docker, ok: () => onPath('tc'), pkg: () => 'iproute2' },
  { what: 'iptables', groups: docker, ok: () => onPath('iptables') && onPath('xtables-nft-multi'), pkg: () => 'iptables' },
  { what: '/usr/bin/chromium', groups: ['serial'], ok: () => executable('/usr/bin/chromium'), pkg: () => 'chromium' },
  { what: '/usr/bin/aws', groups: ['serial'], ok: () => executable('/usr/bin/aws'), pkg: () => 'awscli' },
  // The tests run Debian's python3, not whichever one is first on PATH.
  { what: 'botocore for /usr/bin/python3', groups: ['serial'], ok: () => run('/usr/bin/python3', ['-c', 'import botocore']).status === 0, pkg: () => 'python3-botocore' },
  {
    what: 'docker-compose (or the docker compose plugin)',
    groups: ['serial'],
    ok: () => onPath('docker-compose') || run('docker', ['compose', 'version']).status === 0,
    pkg: () => 'docker-compose',
  },
];

const args = process.argv.slice(2);
const listPackages = args[0] === '--missing-packages';
const named = listPackages ? args.slice(1) : args;
const groups = named.length ? named : all;
for (const g of groups) if (!all.includes(g)) {
  console.error(`Unknown test group "${g}". Groups: ${all.join(', ')}`);
  process.exit(2);
}
const missing = prereqs.filter((p) => p.groups.some((g) => groups.includes(g)) && !p.ok());

if (listPackages) {
  console.log([...new Set(missing.map((p) => p.pkg()).filter(Boolean))].join(' '));
  process.exit(0);
}

const problems = [];
if (!existsSync('node_modules/.bin/vitest')) problems.push('node_modules (vitest): npm ci');
for (const p of missing) {
  const pkg = p.pkg();
  const needs = `needed by ${p.groups.filter((g) => groups.includes(g)).join(', ')}`;
  problems.push(`${p.what} (${needs}): ${p.remedy ? p.remedy() : `apt-get install ${pkg}`}`);
}
if (problems.length) {
  console.error(`Cannot run ${groups.join(', ')}: this machine lacks\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  console.error('On Debian, `make test` installs all of it (root or sudo), starts dockerd and runs every group.');
  process.exit(1);
}

mkdirSync('test-results', { recursive: true });
let passed = 0, failed = 0, skipped = 0, worst = 0;
const failures = []; // "file > test: first line of the error", repeated at the very end where a log's tail shows it
const batches = [groups.filter((g) => g === 'unit' || g === 'ui'), ...groups.filter((g) => g !== 'unit' && g !== 'ui').map((g) => [g])]
  .filter((b) => b.length);
for (const batch of batches) {
  const out = `test-results/${batch.join('+')}.json`;
  const projectArgs = batch.flatMap((g) => ['--project', g]);
  console.log(`\n=== ${batch.join(' + ')} ===`);
  rmSync(out, { force: true }); // a run that dies before writing must not count an old report
  const res = spawnSync('npx', ['vitest', 'run', ...projectArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
    { stdio: 'inherit' });
  worst = Math.max(worst, res.status ?? 1);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (r.numTotalTestSuites > 0 && r.numFailedTestSuites > 0 && r.numFailedTests === 0) failed += r.numFailedTestSuites;
    for (const file of r.testResults ?? []) {
      const name = file.name.startsWith(process.cwd()) ? file.name.slice(process.cwd().length + 1) : file.name;
      const tests = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of tests) failures.push(`${name} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
      if (!tests.length && file.status === 'failed') failures.push(`${name}: ${firstLine(file.message)}`);
    }
  } else {
    failed += 1;
    failures.push(`${batch.join(' + ')}: no report was written (${out})`);
  }
}
if (failures.length) console.log(`\nfailed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || worst !== 0 ? 1 : 0);
