import { afterEach, describe, expect, it, vi } from 'vitest';
import { AddressGuard } from '../../../src/docker/address-guard.ts';
import type { GuardOutcome, GuardPlan } from '../../../src/docker/guard/apply.ts';
import type { GuardRunner } from '../../../src/docker/guard/runner.ts';
import { captureLogs } from '../../../src/log.ts';
import type { ContainerRecord } from '../../../src/tasks/types.ts';

const NET = 'ecs-endpoints';
const IP = '169.254.170.140';

const record: ContainerRecord = {
  id: 'c1', name: 'app', image: 'img', imageId: 'sha256:1', created: '2026-01-01T00:00:00Z', state: 'running', pid: 4242, restartCount: 0, restartPolicy: 'no',
  labels: {}, env: {}, networkMode: 'bridge', networks: [{ name: NET, networkId: 'n', ip: IP, prefixLen: 24, gateway: '169.254.170.1', mac: '02:42:a9:fe:aa:8c' }],
  ports: [], mounts: [], logDriver: 'json-file', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0,
};

/** A runner that reports the container's interface missing for the first `missing` applies. */
function runner(missing: number, reason = `no interface with MAC 02:42:a9:fe:aa:8c in the container's network namespace`) {
  const applies: GuardPlan[] = [];
  const r: GuardRunner & { applies: GuardPlan[] } = {
    where: 'test',
    applies,
    async apply(plan): Promise<GuardOutcome> {
      applies.push(plan);
      const target = plan.targets.find((t) => t.ip === IP)!;
      if (applies.length <= missing) return { bound: [], unresolved: [{ ip: IP, reason }] };
      return { bound: [{ ip: IP, mac: target.mac!, port: 'veth1' }], unresolved: [] };
    },
    async remove() {},
  };
  return r;
}

async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const guards: AddressGuard[] = [];
afterEach(async () => {
  for (const g of guards.splice(0)) await g.stop();
});

function guardWith(r: GuardRunner): AddressGuard {
  const g = new AddressGuard(r, { network: NET, bridge: () => 'br-test', reserved: () => ['169.254.170.1'], records: () => [record], networks: async () => [NET] });
  guards.push(g);
  return g;
}

describe('AddressGuard, a container whose interface is not there yet', () => {
  it('is looked at again on its own shortly after, and bound without a warning', async () => {
    const logs: string[] = [];
    const restore = captureLogs(logs);
    try {
      const r = runner(2);
      const g = guardWith(r);
      await g.sync();
      expect(g.status.state).toBe('enforced');
      expect(g.isBound(IP, record)).toBe(false);
      // Nothing else changes: the guard tries again by itself.
      await until(() => g.isBound(IP, record));
      expect(r.applies).toHaveLength(3);
      expect(logs.filter((l) => l.includes('not bound'))).toEqual([]);
    } finally {
      restore();
    }
  });

  it('is warned about once after a few tries when it stays unbound, and not tried forever', async () => {
    vi.useFakeTimers();
    const logs: string[] = [];
    const restore = captureLogs(logs);
    try {
      const r = runner(Infinity);
      const g = guardWith(r);
      await g.sync();
      // Ten seconds of guard time: three tries a quarter second apart, then quiet until a change.
      await vi.advanceTimersByTimeAsync(10_000);
      expect(r.applies).toHaveLength(4);
      expect(logs.filter((l) => l.includes('not bound'))).toHaveLength(1);
      expect(g.isBound(IP, record)).toBe(false);
    } finally {
      restore();
      vi.useRealTimers();
    }
  });

  it('tries each address on its own: one that stays unbound neither uses up the tries of a newcomer nor is looked at again on every change', async () => {
    vi.useFakeTimers();
    const logs: string[] = [];
    const restore = captureLogs(logs);
    const IP2 = '169.254.170.141';
    const second: ContainerRecord = { ...record, id: 'c2', name: 'second', pid: 4343, networks: [{ ...record.networks[0]!, ip: IP2, mac: '02:42:a9:fe:aa:8d' }] };
    const records = [record];
    // The first never binds (it changed its MAC); the second is missing for its first two looks.
    const looks = new Map<string, number>();
    const applies: GuardPlan[] = [];
    const r: GuardRunner = {
      where: 'test',
      async apply(plan): Promise<GuardOutcome> {
        applies.push(plan);
        const out: GuardOutcome = { bound: [], unresolved: [] };
        for (const t of plan.targets.filter((x) => x.ip === IP || x.ip === IP2)) {
          const n = (looks.get(t.ip) ?? 0) + 1;
          looks.set(t.ip, n);
          if (t.ip === IP || n <= 2) out.unresolved.push({ ip: t.ip, reason: 'no interface with its MAC' });
          else out.bound.push({ ip: t.ip, mac: t.mac!, port: 'veth2' });
        }
        return out;
      },
      async remove() {},
    };
    const g = new AddressGuard(r, { network: NET, bridge: () => 'br-test', reserved: () => ['169.254.170.1'], records: () => records, networks: async () => [NET] });
    guards.push(g);
    try {
      await g.sync();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(applies).toHaveLength(4);
      const warned = () => logs.filter((l) => l.includes('not bound'));
      expect(warned()).toHaveLength(1);

      // A change with nothing new unbound: one apply, no more looks for the one already warned about.
      g.request();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(applies).toHaveLength(5);

      // A newcomer still gets its looks, and is bound on its third without a warning.
      records.push(second);
      g.request();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(g.isBound(IP2, second)).toBe(true);
      expect(applies).toHaveLength(8);
      expect(warned()).toHaveLength(1);
      expect(warned()[0]).toContain(IP);
    } finally {
      restore();
      vi.useRealTimers();
    }
  });
});
