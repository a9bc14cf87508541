/**
 * A dual-stack managed network (ECS_ENDPOINTS_IPV6). The endpoints and the control API stay
 * IPv4-only: nothing of ours answers on the network's IPv6 addresses. And the address guard binds
 * each container's IPv6 address to its bridge port and MAC as it binds its IPv4 one, shown by
 * attacks that work with the rules removed behind the backend's back and get nothing with them:
 * a neighbour that takes over the victim's IPv6 address (and MAC) and calls an IPv6 service that
 * trusts source addresses; a hand-built neighbor advertisement that claims the victim's address;
 * a duplicate address detection probe for it.
 *
 * The attacker's interface is rewritten from the host (nsenter, as root: busybox's ip cannot add
 * an address without duplicate address detection), which is what NET_ADMIN inside would do; the
 * frames leave from the attacker's own bridge port.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../src/control/index.ts';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { httpFrom, pickIpv6Subnet, removeAll, runContainer, uniqueName } from '../support/docker.ts';
import { dadProbe, neighborAdvert, routerAdvert, sendFrames, watchNeighborMessage } from '../support/ndp.ts';
import { pidOf, runInNetns, tcpInNetns } from '../support/netns.ts';

interface Party6 {
  container: Docker.Container;
  pid: number;
  ip: string;
  ip6: string;
  mac: string;
}

const created: Docker.Container[] = [];
let tb: TestBackend;
let gw6: string;

async function party(opts: { source?: string } = {}): Promise<Party6> {
  const name = uniqueName('guard6');
  if (opts.source) tb.backend.assignments.set(name, opts.source);
  const container = await runContainer({ name, network: tb.network, env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/creds' } });
  created.push(container);
  await inModel(tb, container.id);
  const n = (await container.inspect()).NetworkSettings.Networks[tb.network]!;
  expect(n.GlobalIPv6Address).toMatch(/^fdec:5171:/);
  const p = { container, pid: await pidOf(container), ip: n.IPAddress, ip6: n.GlobalIPv6Address, mac: n.MacAddress };
  await eventually(() => tb.backend.guard.isBound(p.ip6, tb.backend.index.get(container.id)), 10_000, 'its IPv6 address bound');
  return p;
}

/** A TCP service on the gateway's IPv6 address that tells each caller the address it came from. */
async function whoAmIServer(): Promise<{ server: Server; port: number; callers: string[] }> {
  const callers: string[] = [];
  const server = createServer((s) => {
    callers.push(s.remoteAddress ?? '');
    s.end(`you are ${s.remoteAddress}\n`);
  });
  // The bridge's address is tentative until a port is up and its duplicate address detection is over.
  await eventually(() => !/tentative/.test(execFileSync('ip', ['-6', 'addr', 'show', 'dev', bridge(), 'to', gw6], { encoding: 'utf8' })), 10_000, `the gateway's ${gw6} to be usable`);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, gw6, () => resolve()));
  return { server, port: (server.address() as { port: number }).port, callers };
}

/**
 * Remove an attacker that changed its own MAC: the guard cannot find its port any more, so it
 * would re-apply the rules on every change of the machine's containers (a run of another session
 * included), putting them back in the middle of a later test's phase without them.
 */
async function forget(p: Party6): Promise<void> {
  await p.container.remove({ force: true });
  await eventually(() => !tb.backend.index.get(p.container.id), 10_000, 'the attacker gone from the index');
  await tb.backend.guard.sync();
}

const rules = () => execFileSync('nft', ['list', 'table', 'bridge', tb.backend.guard.table], { encoding: 'utf8' });
const dropTable = () => execFileSync('nft', ['delete', 'table', 'bridge', tb.backend.guard.table]);
/** Packets the rule with this text has dropped. */
const dropped = (text: string) => Number(new RegExp(`${text}.*counter packets (\\d+)`).exec(rules())?.[1] ?? NaN);
const bridge = () => tb.backend.network.bridge!;
/** What the host's neighbor table has for an address on the bridge: its MAC, or undefined. */
const hostNeighbor = (ip: string) => /lladdr (\S+)/.exec(execFileSync('ip', ['-6', 'neigh', 'show', ip, 'dev', bridge()], { encoding: 'utf8' }))?.[1];

beforeAll(async () => {
  tb = await startTestBackend({ ECS_ENDPOINTS_IPV6: await pickIpv6Subnet() });
  gw6 = tb.config.ipv6!.gateway;
}, 60_000);

afterAll(async () => {
  await removeAll(created);
  await tb?.cleanup();
});

describe('on a dual-stack managed network, the endpoints stay IPv4-only', () => {
  it('a container reaches the host over IPv6, but neither the data plane, the introspection server nor the control API there', async () => {
    const cs: ControlServer = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    const p = await party({ source: 'fake' });
    const who = await whoAmIServer();
    try {
      // The IPv6 path to the host works: what follows is refused by the ports, not the path.
      const control = await tcpInNetns(p.pid, gw6, who.port);
      expect(control).toMatchObject({ connected: true, said: `you are ${p.ip6}\n` });
      // Over IPv4 the same container gets its credentials.
      expect((await httpFrom(p.container, `http://${tb.address}/creds`)).status).toBe(200);

      const linkLocal = /inet6 (fe80::\S+)\/64/.exec(execFileSync('ip', ['-6', 'addr', 'show', 'dev', bridge()], { encoding: 'utf8' }))![1]!;
      const requests = tb.backend.requests.list().length;
      const controlPort = Number(new URL(cs.url).port);
      for (const host of [gw6, `${linkLocal}%eth0`]) {
        for (const port of [...tb.config.metadataPorts, tb.config.introspectionPort, controlPort]) {
          const r = await tcpInNetns(p.pid, host, port);
          expect(r, `[${host}]:${port}`).toEqual({ connected: false, said: '', error: 'ECONNREFUSED' });
        }
      }
      expect(tb.backend.requests.list().length).toBe(requests);
    } finally {
      who.server.close();
      await cs.close();
    }
  });
});

describe('the address guard on a dual-stack network', () => {
  it('binds each container\'s IPv6 address to its bridge port and MAC, and reserves the gateway\'s', async () => {
    const p = await party();
    const port = tb.backend.guard.bindingFor(p.ip6)!.port;
    expect(port).toBe(tb.backend.guard.bindingFor(p.ip)!.port);
    const r = rules();
    expect(r).toContain(`${p.ip6} . "${port}" . ${p.mac}`);
    expect(r).toMatch(new RegExp(`set ips6 \\{[^}]*${gw6}[,; ]`));
  });

  it('a neighbour that takes over the victim\'s IPv6 address (and MAC) is served as the victim without the rules, and gets nothing with them', async () => {
    const who = await whoAmIServer();
    try {
      const victim = await party();
      expect(await tcpInNetns(victim.pid, gw6, who.port)).toMatchObject({ said: `you are ${victim.ip6}\n` });
      const attacker = await party();
      const become = (withMac: boolean) =>
        runInNetns(attacker.pid, ['sh', '-c', [
          `ip link set eth0 down && ip link set eth0 address ${withMac ? victim.mac : attacker.mac} && ip link set eth0 up`,
          'ip -6 addr flush dev eth0 scope global',
          `ip -6 addr add ${victim.ip6}/64 dev eth0 nodad`,
        ].join(' && ')], {});
      const attack = async (withMac: boolean) => {
        const r = await become(withMac);
        if (r.code !== 0) throw new Error(`rewriting the attacker's interface failed: ${r.stderr}`);
        return tcpInNetns(attacker.pid, gw6, who.port);
      };

      // Without the rules the attack works, so what follows shows the rules, not a broken attack.
      dropTable();
      expect(await attack(false)).toMatchObject({ connected: true, said: `you are ${victim.ip6}\n` });
      expect(who.callers.filter((c) => c === victim.ip6)).toHaveLength(2);

      await tb.backend.guard.sync(true);
      for (const withMac of [false, true]) {
        const r = await attack(withMac);
        expect(r.connected, `with the victim's MAC: ${withMac}`).toBe(false);
        expect(r.said).toBe('');
      }
      // Neither attempt reached the service as the victim.
      expect(who.callers.filter((c) => c === victim.ip6)).toHaveLength(2);
      // The victim itself is still served, once the attacker lets go and the host forgets where
      // the unguarded attack had it send the victim's packets.
      await runInNetns(attacker.pid, ['ip', '-6', 'addr', 'flush', 'dev', 'eth0', 'scope', 'global'], {});
      execFileSync('ip', ['-6', 'neigh', 'flush', 'to', victim.ip6, 'dev', bridge()]);
      expect(await tcpInNetns(victim.pid, gw6, who.port)).toMatchObject({ said: `you are ${victim.ip6}\n` });
      await forget(attacker);
    } finally {
      who.server.close();
    }
  });

  it('a neighbor advertisement claiming the victim\'s IPv6 address moves the host\'s traffic for it without the rules, and is dropped with them', async () => {
    const who = await whoAmIServer();
    try {
      const victim = await party();
      const attacker = await party();
      // The host learns where the victim is.
      expect((await tcpInNetns(victim.pid, gw6, who.port)).connected).toBe(true);
      await eventually(() => hostNeighbor(victim.ip6) === victim.mac, 5000, 'the host to know the victim');
      // From the attacker's own address and MAC: only the claim in the target field is false.
      const claim = neighborAdvert({ srcMac: attacker.mac, src: attacker.ip6, target: victim.ip6, lladdr: attacker.mac });

      dropTable();
      await sendFrames(attacker.pid, 'eth0', [claim]);
      await eventually(() => hostNeighbor(victim.ip6) === attacker.mac, 5000, 'the host to send the victim\'s traffic to the attacker');

      // The victim is found again, then the rules come back and the same claim is sent.
      execFileSync('ip', ['-6', 'neigh', 'flush', 'to', victim.ip6, 'dev', bridge()]);
      expect((await tcpInNetns(victim.pid, gw6, who.port)).said).toBe(`you are ${victim.ip6}\n`);
      await eventually(() => hostNeighbor(victim.ip6) === victim.mac, 5000, 'the host to know the victim again');
      await tb.backend.guard.sync(true);
      await sendFrames(attacker.pid, 'eth0', [claim]);
      // Once the rule has counted it, it was dropped as it entered the bridge: it cannot arrive later.
      await eventually(() => dropped('nd-neighbor-advert') >= 1, 5000, 'the advertisement to be dropped');
      expect(hostNeighbor(victim.ip6)).toBe(victim.mac);
    } finally {
      who.server.close();
    }
  });

  it('a duplicate address detection probe for the victim\'s IPv6 address reaches it without the rules, and not with them', async () => {
    const victim = await party();
    const attacker = await party();
    const probe = dadProbe({ srcMac: attacker.mac, target: victim.ip6 });
    const send = () => sendFrames(attacker.pid, 'eth0', [probe]);

    dropTable();
    expect(await watchNeighborMessage(victim.pid, 'eth0', 135, victim.ip6, 5000, send)).toBe('0'.repeat(32));

    await tb.backend.guard.sync(true);
    const before = dropped('nd-neighbor-solicit');
    expect(await watchNeighborMessage(victim.pid, 'eth0', 135, victim.ip6, 2000, send)).toBeUndefined();
    expect(dropped('nd-neighbor-solicit')).toBe(before + 1);
  });

  it('a router advertisement from a container reaches its neighbours without the rules, and not with them', async () => {
    const victim = await party();
    const attacker = await party();
    const linkLocal = /inet6 (fe80::\S+)\/64/.exec((await runInNetns(attacker.pid, ['ip', '-6', 'addr', 'show', 'dev', 'eth0'], {})).stdout)![1]!;
    const advert = routerAdvert({ srcMac: attacker.mac, src: linkLocal });
    const send = () => sendFrames(attacker.pid, 'eth0', [advert]);

    dropTable();
    expect(await watchNeighborMessage(victim.pid, 'eth0', 134, undefined, 5000, send)).toBeDefined();

    await tb.backend.guard.sync(true);
    const before = dropped('nd-router-advert');
    expect(await watchNeighborMessage(victim.pid, 'eth0', 134, undefined, 2000, send)).toBeUndefined();
    expect(dropped('nd-router-advert')).toBe(before + 1);
  });
});
