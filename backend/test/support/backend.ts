import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../src/backend.ts';
import { composeBackend, type BackendOptions } from '../../src/main.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { docker, pickSubnet, uniqueName } from './docker.ts';

export interface TestBackend {
  backend: Backend;
  config: Config;
  /** The endpoint address, e.g. 169.254.203.2. */
  address: string;
  network: string;
  stateDir: string;
  /** Stop the backend (keeps the network and state, for restart tests). */
  stop(): Promise<void>;
  /** Stop, remove the network and the state dir. */
  cleanup(): Promise<void>;
}

/**
 * A backend in the host topology on its own network and subnet, so test files can run in
 * parallel on one dockerd. Retries with another subnet if a parallel file took the same one.
 */
export async function startTestBackend(
  env: Record<string, string> = {},
  opts: BackendOptions & { stateDir?: string; network?: string; subnet?: string } = {},
): Promise<TestBackend> {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'ecs-endpoints-test-'));
  const network = opts.network ?? uniqueName('ecs-test-net');
  for (let attempt = 0; ; attempt++) {
    const subnet = opts.subnet ?? (await pickSubnet()).subnet;
    const config = loadConfig({
      ECS_ENDPOINTS_NETWORK: network,
      ECS_ENDPOINTS_SUBNET: subnet,
      ECS_ENDPOINTS_TOPOLOGY: 'host',
      ECS_ENDPOINTS_STATE_DIR: stateDir,
      ECS_ENDPOINTS_LOG_LEVEL: 'warn',
      ...env,
    });
    const backend = composeBackend(config, opts);
    try {
      await backend.start();
    } catch (err) {
      await backend.stop();
      const code = (err as { code?: string }).code;
      if (code === 'subnet-in-use' && !opts.subnet && attempt < 5) continue;
      throw err;
    }
    const stop = () => backend.stop();
    return {
      backend,
      config,
      address: config.address,
      network,
      stateDir,
      stop,
      async cleanup() {
        await backend.dispose();
        const net = docker.getNetwork(network);
        const info = (await net.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
        for (const id of Object.keys(info?.Containers ?? {})) await net.disconnect({ Container: id, Force: true }).catch(() => undefined);
        await net.remove().catch(() => undefined);
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  }
}

/** Poll `fn` until it returns a truthy value or the deadline passes (then throw with the last error). */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait until the backend's model includes the container (events are asynchronous). */
export function inModel(tb: TestBackend, containerId: string, timeoutMs = 10_000) {
  return eventually(() => tb.backend.model.byContainerId.get(containerId), timeoutMs, `container ${containerId.slice(0, 12)} in the task model`);
}
