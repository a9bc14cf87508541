import Docker from 'dockerode';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * The newest Engine API version this code is written against. Engine 29 refuses versions below
 * 1.44 and Engine 20.10 speaks at most 1.41, so we ask the daemon and use the lower of its
 * version and ours (the same negotiation the docker CLI does).
 */
export const MAX_API_VERSION = '1.47';

export interface DockerConnection {
  docker: Docker;
  apiVersion: string;
  engineVersion: string;
}

function cmp(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

export function negotiate(serverApi: string, serverMin?: string): string {
  const chosen = cmp(serverApi, MAX_API_VERSION) < 0 ? serverApi : MAX_API_VERSION;
  if (serverMin && cmp(chosen, serverMin) < 0) return serverMin;
  return chosen;
}

/** Docker connection options from DOCKER_HOST (unix://, tcp://) or the default socket. */
export function dockerOptions(env: Record<string, string | undefined> = process.env): Docker.DockerOptions {
  const host = env.DOCKER_HOST;
  if (!host) return { socketPath: '/var/run/docker.sock' };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const u = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: u.hostname, port: Number(u.port || 2375), protocol: 'http' };
}

export async function connectDocker(options: Docker.DockerOptions = dockerOptions()): Promise<DockerConnection> {
  // /version is served unversioned, so this first call works on every Engine.
  const probe = new Docker({ ...options, timeout: 5000 });
  const v = (await probe.version()) as { ApiVersion: string; MinAPIVersion?: string; Version: string };
  const apiVersion = negotiate(v.ApiVersion, v.MinAPIVersion);
  return { docker: new Docker({ ...options, version: `v${apiVersion}` }), apiVersion, engineVersion: v.Version };
}

/**
 * For ECS_ENDPOINTS_TOPOLOGY=auto: are we a container of the engine we manage (then we join the
 * network ourselves), or a process on its host? Being in *some* container is not enough (a dev
 * container, CI runners, docker-in-docker), so ask the engine about our own hostname. If the
 * engine does not answer yet, Docker Desktop's extension mount decides.
 */
export async function detectTopology(self = hostname(), options: Docker.DockerOptions = dockerOptions()): Promise<'host' | 'container'> {
  try {
    const probe = new Docker({ ...options, timeout: 3000 });
    const info = await probe.getContainer(self).inspect();
    return info.State?.Running ? 'container' : 'host';
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return 'host';
    return existsSync('/run/guest-services') ? 'container' : 'host';
  }
}
