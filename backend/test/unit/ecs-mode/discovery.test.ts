import { describe, expect, it } from 'vitest';
import { DiscoveryConflictError, DiscoveryNames } from '../../../src/ecs-mode/discovery.ts';
import type { ContainerRecord, TaskModel } from '../../../src/tasks/types.ts';

const NET = 'ecs-endpoints';
let n = 0;
function rec(name: string, o: { labels?: Record<string, string>; aliases?: string[]; network?: boolean; networkMode?: string } = {}): ContainerRecord {
  n++;
  return {
    id: `${name}-id`.padEnd(64, '0'), name, image: 'img', imageId: 'sha256:1', created: `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`, state: 'running',
    restartCount: 0, restartPolicy: 'no', labels: o.labels ?? {}, env: {}, networkMode: o.networkMode ?? NET,
    networks: o.network === false ? [] : [{ name: NET, networkId: 'n', ip: `169.254.170.${100 + n}`, prefixLen: 24, gateway: '169.254.170.1', mac: 'm', aliases: o.aliases ?? [] }],
    ports: [], mounts: [], logDriver: 'json-file', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0,
  };
}

function setup(records: ContainerRecord[], own: Record<string, string[]> = {}, members: [member: string, owner: string][] = []) {
  const calls: { id: string; add: string[]; remove: string[] }[] = [];
  const asked = { presets: 0 };
  const model = { byContainerId: new Map(members.map(([m, o]) => [m, { container: { via: 'namespace', namespaceOwnerId: o } }])) } as unknown as TaskModel;
  const d = new DiscoveryNames({
    network: NET,
    records: () => records,
    model: () => model,
    own: (name) => own[name] ?? [],
    setOwn: (name, names) => {
      own[name] = names;
    },
    reservedBy: (name) => Object.entries(own).find(([, v]) => v.includes(name))?.[0],
    preset: () => (asked.presets++, []),
    setAliases: async (id, add, remove) => {
      calls.push({ id, add, remove });
      const r = records.find((x) => x.id === id)!;
      const net = r.networks[0]!;
      net.aliases = [...(net.aliases ?? []).filter((a) => !remove.includes(a)), ...add];
    },
    refresh: async () => undefined,
  });
  return { d, calls, own, asked };
}

const label = (names: string) => ({ 'ecs-endpoints.discovery-names': names });

describe('discovery names', () => {
  it('the oldest container asking keeps a name; the younger one sees who holds it; compose replicas share theirs', async () => {
    const compose = { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'orders' };
    const a = rec('a', { labels: label('orders.local') });
    const b = rec('b', { labels: label('orders.local, b.local') });
    const r1 = rec('shop-orders-1', { labels: { ...compose, ...label('shop.local') } });
    const r2 = rec('shop-orders-2', { labels: { ...compose, ...label('shop.local') } });
    const { d, calls } = setup([a, b, r1, r2]);
    d.reconcile();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([
      { id: a.id, add: ['orders.local'], remove: [] },
      { id: b.id, add: ['b.local'], remove: [] },
      { id: r1.id, add: ['shop.local'], remove: [] },
      { id: r2.id, add: ['shop.local'], remove: [] },
    ]);
    expect(d.view(b)).toEqual([
      { name: 'orders.local', origin: 'label', active: false, heldBy: 'a' },
      { name: 'b.local', origin: 'label', active: true },
    ]);
  });

  it('a person\'s names are refused when another container has the name, or keeps it as its own while gone', async () => {
    const a = rec('a', { aliases: ['api'] });
    const b = rec('b');
    const { d } = setup([a, b], { gone: ['kept.local'] });
    await expect(d.setOwn(b, ['a'])).rejects.toThrow(new DiscoveryConflictError('a', 'a'));
    await expect(d.setOwn(b, ['api'])).rejects.toThrow('The name "api" is already taken on the managed network by "a".');
    await expect(d.setOwn(b, ['kept.local'])).rejects.toThrow('by "gone"');
    // A label cannot take a name kept for a container that is gone (it comes back under its name).
    const c = rec('c', { labels: label('kept.local') });
    const s = setup([c], { gone: ['kept.local'] });
    expect(s.d.view(c)).toEqual([{ name: 'kept.local', origin: 'label', active: false, heldBy: 'gone' }]);
  });

  it('names of containers sharing a namespace go to its owner; removed names are taken off', async () => {
    const pause = rec('pause');
    const app = rec('app', { network: false, networkMode: `container:${pause.id}` });
    const { d, calls, own } = setup([pause, app], {}, [[app.id, pause.id]]);
    await d.setOwn(app, ['app.local', 'api.local']);
    expect(own.app).toEqual(['app.local', 'api.local']);
    expect(calls.at(-1)).toEqual({ id: pause.id, add: ['app.local', 'api.local'], remove: [] });
    expect(d.view(pause)).toEqual([
      { name: 'app.local', origin: 'member', active: true },
      { name: 'api.local', origin: 'member', active: true },
    ]);
    expect(d.view(app)).toEqual([
      { name: 'app.local', origin: 'own', active: true },
      { name: 'api.local', origin: 'own', active: true },
    ]);
    await d.setOwn(app, ['app.local']);
    expect(calls.at(-1)).toEqual({ id: pause.id, add: [], remove: ['api.local'] });
    expect(pause.networks[0]!.aliases).toEqual(['app.local']);
  });
});

describe('discovery names with many containers', () => {
  it('works the plan out once for a model change and once for a listing, not once per container', async () => {
    const records = Array.from({ length: 100 }, (_, i) => rec(`many-${i}`, { labels: label(`svc${i}.local`) }));
    const { d, calls, asked } = setup(records);
    d.reconcile();
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(100);
    // Each container's wanted names are asked for a bounded number of times, not 100 times over.
    asked.presets = 0;
    d.reconcile();
    await new Promise((r) => setImmediate(r));
    expect(asked.presets).toBeLessThanOrEqual(2 * records.length);
    asked.presets = 0;
    const views = records.map((r) => d.view(r));
    expect(views[42]).toEqual([{ name: 'svc42.local', origin: 'label', active: true }]);
    expect(asked.presets).toBeLessThanOrEqual(3 * records.length);
  });
});
