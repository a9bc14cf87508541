/**
 * Fault injection on the real Docker Engine: an awsvpc-style task (a pause container holding the
 * namespace, an app joined to it) marked with ecs-endpoints.fault-injection=true asks for faults
 * from inside, through ECS_AGENT_URI; a real TCP connection or ping to a peer on the test network
 * fails while the fault runs and works again after stop. Status is read from the host (the
 * fault routes allow one request per 5 s per caller and path).
 */
import { execFileSync } from 'node:child_process';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, httpFrom, removeAll } from '../support/docker.ts';
import { eventually, startTestBackend, type TestBackend } from '../support/backend.ts';
import { startChaosTask } from '../support/chaos-task.ts';

let tb: TestBackend;
const created: Docker.Container[] = [];
let pause: Docker.Container, app: Docker.Container, plain: Docker.Container, peer: Docker.Container;
let peerIp = '';

const endpointOf = (c: Docker.Container) => tb.backend.model.byContainerId.get(c.id)!.container.endpointId;
const faultUrl = (c: Docker.Container, fault: string, action: string) => `http://${tb.address}/api/${endpointOf(c)}/fault/v1/${fault}/${action}`;
/** From inside the task, as an app would call $ECS_AGENT_URI/fault/v1/…. */
const inside = (c: Docker.Container, fault: string, action: string, body?: object) => httpFrom(c, faultUrl(c, fault, action), { method: 'POST', body: body ? JSON.stringify(body) : undefined });
/**
 * From another caller: the host (the host topology lets it call) or another container. The fault
 * routes allow one request per 5 s per caller and path, so each check here uses a caller and path
 * pair no other request of this file uses.
 */
async function from(caller: 'host' | Docker.Container, c: Docker.Container, fault: string, action: string, body?: object): Promise<{ status: number; body: string }> {
  if (caller !== 'host') return inside2(caller, faultUrl(c, fault, action), body);
  const r = await fetch(faultUrl(c, fault, action), { method: 'POST', body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, body: await r.text() };
}
const inside2 = async (caller: Docker.Container, url: string, body?: object) => {
  const r = await httpFrom(caller, url, { method: 'POST', body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, body: r.body };
};
/** A TCP connection from the task to the peer's port 8080: true if it was accepted within 2 s. */
let connects: () => Promise<boolean>;
/** The IPv4 rules of the task's namespace, read on the host. */
const rulesInTask = async () => {
  const pid = (await pause.inspect()).State.Pid;
  return execFileSync('nsenter', ['-t', String(pid), '-n', 'iptables', '-S'], { encoding: 'utf8' });
};

beforeAll(async () => {
  tb = await startTestBackend();
  ({ pause, app, plain, peer, peerIp, connects } = await startChaosTask(tb, created));
}, 60_000);

afterAll(async () => {
  await removeAll(created);
  await tb?.cleanup();
});

describe('fault injection in a marked task', () => {
  it('a blackholed port drops the task\'s real connections until stop', async () => {
    const port = { Port: 8080, Protocol: 'tcp', TrafficType: 'egress' };
    expect(await from('host', app, 'network-blackhole-port', 'status', port)).toEqual({ status: 200, body: '{"Status":"not-running"}' });
    const start = await inside(app, 'network-blackhole-port', 'start', port);
    expect([start.status, start.body, start.headers['content-type']]).toEqual([200, '{"Status":"running"}', 'application/json']);
    expect(start.headers['x-rate-limit-limit']).toBe('40.00, 0.20');
    expect(await connects()).toBe(false);
    expect(await from(plain, app, 'network-blackhole-port', 'status', port)).toEqual({ status: 200, body: '{"Status":"running"}' });
    expect(await rulesInTask()).toContain('-A egress-tcp-8080 -p tcp -m tcp --dport 8080 -j DROP');
    const stop = await inside(app, 'network-blackhole-port', 'stop', port);
    expect([stop.status, stop.body]).toEqual([200, '{"Status":"stopped"}']);
    expect(await connects()).toBe(true);
    expect(await rulesInTask()).not.toContain('egress-tcp-8080');
  }, 30_000);

  it('blackholing egress port 80 leaves the endpoint reachable, as the agent does', async () => {
    const port = { Port: 80, Protocol: 'tcp', TrafficType: 'egress' };
    expect((await inside(pause, 'network-blackhole-port', 'start', port)).body).toBe('{"Status":"running"}');
    expect(await rulesInTask()).toContain(`-A egress-tcp-80 -d ${tb.address}/32 -p tcp -m tcp --dport 80 -j ACCEPT`);
    // The stop request itself goes to port 80 of the endpoint.
    expect((await inside(pause, 'network-blackhole-port', 'stop', port)).body).toBe('{"Status":"stopped"}');
  }, 30_000);

  it('100% packet loss to a source drops every packet to it until stop; other traffic flows', async () => {
    const ping = async () => (await exec(app, ['ping', '-c', '2', '-W', '1', peerIp])).code === 0;
    expect(await ping()).toBe(true);
    const start = await inside(app, 'network-packet-loss', 'start', { LossPercent: 100, Sources: [`${peerIp}/32`] });
    expect([start.status, start.body]).toEqual([200, '{"Status":"running"}']);
    expect(await ping()).toBe(false);
    expect(await connects()).toBe(false);
    expect(await from('host', app, 'network-packet-loss', 'status')).toEqual({ status: 200, body: '{"Status":"running"}' });
    // One fault of tc's kind at a time (the agent's 409).
    expect(await from(peer, app, 'network-latency', 'start', { DelayMilliseconds: 100, JitterMilliseconds: 0, Sources: ['0.0.0.0/0'] })).toEqual({
      status: 409, body: '{"Error":"There is already one network packet loss fault running"}',
    });
    const stop = await inside(app, 'network-packet-loss', 'stop');
    expect([stop.status, stop.body]).toEqual([200, '{"Status":"stopped"}']);
    expect(await ping()).toBe(true);
    expect(await from(plain, app, 'network-packet-loss', 'status')).toEqual({ status: 200, body: '{"Status":"not-running"}' });
  }, 40_000);

  it('latency delays the task\'s packets where the kernel has netem, and is refused as the agent refuses a failed command where it has not', async () => {
    const rtt = async () => Number(/time=([\d.]+) ms/.exec((await exec(app, ['ping', '-c', '1', '-W', '2', peerIp])).stdout)?.[1] ?? NaN);
    const baseline = await rtt();
    expect(baseline).toBeLessThan(50);
    const start = await inside(pause, 'network-latency', 'start', { DelayMilliseconds: 400, JitterMilliseconds: 0, Sources: [`${peerIp}/32`] });
    if (hasNetem()) {
      expect([start.status, start.body]).toEqual([200, '{"Status":"running"}']);
      expect(await rtt()).toBeGreaterThan(350);
      expect((await inside(pause, 'network-latency', 'stop')).body).toBe('{"Status":"stopped"}');
    } else {
      // This machine's kernel (CONFIG_NET_SCH_NETEM and _PRIO unset): the agent's tc commands fail.
      expect([start.status, start.body]).toEqual([500, '{"Error":"internal error"}']);
      const log = tb.backend.requests.list(5).find((e) => e.path.endsWith('/network-latency/start'));
      expect(log?.error).toMatch(/no netem\/prio queueing disciplines/);
      expect(await from('host', pause, 'network-latency', 'status')).toEqual({ status: 200, body: '{"Status":"not-running"}' });
    }
    expect(await rtt()).toBeLessThan(50);
  }, 30_000);

  it('an unmarked task gets the agent\'s error; an unknown id its 404', async () => {
    const arn = tb.backend.model.byContainerId.get(plain.id)!.task.arn;
    const r = await inside(plain, 'network-blackhole-port', 'start', { Port: 8080, Protocol: 'tcp', TrafficType: 'egress' });
    expect([r.status, r.body]).toEqual([400, `{"Error":"enableFaultInjection is not enabled for task: ${arn}"}`]);
    const bad = await httpFrom(plain, `http://${tb.address}/api/nope/fault/v1/network-latency/status`, { method: 'POST' });
    expect([bad.status, bad.body]).toEqual([404, '{"Error":"unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope"}']);
    const task = await fetch(`http://${tb.address}/v4/${endpointOf(app)}/task`).then((x) => x.json() as Promise<{ FaultInjectionEnabled: boolean }>);
    expect(task.FaultInjectionEnabled).toBe(true);
  });

  it('faults a backend left behind are removed when the next one starts', async () => {
    const port = { Port: 8080, Protocol: 'udp', TrafficType: 'ingress' };
    expect((await from('host', app, 'network-blackhole-port', 'start', port)).body).toBe('{"Status":"running"}');
    expect(await rulesInTask()).toContain('-N ingress-udp-8080');
    const { network, stateDir } = tb;
    const subnet = tb.config.subnet.cidr;
    await tb.stop();
    // The rules outlive the backend (they live in the task's namespace)…
    expect(await rulesInTask()).toContain('-N ingress-udp-8080');
    tb = await startTestBackend({}, { stateDir, network, subnet });
    // …until the next backend starts.
    await eventually(async () => !(await rulesInTask()).includes('ingress-udp-8080'), 10_000, 'the leftover chain to be removed');
  }, 40_000);
});

/** Whether this kernel has the queueing disciplines the agent's latency fault needs. */
function hasNetem(): boolean {
  try {
    return /^CONFIG_NET_SCH_NETEM=[ym]$/m.test(execFileSync('sh', ['-c', 'zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r)'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}
