/**
 * What the data-plane benchmarks share: their preparation (tools, test image, the bundle, a network
 * of their own), the caller (a container in a 3-container compose task on the managed network,
 * bound by the address guard, with fake credentials cached) with the URLs it measures, and one
 * measurement (wrk from the caller's namespace, the serving process's CPU time per request).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { eventually } from '../backend/test/support/backend.ts';
import { httpFrom, runContainer, uniqueName } from '../backend/test/support/docker.ts';
import { buildBackend, cpuUs } from './backend-process.ts';
import { wideSubnet } from './fleet.ts';
import { checkTools, loadCpuWakeups, wrk, type WrkOptions, type WrkResult } from './wrk.ts';

export interface Case { name: string; url: string }

/**
 * Tools, the busybox image and the bundle; a free /23 for a network of its own, the endpoint
 * address on it, and the backend's settings. The agent's limiter (40/s, burst 60 per source IP
 * and path) is lifted: it would answer one busy caller 429.
 */
export async function prepare(prefix: string): Promise<{ net: string; address: string; env: Record<string, string> }> {
  await checkTools();
  await promisify(execFile)(fileURLToPath(new URL('../test/images/build.sh', import.meta.url)), ['busybox']);
  await buildBackend();
  const net = uniqueName(prefix);
  const subnet = await wideSubnet();
  const address = subnet.replace(/\.0\/23$/, '.2');
  return { net, address, env: { ECS_ENDPOINTS_NETWORK: net, ECS_ENDPOINTS_SUBNET: subnet, ECS_ENDPOINTS_DEFAULT_SOURCE: 'fake', ECS_ENDPOINTS_RPS_LIMIT: '1000000000,1000000000' } };
}

/**
 * wrk's figures after a warm-up, the serving process's CPU µs per request over the measured run,
 * and the wake-ups (function-call interrupts) wrk's CPU took per request, when wrk is pinned.
 */
export async function measure(callerPid: number, serverPid: number, url: string, load: WrkOptions): Promise<{ r: WrkResult; cpuUs: number; wakeups?: number }> {
  await wrk(callerPid, url, { ...load, seconds: 2 });
  const before = cpuUs(serverPid);
  const woken = loadCpuWakeups();
  const r = await wrk(callerPid, url, load);
  const after = loadCpuWakeups();
  return { r, cpuUs: (cpuUs(serverPid) - before) / r.requests, ...(woken !== undefined && after !== undefined ? { wakeups: (after - woken) / r.requests } : {}) };
}

/** The caller: in a 3-container compose task, bound by the address guard, with fake credentials cached. */
export async function startCaller(net: string, address: string, containers: Docker.Container[]): Promise<{ caller: Docker.Container; cases: Case[] }> {
  const project = uniqueName('bench');
  const credsId = uniqueName('bench-creds');
  // A declared endpoint id, as ECS sets one: the benchmark knows its caller's URL without asking.
  const endpointId = randomUUID();
  const labels = (service: string) => ({ 'com.docker.compose.project': project, 'com.docker.compose.service': service });
  const caller = await runContainer({
    name: uniqueName('bench-caller'),
    network: net,
    labels: labels('caller'),
    env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${credsId}`, ECS_CONTAINER_METADATA_URI_V4: `http://${address}/v4/${endpointId}` },
  });
  containers.push(caller);
  for (const s of ['svc1', 'svc2']) containers.push(await runContainer({ name: uniqueName('bench-task'), network: net, labels: labels(s) }));
  const base = `http://${address}/v4/${endpointId}`;
  const cases: Case[] = [
    { name: 'v4 container metadata', url: base },
    { name: 'v4 task metadata', url: `${base}/task` },
    { name: '/creds (from cache)', url: `http://${address}/creds` },
    { name: '/v2/credentials/<id> (from cache)', url: `http://${address}/v2/credentials/${credsId}` },
    { name: 'v4 container stats (from cache)', url: `${base}/stats` },
  ];
  // Each answers 200 before the load: the caller in the model and bound by the address guard,
  // its task complete, credentials fetched and cached, a stats sample taken.
  const taskSize = async () => (JSON.parse((await httpFrom(caller, `${base}/task`)).body || '{}') as { Containers?: unknown[] }).Containers?.length;
  await eventually(async () => (await taskSize()) === 3, 30_000, "the caller's task");
  for (const c of cases) await eventually(async () => (await httpFrom(caller, c.url)).status === 200, 30_000, `200 from ${c.url}`);
  return { caller, cases };
}

/** The bytes of an answer on the wire (status line, headers, body), as the caller gets it. */
export async function wireBytes(caller: Docker.Container, url: string): Promise<number> {
  return Buffer.byteLength((await httpFrom(caller, url)).raw);
}

