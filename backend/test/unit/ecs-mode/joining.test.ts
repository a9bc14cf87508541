import { afterEach, describe, expect, it, vi } from 'vitest';
import { JOINING_MS, JoiningContainers } from '../../../src/ecs-mode/joining.ts';
import type { ContainerRecord } from '../../../src/tasks/types.ts';

const BRIDGE_IP = '172.17.0.5';

function record(state: ContainerRecord['state'], ips: string[]): ContainerRecord {
  return {
    id: 'c1', name: 'app', image: 'img', imageId: 'sha256:1', created: '2026-01-01T00:00:00Z', state, restartCount: 0, restartPolicy: 'no', labels: {}, env: {},
    networkMode: 'bridge', networks: ips.map((ip, i) => ({ name: `n${i}`, networkId: `n${i}`, ip, prefixLen: 16, gateway: '', mac: '' })),
    ports: [], mounts: [], logDriver: 'json-file', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0,
  };
}

/** Docker's view: the record as created (no addresses), and what a fresh look returns. */
function docker(fresh: ContainerRecord | undefined) {
  const refreshed: string[] = [];
  return {
    refreshed,
    deps: { get: () => record('created', []), refresh: async (id: string) => (refreshed.push(id), fresh) },
  };
}

afterEach(() => vi.useRealTimers());

describe('containers joining the managed network on their create event', () => {
  it('answer false at once when none was attached lately', () => {
    const j = new JoiningContainers(docker(undefined).deps);
    expect(j.joinedFrom(BRIDGE_IP)).toBe(false);
  });

  it('recognise the other address of one attached a moment ago, from a fresh look at it', async () => {
    const d = docker(record('running', [BRIDGE_IP, '169.254.170.9']));
    const j = new JoiningContainers(d.deps);
    j.add('c1', Promise.resolve(true));
    expect(await j.joinedFrom(BRIDGE_IP)).toBe(true);
    expect(d.refreshed).toEqual(['c1']);
  });

  it('do not stand for another address, and look at the container at most once a second however often they are asked', async () => {
    let now = 1_000_000;
    const d = docker(record('running', [BRIDGE_IP]));
    const j = new JoiningContainers(d.deps, () => now);
    j.add('c1', Promise.resolve(true));
    for (let i = 0; i < 5; i++) expect(await j.joinedFrom('172.17.0.99')).toBe(false);
    expect(d.refreshed).toHaveLength(1);
    now += 1000;
    expect(await j.joinedFrom('172.17.0.99')).toBe(false);
    expect(d.refreshed).toHaveLength(2);
  });

  it('ask the Engine only about containers the index still knows as created, never about ones it saw start', async () => {
    const refreshed: string[] = [];
    const j = new JoiningContainers({ get: () => record('running', [BRIDGE_IP]), refresh: async (id) => (refreshed.push(id), undefined) });
    j.add('c1', Promise.resolve(true));
    expect(await j.joinedFrom(BRIDGE_IP)).toBe(true);
    for (let i = 0; i < 3; i++) expect(await j.joinedFrom('172.17.0.99')).toBe(false);
    expect(refreshed).toEqual([]);
  });

  it('do not count a container whose attach failed, or one no longer running', async () => {
    const failed = new JoiningContainers(docker(record('running', [BRIDGE_IP])).deps);
    failed.add('c1', Promise.resolve(false));
    expect(await failed.joinedFrom(BRIDGE_IP)).toBe(false);
    const stopped = new JoiningContainers(docker(record('exited', [BRIDGE_IP])).deps);
    stopped.add('c1', Promise.resolve(true));
    expect(await stopped.joinedFrom(BRIDGE_IP)).toBe(false);
  });

  it('forget a container once its window has passed', () => {
    let now = 1_000_000;
    const j = new JoiningContainers(docker(record('running', [BRIDGE_IP])).deps, () => now);
    j.add('c1', Promise.resolve(true));
    now += JOINING_MS + 1;
    expect(j.joinedFrom(BRIDGE_IP)).toBe(false);
  });

  it('keep a caller waiting for an attach still under way only for a bounded time', async () => {
    vi.useFakeTimers();
    const j = new JoiningContainers(docker(record('running', [BRIDGE_IP])).deps);
    j.add('c1', new Promise<boolean>(() => undefined));
    const answer = j.joinedFrom(BRIDGE_IP);
    expect(answer).toBeInstanceOf(Promise);
    let settled: boolean | undefined;
    void (answer as Promise<boolean>).then((v) => (settled = v));
    await vi.advanceTimersByTimeAsync(2900);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    expect(settled).toBe(false);
  });
});
