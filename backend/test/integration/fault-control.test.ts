/**
 * The faults running in a task, as the control API shows and stops them, on the real Docker
 * Engine: an awsvpc-style task (a pause container holding the namespace, an app joined to it)
 * marked for fault injection starts faults through the agent's routes; /api/faults and the live
 * containers event show them; DELETE stops them with the agent's stop, after which the task's
 * real connections work again and its namespace holds none of our rules. A fault the app stops
 * itself, and the faults of a task that stopped, are gone from the list too. The fault routes
 * allow one request per 5 s per caller and path, so each start here uses its own caller and path.
 */
import { execFileSync } from 'node:child_process';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerView, LiveEvent, TaskFaultsView } from '@ecs-endpoints/contract';
import { startControlServer, type ControlServer } from '../../src/control/index.ts';
import { controlClient, openEvents, type ControlClient, type SseReader } from '../../../e2e/support/control-client.ts';
import { httpFrom, removeAll } from '../support/docker.ts';
import { eventually, startTestBackend, type TestBackend } from '../support/backend.ts';
import { startChaosTask } from '../support/chaos-task.ts';

let tb: TestBackend;
let cs: ControlServer;
let api: ControlClient;
let events: SseReader;
const created: Docker.Container[] = [];
let pause: Docker.Container, app: Docker.Container, plain: Docker.Container, peer: Docker.Container;
let taskId = '';

const faultUrl = (fault: string, action: string) => `http://${tb.address}/api/${tb.backend.model.byContainerId.get(app.id)!.container.endpointId}/fault/v1/${fault}/${action}`;
/** $ECS_AGENT_URI/fault/v1/… of the task, called from a container (the app itself, or another on the network). */
async function agent(from: Docker.Container, fault: string, action: string, body?: object): Promise<string> {
  const r = await httpFrom(from, faultUrl(fault, action), { method: 'POST', body: body ? JSON.stringify(body) : undefined });
  expect(r.status, r.body).toBe(200);
  return r.body;
}
/** A TCP connection from the task to the peer's port 8080: true if it was accepted within 2 s. */
let connects: () => Promise<boolean>;
/** What the task's namespace holds: its IPv4 and IPv6 rules and its queueing disciplines, read on the host. */
async function namespace(): Promise<{ v4: string[]; v6: string[]; qdiscs: string }> {
  const pid = String((await pause.inspect()).State.Pid);
  const run = (...argv: string[]) => execFileSync('nsenter', ['-t', pid, '-n', ...argv], { encoding: 'utf8' });
  const rules = (tool: string) => run(tool, '-S').split('\n').filter(Boolean);
  return { v4: rules('iptables'), v6: rules('ip6tables'), qdiscs: run('tc', 'qdisc', 'show') };
}
/** No chain, rule or prio/netem hierarchy of ours: only the tables' default policies. */
async function expectClean(): Promise<void> {
  const ns = await namespace();
  expect(ns.v4).toEqual(['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT']);
  expect(ns.v6).toEqual(['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT']);
  expect(ns.qdiscs).not.toMatch(/prio 1:|netem/);
}
const list = async () => (await api.call<TaskFaultsView[]>('GET', '/api/faults')).body;
const faultIds = async () => (await list()).flatMap((t) => t.faults.map((f) => f.id));
/** The app's row in a containers event, once its task's faults are `ids`. */
const appRowWith = (ids: string[]) => (e: LiveEvent) =>
  e.type === 'containers' && JSON.stringify(e.containers.find((c: ContainerView) => c.id === app.id)?.task?.faults?.map((f) => f.id) ?? []) === JSON.stringify(ids);

beforeAll(async () => {
  tb = await startTestBackend();
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
  api = controlClient(cs.url, cs.token!);
  events = await openEvents(cs.url, cs.token);
  ({ pause, app, plain, peer, connects } = await startChaosTask(tb, created));
  taskId = tb.backend.model.byContainerId.get(app.id)!.task.id;
}, 60_000);

afterAll(async () => {
  events?.close();
  await cs?.close();
  await removeAll(created);
  await tb?.cleanup();
});

describe('the control API and the faults running in a task', () => {
  it('shows a blackhole the app started, and stops it for real', async () => {
    const from = events.events.length;
    expect(await agent(app, 'network-blackhole-port', 'start', { Port: 8080, Protocol: 'tcp', TrafficType: 'egress' })).toBe('{"Status":"running"}');
    expect(await connects()).toBe(false);
    const listed = await list();
    expect(listed).toEqual([{
      taskId, taskArn: expect.stringMatching(new RegExp(`/${taskId}$`)), family: expect.any(String), revision: expect.any(String),
      containers: expect.arrayContaining([(await app.inspect()).Name.slice(1)]),
      faults: [{ id: 'network-blackhole-port-egress-tcp-8080', type: 'network-blackhole-port', startedAt: expect.any(String), request: { Port: 8080, Protocol: 'tcp', TrafficType: 'egress', SourcesToFilter: [] } }],
    }]);
    // Pushed to live clients with the app's row (the UI's chip).
    await events.waitFor(appRowWith(['network-blackhole-port-egress-tcp-8080']), 5000, 'the app\'s row with the blackhole', from);

    const stop = await api.call<TaskFaultsView>('DELETE', `/api/faults/${taskId}/network-blackhole-port-egress-tcp-8080`);
    expect([stop.status, stop.body.faults]).toEqual([200, []]);
    expect(await connects()).toBe(true);
    await expectClean();
    expect(await list()).toEqual([]);
    await events.waitFor(appRowWith([]), 5000, 'the app\'s row without faults', from + 1);
    // Once stopped, the agent's status says so too.
    const status = await fetch(faultUrl('network-blackhole-port', 'status'), { method: 'POST', body: '{"Port":8080,"Protocol":"tcp","TrafficType":"egress"}' });
    expect(await status.text()).toBe('{"Status":"not-running"}');
    const again = await api.call('DELETE', `/api/faults/${taskId}/network-blackhole-port-egress-tcp-8080`);
    expect([again.status, (again.body as { error: string }).error]).toEqual([404, expect.stringContaining('has no running fault "network-blackhole-port-egress-tcp-8080"')]);
  }, 40_000);

  it('forgets a fault the app stopped itself through the agent\'s route', async () => {
    expect(await agent(app, 'network-packet-loss', 'start', { LossPercent: 100, Sources: ['192.0.2.1/32'] })).toBe('{"Status":"running"}');
    expect(await faultIds()).toEqual(['network-packet-loss']);
    expect((await list())[0]!.faults[0]!.request).toEqual({ LossPercent: 100, Sources: ['192.0.2.1/32'], SourcesToFilter: [], FlowsPercent: 100 });
    expect(await agent(app, 'network-packet-loss', 'stop')).toBe('{"Status":"stopped"}');
    expect(await list()).toEqual([]);
    await expectClean();
  }, 30_000);

  it('stops all of a task\'s faults at once', async () => {
    expect(await agent(plain, 'network-blackhole-port', 'start', { Port: 8080, Protocol: 'tcp', TrafficType: 'egress' })).toBe('{"Status":"running"}');
    expect(await agent(peer, 'network-packet-loss', 'start', { LossPercent: 100, Sources: ['192.0.2.1/32'] })).toBe('{"Status":"running"}');
    expect((await faultIds()).sort()).toEqual(['network-blackhole-port-egress-tcp-8080', 'network-packet-loss']);
    expect(await connects()).toBe(false);
    const stop = await api.call<TaskFaultsView>('DELETE', `/api/faults/${taskId}`);
    expect([stop.status, stop.body.faults]).toEqual([200, []]);
    expect(await connects()).toBe(true);
    await expectClean();
  }, 40_000);

  it('a task that stops takes its faults with it', async () => {
    const r = await fetch(faultUrl('network-blackhole-port', 'start'), { method: 'POST', body: '{"Port":9090,"Protocol":"udp","TrafficType":"ingress"}' });
    expect(await r.text()).toBe('{"Status":"running"}');
    expect(await faultIds()).toEqual(['network-blackhole-port-ingress-udp-9090']);
    await app.kill();
    await pause.kill();
    await eventually(async () => (await list()).length === 0, 10_000, 'the stopped task\'s faults to be gone');
    expect((await api.call<TaskFaultsView>('GET', `/api/faults/${taskId}`)).body.faults).toEqual([]);
  }, 30_000);
});
