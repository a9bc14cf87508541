/**
 * Stats cost nothing until asked for (issue 13): with containers in ECS mode and no reader, no
 * stats stream is open; the first request from a container is answered with a real sample (a
 * one-shot one), and only that container's stream opens.
 */
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { jsonFrom, removeAll, runContainer, uniqueName } from '../support/docker.ts';

let tb: TestBackend;
const containers: Docker.Container[] = [];
const endpoints: string[] = [];

beforeAll(async () => {
  tb = await startTestBackend();
  for (let i = 0; i < 6; i++) {
    const endpoint = randomUUID();
    endpoints.push(endpoint);
    containers.push(await runContainer({ name: uniqueName('stats-idle'), network: tb.network, env: { ECS_CONTAINER_METADATA_URI_V4: `http://${tb.address}/v4/${endpoint}` } }));
  }
  for (const c of containers) await inModel(tb, c.id);
}, 120_000);

afterAll(async () => {
  await removeAll(containers);
  await tb?.cleanup();
});

it('opens no stats stream while nobody asks, and answers the first request with a real sample', async () => {
  expect(tb.backend.stats.isTracked(containers[0]!.id)).toBe(true);
  expect(tb.backend.stats.streams).toBe(0);
  const s = await jsonFrom<Record<string, any>>(containers[2]!, `http://${tb.address}/v4/${endpoints[2]}/stats`); // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(s.id).toBe(containers[2]!.id);
  expect(Date.parse(s.read)).toBeGreaterThan(0);
  expect(s.memory_stats.usage).toBeGreaterThan(0);
  expect(tb.backend.stats.streams).toBe(1);
});
