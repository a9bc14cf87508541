/**
 * The benchmarks' caller: a container in a 3-container compose task on the managed network, bound
 * by the address guard, with fake credentials cached, and the URLs it measures.
 */
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { eventually } from '../backend/test/support/backend.ts';
import { httpFrom, runContainer, uniqueName } from '../backend/test/support/docker.ts';

export interface Case { name: string; url: string }

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

