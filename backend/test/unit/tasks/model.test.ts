import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/tasks/model.ts';
import { zoneIdFor } from '../../../src/tasks/zones.ts';
import type { ContainerRecord, IdAllocator } from '../../../src/tasks/types.ts';

const NET = 'ecs-endpoints';
const settings = { network: NET, region: 'eu-west-1', accountId: '111122223333', cluster: 'default', launchType: 'EC2' as const };
const ids: IdAllocator = {
  endpointId: (id, declared) => declared ?? `00000000-0000-4000-8000-${id.padStart(12, '0').slice(-12)}`,
  taskId: (key) => Buffer.from(key).toString('hex').padEnd(32, '0').slice(0, 32),
};

let n = 0;
function rec(p: Partial<ContainerRecord> & { name: string; onNet?: boolean }): ContainerRecord {
  n++;
  return {
    id: p.id ?? `c${n}`.padEnd(64, '0'), image: 'img', imageId: 'sha256:1', created: `2026-01-01T00:00:0${n % 10}Z`,
    state: 'running', restartCount: 0, restartPolicy: 'no', labels: {}, env: {}, networkMode: p.onNet ? NET : 'bridge',
    networks: p.onNet ? [{ name: NET, networkId: 'n', ip: `169.254.170.${127 + n}`, prefixLen: 24, gateway: '169.254.170.1', mac: 'm' }] : [],
    ports: [], mounts: [], logDriver: 'json-file', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0, ...p,
  };
}

describe('task model', () => {
  it('groups compose projects, shared namespaces and loners; only ECS-mode containers count', () => {
    const web = rec({ name: 'shop-web-1', onNet: true, labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' } });
    const db = rec({ name: 'shop-db-1', onNet: true, labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'db' } });
    const off = rec({ name: 'shop-cache-1', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'cache' } });
    const pause = rec({ name: 'pause', onNet: true });
    const side = rec({ name: 'side', networkMode: `container:${pause.id}` });
    const loner = rec({ name: 'loner', onNet: true, env: { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/11111111-2222-4333-8444-555555555555', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc123' } });
    const m = buildModel([web, db, off, pause, side, loner], settings, ids, 7);
    expect(m.version).toBe(7);
    expect(m.tasks).toHaveLength(3);
    const shop = m.byContainerId.get(web.id)!.task;
    expect(shop.family).toBe('shop');
    expect(shop.containers.map((c) => c.ecsName).sort()).toEqual(['db', 'web']);
    expect(m.byContainerId.has(off.id)).toBe(false);
    const awsvpc = m.byContainerId.get(side.id)!.task;
    expect(awsvpc).toBe(m.byContainerId.get(pause.id)!.task);
    expect(awsvpc.networkMode).toBe('awsvpc');
    expect(m.byContainerId.get(side.id)!.container.address).toBe(pause.networks[0]!.ip);
    // The namespace owner answers for the shared address.
    expect(m.byIp.get(pause.networks[0]!.ip)!.container.record.id).toBe(pause.id);
    const l = m.byContainerId.get(loner.id)!;
    expect(l.container.endpointId).toBe('11111111-2222-4333-8444-555555555555');
    expect(m.byCredentialsId.get('abc123')![0]!.container.record.id).toBe(loner.id);
    expect(l.task.arn).toBe(`arn:aws:ecs:eu-west-1:111122223333:task/default/${l.task.id}`);
    expect(l.task.availabilityZone).toBe('eu-west-1a');
  });

  it('reports a task STOPPED only when all its containers stopped', () => {
    const a = rec({ name: 'a', onNet: true, labels: { 'ecs-endpoints.task': 't' }, state: 'exited', exitCode: 1 });
    const b = rec({ name: 'b', onNet: true, labels: { 'ecs-endpoints.task': 't' } });
    expect(buildModel([a, b], settings, ids, 1).tasks[0]!.knownStatus).toBe('RUNNING');
    expect(buildModel([a], settings, ids, 1).tasks[0]!).toMatchObject({ knownStatus: 'STOPPED', desiredStatus: 'STOPPED', family: 't' });
  });

  it('pull window: the first container\'s creation, by time and not by text (Go trims fraction zeros)', () => {
    const t = { 'ecs-endpoints.task': 'pull' };
    // As text "…:11.6Z" > "…:11.639Z" > "…:11Z"; as times "…:11Z" is first.
    const a = rec({ name: 'a', onNet: true, labels: t, created: '2026-03-04T09:58:11.6Z' });
    const b = rec({ name: 'b', onNet: true, labels: t, created: '2026-03-04T09:58:11.639Z' });
    const c = rec({ name: 'c', onNet: true, labels: t, created: '2026-03-04T09:58:11Z' });
    const task = buildModel([a, b, c], settings, ids, 1).tasks[0]!;
    expect(task).toMatchObject({ pullStartedAt: '2026-03-04T09:58:11Z', pullStoppedAt: '2026-03-04T09:58:11Z' });
    expect(task.containers.map((x) => x.ecsName)).toEqual(['c', 'a', 'b']);
    expect(task.executionStoppedAt).toBeUndefined();
  });

  it('ExecutionStoppedAt: the first stop, once the task is stopped, never while it runs', () => {
    const t = { 'ecs-endpoints.task': 'done' };
    const a = rec({ name: 'a', onNet: true, labels: t, state: 'exited', exitCode: 0, finishedAt: '2026-03-04T10:00:05.5Z' });
    const b = rec({ name: 'b', onNet: true, labels: t, state: 'exited', exitCode: 1, finishedAt: '2026-03-04T10:00:05Z' });
    const running = rec({ name: 'r', onNet: true, labels: t });
    expect(buildModel([a, b], settings, ids, 1).tasks[0]!.executionStoppedAt).toBe('2026-03-04T10:00:05Z');
    expect(buildModel([a, b, running], settings, ids, 1).tasks[0]!.executionStoppedAt).toBeUndefined();
  });

  it('AvailabilityZoneID: the EC2 agent\'s zone ID shape for the zone, a label or preset to set it, none off EC2', () => {
    expect(['us-east-1a', 'us-west-2b', 'eu-west-1c', 'eu-central-1a', 'ap-southeast-2a', 'ap-northeast-1d', 'ap-south-1a', 'sa-east-1a', 'us-gov-west-1a', 'cn-northwest-1b'].map(zoneIdFor)).toEqual(
      ['use1-az1', 'usw2-az2', 'euw1-az3', 'euc1-az1', 'apse2-az1', 'apne1-az4', 'aps1-az1', 'sae1-az1', 'usgw1-az1', 'cnnw1-az2'],
    );
    // Local Zones and anything not shaped like a zone name: no guess.
    expect(['us-west-2-lax-1a', 'eu-west-1', 'somewhere'].map(zoneIdFor)).toEqual([undefined, undefined, undefined]);
    const task = (labels: Record<string, string>) => buildModel([rec({ name: 'z', onNet: true, labels })], settings, ids, 1).tasks[0]!;
    expect(task({})).toMatchObject({ availabilityZone: 'eu-west-1a', availabilityZoneId: 'euw1-az1' });
    expect(task({ 'ecs-endpoints.availability-zone': 'eu-west-1b' })).toMatchObject({ availabilityZone: 'eu-west-1b', availabilityZoneId: 'euw1-az2' });
    expect(task({ 'ecs-endpoints.availability-zone-id': 'euw1-az3' })).toMatchObject({ availabilityZone: 'eu-west-1a', availabilityZoneId: 'euw1-az3' });
    expect(task({ 'ecs-endpoints.launch-type': 'FARGATE' }).availabilityZoneId).toBeUndefined();
    expect(task({ 'ecs-endpoints.launch-type': 'EXTERNAL' }).availabilityZoneId).toBeUndefined();
    const preset = buildModel([rec({ name: 'p', onNet: true })], settings, ids, 1, { overridesFor: () => ({ availabilityZone: 'eu-west-1c', availabilityZoneId: 'euw1-az9' }) }).tasks[0]!;
    expect(preset).toMatchObject({ availabilityZone: 'eu-west-1c', availabilityZoneId: 'euw1-az9' });
  });
});
