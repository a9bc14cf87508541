/**
 * The managed network dual-stack (ECS_ENDPOINTS_IPV6) on the real Docker Engine: created with an
 * IPv6 pool, and an existing network whose IPv6 side differs is kept and serving, with a problem
 * in the status that says what to do.
 */
import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { statusView } from '../../src/control/views.ts';
import { inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { docker, httpFrom, pickIpv6Subnet, pickSubnet, removeAll, runContainer, uniqueName } from '../support/docker.ts';

const containers: Docker.Container[] = [];
const networks: string[] = [];
const backends: TestBackend[] = [];

afterAll(async () => {
  await removeAll(containers);
  for (const b of backends) await b.cleanup();
  for (const n of networks) await docker.getNetwork(n).remove().catch(() => undefined);
});

async function start(env: Record<string, string>, opts: Parameters<typeof startTestBackend>[1] = {}): Promise<TestBackend> {
  const tb = await startTestBackend(env, opts);
  backends.push(tb);
  return tb;
}

/** Restart on the same network and state with other settings. */
async function restart(tb: TestBackend, env: Record<string, string>): Promise<TestBackend> {
  await tb.stop();
  return start(env, { stateDir: tb.stateDir, network: tb.network, subnet: tb.config.subnet.cidr });
}

/** A container on the network answers with its metadata over IPv4: the backend serves. */
async function serves(tb: TestBackend): Promise<void> {
  const c = await runContainer({ network: tb.network });
  containers.push(c);
  const { container } = await inModel(tb, c.id);
  expect((await httpFrom(c, `http://${tb.address}/v4/${container.endpointId}`)).status).toBe(200);
}

describe('ECS_ENDPOINTS_IPV6', () => {
  it('creates the managed network dual-stack: the IPv4 pool first, then the IPv6 subnet with its ::1 gateway', async () => {
    const v6 = await pickIpv6Subnet();
    const tb = await start({ ECS_ENDPOINTS_IPV6: v6 });
    const info = await docker.getNetwork(tb.network).inspect();
    const prefix = tb.config.subnet.cidr.split('.').slice(0, 3).join('.');
    expect(info.EnableIPv6).toBe(true);
    expect(info.IPAM?.Config).toEqual([
      { Subnet: `${prefix}.0/24`, Gateway: `${prefix}.2`, IPRange: `${prefix}.128/25` },
      { Subnet: v6, Gateway: v6.replace('::/64', '::1') },
    ]);
    const c = await runContainer({ network: tb.network });
    containers.push(c);
    const n = (await c.inspect()).NetworkSettings.Networks[tb.network]!;
    expect(n.GlobalIPv6Address.startsWith(v6.replace('::/64', '::'))).toBe(true);
    expect(n.GlobalIPv6PrefixLen).toBe(64);
    expect(n.IPv6Gateway).toBe(v6.replace('::/64', '::1'));
    const status = statusView(tb.backend);
    expect(status.network).toMatchObject({ name: tb.network, subnet: `${prefix}.0/24`, ipv6Subnet: v6, ready: true });
    expect(status.problems.filter((p) => p.id.startsWith('network'))).toEqual([]);
  });

  it('leaves the network IPv4-only when off (the default)', async () => {
    const tb = await start({});
    const info = await docker.getNetwork(tb.network).inspect();
    expect(info.EnableIPv6).toBe(false);
    expect(info.IPAM?.Config).toHaveLength(1);
    expect(statusView(tb.backend).network.ipv6Subnet).toBeUndefined();
  });

  it('keeps an IPv4-only network when asked for dual-stack, serving, with a problem that says how to change it', async () => {
    const first = await start({});
    const id = (await docker.getNetwork(first.network).inspect()).Id;
    const v6 = await pickIpv6Subnet();
    const tb = await restart(first, { ECS_ENDPOINTS_IPV6: v6 });
    const info = await docker.getNetwork(tb.network).inspect();
    expect(info.Id).toBe(id);
    expect(info.EnableIPv6).toBe(false);
    expect(tb.backend.networkReady).toBe(true);
    const problem = statusView(tb.backend).problems.find((p) => p.id === 'network-ipv6');
    expect(problem).toEqual({
      id: 'network-ipv6',
      severity: 'warning',
      message: `The network "${tb.network}" is IPv4-only, but ECS_ENDPOINTS_IPV6 asks for a dual-stack network (${v6}); it was kept as it is, so containers on it get no IPv6 address.`,
      remedy: `To make it dual-stack, stop ECS Endpoints, remove the network (docker network rm ${tb.network}; first stop or disconnect the containers docker network inspect ${tb.network} lists) and start ECS Endpoints again. Or unset ECS_ENDPOINTS_IPV6 to keep it IPv4-only.`,
    });
    expect(statusView(tb.backend).network.ipv6Subnet).toBeUndefined();
    await serves(tb);
  });

  it('keeps a dual-stack network when IPv6 is off, or set to another subnet, and says so', async () => {
    const v6 = await pickIpv6Subnet();
    const first = await start({ ECS_ENDPOINTS_IPV6: v6 });
    const off = await restart(first, {});
    expect((await docker.getNetwork(off.network).inspect()).EnableIPv6).toBe(true);
    const p1 = statusView(off.backend).problems.find((p) => p.id === 'network-ipv6');
    expect(p1?.message).toBe(`The network "${off.network}" is dual-stack (${v6}), but ECS_ENDPOINTS_IPV6 is off; it was kept as it is, so containers on it still get IPv6 addresses.`);
    expect(p1?.remedy).toContain(`Set ECS_ENDPOINTS_IPV6=${v6} to keep it dual-stack`);
    // The address guard reserves the gateway it has, configured or not.
    expect(off.backend.network.ipv6).toEqual({ subnet: v6, gateway: v6.replace('::/64', '::1') });
    await serves(off);

    const other = await pickIpv6Subnet();
    const moved = await restart(off, { ECS_ENDPOINTS_IPV6: other });
    const p2 = statusView(moved.backend).problems.find((p) => p.id === 'network-ipv6');
    expect(p2?.message).toBe(`The network "${moved.network}" has the IPv6 subnet ${v6}, but ECS_ENDPOINTS_IPV6 is ${other}; it was kept as it is.`);
    expect(p2?.remedy).toContain(`Set ECS_ENDPOINTS_IPV6=${v6}, or, to use ${other}, stop ECS Endpoints, remove the network`);
    expect(statusView(moved.backend).network.ipv6Subnet).toBe(v6);
    await serves(moved);

    // Configured as it is: no problem.
    const same = await restart(moved, { ECS_ENDPOINTS_IPV6: v6 });
    expect(statusView(same.backend).problems.find((p) => p.id === 'network-ipv6')).toBeUndefined();
  });

  it('refuses to start, naming the holder and what to set, when another network has the IPv6 subnet', async () => {
    const v6 = await pickIpv6Subnet();
    const { subnet: foreignV4 } = await pickSubnet();
    const foreign = uniqueName('someone-elses-v6');
    await docker.createNetwork({ Name: foreign, EnableIPv6: true, IPAM: { Config: [{ Subnet: foreignV4 }, { Subnet: v6 }] } });
    networks.push(foreign);
    const { subnet } = await pickSubnet();
    const network = uniqueName('ecs-test-net');
    networks.push(network);
    const err = await startTestBackend({ ECS_ENDPOINTS_IPV6: v6 }, { subnet, network }).then(
      (tb) => { backends.push(tb); return undefined; },
      (e: Error & { remedy?: string; code?: string }) => e,
    );
    expect(err?.code).toBe('subnet-in-use');
    expect(err?.message).toBe(`The IPv6 subnet ${v6} is already used by the Docker network "${foreign}", so "${network}" cannot be created.`);
    expect(err?.remedy).toBe(`Set ECS_ENDPOINTS_IPV6 to another unique local subnet (fd and 10 random hex digits, e.g. fd3a:91c2:7be4::/64), or remove "${foreign}" if nothing needs it (docker network rm ${foreign}).`);
  });
});
