/**
 * Metadata from real containers on a real dual-stack managed network (ECS_ENDPOINTS_IPV6), field
 * by field against the agent (spec §6.4; agent/handlers/v4/container_metadata_handler.go since
 * 1.93.0, v3's handler, and v4/response.go for awsvpc): v4 lists a bridge container's IPv6
 * address per network in IPv6Addresses, only for networks that gave it one; v3 and v2 never do for
 * bridge containers; an awsvpc-style task's network carries it in v3 and v4, and in v4 its block.
 */
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cidrOf6 } from '../../src/ipv6.ts';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { BUSYBOX, docker, jsonFrom, pickIpv6Subnet, pickSubnet, removeAll, uniqueName } from '../support/docker.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let tb: TestBackend;
let v6: string;
let other: string;
const created: Docker.Container[] = [];
let solo: Docker.Container;
let pause: Docker.Container;
let app: Docker.Container;

async function create(opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const c = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', ...opts, Labels: { 'ecs-endpoints-test': 'true' } });
  created.push(c);
  await c.start();
  return c;
}

const attachment = async (c: Docker.Container, net: string) => (await c.inspect()).NetworkSettings.Networks[net]!;
const byMode = (nets: J[]) => [...nets].sort((a, b) => String(a.NetworkMode).localeCompare(String(b.NetworkMode)));

beforeAll(async () => {
  v6 = await pickIpv6Subnet();
  tb = await startTestBackend({ ECS_ENDPOINTS_IPV6: v6 });
  // A second, IPv4-only network the bridge container is also on.
  other = uniqueName('ecs-test-v4only');
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.createNetwork({ Name: other, IPAM: { Config: [{ Subnet: (await pickSubnet()).subnet }] }, Labels: { 'ecs-endpoints-test': 'true' } });
      break;
    } catch (err) {
      if (attempt >= 5 || !/overlap/i.test((err as Error).message)) throw err;
    }
  }
  solo = await create({ name: uniqueName('solo6'), HostConfig: { NetworkMode: tb.network } });
  await docker.getNetwork(other).connect({ Container: solo.id });
  pause = await create({ name: uniqueName('pause6'), HostConfig: { NetworkMode: tb.network } });
  app = await create({ name: uniqueName('app6'), HostConfig: { NetworkMode: `container:${pause.id}` } });
  for (const c of [solo, pause, app]) await inModel(tb, c.id);
  await eventually(() => tb.backend.index.get(solo.id)?.networks.length === 2, 10_000, 'the second network in the index');
}, 120_000);

afterAll(async () => {
  await removeAll(created, [other]);
  await tb?.cleanup();
});

describe('a bridge container on a dual-stack managed network', () => {
  const urls = async () => {
    const { container } = await inModel(tb, solo.id);
    return { v4: `http://${tb.address}/v4/${container.endpointId}`, v3: `http://${tb.address}/v3/${container.endpointId}` };
  };

  it('v4 container and task metadata: its IPv6 address on the network that gave it one, none on the IPv4-only one', async () => {
    const managed = await attachment(solo, tb.network);
    const second = await attachment(solo, other);
    expect(managed.GlobalIPv6Address.startsWith(v6.replace('::/64', ':'))).toBe(true);
    expect(second.GlobalIPv6Address).toBe('');
    const want = byMode([
      { NetworkMode: tb.network, IPv4Addresses: [managed.IPAddress], IPv6Addresses: [managed.GlobalIPv6Address] },
      { NetworkMode: other, IPv4Addresses: [second.IPAddress] },
    ]);
    const { v4 } = await urls();
    const container = await jsonFrom<J>(solo, v4);
    expect(byMode(container.Networks)).toEqual(want);
    for (const n of container.Networks as J[]) expect(Object.keys(n)).toEqual(n.NetworkMode === other ? ['NetworkMode', 'IPv4Addresses'] : ['NetworkMode', 'IPv4Addresses', 'IPv6Addresses']);
    const task = await jsonFrom<J>(solo, `${v4}/task`);
    const inTask = (task.Containers as J[]).find((c) => c.DockerId === solo.id)!;
    expect(byMode(inTask.Networks)).toEqual(want);
  });

  it('v3 container and task metadata, and v2: no IPv6Addresses (the v3 handler copies only the IPv4 address; v2 lists networks for awsvpc only)', async () => {
    const managed = await attachment(solo, tb.network);
    const second = await attachment(solo, other);
    const want = byMode([
      { NetworkMode: tb.network, IPv4Addresses: [managed.IPAddress] },
      { NetworkMode: other, IPv4Addresses: [second.IPAddress] },
    ]);
    const { v3 } = await urls();
    expect(byMode((await jsonFrom<J>(solo, v3)).Networks)).toEqual(want);
    const task = await jsonFrom<J>(solo, `${v3}/task`);
    expect(byMode((task.Containers as J[]).find((c) => c.DockerId === solo.id)!.Networks)).toEqual(want);
    const v2 = await jsonFrom<J>(solo, `http://${tb.address}/v2/metadata`);
    expect((v2.Containers as J[]).find((c) => c.DockerId === solo.id)).not.toHaveProperty('Networks');
  });
});

describe('an awsvpc-style task whose namespace owner is on the dual-stack network', () => {
  it('v4: the "ENI" with its IPv6 address and IPv6SubnetCIDRBlock (the address in a /64, as the agent makes it for dual-stack ENIs); v3: the address', async () => {
    const n = await attachment(pause, tb.network);
    const { container } = await inModel(tb, app.id);
    const v4 = await jsonFrom<J>(app, `http://${tb.address}/v4/${container.endpointId}`);
    const prefix = tb.config.subnet.cidr.split('/')[1];
    expect(v4.Networks).toEqual([{
      NetworkMode: 'awsvpc',
      IPv4Addresses: [n.IPAddress],
      IPv6Addresses: [n.GlobalIPv6Address],
      AttachmentIndex: 0,
      MACAddress: n.MacAddress,
      IPv4SubnetCIDRBlock: tb.config.subnet.cidr,
      IPv6SubnetCIDRBlock: cidrOf6(n.GlobalIPv6Address, 64),
      PrivateDNSName: `ip-${n.IPAddress.replace(/\./g, '-')}.ec2.internal`,
      SubnetGatewayIpv4Address: `${n.Gateway}/${prefix}`,
    }]);
    expect(v4.Networks[0].IPv6SubnetCIDRBlock).toBe(v6);
    expect(Object.keys(v4.Networks[0])).toEqual(['NetworkMode', 'IPv4Addresses', 'IPv6Addresses', 'AttachmentIndex', 'MACAddress', 'IPv4SubnetCIDRBlock', 'IPv6SubnetCIDRBlock', 'PrivateDNSName', 'SubnetGatewayIpv4Address']);
    const task = await jsonFrom<J>(app, `http://${tb.address}/v4/${container.endpointId}/task`);
    for (const c of task.Containers as J[]) expect(c.Networks).toEqual(v4.Networks);
    const v3 = await jsonFrom<J>(app, `http://${tb.address}/v3/${container.endpointId}`);
    expect(v3.Networks).toEqual([{ NetworkMode: 'awsvpc', IPv4Addresses: [n.IPAddress], IPv6Addresses: [n.GlobalIPv6Address] }]);
  });
});
