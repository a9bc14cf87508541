/**
 * Service discovery names (network aliases on the managed network), set through the control API
 * the UI calls: they resolve from another attached container, are refused with the holder's name
 * when taken, come from labels too, and survive a backend restart and a compose-style recreation
 * (the container removed and created again under its name).
 */
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, ContainerView } from '@ecs-endpoints/contract';
import { startControlServer, type ControlServer } from '../../src/control/index.ts';
import { controlClient, type ControlClient } from '../../../e2e/support/control-client.ts';
import { docker, exec, httpFrom, removeAll, runContainer, uniqueName } from '../support/docker.ts';
import { eventually, startTestBackend, type TestBackend } from '../support/backend.ts';

let tb: TestBackend;
let cs: ControlServer;
let api: ControlClient;
const created: (Docker.Container | string)[] = [];
const SERVE = ['sh', '-c', 'mkdir -p /www && echo "$(hostname) answers" > /www/index.html && exec httpd -f -p 8080 -h /www'];

async function start(stateDir?: string, network?: string, subnet?: string): Promise<void> {
  tb = await startTestBackend({}, { ...(stateDir ? { stateDir } : {}), ...(network ? { network } : {}), ...(subnet ? { subnet } : {}) });
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
  api = controlClient(cs.url, cs.token!);
}

async function view(id: string): Promise<ContainerView | undefined> {
  return (await api.call<ContainerView[]>('GET', '/api/containers')).body.find((c) => c.id === id);
}

async function ipOf(id: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  return info.NetworkSettings.Networks[tb.network]!.IPAddress;
}

/**
 * What `http://<name>:8080/` answers from inside `from`: the name resolved by Docker's resolver
 * (busybox nslookup: the static test busybox's wget crashes in glibc's resolver), then fetched with nc.
 */
async function fetchFrom(from: string, name: string): Promise<string> {
  const ip = await resolvesTo(from, name);
  if (!ip) return `"${name}" does not resolve`;
  const r = await httpFrom(from, `http://${ip}:8080/`);
  return r.status === 200 ? r.body.trim() : `status ${r.status}`;
}

/** The address Docker's resolver gives `name` inside `from`, if any. */
async function resolvesTo(from: string, name: string): Promise<string | undefined> {
  const r = await exec(from, ['nslookup', name]);
  return r.code === 0 ? /Address(?: \d+)?:\s*(169\.254\.\d+\.\d+)\s*$/m.exec(r.stdout.split(/Name:/)[1] ?? '')?.[1] : undefined;
}

let orders: Docker.Container;
let client: Docker.Container;
let ordersName: string;
let inventory: Docker.Container;

beforeAll(async () => {
  await start();
  ordersName = uniqueName('orders');
  orders = await runContainer({ name: ordersName, network: tb.network, cmd: SERVE });
  client = await runContainer({ name: uniqueName('client'), network: tb.network });
  created.push(orders, client);
  await eventually(() => tb.backend.model.byContainerId.get(orders.id) && tb.backend.model.byContainerId.get(client.id), 10_000, 'both in the model');
}, 120_000);

afterAll(async () => {
  await cs?.close();
  await removeAll(created);
  await tb?.cleanup();
});

describe('discovery names', () => {
  it('set through the API, they resolve from another attached container', async () => {
    const r = await api.call<{ container: ContainerView }>('PUT', `/api/containers/${orders.id}/discovery-names`, { names: ['orders', 'orders.local'] });
    expect(r.status, r.text).toBe(200);
    expect(r.body.container.discovery.names).toEqual([
      { name: 'orders', origin: 'own', active: true },
      { name: 'orders.local', origin: 'own', active: true },
    ]);
    expect(await fetchFrom(client.id, 'orders.local')).toBe(`${orders.id.slice(0, 12)} answers`);
    expect(await resolvesTo(client.id, 'orders')).toBe(await ipOf(orders.id));
    expect(tb.backend.discoveryNames.get(ordersName)).toEqual(['orders', 'orders.local']);
  });

  it('a name another container holds is refused with its name; so is another container\'s name', async () => {
    const taken = await api.call<ApiError>('PUT', `/api/containers/${client.id}/discovery-names`, { names: ['billing.local', 'orders.local'] });
    expect(taken.status, taken.text).toBe(409);
    expect(taken.body.error).toBe(`The name "orders.local" is already taken on the managed network by "${ordersName}".`);
    expect(taken.body.remedy).toContain(`remove "orders.local" from "${ordersName}"`);
    const byName = await api.call<ApiError>('PUT', `/api/containers/${client.id}/discovery-names`, { names: [ordersName] });
    expect(byName.status).toBe(409);
    // Nothing of the refused request was kept or applied.
    expect(tb.backend.discoveryNames.get((await client.inspect()).Name.slice(1))).toEqual([]);
    expect(await resolvesTo(orders.id, 'billing.local')).toBeUndefined();
    const bad = await api.call<ApiError>('PUT', `/api/containers/${client.id}/discovery-names`, { names: ['Orders_Local'] });
    expect(bad.status).toBe(400);
    expect(bad.body.issues?.[0]?.path).toBe('names.0');
  });

  it('a label gives names; one that collides is shown as held, not applied', async () => {
    inventory = await runContainer({ name: uniqueName('inventory'), network: tb.network, cmd: SERVE, labels: { 'ecs-endpoints.discovery-names': 'inventory.local, orders.local' } });
    created.push(inventory);
    const v = await eventually(async () => {
      const c = await view(inventory.id);
      return c?.discovery.names.find((n) => n.name === 'inventory.local')?.active ? c : undefined;
    }, 15_000, 'the label\'s name applied');
    expect(v.discovery.names).toEqual([
      { name: 'inventory.local', origin: 'label', active: true },
      { name: 'orders.local', origin: 'label', active: false, heldBy: ordersName },
    ]);
    expect(await fetchFrom(client.id, 'inventory.local')).toBe(`${inventory.id.slice(0, 12)} answers`);
    expect(await fetchFrom(client.id, 'orders.local')).toBe(`${orders.id.slice(0, 12)} answers`);
  });

  it('survive a backend restart', async () => {
    const { stateDir, network } = tb;
    const subnet = tb.config.subnet.cidr;
    await cs.close();
    await tb.stop();
    await start(stateDir, network, subnet);
    const v = await eventually(() => view(orders.id), 10_000, 'listed after the restart');
    expect(v.discovery.names.map((n) => [n.name, n.active])).toEqual([['orders', true], ['orders.local', true]]);
    expect(await fetchFrom(client.id, 'orders.local')).toBe(`${orders.id.slice(0, 12)} answers`);
  });

  it('follow the container when it is recreated under its name (docker compose up)', async () => {
    await orders.remove({ force: true });
    const again = await runContainer({ name: ordersName, network: tb.network, cmd: SERVE });
    created.push(again);
    await eventually(async () => (await fetchFrom(client.id, 'orders.local')) === `${again.id.slice(0, 12)} answers`, 15_000, 'orders.local on the new container');
    expect(await resolvesTo(client.id, 'orders')).toBe(await ipOf(again.id));
    orders = again;
  });

  it('a removed name stops resolving to it, and the container whose label asked for it gets it', async () => {
    const r = await api.call<{ container: ContainerView }>('PUT', `/api/containers/${orders.id}/discovery-names`, { names: ['orders'] });
    expect(r.status, r.text).toBe(200);
    expect(r.body.container.discovery.names).toEqual([{ name: 'orders', origin: 'own', active: true }]);
    expect(await resolvesTo(client.id, 'orders')).toBe(await ipOf(orders.id));
    await eventually(async () => (await fetchFrom(client.id, 'orders.local')) === `${inventory.id.slice(0, 12)} answers`, 15_000, 'orders.local on the labelled container');
    expect((await exec(client.id, ['nslookup', 'orders.local'])).stdout).not.toContain(await ipOf(orders.id));
    expect((await view(inventory.id))?.discovery.names).toEqual([
      { name: 'inventory.local', origin: 'label', active: true },
      { name: 'orders.local', origin: 'label', active: true },
    ]);
  });
});
