import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/docker/client.ts';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { DockerProxy } from '../support/docker-proxy.ts';
import { httpFrom, removeAll, runContainer, uniqueName } from '../support/docker.ts';

describe('the index recovers when the Docker daemon goes away and comes back', () => {
  const proxy = new DockerProxy();
  let tb: TestBackend;
  const containers: Docker.Container[] = [];

  beforeAll(async () => {
    await proxy.start();
    tb = await startTestBackend({}, { connect: () => connectDocker({ socketPath: proxy.path }) });
  }, 60_000);

  afterAll(async () => {
    await removeAll(containers);
    await tb?.cleanup();
    await proxy.close();
  });

  it('reconnects, resyncs what changed during the outage, and serves it', async () => {
    const before = await runContainer({ name: uniqueName('before'), network: tb.network });
    containers.push(before);
    await inModel(tb, before.id);
    const connectionsBefore = proxy.connections;

    // Outage: the event stream and every other connection drop; new ones are refused.
    proxy.cut();
    await eventually(() => !tb.backend.index.connected, 10_000, 'the index to notice the outage');
    expect(tb.backend.problems().map((p) => p.id)).toContain('docker');

    // While the backend is blind: one container goes away, another one starts.
    await before.remove({ force: true });
    const during = await runContainer({ name: uniqueName('during'), network: tb.network });
    containers.push(during);
    // The data plane still answers from memory meanwhile (the old container is still listed).
    expect(tb.backend.model.byContainerId.has(before.id)).toBe(true);

    proxy.restore();
    await eventually(() => tb.backend.index.connected, 15_000, 'the index to reconnect');
    const entry = await inModel(tb, during.id, 15_000);
    await eventually(() => !tb.backend.model.byContainerId.has(before.id), 10_000, 'the removed container to leave the model');
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    expect(tb.backend.problems().map((p) => p.id)).not.toContain('docker');

    // And the new container is served, stats streams included (they reconnect too).
    const r = await httpFrom(during, `http://${tb.address}/v4/${entry.container.endpointId}`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).DockerId).toBe(during.id);
    await eventually(async () => {
      const s = await httpFrom(during, `http://${tb.address}/v4/${entry.container.endpointId}/stats`);
      return s.status === 200 && JSON.parse(s.body).id === during.id;
    }, 10_000, 'stats for the container started during the outage');
  });
});
