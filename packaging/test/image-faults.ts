/**
 * Fault injection through the helper container, in the container topology (image.test.ts builds
 * the image and runs the backend in it as Docker Desktop does; these tests run inside that
 * describe, on its backend). The backend is unprivileged in its own namespaces, so every fault
 * command runs in a short-lived container from its image, joined to the task's namespace. What
 * the namespace holds is read from here, as root, with nsenter and this machine's own tools.
 * The fault routes allow one request per 5 s per caller and path: each pair below is used once.
 */
import type Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { docker, exec, httpFrom, runContainer, uniqueName } from '../../backend/test/support/docker.ts';

export interface ContainerTopology {
  image: string;
  backend(): Docker.Container;
  network(): string;
  /** The network's first three octets; the backend is at .2. */
  prefix(): string;
  /** Removed with everything else the image test made. */
  track(c: Docker.Container): void;
  until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  /** The backend's request log (GET /api/requests on its control socket), newest first. */
  requests(): Promise<{ path: string; status: number; latencyMs: number; kind: string; error?: string }[]>;
}

const HELPERS = 'ecs-endpoints.helper=fault-injection';
const MARKED = { 'ecs-endpoints.fault-injection': 'true' };

/** Whether this kernel has the agent's queueing disciplines (prio with netem under it), tried in a throwaway namespace. */
function kernelHasNetem(): boolean {
  try {
    execFileSync('unshare', ['--net', 'sh', '-c', 'tc qdisc add dev lo root handle 1: prio && tc qdisc add dev lo parent 1:1 handle 10: netem delay 1ms'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * What the tests ask of a backend and its tasks: containers on its network, fault requests from
 * inside them, TCP and ping from a task to a peer, the namespace as seen from the host, and the
 * helper containers Docker reports (its events, from the first setUp on).
 */
function faultKit(t: ContainerTopology) {
  const ids = new Map<Docker.Container, string>();
  let peerIp = '';
  /** Helper containers seen through Docker's events: created and destroyed ids. */
  const helpers = { created: new Set<string>(), destroyed: new Set<string>() };
  let events: NodeJS.ReadableStream | undefined;
  afterAll(() => (events as unknown as { destroy?: () => void } | undefined)?.destroy?.());

  const endpoint = () => `${t.prefix()}.2`;
  const fault = async (caller: Docker.Container, target: Docker.Container, type: string, action: string, body?: object) => {
    const r = await httpFrom(caller, `http://${endpoint()}/api/${ids.get(target)}/fault/v1/${type}/${action}`, { method: 'POST', body: body ? JSON.stringify(body) : undefined });
    return [r.status, r.body] as const;
  };
  /** A TCP connection from `c` to the peer's port: 'ok', or nc's complaint (a blackhole makes it time out). */
  const connect = async (c: Docker.Container, port: number) => {
    const r = await exec(c, ['nc', '-w', '2', peerIp, String(port)]);
    return r.code === 0 ? 'ok' : r.stderr.trim();
  };
  const ping = async (c: Docker.Container) => (await exec(c, ['ping', '-c', '2', '-W', '1', peerIp])).code === 0;
  /** The namespace's IPv4 and IPv6 filter rules and its qdiscs, read on the host. */
  const namespace = async (c: Docker.Container) => {
    const pid = String((await c.inspect()).State.Pid);
    const inNs = (...cmd: string[]) => execFileSync('nsenter', ['-t', pid, '-n', ...cmd], { encoding: 'utf8' });
    return `${inNs('iptables', '-S')}--- ip6tables\n${inNs('ip6tables', '-S')}--- tc\n${inNs('tc', 'qdisc', 'show')}`;
  };
  const helpersOf = async (c: Docker.Container) =>
    (await docker.listContainers({ all: true, filters: JSON.stringify({ label: [HELPERS] }) })).filter((h) => h.HostConfig?.NetworkMode === `container:${c.id}`);
  /** Every helper is gone (auto-removed, or removed by the backend) shortly after its request. */
  const noHelpersLeft = async (c: Docker.Container) => {
    await t.until(`no helper container joined to ${c.id.slice(0, 12)}`, async () => (await helpersOf(c)).length === 0, 10_000);
    await t.until('a destroy event for every helper created', async () => [...helpers.created].every((id) => helpers.destroyed.has(id)), 10_000);
  };

  /** A server on 8080 and 8081, a bystander, and marked single-container tasks, each known to the backend. */
  async function setUp(marked: string[]) {
    if (!events) {
      events = (await docker.getEvents({ filters: JSON.stringify({ type: ['container'], label: [HELPERS], event: ['create', 'destroy'] }) })) as NodeJS.ReadableStream;
      let buf = '';
      events.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const e = JSON.parse(buf.slice(0, nl)) as { Action: string; Actor: { ID: string } };
          buf = buf.slice(nl + 1);
          (e.Action === 'create' ? helpers.created : helpers.destroyed).add(e.Actor.ID);
        }
      });
    }
    const net = t.network();
    // The backend makes the network as it starts (the tests before these wait for it too).
    await t.until('the network', async () => (await docker.getNetwork(net).inspect()).Id);
    const start = async (opts: Parameters<typeof runContainer>[0] & { name: string }) => {
      // Tracked by name first: a container created but not started is removed too.
      t.track(docker.getContainer(opts.name));
      return runContainer({ network: net, ...opts });
    };
    const peer = await start({ name: uniqueName('ecs-ext-peer'), cmd: ['sh', '-c', 'httpd -p 8081 && exec httpd -f -p 8080'] });
    const observer = await start({ name: uniqueName('ecs-ext-observer') });
    const apps: Docker.Container[] = [];
    // Each with the ECS_AGENT_URI it calls (its endpoint id is the UUID in it).
    for (const name of marked) {
      const id = randomUUID();
      const c = await start({ name: uniqueName(name), labels: MARKED, env: { ECS_AGENT_URI: `http://${endpoint()}/api/${id}` } });
      ids.set(c, id);
      apps.push(c);
    }
    peerIp = (await peer.inspect()).NetworkSettings.Networks[net]!.IPAddress;
    // Each caller known to the backend (and bound by the address guard) before anything is asked.
    for (const c of [...apps, observer, peer]) {
      await t.until(`the backend answering ${c.id.slice(0, 12)}`, async () => (await httpFrom(c, `http://${endpoint()}/v4${ids.has(c) ? `/${ids.get(c)}` : ''}`)).status === 200);
    }
    await t.until('the peer accepting on 8080 and 8081', async () => (await connect(apps[0]!, 8080)) === 'ok' && (await connect(apps[0]!, 8081)) === 'ok');
    return { apps, peer, observer, peerIp };
  }

  return { ids, helpers, endpoint, fault, connect, ping, namespace, noHelpersLeft, setUp };
}

export function faultInjectionThroughHelpers(t: ContainerTopology): void {
  const { ids, helpers, endpoint, fault, connect, ping, namespace, noHelpersLeft, setUp } = faultKit(t);
  let app: Docker.Container, app2: Docker.Container, peer: Docker.Container, observer: Docker.Container;
  let peerIp = '';
  const baseline = new Map<Docker.Container, string>();

  beforeAll(async () => {
    const set = await setUp(['ecs-ext-chaos', 'ecs-ext-chaos2']);
    [app, app2] = set.apps as [Docker.Container, Docker.Container];
    ({ peer, observer, peerIp } = set);
    for (const c of [app, app2]) baseline.set(c, await namespace(c));
  }, 120_000);

  it('the helper runs ip, tc, iptables and ip6tables of the image\'s own architecture', async () => {
    const arch = (await docker.getImage(t.image).inspect()).Architecture;
    const script = `
      const fs = require('fs'), path = require('path'), { execFileSync } = require('child_process');
      const out = {};
      for (const [tool, flag] of [['ip', '-V'], ['tc', '-V'], ['iptables', '-V'], ['ip6tables', '-V']]) {
        const dir = process.env.PATH.split(':').find((d) => fs.existsSync(path.join(d, tool)));
        const file = fs.realpathSync(path.join(dir, tool));
        out[tool] = { machine: fs.readFileSync(file).readUInt16LE(18), version: execFileSync(tool, [flag], { encoding: 'utf8' }).split('\\n')[0] };
      }
      console.log(JSON.stringify(out));`;
    const r = execFileSync('docker', ['run', '--rm', '--user', '0:0', '--entrypoint', 'node', t.image, '-e', script], { encoding: 'utf8' });
    const tools = JSON.parse(r) as Record<string, { machine: number; version: string }>;
    // ELF e_machine: EM_X86_64 62, EM_AARCH64 183.
    const machine = { amd64: 62, arm64: 183 }[arch as 'amd64' | 'arm64'];
    for (const [tool, found] of Object.entries(tools)) expect(found.machine, tool).toBe(machine);
    // The real tools, not busybox applets (whose ip has no JSON output the injector reads).
    expect(tools.ip!.version).toMatch(/^ip utility, iproute2-/);
    expect(tools.tc!.version).toMatch(/^tc utility, iproute2-/);
    expect(tools.iptables!.version).toMatch(/^iptables v1\.\d+/);
    expect(tools.ip6tables!.version).toMatch(/^ip6tables v1\.\d+/);
  });

  it('a blackholed TCP port times out from inside the task while another port works; status as the agent; stop restores and leaves nothing', async () => {
    const port = { Port: 8080, Protocol: 'tcp', TrafficType: 'egress' };
    expect(await fault(app, app, 'network-blackhole-port', 'status', port)).toEqual([200, '{"Status":"not-running"}']);
    expect(await fault(app, app, 'network-blackhole-port', 'start', port)).toEqual([200, '{"Status":"running"}']);
    expect(await connect(app, 8080)).toMatch(/timed out/);
    expect(await connect(app, 8081)).toBe('ok');
    expect(await fault(observer, app, 'network-blackhole-port', 'status', port)).toEqual([200, '{"Status":"running"}']);
    // The agent's chains, IPv4 and IPv6, made in the task's namespace by the helper.
    const [v4, v6] = (await namespace(app)).split('--- ip6tables');
    for (const rules of [v4, v6]) expect(rules).toContain('-A egress-tcp-8080 -p tcp -m tcp --dport 8080 -j DROP');
    expect(await fault(app, app, 'network-blackhole-port', 'stop', port)).toEqual([200, '{"Status":"stopped"}']);
    expect(await connect(app, 8080)).toBe('ok');
    expect(await fault(peer, app, 'network-blackhole-port', 'status', port)).toEqual([200, '{"Status":"not-running"}']);
    expect(await namespace(app)).toBe(baseline.get(app));
    await noHelpersLeft(app);
    // The helpers did the work: at least one per request that changed or read the namespace.
    expect(helpers.created.size).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('an egress blackhole of port 80 leaves the endpoint (the backend container) reachable', async () => {
    const port = { Port: 80, Protocol: 'tcp', TrafficType: 'egress' };
    expect(await fault(observer, app, 'network-blackhole-port', 'start', port)).toEqual([200, '{"Status":"running"}']);
    expect(await namespace(app)).toContain(`-A egress-tcp-80 -d ${endpoint()}/32 -p tcp -m tcp --dport 80 -j ACCEPT`);
    expect((await httpFrom(app, `http://${endpoint()}/v4/${ids.get(app)}`)).status).toBe(200);
    expect(await fault(peer, app, 'network-blackhole-port', 'stop', port)).toEqual([200, '{"Status":"stopped"}']);
    expect(await namespace(app)).toBe(baseline.get(app));
    await noHelpersLeft(app);
  }, 60_000);

  it('100% packet loss drops every packet to the source until stop; status as the agent; nothing left', async () => {
    expect(await ping(app)).toBe(true);
    expect(await fault(app, app, 'network-packet-loss', 'start', { LossPercent: 100, Sources: [`${peerIp}/32`] })).toEqual([200, '{"Status":"running"}']);
    expect(await ping(app)).toBe(false);
    expect(await connect(app, 8081)).not.toBe('ok');
    expect(await fault(observer, app, 'network-packet-loss', 'status')).toEqual([200, '{"Status":"running"}']);
    // The stop request itself travels to the endpoint, which the fault leaves alone.
    expect(await fault(app, app, 'network-packet-loss', 'stop')).toEqual([200, '{"Status":"stopped"}']);
    expect(await ping(app)).toBe(true);
    expect(await fault(peer, app, 'network-packet-loss', 'status')).toEqual([200, '{"Status":"not-running"}']);
    expect(await namespace(app)).toBe(baseline.get(app));
    await noHelpersLeft(app);
  }, 60_000);

  it('latency where the kernel has netem; where it has not, the agent\'s 500 and a clean namespace', async () => {
    const rtt = async () => Number(/time=([\d.]+) ms/.exec((await exec(app, ['ping', '-c', '1', '-W', '2', peerIp])).stdout)?.[1] ?? NaN);
    expect(await rtt()).toBeLessThan(50);
    const start = await fault(app, app, 'network-latency', 'start', { DelayMilliseconds: 400, JitterMilliseconds: 0, Sources: [`${peerIp}/32`] });
    if (kernelHasNetem()) {
      expect(start).toEqual([200, '{"Status":"running"}']);
      expect(await rtt()).toBeGreaterThan(350);
      expect(await fault(app, app, 'network-latency', 'stop')).toEqual([200, '{"Status":"stopped"}']);
    } else {
      // This machine's kernel (CONFIG_NET_SCH_NETEM and _PRIO unset, no modules): the agent's tc commands fail.
      expect(start).toEqual([500, '{"Error":"internal error"}']);
      const logged = (await t.requests()).find((e) => e.path.endsWith('/network-latency/start'));
      expect(logged?.error).toMatch(/no netem\/prio queueing disciplines/);
      expect(await fault(observer, app, 'network-latency', 'status')).toEqual([200, '{"Status":"not-running"}']);
    }
    expect(await rtt()).toBeLessThan(50);
    expect(await namespace(app)).toBe(baseline.get(app));
    await noHelpersLeft(app);
  }, 60_000);

  it('answers every fault request within the agent\'s 5 s, helpers included (timings printed)', async () => {
    const log = (await t.requests()).filter((e) => e.kind === 'fault');
    expect(log.length).toBeGreaterThanOrEqual(13);
    const byRoute = new Map<string, number[]>();
    for (const e of log) {
      const route = e.path.replace(/^\/api\/[^/]+\/fault\/v1\//, '');
      byRoute.set(route, [...(byRoute.get(route) ?? []), e.latencyMs]);
    }
    const lines = [...byRoute].sort().map(([route, ms]) => `${route}: ${ms.length}× ${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)} ms`);
    console.log(`fault requests through helper containers:\n  ${lines.join('\n  ')}`);
    for (const e of log) expect(e.latencyMs, e.path).toBeLessThan(5000);
  });

  it('faults left when the backend container is killed are removed when it starts again', async () => {
    const port = { Port: 8080, Protocol: 'tcp', TrafficType: 'egress' };
    expect(await fault(app2, app2, 'network-blackhole-port', 'start', port)).toEqual([200, '{"Status":"running"}']);
    expect(await fault(app2, app2, 'network-packet-loss', 'start', { LossPercent: 100, Sources: [`${peerIp}/32`] })).toEqual([200, '{"Status":"running"}']);
    const injected = await namespace(app2);
    expect(injected).toContain('-N egress-tcp-8080');
    expect(injected).toContain('-N ecs-packet-loss');
    await noHelpersLeft(app2);

    const backend = t.backend();
    await backend.kill();
    await backend.wait({ condition: 'not-running' });
    // The rules live in the task's namespace: they outlive the backend…
    expect(await namespace(app2)).toBe(injected);
    const restarted = Date.now();
    await backend.start();
    // …until it starts again and clears them through a helper.
    await t.until('the leftovers removed', async () => (await namespace(app2)) === baseline.get(app2), 30_000);
    console.log(`leftover faults removed ${((Date.now() - restarted) / 1000).toFixed(1)} s after the backend container started again`);
    expect(await connect(app2, 8080)).toBe('ok');
    expect(await ping(app2)).toBe(true);
    await noHelpersLeft(app2);
    // The restarted backend serves the task again.
    await t.until('the restarted backend answering the task', async () => (await httpFrom(app2, `http://${endpoint()}/v4/${ids.get(app2)}`)).status === 200);
  }, 90_000);
}

/**
 * Standalone (`docker run --network host`): the backend is root, but in its own PID namespace
 * without CAP_SYS_ADMIN, so nsenter (busybox's, in Alpine and in the test base) cannot enter a
 * task's namespace; the faults must go through a helper container all the same.
 */
export function standaloneFaultInjection(t: ContainerTopology): void {
  const { fault, connect, namespace, noHelpersLeft, setUp, helpers } = faultKit(t);

  it('applies faults through a helper container, nsenter being unable to enter the task\'s namespace from there', async () => {
    const { apps, peer } = await setUp(['ecs-ext-solo-chaos']);
    const app = apps[0]!;
    const baseline = await namespace(app);
    const port = { Port: 8080, Protocol: 'tcp', TrafficType: 'egress' };
    expect(await fault(app, app, 'network-blackhole-port', 'start', port)).toEqual([200, '{"Status":"running"}']);
    expect(await connect(app, 8080)).toMatch(/timed out/);
    expect(await connect(app, 8081)).toBe('ok');
    expect(await fault(peer, app, 'network-blackhole-port', 'status', port)).toEqual([200, '{"Status":"running"}']);
    expect(await fault(app, app, 'network-blackhole-port', 'stop', port)).toEqual([200, '{"Status":"stopped"}']);
    expect(await connect(app, 8080)).toBe('ok');
    expect(await namespace(app)).toBe(baseline);
    await noHelpersLeft(app);
    expect(helpers.created.size).toBeGreaterThanOrEqual(3);
  }, 90_000);
}
