import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { OWNER_LABEL } from '../../src/docker/network.ts';
import { detectTopology } from '../../src/docker/client.ts';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { BUSYBOX, docker, httpFrom, pickSubnet, removeAll, runContainer, uniqueName } from '../support/docker.ts';
import { pidOf, runInNetns } from '../support/netns.ts';

const containers: Docker.Container[] = [];
const networks: string[] = [];
const backends: TestBackend[] = [];

afterAll(async () => {
  await removeAll(containers);
  for (const b of backends) await b.cleanup();
  for (const n of networks) await docker.getNetwork(n).remove().catch(() => undefined);
});

describe('the managed network', () => {
  it('is created with the subnet, gateway, a dynamic range that excludes .2, and our label', async () => {
    const tb = await startTestBackend();
    backends.push(tb);
    const info = await docker.getNetwork(tb.network).inspect();
    const prefix = tb.config.subnet.cidr.split('.').slice(0, 3).join('.');
    expect(info.Driver).toBe('bridge');
    expect(info.Attachable).toBe(true);
    expect(info.Labels?.[OWNER_LABEL]).toBe('true');
    expect(info.IPAM?.Config?.[0]).toMatchObject({ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.2`, IPRange: `${prefix}.128/25` });
    // Containers get addresses from the upper half, never the endpoint's.
    const c = await runContainer({ network: tb.network });
    containers.push(c);
    const ip = (await c.inspect()).NetworkSettings.Networks[tb.network]!.IPAddress;
    expect(Number(ip.split('.')[3])).toBeGreaterThanOrEqual(128);
  });

  it('is adopted on restart, and endpoint and task ids survive the restart', async () => {
    const tb = await startTestBackend();
    backends.push(tb);
    const c = await runContainer({ network: tb.network });
    containers.push(c);
    const first = await inModel(tb, c.id);
    const netId = (await docker.getNetwork(tb.network).inspect()).Id;
    await tb.stop();
    const again = await startTestBackend({}, { stateDir: tb.stateDir, network: tb.network, subnet: tb.config.subnet.cidr });
    backends.push(again);
    expect((await docker.getNetwork(tb.network).inspect()).Id).toBe(netId);
    const second = await inModel(again, c.id);
    expect(second.container.endpointId).toBe(first.container.endpointId);
    expect(second.task.arn).toBe(first.task.arn);
    expect((await httpFrom(c, `http://${again.address}/v4/${first.container.endpointId}`)).status).toBe(200);
  });

  it('refuses, naming the network and the remedy, when another network holds the subnet', async () => {
    const { subnet } = await pickSubnet();
    const foreign = uniqueName('someone-elses');
    await docker.createNetwork({ Name: foreign, IPAM: { Config: [{ Subnet: subnet }] } });
    networks.push(foreign);
    const err = await startTestBackend({}, { subnet }).then(
      (tb) => { backends.push(tb); return undefined; },
      (e: Error & { remedy?: string; code?: string }) => e,
    );
    expect(err?.code).toBe('subnet-in-use');
    expect(err?.message).toContain(`"${foreign}"`);
    expect(err?.message).toContain(subnet);
    expect(err?.remedy).toContain(`docker network rm ${foreign}`);
    expect(err?.remedy).toContain('ECS_ENDPOINTS_SUBNET');
    // And it did not touch the other network.
    expect((await docker.getNetwork(foreign).inspect()).Name).toBe(foreign);
  });

  it('refuses a network of the same name that is not ours, without deleting it', async () => {
    const { subnet } = await pickSubnet();
    const name = uniqueName('taken');
    await docker.createNetwork({ Name: name, IPAM: { Config: [{ Subnet: subnet }] } });
    networks.push(name);
    const err = await startTestBackend({}, { network: name }).then(
      (tb) => { backends.push(tb); return undefined; },
      (e: Error & { remedy?: string; code?: string }) => e,
    );
    expect(err?.code).toBe('name-taken');
    expect(err?.message).toContain(`"${name}"`);
    expect(err?.remedy).toContain('ECS_ENDPOINTS_NETWORK');
    expect((await docker.getNetwork(name).inspect()).Labels?.[OWNER_LABEL]).toBeUndefined();
  });

  it('puts containers labelled ecs-endpoints.enable=true in ECS mode when they start', async () => {
    const tb = await startTestBackend();
    backends.push(tb);
    const labelled = await runContainer({ labels: { 'ecs-endpoints.enable': 'true' } });
    const plain = await runContainer({});
    const hostNet = await runContainer({ networkMode: 'host', labels: { 'ecs-endpoints.enable': 'true' } });
    containers.push(labelled, plain, hostNet);
    const e = await inModel(tb, labelled.id);
    expect(e.container.address).toMatch(/\.\d+$/);
    const r = await httpFrom(labelled, `http://${tb.address}/v4`);
    expect(JSON.parse(r.body).DockerId).toBe(labelled.id);
    // Unlabelled and host-network containers are left alone.
    await eventually(() => tb.backend.index.get(hostNet.id), 5000, 'host container indexed');
    expect(tb.backend.model.byContainerId.has(plain.id)).toBe(false);
    expect(tb.backend.model.byContainerId.has(hostNet.id)).toBe(false);
  });

  it('attaches a labelled container when it is created, so its first instruction finds the network', async () => {
    const tb = await startTestBackend();
    backends.push(tb);
    const c = await docker.createContainer({
      name: uniqueName('on-create'),
      Image: BUSYBOX,
      // Its only interface besides lo and eth0 is the managed network's, there from the first instruction.
      Cmd: ['sh', '-c', 'ls /sys/class/net; sleep 3600'],
      StopSignal: 'SIGKILL',
      Labels: { 'ecs-endpoints-test': 'true', 'ecs-endpoints.enable': 'true' },
    });
    containers.push(c);
    const joined = await eventually(async () => {
      const info = await c.inspect();
      return info.NetworkSettings.Networks[tb.network] ? info : undefined;
    }, 10_000, 'joined while still created');
    expect(joined.State.Status).toBe('created');
    await c.start();
    const out = await eventually(async () => {
      const text = (await c.logs({ stdout: true })).toString('utf8');
      return /eth1/.test(text) ? text : undefined;
    }, 10_000, 'its interfaces listed');
    expect(out).toMatch(/eth0/);
    expect(await inModel(tb, c.id)).toBeTruthy();
    // A second create goes through the connection opened after the first (see PrimedDockerRequests).
    const d = await docker.createContainer({ name: uniqueName('on-create'), Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', Labels: { 'ecs-endpoints-test': 'true', 'ecs-endpoints.enable': 'true' } });
    containers.push(d);
    await eventually(async () => (await d.inspect()).NetworkSettings.Networks[tb.network], 10_000, 'the second joined too');
  });

  it('tells a labelled container whose request beat its attach to send it again (503), and still refuses other containers (403)', async () => {
    const tb = await startTestBackend();
    backends.push(tb);
    const labelled = await docker.createContainer({
      name: uniqueName('joining'), Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL',
      Labels: { 'ecs-endpoints-test': 'true', 'ecs-endpoints.enable': 'true' },
    });
    containers.push(labelled);
    await eventually(async () => (await labelled.inspect()).NetworkSettings.Networks[tb.network], 10_000, 'attached on create');
    await labelled.start();
    // As when `docker run -d` starts it before the attach lands: its request leaves by the default
    // bridge (a route through that network's gateway), so it reaches the endpoint address from there.
    const bridge = (await labelled.inspect()).NetworkSettings.Networks.bridge!;
    const route = await runInNetns(await pidOf(labelled), ['ip', 'route', 'add', `${tb.address}/32`, 'via', bridge.Gateway, 'dev', 'eth0'], {});
    expect(route.code, route.stderr).toBe(0);
    const url = `http://${tb.address}/v2/credentials/none-such`;
    const again = await httpFrom(labelled, url);
    expect(again.status).toBe(503);
    expect(again.body).toContain(`attached to the Docker network "${tb.network}" a moment after it started`);
    expect(tb.backend.requests.list(1)[0]).toMatchObject({ status: 503, callerIp: bridge.IPAddress });

    // A container that is not joining, on the same default bridge, is refused as before.
    const other = await runContainer({});
    containers.push(other);
    const refused = await httpFrom(other, url);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain(`is not on it`);
  });

  it('auto topology: a process is "host" unless the engine knows it as one of its running containers', async () => {
    // This test process is not a container of the engine (even if the machine itself is a container).
    expect(await detectTopology()).toBe('host');
    const c = await runContainer({});
    containers.push(c);
    expect(await detectTopology(c.id.slice(0, 12))).toBe('container');
    expect(await detectTopology('no-such-container-here')).toBe('host');
  });
});
