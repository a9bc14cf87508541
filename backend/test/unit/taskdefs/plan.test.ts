import { describe, expect, it } from 'vitest';
import { parseTaskDefinition } from '../../../src/taskdefs/parse.ts';
import { metadataFile } from '../../../src/taskdefs/metadata-file.ts';
import { buildPlan, taskLimits, taskSourceSpec } from '../../../src/taskdefs/plan.ts';
import { nextStep } from '../../../src/taskdefs/reconcile.ts';
import { newRun, type RunRecord } from '../../../src/taskdefs/runs.ts';
import type { ContainerRecord } from '../../../src/tasks/types.ts';

const S = { region: 'eu-west-1', accountId: '111122223333', cluster: 'default', launchType: 'EC2' as const, network: 'ecs-endpoints', address: '169.254.170.2', pause: { image: 'pause:1' } };
const IDS = { taskId: 'a'.repeat(32), credentialsId: 'c'.repeat(32), endpointIds: { web: '11111111-1111-4111-8111-111111111111', side: '22222222-2222-4222-8222-222222222222' } };
const ROLE = 'arn:aws:iam::111122223333:role/app';

function plan(extra: Record<string, unknown> = {}, base = 'profile:dev') {
  return buildPlan(
    parseTaskDefinition({
      family: 'shop',
      revision: 3,
      taskRoleArn: ROLE,
      containerDefinitions: [
        { name: 'side', image: 'busybox', dependsOn: [{ containerName: 'web', condition: 'HEALTHY' }], essential: false },
        { name: 'web', image: 'nginx', portMappings: [{ containerPort: 80 }], secrets: [{ name: 'PW', valueFrom: 'pw' }], environment: [{ name: 'A', value: '1' }], cpu: 0, memory: 64 },
      ],
      ...extra,
    }),
    base,
    S,
    IDS,
  );
}

describe('a task plan', () => {
  it('lays out awsvpc as the agent: a pause container on the network with the ports, containers in its namespace, in start order', () => {
    const p = plan();
    expect(p.networkMode).toBe('awsvpc');
    expect(p.containers.map((c) => c.name)).toEqual(['web', 'side']);
    expect(p.pause).toMatchObject({ Image: 'pause:1', HostConfig: { NetworkMode: 'ecs-endpoints', PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '80' }] } } });
    const web = p.containers[0]!.create;
    expect(web.HostConfig).toMatchObject({ NetworkMode: `container:${p.pause!.name}`, CpuShares: 2, Memory: 64 * 1024 * 1024 });
    expect(web.Env).toEqual(expect.arrayContaining(['A=1', `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/${IDS.credentialsId}`, `ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/${IDS.endpointIds.web}`]));
    // Secrets are fetched at creation, never part of the plan.
    expect(web.Env!.some((e) => e.startsWith('PW='))).toBe(false);
    expect(p.containers[0]!.secrets).toEqual([{ name: 'PW', valueFrom: 'pw' }]);
    expect(web.Labels).toMatchObject({ 'ecs-endpoints.source': `role-arn:${ROLE}?from=profile:dev`, 'ecs-endpoints.family': 'shop', 'ecs-endpoints.revision': '3', 'ecs-endpoints.task-arn': `arn:aws:ecs:eu-west-1:111122223333:task/default/${IDS.taskId}` });
    expect(p.taskDefinitionArn).toBe('arn:aws:ecs:eu-west-1:111122223333:task-definition/shop:3');
  });

  it('puts bridge containers on the managed network under their names, ports published on loopback', () => {
    const p = plan({ networkMode: 'bridge' });
    expect(p.pause).toBeUndefined();
    const web = p.containers[0]!.create;
    expect(web.HostConfig).toMatchObject({ NetworkMode: 'ecs-endpoints', PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } });
    expect(web.NetworkingConfig).toEqual({ EndpointsConfig: { 'ecs-endpoints': { Aliases: ['web'] } } });
  });

  it('warns that host networking gets no endpoints', () => {
    expect(plan({ networkMode: 'host' }).warnings.join(' ')).toMatch(/no task metadata or credentials/);
  });

  it('assumes the task role from the base, except from fake or none', () => {
    const def = parseTaskDefinition({ family: 'f', taskRoleArn: ROLE, containerDefinitions: [{ name: 'a', image: 'x' }] }).definition;
    expect(taskSourceSpec(def, 'source:keys')).toBe(`role-arn:${ROLE}?from=source:keys`);
    expect(taskSourceSpec(def, 'fake')).toBe('fake');
    expect(taskSourceSpec(def, 'none')).toBe('none');
    expect(taskSourceSpec({ ...def, taskRoleArn: undefined }, 'profile:dev')).toBe('profile:dev');
  });

  it('reads task cpu and memory in both of ECS\'s notations', () => {
    const d = (cpu: string, memory: string) => parseTaskDefinition({ family: 'f', cpu, memory, containerDefinitions: [{ name: 'a', image: 'x' }] }).definition;
    expect(taskLimits(d('256', '512'))).toEqual({ cpu: 0.25, memory: 512 });
    expect(taskLimits(d('1 vCPU', '2 GB'))).toEqual({ cpu: 1, memory: 2048 });
  });
});

function rec(state: ContainerRecord['state'], extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return { state, startedAt: state === 'created' ? undefined : '2026-01-01T00:00:00Z', ...extra } as ContainerRecord;
}

function run(): RunRecord {
  const c = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'x', essential: true, status: 'CREATED' as const, dockerId: name, dependsOn: [], stopTimeout: 2, hasHealthCheck: false, ...extra });
  return {
    id: 'a'.repeat(32), taskArn: 't', family: 'f', revision: 1, taskDefinitionArn: 'd', networkMode: 'awsvpc', lastStatus: 'PENDING', desiredStatus: 'RUNNING',
    baseSource: 'fake', sourceId: 'fake', createdAt: '2026-01-01T00:00:00Z', warnings: [],
    containers: [
      c('init', { essential: false }),
      c('web', { dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }], hasHealthCheck: true, startTimeout: 5 }),
      c('side', { dependsOn: [{ containerName: 'web', condition: 'HEALTHY' }] }),
    ],
  };
}

describe('the next step of a run', () => {
  it('starts what has no dependencies and says what the others wait for', () => {
    const r = run();
    const step = nextStep(r, (id) => (id === 'init' ? undefined : undefined), 0);
    expect(step).toMatchObject({ kind: 'start', containers: [{ name: 'init' }] });
    expect(r.containers.map((c) => c.waitingFor)).toEqual([undefined, 'init SUCCESS', 'web HEALTHY']);
  });

  it('starts a container once its dependency succeeded, and refuses to when it failed', () => {
    const ok = run();
    expect(nextStep(ok, (id) => (id === 'init' ? rec('exited', { exitCode: 0 }) : rec('created')), 0)).toMatchObject({ kind: 'start', containers: [{ name: 'web' }] });
    const bad = run();
    expect(nextStep(bad, (id) => (id === 'init' ? rec('exited', { exitCode: 2 }) : rec('created')), 0)).toEqual({
      kind: 'stop', code: 'TaskFailedToStart', reason: 'Container web cannot start: it depends on init SUCCESS, and init exited with code 2.',
    });
  });

  it('gives up when a dependency misses its startTimeout, and looks again at the deadline before that', () => {
    const look = (id: string) => (id === 'init' ? rec('exited', { exitCode: 0 }) : id === 'web' ? rec('running', { health: { status: 'starting' } }) : rec('created'));
    const start = Date.parse('2026-01-01T00:00:00Z');
    expect(nextStep(run(), look, start + 1000)).toEqual({ kind: 'none', recheckAt: start + 5000 });
    expect(nextStep(run(), look, start + 5000)).toMatchObject({ kind: 'stop', reason: expect.stringContaining('did not reach HEALTHY within its startTimeout of 5 s') });
  });

  it('stops the task when an essential container exits, and is RUNNING once every container has started', () => {
    const r = run();
    const look = (id: string) => (id === 'init' ? rec('exited', { exitCode: 0 }) : rec('running', { health: { status: 'healthy' } }));
    expect(nextStep(r, look, 0)).toEqual({ kind: 'none' });
    expect(r.lastStatus).toBe('RUNNING');
    expect(nextStep(r, (id) => (id === 'web' ? rec('exited', { exitCode: 137 }) : look(id)), 0)).toMatchObject({ kind: 'stop', code: 'EssentialContainerExited', reason: 'Essential container in task exited (web, exit code 137)' });
  });
});

describe('environment files', () => {
  it('are read as the agent reads them: VAR=VALUE, comments and blank lines skipped', async () => {
    const { parseEnvFile, resolveEnvironmentFiles } = await import('../../../src/taskdefs/env-files.ts');
    expect(parseEnvFile('# c\n\nA=1\nB = 2\nC=x=y\nnot a pair\n')).toEqual({ A: '1', 'B ': ' 2', C: 'x=y' });
    const vars = await resolveEnvironmentFiles(
      [{ container: 'web', value: './a.env' }, { container: 'web', value: './b.env' }],
      { credentials: async () => null, region: 'us-east-1', contents: { './a.env': 'X=first\n', './b.env': 'X=second\nY=2\n' } },
    );
    expect(vars.get('web')).toEqual({ X: 'first', Y: '2' });
    await expect(resolveEnvironmentFiles([{ container: 'web', value: 'arn:aws:s3:::b/k.env' }], { credentials: async () => null, region: 'us-east-1' })).rejects.toThrow(/need AWS credentials/);
    await expect(resolveEnvironmentFiles([{ container: 'web', value: 'rel.env' }], { credentials: async () => null, region: 'us-east-1' })).rejects.toThrow(/neither an S3 object ARN nor a file this backend can read/);
  });
});

describe('the container metadata file in a plan', () => {
  it('gives a container that asks for it the file\'s variable and a volume of its own, and none to the others', () => {
    const p = buildPlan(
      parseTaskDefinition({ family: 'f', containerDefinitions: [{ name: 'a', image: 'x', environment: [{ name: 'ECS_ENABLE_CONTAINER_METADATA', value: 'true' }] }, { name: 'b', image: 'x' }] }),
      'fake',
      S,
      { ...IDS, endpointIds: { a: IDS.endpointIds.web, b: IDS.endpointIds.side } },
    );
    const [a, b] = p.containers;
    expect(a!.metadataDir).toBe(`/opt/ecs/metadata/${IDS.taskId}-a`);
    expect(a!.create.Env).toContain(`ECS_CONTAINER_METADATA_FILE=/opt/ecs/metadata/${IDS.taskId}-a/ecs-container-metadata.json`);
    expect((a!.create.HostConfig as { Mounts: unknown[] }).Mounts).toEqual([{ Type: 'volume', Target: `/opt/ecs/metadata/${IDS.taskId}-a` }]);
    expect(b!.metadataDir).toBeUndefined();
    expect(buildPlan(parseTaskDefinition({ family: 'f', containerDefinitions: [{ name: 'b', image: 'x' }] }), 'fake', { ...S, containerMetadata: true }, { ...IDS, endpointIds: { b: IDS.endpointIds.side } }).containers[0]!.metadataDir).toBeDefined();
  });
});

describe('the container metadata file\'s networks', () => {
  const ctx = { cluster: 'default', containerInstanceArn: 'arn', taskArn: 'arn:t', family: 'f', revision: 1, containerName: 'a', availabilityZone: 'eu-west-1a', networkMode: 'bridge' as const };
  const record = (ipv6?: string): ContainerRecord => ({
    id: 'd'.repeat(64), name: 'a', image: 'x', imageId: 'sha256:1', created: '', state: 'running', restartCount: 0, restartPolicy: 'no', labels: {}, env: {}, networkMode: 'ecs-endpoints',
    networks: [{ name: 'ecs-endpoints', networkId: 'n', ip: '169.254.170.140', ipv6, prefixLen: 24, gateway: '169.254.170.1', mac: '02:42:00:00:00:01' }],
    ports: [], mounts: [], logDriver: '', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0,
  });

  it('lists a bridge container\'s IPv6 address on a dual-stack network (agent 1.94+), and nothing for IPv6 otherwise', () => {
    expect(JSON.parse(metadataFile(ctx, record('fdec:5170::8'))).Networks).toEqual([{ NetworkMode: 'bridge', IPv4Addresses: ['169.254.170.140'], IPv6Addresses: ['fdec:5170::8'] }]);
    expect(JSON.parse(metadataFile(ctx, record())).Networks).toEqual([{ NetworkMode: 'bridge', IPv4Addresses: ['169.254.170.140'] }]);
    expect(JSON.parse(metadataFile({ ...ctx, networkMode: 'awsvpc' }, record('fdec:5170::8'))).Networks).toEqual([{ NetworkMode: 'awsvpc', IPv4Addresses: null }]);
  });
});

describe("a new run's record", () => {
  it('lists the containers in start order, pending, with what running them again needs and no secret value', () => {
    const input = { taskDefinition: {}, baseSource: 'profile:dev', serviceName: 'shop-svc', secretOverrides: { PW: 'hunter2' } };
    const p = plan();
    const definition = parseTaskDefinition({ family: 'shop', containerDefinitions: [{ name: 'web', image: 'nginx' }] }).definition;
    const run = newRun({ taskId: IDS.taskId, definition, plan: p, input: input as never, base: 'profile:dev', sourceId: 'src-1' });
    expect(run).toMatchObject({ id: IDS.taskId, family: 'shop', revision: 3, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', baseSource: 'profile:dev', sourceId: 'src-1', serviceName: 'shop-svc' });
    expect(run.containers.map((c) => [c.name, c.status, c.essential])).toEqual([['web', 'PENDING', true], ['side', 'PENDING', false]]);
    expect(run.containers[1]!.dependsOn).toEqual([{ containerName: 'web', condition: 'HEALTHY' }]);
    expect(run.again).toEqual({ taskDefinition: definition, baseSource: 'profile:dev', serviceName: 'shop-svc' });
    expect(JSON.stringify(run)).not.toContain('hunter2');
    expect('discoveryNames' in run).toBe(false);
  });
});
