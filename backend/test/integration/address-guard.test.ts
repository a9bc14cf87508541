/**
 * A hostile neighbour on the managed network takes over another container's address (and MAC) and
 * asks for the id-less credentials form, which identifies callers by address. With the address
 * guard's rules in force it gets nothing; with the rules removed behind the backend's back, the
 * very same attack gets the victim's credentials, so the attack itself is shown to work.
 *
 * The attacker rewrites its own interface with NET_ADMIN and lets its kernel speak: the frames on
 * the wire (ARP claiming the victim's address, TCP from it, optionally the victim's MAC) are the
 * ones a CAP_NET_RAW attacker crafts by hand, from the attacker's own bridge port.
 */
import { execFileSync } from 'node:child_process';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/docker/client.ts';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { DockerProxy } from '../support/docker-proxy.ts';
import { docker, httpFrom, removeAll, runContainer, uniqueName } from '../support/docker.ts';
import { impersonate, type Party } from '../support/spoof.ts';
import { httpOneInNetns, pidOf } from '../support/netns.ts';

const created: Docker.Container[] = [];

async function party(tb: TestBackend, opts: { source?: string; capAdd?: string[]; ip?: string } = {}): Promise<Party> {
  const name = uniqueName('guard');
  if (opts.source) tb.backend.assignments.set(name, opts.source);
  const container = await runContainer({ name, network: tb.network, ip: opts.ip, capAdd: opts.capAdd, env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/creds' } });
  created.push(container);
  await inModel(tb, container.id);
  const n = (await container.inspect()).NetworkSettings.Networks[tb.network]!;
  return { container, ip: n.IPAddress, mac: n.MacAddress };
}

describe('the address guard', () => {
  let tb: TestBackend;

  beforeAll(async () => {
    tb = await startTestBackend();
  }, 60_000);

  afterAll(async () => {
    await removeAll(created);
    await tb?.cleanup();
  });

  it('is enforced here (root, nftables) and binds each container to its bridge port', async () => {
    const p = await party(tb);
    expect(tb.backend.guard.status.state).toBe('enforced');
    await eventually(() => tb.backend.guard.isBound(p.ip, tb.backend.index.get(p.container.id)), 10_000, 'the binding');
    const rules = execFileSync('nft', ['list', 'table', 'bridge', tb.backend.guard.table], { encoding: 'utf8' });
    expect(rules).toContain(`${p.ip} . "${tb.backend.guard.bindingFor(p.ip)!.port}" . ${p.mac}`);
    // The endpoint address itself may not be claimed by any container.
    expect(rules).toMatch(new RegExp(`set ips \\{[^}]*${tb.address.replace(/\./g, '\\.')}`));
  });

  it('removes, when it starts, the tables a killed backend left for networks that are gone, and keeps the others', async () => {
    const gone = `ecs_endpoints_ecs_test_gone_${Date.now()}`;
    const live = 'ecs_endpoints_bridge'; // Docker's default network exists: its table is not ours to judge.
    const had = execFileSync('nft', ['list', 'tables', 'bridge'], { encoding: 'utf8' }).includes(`table bridge ${live}\n`);
    await tb.backend.guard.stop();
    for (const t of [gone, live]) execFileSync('nft', ['add', 'table', 'bridge', t]);
    try {
      await tb.backend.guard.sync();
      const tables = execFileSync('nft', ['list', 'tables', 'bridge'], { encoding: 'utf8' });
      expect(tables).not.toContain(gone);
      expect(tables).toContain(`table bridge ${live}\n`);
      expect(tables).toContain(`table bridge ${tb.backend.guard.table}\n`);
    } finally {
      if (!had) execFileSync('nft', ['delete', 'table', 'bridge', live]);
    }
  });

  it('a neighbour that takes over the victim\'s address (and MAC) gets its keys without the rules, and nothing with them', async () => {
    const victim = await party(tb, { source: 'fake' });
    const own = await httpFrom(victim.container, `http://${tb.address}/creds`);
    expect(own.status).toBe(200);
    const victimKey = JSON.parse(own.body).AccessKeyId as string;
    const attacker = await party(tb, { capAdd: ['NET_ADMIN'] });
    await eventually(() => tb.backend.guard.isBound(attacker.ip, tb.backend.index.get(attacker.container.id)), 10_000, 'the attacker bound');

    // First without the rules (removed behind the backend's back, which trusts them still): the
    // attack gets the victim's keys, so what follows shows the rules, not a broken attack.
    execFileSync('nft', ['delete', 'table', 'bridge', tb.backend.guard.table]);
    expect(await impersonate(attacker, victim, tb.address, true)).toContain(victimKey);
    expect(tb.backend.requests.list().filter((e) => e.containerId === victim.container.id && e.path === '/creds').length).toBe(2);

    await tb.backend.guard.sync(true);
    expect(await impersonate(attacker, victim, tb.address, true)).not.toContain('AccessKeyId');
    expect(await impersonate(attacker, victim, tb.address, false)).not.toContain('AccessKeyId');
    // Neither attempt reached the endpoint as the victim.
    expect(tb.backend.requests.list().filter((e) => e.containerId === victim.container.id && e.path === '/creds').length).toBe(2);
  });

  it('a caller that started a moment ago is looked up and bound before it is answered', async () => {
    const name = uniqueName('guard-first');
    tb.backend.assignments.set(name, 'fake');
    // Its very first instruction asks; nothing waits for the backend to notice it.
    const c = await runContainer({ name, network: tb.network, cmd: ['sh', '-c', `printf 'GET /creds HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${tb.address} 80; echo; sleep 3600`] });
    created.push(c);
    let out = '';
    const logs = await eventually(async () => {
      // The log stream is framed per line; the body (no newline of its own) ends with the echo.
      out = (await c.logs({ stdout: true, stderr: true })).toString('utf8');
      return /"Expiration"|not a container|Credentials/.test(out) ? out : undefined;
    }, 15_000, 'the first answer').catch((err: Error) => {
      throw new Error(`${err.message}; the container printed: ${JSON.stringify(out)}; requests: ${JSON.stringify(tb.backend.requests.list(5))}`);
    });
    expect(logs).toMatch(/HTTP\/1\.1 200/);
    expect(logs).toContain('ASIAFAKE');
  });
});

describe('after a Docker outage, an address handed to another container', () => {
  const proxy = new DockerProxy();
  let tb: TestBackend;

  beforeAll(async () => {
    await proxy.start();
    tb = await startTestBackend({}, { connect: () => connectDocker({ socketPath: proxy.path }) });
  }, 60_000);

  afterAll(async () => {
    await removeAll(created);
    await tb?.cleanup();
    await proxy.close();
  });

  it('does not carry the removed container\'s credentials, during the outage or after it', async () => {
    const prefix = tb.config.subnet.cidr.split('.').slice(0, 3).join('.');
    const ip = `${prefix}.77`;
    const victim = await party(tb, { source: 'fake', ip });
    expect((await httpFrom(victim.container, `http://${tb.address}/creds`)).status).toBe(200);

    proxy.cut();
    await eventually(() => !tb.backend.index.connected, 10_000, 'the index to notice the outage');
    await victim.container.remove({ force: true });
    const successor = await runContainer({ name: uniqueName('guard-next'), network: tb.network, ip, env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/creds' } });
    created.push(successor);
    // The rules still bind the address to the removed container's port: the newcomer's packets
    // do not reach the endpoint at all. Bypass them to show what the data plane itself answers.
    execFileSync('nft', ['delete', 'table', 'bridge', tb.backend.guard.table]);
    const during = await httpOneInNetns(await pidOf(successor), `http://${tb.address}/creds`);
    expect(during.status).toBe(503);
    expect(during.body).toContain('lost its connection to the Docker Engine');
    expect(during.body).not.toContain('AccessKeyId');

    proxy.restore();
    await eventually(() => tb.backend.index.connected, 15_000, 'the index to reconnect');
    const after = await httpOneInNetns(await pidOf(successor), `http://${tb.address}/creds`);
    expect(after.body).not.toContain('AccessKeyId');
    expect(after.status).toBe(400);
    await docker.getContainer(successor.id).inspect();
  });
});
