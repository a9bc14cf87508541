import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, httpFrom, jsonFrom, BUSYBOX, uniqueName, removeAll, exec } from '../support/docker.ts';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';

/* Spec §6.2/6.3/6.4: Go struct order. Actual keys must appear in this relative order. */
const V4_CONTAINER = ['DockerId', 'Name', 'DockerName', 'Image', 'ImageID', 'Ports', 'Labels', 'DesiredStatus', 'KnownStatus', 'ExitCode', 'Limits', 'CreatedAt', 'StartedAt', 'FinishedAt', 'Type', 'Health', 'Volumes', 'LogDriver', 'LogOptions', 'ContainerARN', 'Networks', 'Snapshotter', 'RestartCount'];
const V3_CONTAINER = ['DockerId', 'Name', 'DockerName', 'Image', 'ImageID', 'Ports', 'Labels', 'DesiredStatus', 'KnownStatus', 'ExitCode', 'Limits', 'CreatedAt', 'StartedAt', 'FinishedAt', 'Type', 'Networks', 'Health', 'Volumes'];
const V4_TASK = ['Cluster', 'TaskARN', 'Family', 'Revision', 'DesiredStatus', 'KnownStatus', 'Limits', 'PullStartedAt', 'PullStoppedAt', 'ExecutionStoppedAt', 'AvailabilityZone', 'TaskTags', 'ContainerInstanceTags', 'LaunchType', 'Errors', 'Containers', 'VPCID', 'ServiceName', 'Group', 'ClockDrift', 'EphemeralStorageMetrics', 'FaultInjectionEnabled', 'AvailabilityZoneID'];
const V3_TASK = ['Cluster', 'TaskARN', 'Family', 'Revision', 'DesiredStatus', 'KnownStatus', 'Containers', 'Limits', 'PullStartedAt', 'PullStoppedAt', 'ExecutionStoppedAt', 'AvailabilityZone', 'TaskTags', 'ContainerInstanceTags'];
const STATS = ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id', 'networks', 'network_rate_stats'];

function expectOrder(obj: object, order: string[]): void {
  const keys = Object.keys(obj);
  const unknown = keys.filter((k) => !order.includes(k));
  expect(unknown, `keys not in the agent's struct: ${unknown}`).toEqual([]);
  const positions = keys.map((k) => order.indexOf(k));
  expect(positions, `key order ${keys.join(',')}`).toEqual([...positions].sort((a, b) => a - b));
}

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let tb: TestBackend;
const created: Docker.Container[] = [];
let solo: Docker.Container;
let soloInfo: Docker.ContainerInspectInfo;
const soloEndpoint = randomUUID();
let web: Docker.Container, worker: Docker.Container, pause: Docker.Container, app: Docker.Container;
const project = uniqueName('shop');

async function create(opts: Docker.ContainerCreateOptions, start = true): Promise<Docker.Container> {
  const c = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', ...opts, Labels: { 'ecs-endpoints-test': 'true', ...(opts.Labels ?? {}) } });
  created.push(c);
  if (start) await c.start();
  return c;
}

beforeAll(async () => {
  tb = await startTestBackend();
  const net = tb.network;
  solo = await create({
    name: uniqueName('solo'),
    Env: [`ECS_CONTAINER_METADATA_URI_V4=http://${tb.address}/v4/${soloEndpoint}`, `ECS_CONTAINER_METADATA_URI=http://${tb.address}/v3/${soloEndpoint}`],
    Labels: { 'app.tier': 'back<end>&co', 'ecs-endpoints.tag.team': 'payments' },
    ExposedPorts: { '8080/tcp': {} },
    Healthcheck: { Test: ['CMD', 'true'], Interval: 500_000_000, StartPeriod: 0 },
    HostConfig: {
      NetworkMode: net,
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Memory: 64 * 1024 * 1024,
      CpuShares: 256,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      Binds: ['/tmp:/hosttmp:ro'],
    },
  });
  web = await create({ name: uniqueName('web'), Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'web' }, HostConfig: { NetworkMode: net } });
  worker = await create({ name: uniqueName('worker'), Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'worker' }, HostConfig: { NetworkMode: net } });
  pause = await create({ name: uniqueName('pause'), HostConfig: { NetworkMode: net } });
  app = await create({ name: uniqueName('app'), HostConfig: { NetworkMode: `container:${pause.id}` } });
  await worker.kill();
  soloInfo = await solo.inspect();
  for (const c of [solo, web, worker, pause, app]) await inModel(tb, c.id);
  // The health check has run once the container reports healthy.
  await eventually(async () => (await solo.inspect()).State.Health?.Status === 'healthy' && tb.backend.model.byContainerId.get(solo.id)?.container.record.health?.status === 'healthy', 15_000, 'solo healthy');
  soloInfo = await solo.inspect();
}, 120_000);

afterAll(async () => {
  await removeAll(created);
  await tb?.cleanup();
});

describe('v4 container metadata (bridge)', () => {
  it('answers at the endpoint id from the container\'s own environment, field by field', async () => {
    const r = await httpFrom(solo, `http://${tb.address}/v4/${soloEndpoint}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body.endsWith('\n')).toBe(false);
    // Go escapes <, > and & in strings.
    expect(r.body).toContain('back\\u003cend\\u003e\\u0026co');
    const m: J = JSON.parse(r.body);
    expectOrder(m, V4_CONTAINER);
    const task = tb.backend.model.byContainerId.get(solo.id)!.task;
    expect(m.DockerId).toBe(soloInfo.Id);
    expect(m.Name).toBe(soloInfo.Name.slice(1));
    expect(m.DockerName).toBe(soloInfo.Name.slice(1));
    expect(m.Image).toBe(BUSYBOX);
    expect(m.ImageID).toBe(soloInfo.Image);
    const binding = soloInfo.NetworkSettings.Ports['8080/tcp']![0]!;
    expect(m.Ports).toEqual([{ ContainerPort: 8080, Protocol: 'tcp', HostPort: Number(binding.HostPort), HostIp: '127.0.0.1' }]);
    expect(Object.keys(m.Labels)).toEqual([...Object.keys(m.Labels)].sort());
    expect(m.Labels).toMatchObject({
      'app.tier': 'back<end>&co',
      'com.amazonaws.ecs.cluster': 'default',
      'com.amazonaws.ecs.container-name': soloInfo.Name.slice(1),
      'com.amazonaws.ecs.task-arn': task.arn,
      'com.amazonaws.ecs.task-definition-family': soloInfo.Name.slice(1),
      'com.amazonaws.ecs.task-definition-version': '1',
    });
    expect(m.DesiredStatus).toBe('RUNNING');
    expect(m.KnownStatus).toBe('RUNNING');
    expect(m).not.toHaveProperty('ExitCode');
    expect(m.Limits).toEqual({ CPU: 256, Memory: 64 });
    expect(m.CreatedAt).toBe(soloInfo.Created);
    expect(m.StartedAt).toBe(soloInfo.State.StartedAt);
    expect(m).not.toHaveProperty('FinishedAt');
    expect(m.Type).toBe('NORMAL');
    expect(Object.keys(m.Health)).toEqual(['status', 'statusSince']);
    expect(m.Health.status).toBe('HEALTHY');
    expect(m.Volumes).toEqual([{ Source: '/tmp', Destination: '/hosttmp' }]);
    expect(m.LogDriver).toBe('json-file');
    expect(Object.keys(m.LogOptions)).toEqual(['max-file', 'max-size']);
    expect(m.ContainerARN).toMatch(new RegExp(`^arn:aws:ecs:us-east-1:000000000000:container/default/${task.id}/[0-9a-f-]{36}$`));
    expect(m.Networks).toEqual([{ NetworkMode: tb.network, IPv4Addresses: [soloInfo.NetworkSettings.Networks[tb.network]!.IPAddress] }]);
    expect(m.RestartCount).toBe(0);
    // Rate-limit headers on every response.
    expect(r.headers['x-rate-limit-limit']).toBe('40.00');
    expect(r.headers['x-rate-limit-duration']).toBe('1');
    expect(r.headers['x-rate-limit-request-remote-addr']).toMatch(new RegExp(`^${soloInfo.NetworkSettings.Networks[tb.network]!.IPAddress.replace(/\./g, '\\.')}:\\d+$`));
  });

  it('serves the same document at the id-less /v4 and by container name', async () => {
    const byId = (await httpFrom(solo, `http://${tb.address}/v4/${soloEndpoint}`)).body;
    expect((await httpFrom(solo, `http://${tb.address}/v4`)).body).toBe(byId);
    expect((await httpFrom(web, `http://${tb.address}/v4/containers/${soloInfo.Name.slice(1)}`)).body).toBe(byId);
    // Port 51679 (the agent's own port) serves the same thing.
    expect((await httpFrom(solo, `http://${tb.address}:51679/v4/${soloEndpoint}`)).body).toBe(byId);
  });

  it('v3 has the v2 shape: no LogDriver/ContainerARN/HostIp, Networks before Health', async () => {
    const m: J = await jsonFrom(solo, `http://${tb.address}/v3/${soloEndpoint}`);
    expectOrder(m, V3_CONTAINER);
    expect(m).not.toHaveProperty('LogDriver');
    expect(m).not.toHaveProperty('ContainerARN');
    expect(m).not.toHaveProperty('RestartCount');
    expect(m.Ports[0]).not.toHaveProperty('HostIp');
    expect(m.Networks[0].NetworkMode).toBe(tb.network);
  });
});

describe('compose-style task', () => {
  it('groups the project into one task with the stopped container reported as STOPPED with its exit code', async () => {
    const webEndpoint = tb.backend.model.byContainerId.get(web.id)!.container.endpointId;
    const t: J = await jsonFrom(web, `http://${tb.address}/v4/${webEndpoint}/task`);
    expectOrder(t, V4_TASK);
    expect(t.Cluster).toBe('default');
    expect(t.TaskARN).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/default\/[0-9a-f]{32}$/);
    expect(t.Family).toBe(project);
    expect(t.Revision).toBe('1');
    expect(t.DesiredStatus).toBe('RUNNING');
    expect(t.KnownStatus).toBe('RUNNING');
    expect(t).not.toHaveProperty('Limits');
    // No pull here: the pull window is the first container's creation, as Docker reports it.
    const createdAt = [(await web.inspect()).Created, (await worker.inspect()).Created].sort((a, b) => Date.parse(a) - Date.parse(b));
    expect(t.PullStartedAt).toBe(createdAt[0]);
    expect(t.PullStoppedAt).toBe(createdAt[0]);
    expect(t).not.toHaveProperty('ExecutionStoppedAt');
    expect(t.AvailabilityZone).toBe('us-east-1a');
    expect(t.LaunchType).toBe('EC2');
    expect(t.FaultInjectionEnabled).toBe(false);
    expect(t.AvailabilityZoneID).toBe('use1-az1');
    expect(t).not.toHaveProperty('TaskTags');
    const names = t.Containers.map((c: J) => c.Name).sort();
    expect(names).toEqual(['web', 'worker']);
    const w = t.Containers.find((c: J) => c.Name === 'worker');
    expect(w.KnownStatus).toBe('STOPPED');
    expect(w.DesiredStatus).toBe('STOPPED');
    expect(w.ExitCode).toBe(137);
    expect(w.FinishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const c of t.Containers) {
      expectOrder(c, V4_CONTAINER);
      expect(c.Labels['com.amazonaws.ecs.task-arn']).toBe(t.TaskARN);
      expect(c.Labels['com.amazonaws.ecs.task-definition-family']).toBe(project);
    }
  });

  it('v3 task has Containers right after KnownStatus and no v4-only keys', async () => {
    const webEndpoint = tb.backend.model.byContainerId.get(web.id)!.container.endpointId;
    const t: J = await jsonFrom(web, `http://${tb.address}/v3/${webEndpoint}/task`);
    expectOrder(t, V3_TASK);
    expect(Object.keys(t).indexOf('Containers')).toBe(Object.keys(t).indexOf('KnownStatus') + 1);
    expect(t).not.toHaveProperty('LaunchType');
    expect(t).not.toHaveProperty('FaultInjectionEnabled');
    expect(t).not.toHaveProperty('AvailabilityZoneID');
    expect(t.PullStartedAt).toBe(t.Containers.map((c: J) => c.CreatedAt).sort((a: string, b: string) => Date.parse(a) - Date.parse(b))[0]);
  });

  it('task stats map every container, {} for one without stats in v4 and null in v3, keys sorted', async () => {
    const webEndpoint = tb.backend.model.byContainerId.get(web.id)!.container.endpointId;
    const s4: J = await eventually(async () => {
      const s: J = await jsonFrom(web, `http://${tb.address}/v4/${webEndpoint}/task/stats`);
      return s[web.id]?.read ? s : undefined;
    }, 10_000, 'web stats sample');
    expect(Object.keys(s4)).toEqual([web.id, worker.id].sort());
    expect(s4[worker.id]).toEqual({});
    const s3: J = await jsonFrom(web, `http://${tb.address}/v3/${webEndpoint}/task/stats`);
    expect(s3[worker.id]).toBeNull();
  });
});

describe('v4 stats from the streaming cache', () => {
  it('returns Docker stats in the agent\'s key order with network_rate_stats after two samples', async () => {
    const url = `http://${tb.address}/v4/${soloEndpoint}/stats`;
    // Make some traffic so the rate is measurable, then wait for two samples.
    await exec(solo, ['sh', '-c', `for i in 1 2 3 4 5; do wget -q -O /dev/null http://${tb.address}/v4 ; done`]);
    const s: J = await eventually(async () => {
      const j: J = await jsonFrom(solo, url);
      return j.network_rate_stats ? j : undefined;
    }, 10_000, 'network_rate_stats');
    expectOrder(s, STATS);
    expect(s.id).toBe(solo.id);
    expect(s.name).toBe(soloInfo.Name);
    expect(Object.keys(s.networks)).toEqual(['eth0']);
    expect(Object.keys(s.networks.eth0)).toEqual(['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped']);
    expect(Object.keys(s.network_rate_stats)).toEqual(['rx_bytes_per_sec', 'tx_bytes_per_sec']);
    expect(typeof s.network_rate_stats.rx_bytes_per_sec).toBe('number');
    expect(Date.parse(s.read) - Date.parse(s.preread)).toBeGreaterThan(500);
    expect(s.memory_stats.limit).toBe(64 * 1024 * 1024);
    // v3 stats: the same Docker document without network_rate_stats.
    const s3: J = await jsonFrom(solo, `http://${tb.address}/v3/${soloEndpoint}/stats`);
    expect(s3).not.toHaveProperty('network_rate_stats');
    expectOrder(s3, STATS);
  });
});

/** Docker's own stats text for a container (its first streamed sample), before any JSON parser touches its digits. */
async function rawDockerStats(id: string): Promise<string> {
  const stream = (await docker.getContainer(id).stats({ stream: true })) as unknown as Readable;
  let text = '';
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) return text.slice(0, nl);
    }
    throw new Error(`no stats sample from Docker for ${id}`);
  } finally {
    stream.destroy();
  }
}

describe('stats keep Docker\'s integer digits (issue 12)', () => {
  it('an unlimited container\'s counters beyond 2^53 come out with the digits Docker sent', async () => {
    const raw = await rawDockerStats(web.id);
    // Every integer Docker sent that a double cannot hold (cgroup v1: hierarchical_memory_limit
    // and hierarchical_memsw_limit of an unlimited container, 9223372036854771712 on 4 KiB pages).
    const big = [...raw.matchAll(/"(\w+)":(\d{16,})/g)].filter(([, , v]) => BigInt(v!) > 2n ** 53n).map(([, k, v]) => `"${k}":${v}`);
    if ((await docker.info()).CgroupVersion === '1') expect(big.map((s) => s.split(':')[0])).toContain('"hierarchical_memory_limit"');
    const endpoint = tb.backend.model.byContainerId.get(web.id)!.container.endpointId;
    for (const path of [`/v4/${endpoint}/stats`, `/v3/${endpoint}/stats`, `/v4/${endpoint}/task/stats`]) {
      const r = await eventually(async () => {
        const x = await httpFrom(web, `http://${tb.address}${path}`);
        return x.status === 200 && x.body.includes('"read"') ? x : undefined;
      }, 10_000, `a sample at ${path}`);
      for (const kv of big) expect(r.body, path).toContain(kv);
      expect(r.body).not.toMatch(/"hierarchical_memory_limit":\d+0{3}[,}]/); // no double-rounded 9223372036854772000
    }
  });
});

describe('shared network namespace (awsvpc-style) task', () => {
  it('puts both containers in one task with awsvpc networks', async () => {
    const appEntry = tb.backend.model.byContainerId.get(app.id)!;
    const pauseEntry = tb.backend.model.byContainerId.get(pause.id)!;
    expect(appEntry.task).toBe(pauseEntry.task);
    const t: J = await jsonFrom(app, `http://${tb.address}/v4/${appEntry.container.endpointId}/task`);
    expect(t.Containers).toHaveLength(2);
    const pauseIp = (await pause.inspect()).NetworkSettings.Networks[tb.network]!;
    for (const c of t.Containers) {
      expect(c.Networks).toHaveLength(1);
      const n = c.Networks[0];
      expect(Object.keys(n)).toEqual(['NetworkMode', 'IPv4Addresses', 'AttachmentIndex', 'MACAddress', 'IPv4SubnetCIDRBlock', 'PrivateDNSName', 'SubnetGatewayIpv4Address']);
      expect(n).toEqual({
        NetworkMode: 'awsvpc',
        IPv4Addresses: [pauseIp.IPAddress],
        AttachmentIndex: 0,
        MACAddress: pauseIp.MacAddress,
        IPv4SubnetCIDRBlock: tb.config.subnet.cidr,
        PrivateDNSName: `ip-${pauseIp.IPAddress.replace(/\./g, '-')}.ec2.internal`,
        SubnetGatewayIpv4Address: `${tb.config.gateway}/24`,
      });
    }
  });

  it('v2 identifies the task by source IP', async () => {
    const t: J = await jsonFrom(app, `http://${tb.address}/v2/metadata`);
    expect(t.TaskARN).toBe(tb.backend.model.byContainerId.get(app.id)!.task.arn);
    expect(t).not.toHaveProperty('LaunchType');
    const c: J = await jsonFrom(app, `http://${tb.address}/v2/metadata/${app.id}`);
    expect(c.DockerId).toBe(app.id);
    expect(c.Networks[0].NetworkMode).toBe('awsvpc');
    expect(Object.keys(c.Networks[0])).toEqual(['NetworkMode', 'IPv4Addresses']);
  });
});

describe('errors, exactly as the agent sends them', () => {
  const bogus = '00000000-0000-4000-8000-000000000000';
  const cases: [string, number, string][] = [
    [`/v4/${bogus}`, 404, `"V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${bogus}"`],
    [`/v4/${bogus}/task`, 404, `"V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${bogus}"`],
    [`/v4/${bogus}/stats`, 404, `"V4 container stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${bogus}"`],
    [`/v4/${bogus}/task/stats`, 404, `"V4 task stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${bogus}"`],
    [`/v3/${bogus}`, 500, `"V3 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${bogus}"`],
    [`/v3/${bogus}/task`, 500, `"V3 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${bogus}"`],
    [`/v3/${bogus}/stats`, 400, `"V3 container stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${bogus}"`],
    ['/v2/metadata/taskWithTags', 400, `"Unable to generate metadata for container 'taskWithTags'"`],
    ['/v2/credentials/', 400, '{"code":"NoIdInRequest","message":"CredentialsV2Request: No Credential ID in the request","HTTPErrorCode":400}'],
    [`/v2/credentials/${bogus}`, 400, '{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}'],
    ['/v1/credentials?id=', 400, '{"code":"NoIdInRequest","message":"CredentialsV1Request: No Credential ID in the request","HTTPErrorCode":400}'],
  ];
  it.each(cases)('%s → %i', async (path, status, body) => {
    const r = await httpFrom(solo, `http://${tb.address}${path}`);
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(body);
    expect(r.headers['x-rate-limit-limit']).toBe('40.00');
  });

  it('unknown routes get Go\'s text 404; unclean paths a 301 without rate-limit headers', async () => {
    for (const p of [`/v4/${soloEndpoint}/`, `/v4/${soloEndpoint}/tasks`, '/v2/credentials', '/nope']) {
      const r = await httpFrom(solo, `http://${tb.address}${p}`);
      expect(r.status, p).toBe(404);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.body).toBe('404 page not found\n');
    }
    const r = await httpFrom(solo, `http://${tb.address}//v4//${soloEndpoint}/../${soloEndpoint}/task?x=1`);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`/v4/${soloEndpoint}/task?x=1`);
    expect(r.headers['x-rate-limit-limit']).toBeUndefined();
  });

  it('a caller outside ECS mode is not associated with any task', async () => {
    const outsider = await create({ name: uniqueName('outsider'), HostConfig: { NetworkMode: 'bridge' } });
    // Not on the managed network: it cannot even route to the endpoint's address.
    const r = await exec(outsider, ['sh', '-c', `printf 'GET /v4 HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${tb.address} 80`]);
    expect(r.stdout).not.toContain('"DockerId"');
  });
});

describe('throttling per (source IP, path)', () => {
  // Its own backend with a refill of one token per 100 s: exactly the burst passes and every later
  // request is refused however slowly the machine sends them (the test times out long before a
  // token comes back). The default 40/s, 60 is asserted on the headers above and in the unit tests.
  const BURST = 5;
  let slow: TestBackend;
  let caller: Docker.Container;
  const endpoint = randomUUID();

  beforeAll(async () => {
    slow = await startTestBackend({ ECS_ENDPOINTS_RPS_LIMIT: `0.01,${BURST}` });
    caller = await create({ name: uniqueName('flood'), Env: [`ECS_CONTAINER_METADATA_URI_V4=http://${slow.address}/v4/${endpoint}`], HostConfig: { NetworkMode: slow.network } });
    await inModel(slow, caller.id);
  }, 120_000);
  afterAll(async () => {
    await slow?.cleanup();
  });

  it('answers 429 with the tollbooth body once the burst is spent, other paths unaffected', async () => {
    const path = `/v4/${endpoint}/task`;
    // One after another, so the order is known: the burst, then only refusals.
    const script = `for i in $(seq 1 20); do printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${slow.address} 80 | head -1; done`;
    const r = await exec(caller, ['sh', '-c', script]);
    const statuses = r.stdout.trim().split('\n').map((l) => l.split(' ')[1]);
    expect(statuses).toEqual([...Array(BURST).fill('200'), ...Array(20 - BURST).fill('429')]);
    const t = await httpFrom(caller, `http://${slow.address}${path}`);
    expect(t.status).toBe(429);
    expect(t.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(t.body).toBe('You have reached maximum request limit.');
    // Another path from the same caller has its own bucket.
    expect((await httpFrom(caller, `http://${slow.address}/v4/${endpoint}`)).status).toBe(200);
  });
});

describe('task protection (ECS_AGENT_URI)', () => {
  it('follows the agent\'s decoding order and error shapes', async () => {
    const base = `http://${tb.address}/api/${soloEndpoint}/task-protection/v1/state`;
    const bad = await httpFrom(solo, base, { method: 'PUT', body: '{"ProtectionEnabled":"yes"}' });
    expect(bad.status).toBe(400);
    expect(bad.body).toBe('{"error":{"Code":"InvalidParameterException","Message":"UpdateTaskProtection: failed to decode request"}}');
    const unknown = await httpFrom(solo, `http://${tb.address}/api/00000000-0000-4000-8000-000000000000/task-protection/v1/state`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toBe('{"error":{"Code":"ResourceNotFoundException","Message":"Failed to find a task for the request"}}');
    const arn = tb.backend.model.byContainerId.get(solo.id)!.task.arn;
    const missing = await httpFrom(solo, base, { method: 'PUT', body: '{"expiresInMinutes": 5}' });
    expect(missing.status).toBe(400);
    expect(missing.body).toBe(`{"error":{"Arn":"${arn}","Code":"InvalidParameterException","Message":"Invalid request: does not contain 'ProtectionEnabled' field"}}`);
    // The default source is none: no task role, so the agent refuses (it calls ECS as the task role).
    const denied = await httpFrom(solo, base);
    expect(denied.status).toBe(403);
    expect(denied.body).toBe(`{"error":{"Arn":"${arn}","Code":"AccessDeniedException","Message":"Invalid Request: no task IAM role credentials available for task"}}`);
    expect((await httpFrom(solo, base, { method: 'POST', body: '{}' })).status).toBe(405);
  });
});

describe('agent introspection on port 51678', () => {
  it('lists tasks, looks up by docker id and task ARN, and lists commands elsewhere', async () => {
    const url = `http://${tb.address}:51678`;
    const md: J = await jsonFrom(solo, `${url}/v1/metadata`);
    expect(Object.keys(md)).toEqual(['Cluster', 'ContainerInstanceArn', 'Version']);
    expect(md.Version).toMatch(/^Amazon ECS Agent - v1\.105\.1 \(.+\)$/);
    const all: J = await jsonFrom(solo, `${url}/v1/tasks`);
    const arns = all.Tasks.map((t: J) => t.Arn);
    const soloTask = tb.backend.model.byContainerId.get(solo.id)!.task;
    expect(arns).toContain(soloTask.arn);
    const byId: J = await jsonFrom(solo, `${url}/v1/tasks?dockerid=${solo.id}`);
    expect(Object.keys(byId)).toEqual(['Arn', 'DesiredStatus', 'KnownStatus', 'Family', 'Version', 'Containers']);
    expect(byId.Arn).toBe(soloTask.arn);
    expect(Object.keys(byId.Containers[0]).slice(0, 5)).toEqual(['DockerId', 'DockerName', 'Name', 'Image', 'ImageID']);
    expect((await jsonFrom<J>(solo, `${url}/v1/tasks?dockerid=${solo.id.slice(0, 12)}`)).Arn).toBe(soloTask.arn);
    const nf = await httpFrom(solo, `${url}/v1/tasks?taskarn=arn:nope`);
    expect(nf.status).toBe(404);
    expect(nf.body).toBe('{"Arn":"","KnownStatus":"","Family":"","Version":"","Containers":null}');
    expect((await httpFrom(solo, `${url}/v1/tasks?taskarn=x&dockerid=y`)).status).toBe(400);
    const other = await httpFrom(solo, `${url}/v1/tasks/`);
    expect(other.status).toBe(200);
    expect(other.body).toBe('{"AvailableCommands":["/v1/metadata","/v1/tasks","/license"]}');
  });
});

describe('task overrides', () => {
  it('applies labels to the task and taskWithTags', async () => {
    const t: J = await jsonFrom(solo, `http://${tb.address}/v4/${soloEndpoint}/taskWithTags`);
    expect(t.TaskTags).toEqual({ team: 'payments' });
    expect(Object.keys(t).indexOf('TaskTags')).toBeLessThan(Object.keys(t).indexOf('LaunchType'));
    const c = await create({
      name: uniqueName('over'),
      Labels: { 'ecs-endpoints.family': 'orders', 'ecs-endpoints.revision': '42', 'ecs-endpoints.cluster': 'prod', 'ecs-endpoints.launch-type': 'FARGATE', 'ecs-endpoints.cpu': '0.5', 'ecs-endpoints.memory': '1024', 'ecs-endpoints.service-name': 'orders-svc', 'ecs-endpoints.container-name': 'api' },
      HostConfig: { NetworkMode: tb.network },
    });
    const e = await inModel(tb, c.id);
    const o: J = await jsonFrom(c, `http://${tb.address}/v4/${e.container.endpointId}/task`);
    expect(o).toMatchObject({ Cluster: 'prod', Family: 'orders', Revision: '42', LaunchType: 'FARGATE', Limits: { CPU: 0.5, Memory: 1024 }, ServiceName: 'orders-svc' });
    expect(o.TaskARN).toMatch(/:task\/prod\/[0-9a-f]{32}$/);
    expect(o.Containers[0].Name).toBe('api');
  });
});
