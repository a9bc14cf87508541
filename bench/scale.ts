/**
 * The backend as a process of its own (the built bundle, host topology) on a machine with 200
 * running containers, 50 of them in ECS mode: how long from its start to its data plane serving,
 * and its memory (RSS) after a 10 s load on v4 task metadata from one of them (issue 13).
 *
 *   npm run build -w backend && node --import tsx bench/scale.ts      # needs root, wrk, dockerd
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { docker, removeAll, uniqueName } from '../backend/test/support/docker.ts';
import { growFleet, settle, wideSubnet } from './fleet.ts';
import { checkTools, wrk } from './wrk.ts';

const TOTAL = Number(process.env.SCALE_CONTAINERS ?? 200);
const IN_ECS_MODE = Number(process.env.SCALE_IN_ECS_MODE ?? 50);
const bundle = fileURLToPath(new URL('../backend/dist/main.js', import.meta.url));

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function main(): Promise<void> {
  await checkTools();
  const net = uniqueName('ecs-bench-scale');
  const subnet = await wideSubnet();
  const address = subnet.replace(/\.0\/23$/, '.2').replace(/(\d+)\.2$/, (m, third) => `${Number(third)}.2`);
  const state = mkdtempSync(join(tmpdir(), 'ecs-scale-'));
  const env = { ...process.env, ECS_ENDPOINTS_TOPOLOGY: 'host', ECS_ENDPOINTS_NETWORK: net, ECS_ENDPOINTS_SUBNET: subnet, ECS_ENDPOINTS_STATE_DIR: state, ECS_ENDPOINTS_CONTROL: '127.0.0.1:0', ECS_ENDPOINTS_DEFAULT_SOURCE: 'fake', ECS_ENDPOINTS_RPS_LIMIT: '1000000000,1000000000', ECS_ENDPOINTS_LOG_LEVEL: 'info' };
  // A first run creates the network; the containers join it; the measured run starts with them there.
  const first = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) => first.stderr!.on('data', (b: Buffer) => b.toString().includes('data plane listening') && resolve()));
  first.kill('SIGTERM');
  await new Promise((r) => first.once('exit', r));
  const ecs: Docker.Container[] = [];
  const others: Docker.Container[] = [];
  try {
    await growFleet(net, ecs, IN_ECS_MODE, uniqueName('scale'));
    await growFleet('bridge', others, TOTAL - IN_ECS_MODE, uniqueName('scale-other'));
    await settle(60_000);
    const started = Date.now();
    const proc = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const log: string[] = [];
    await new Promise<void>((resolve) => proc.stderr!.on('data', (b: Buffer) => (log.push(b.toString()), b.toString().includes('data plane listening') && resolve())));
    const serving = Date.now() - started;
    const idleRss = rssMiB(proc.pid!);
    const caller = ecs[0]!;
    const pid = (await caller.inspect()).State.Pid;
    const url = `http://${address}/v4/task`;
    await wrk(pid, url, { connections: 10, threads: 1, seconds: 2 }).catch(() => undefined);
    const load = await wrk(pid, url, { connections: 10, threads: 1, seconds: 10 });
    const rss = rssMiB(proc.pid!);
    console.log(`${TOTAL} containers (${IN_ECS_MODE} in ECS mode): start to serving ${serving} ms; RSS ${idleRss.toFixed(0)} MiB serving; after 10 s of v4 task metadata (${Math.round(load.rps)}/s, p99 ${load.p99.toFixed(2)} ms) RSS ${rss.toFixed(0)} MiB; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  } finally {
    await removeAll([...ecs, ...others]);
    await docker.getNetwork(net).remove().catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
