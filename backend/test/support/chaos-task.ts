import type Docker from 'dockerode';
import { BUSYBOX, docker, exec, uniqueName } from './docker.ts';
import { eventually, inModel, type TestBackend } from './backend.ts';

/**
 * The fault-injection tests' task: an awsvpc-style pair (a pause container marked with
 * ecs-endpoints.fault-injection=true holding the namespace, an app joined to it), a peer serving
 * TCP 8080 on the test network and an unmarked container; all in the model, the peer accepting.
 */
export interface ChaosTask {
  pause: Docker.Container;
  app: Docker.Container;
  plain: Docker.Container;
  peer: Docker.Container;
  peerIp: string;
  /** Everything started, for removeAll. */
  created: Docker.Container[];
  /** A TCP connection from the task to the peer's port 8080: true if it was accepted within 2 s. */
  connects(): Promise<boolean>;
}

export async function startChaosTask(tb: TestBackend, created: Docker.Container[] = []): Promise<ChaosTask> {
  const create = async (opts: Docker.ContainerCreateOptions) => {
    const c = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', ...opts, Labels: { 'ecs-endpoints-test': 'true', ...(opts.Labels ?? {}) } });
    created.push(c);
    await c.start();
    return c;
  };
  const net = tb.network;
  const task = uniqueName('chaos');
  const peer = await create({ name: uniqueName('peer'), Cmd: ['httpd', '-f', '-p', '8080'], HostConfig: { NetworkMode: net } });
  const pause = await create({ name: uniqueName('chaos-pause'), Labels: { 'ecs-endpoints.task': task, 'ecs-endpoints.fault-injection': 'true' }, HostConfig: { NetworkMode: net } });
  const app = await create({ name: uniqueName('chaos-app'), Labels: { 'ecs-endpoints.task': task }, HostConfig: { NetworkMode: `container:${pause.id}` } });
  const plain = await create({ name: uniqueName('plain'), HostConfig: { NetworkMode: net } });
  const peerIp = (await peer.inspect()).NetworkSettings.Networks[net]!.IPAddress;
  for (const c of [peer, pause, app, plain]) await inModel(tb, c.id);
  const connects = async () => (await exec(app, ['nc', '-w', '2', peerIp, '8080'])).code === 0;
  // The peer listens before anything is measured.
  await eventually(connects, 10_000, 'the peer to accept connections');
  return { pause, app, plain, peer, peerIp, created, connects };
}
