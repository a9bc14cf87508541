/**
 * The FaultKeeper as the one owner of the faults running in tasks' namespaces, over the real task
 * model and an injector that records what it is asked and answers as told: what the agent's routes
 * start and stop, what the control API stops (the agent's stop op, in the namespace as the model
 * knows it now), its errors, and namespaces that end (the owner stopped or restarted, the task no
 * longer marked). The commands themselves run in backend/test/integration/fault-control.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { FaultControlError, FaultKeeper } from '../../../src/docker/fault/keeper.ts';
import { buildModel } from '../../../src/tasks/model.ts';
import type { FaultOp, FaultOutcome, FaultTarget } from '../../../src/tasks/faults.ts';
import type { ContainerRecord, IdAllocator, TaskModel } from '../../../src/tasks/types.ts';

const NET = 'ecs-endpoints';
const settings = { network: NET, region: 'eu-west-1', accountId: '111122223333', cluster: 'default', launchType: 'EC2' as const };
const ids: IdAllocator = {
  endpointId: (id) => `00000000-0000-4000-8000-${id.slice(0, 12)}`,
  taskId: (key) => Buffer.from(key).toString('hex').padEnd(32, '0').slice(0, 32),
};
const MARKED = { 'ecs-endpoints.task': 'chaos', 'ecs-endpoints.fault-injection': 'true' };

function rec(p: Partial<ContainerRecord> & { id: string; name: string }): ContainerRecord {
  return {
    image: 'img', imageId: 'sha256:1', created: '2026-01-01T00:00:00Z', state: 'running', pid: 4242, restartCount: 0, restartPolicy: 'no',
    labels: MARKED, env: {}, networkMode: NET, networks: [{ name: NET, networkId: 'n', ip: '169.254.170.140', prefixLen: 24, gateway: '169.254.170.1', mac: 'm' }],
    ports: [], mounts: [], logDriver: 'json-file', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0, ...p,
  };
}

const PAUSE = rec({ id: '1'.repeat(64), name: 'chaos-pause' });
const APP = rec({ id: '2'.repeat(64), name: 'chaos-app', networkMode: `container:${'1'.repeat(64)}`, networks: [] });
const model = (...records: ContainerRecord[]): TaskModel => buildModel(records, settings, ids, 1);

const BLACKHOLE: FaultOp = { type: 'network-blackhole-port', action: 'start', request: { port: 443, protocol: 'tcp', trafficType: 'egress', sourcesToFilter: ['10.0.0.1'] } };
const LOSS: FaultOp = { type: 'network-packet-loss', action: 'start', request: { lossPercent: 30, sources: ['0.0.0.0/0'], sourcesToFilter: [], flowsPercent: 100 } };

function setup(answer: (op: FaultOp) => FaultOutcome = (op) => ({ status: op.action === 'stop' ? 'stopped' : 'running' }), running = new Set([PAUSE.id])) {
  const calls: { target: FaultTarget; op: FaultOp }[] = [];
  const cleared: FaultTarget[] = [];
  const keeper = new FaultKeeper(
    {
      apply: async (target, op) => (calls.push({ target, op }), answer(op)),
      clear: async (target) => void cleared.push(target),
    },
    (id, pid) => running.has(id) && pid === 4242,
  );
  let changes = 0;
  keeper.on('change', () => changes++);
  const m = model(PAUSE, APP);
  keeper.onModel(m);
  const task = m.byContainerId.get(APP.id)!.task;
  const target: FaultTarget = { taskArn: task.arn, ownerId: PAUSE.id, pid: 4242 };
  return { keeper, calls, cleared, task, target, changes: () => changes };
}

describe('FaultKeeper: the faults running in each task', () => {
  it('knows what the agent\'s routes started and stopped, with the agent\'s field names', async () => {
    const s = setup();
    expect(s.keeper.list()).toEqual([]);
    await s.keeper.apply(s.target, BLACKHOLE);
    await s.keeper.apply(s.target, LOSS);
    expect(s.changes()).toBe(2);
    const view = s.keeper.task(s.task.id);
    expect(view).toMatchObject({ taskId: s.task.id, taskArn: s.task.arn, family: 'chaos', containers: ['chaos-pause', 'chaos-app'] });
    expect(view.faults).toEqual([
      { id: 'network-blackhole-port-egress-tcp-443', type: 'network-blackhole-port', startedAt: expect.any(String), request: { Port: 443, Protocol: 'tcp', TrafficType: 'egress', SourcesToFilter: ['10.0.0.1'] } },
      { id: 'network-packet-loss', type: 'network-packet-loss', startedAt: expect.any(String), request: { LossPercent: 30, Sources: ['0.0.0.0/0'], SourcesToFilter: [], FlowsPercent: 100 } },
    ]);
    expect(s.keeper.list()).toEqual([view]);
    expect(s.keeper.task(s.task.arn)).toEqual(view);
    // A second start of a running blackhole (the agent answers running again) keeps its start time.
    await s.keeper.apply(s.target, BLACKHOLE);
    expect(s.keeper.task(s.task.id).faults[0]!.startedAt).toBe(view.faults[0]!.startedAt);
    expect(s.changes()).toBe(2);
    // The app stops one through the agent's route.
    await s.keeper.apply(s.target, { type: 'network-packet-loss', action: 'stop' });
    expect(s.keeper.faultsOf(s.task.arn).map((f) => f.id)).toEqual(['network-blackhole-port-egress-tcp-443']);
    expect(s.changes()).toBe(3);
    // A status check that finds it gone (removed behind our back) forgets it too.
    const gone = setup((op) => ({ status: op.action === 'status' ? 'not-running' : 'running' }));
    await gone.keeper.apply(gone.target, BLACKHOLE);
    await gone.keeper.apply(gone.target, { ...BLACKHOLE, action: 'status' } as FaultOp);
    expect(gone.keeper.list()).toEqual([]);
  });

  it('latency shows as the agent took it (milliseconds from Go\'s integers)', async () => {
    const s = setup();
    await s.keeper.apply(s.target, { type: 'network-latency', action: 'start', request: { delayMs: 100n, jitterMs: 10n, sources: ['10.0.0.0/8'], sourcesToFilter: [], flowsPercent: 50 } });
    expect(s.keeper.faultsOf(s.task.arn)[0]).toMatchObject({ id: 'network-latency', request: { DelayMilliseconds: 100, JitterMilliseconds: 10, Sources: ['10.0.0.0/8'], FlowsPercent: 50 } });
  });

  it('stops one fault, or all of a task\'s, with the agent\'s stop in the namespace as the model knows it now', async () => {
    const s = setup();
    await s.keeper.apply(s.target, BLACKHOLE);
    await s.keeper.apply(s.target, LOSS);
    s.calls.length = 0;
    const after = await s.keeper.stop(s.task.id, 'network-blackhole-port-egress-tcp-443');
    expect(s.calls).toEqual([{ target: s.target, op: { type: 'network-blackhole-port', action: 'stop', request: (BLACKHOLE as { request: unknown }).request } }]);
    expect(after.faults.map((f) => f.id)).toEqual(['network-packet-loss']);
    const none = await s.keeper.stop(s.task.arn);
    expect(s.calls[1]).toEqual({ target: s.target, op: { type: 'network-packet-loss', action: 'stop' } });
    expect(none.faults).toEqual([]);
    expect(s.keeper.list()).toEqual([]);
  });

  it('says which task or fault does not exist, and what failed', async () => {
    const s = setup((op) => (op.action === 'stop' ? { failed: 'error', reason: 'iptables -F egress-tcp-443 exited with 4: busy' } : { status: 'running' }));
    await expect(s.keeper.stop('nope')).rejects.toMatchObject({ kind: 'unknown-task', message: 'There is no task "nope" in ECS mode.' });
    await expect(s.keeper.stop(s.task.id, 'network-latency')).rejects.toMatchObject({ kind: 'no-fault', remedy: 'It has no running faults; reload the list.' });
    await s.keeper.apply(s.target, BLACKHOLE);
    const err = await s.keeper.stop(s.task.id, 'network-latency').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FaultControlError);
    expect(err).toMatchObject({ kind: 'no-fault', remedy: `Its running faults are: network-blackhole-port-egress-tcp-443 (GET /api/faults/${s.task.id}).` });
    // The stop fails; the status check after it finds the fault still running: it stays listed.
    await expect(s.keeper.stop(s.task.id)).rejects.toMatchObject({ kind: 'failed', message: expect.stringContaining('network-blackhole-port-egress-tcp-443: iptables -F egress-tcp-443 exited with 4: busy') });
    expect(s.calls.at(-1)!.op.action).toBe('status');
    expect(s.keeper.faultsOf(s.task.arn)).toHaveLength(1);
  });

  it('a start that failed half-way is listed when a status check finds it running', async () => {
    const s = setup((op) => (op.action === 'start' ? { failed: 'timeout', reason: 'timed out' } : { status: 'running' }));
    await s.keeper.apply(s.target, BLACKHOLE);
    expect(s.keeper.faultsOf(s.task.arn).map((f) => f.id)).toEqual(['network-blackhole-port-egress-tcp-443']);
  });

  it('forgets a namespace that ended (the owner stopped or restarted) and clears one whose task is no longer marked', async () => {
    const s = setup();
    await s.keeper.apply(s.target, BLACKHOLE);
    s.keeper.onModel(model({ ...PAUSE, state: 'exited', pid: 0 }, APP));
    expect(s.keeper.list()).toEqual([]);
    expect(s.cleared).toEqual([]);

    await s.keeper.apply(s.target, BLACKHOLE);
    s.keeper.onModel(model({ ...PAUSE, pid: 5151 }, APP)); // restarted: a new namespace, without our rules
    expect(s.keeper.list()).toEqual([]);
    expect(s.cleared).toEqual([]);

    await s.keeper.apply(s.target, BLACKHOLE);
    const changes = s.changes();
    s.keeper.onModel(model({ ...PAUSE, labels: { 'ecs-endpoints.task': 'chaos' } }, { ...APP, labels: { 'ecs-endpoints.task': 'chaos' } }));
    expect(s.keeper.list()).toEqual([]);
    expect(s.cleared).toEqual([s.target]);
    expect(s.changes()).toBe(changes + 1);
  });

  it('never enters a removed owner\'s namespace by its old process id (the pid may be someone else\'s by now)', async () => {
    const running = new Set([PAUSE.id]);
    const s = setup(undefined, running);
    await s.keeper.apply(s.target, BLACKHOLE);
    running.delete(PAUSE.id); // removed: gone from Docker and from the model
    s.keeper.onModel(model());
    expect(s.keeper.list()).toEqual([]);
    expect(s.cleared).toEqual([]);

    // Still running but out of the model (left ECS mode): its namespace is there, so it is cleared.
    running.add(PAUSE.id);
    s.keeper.onModel(model(PAUSE, APP));
    await s.keeper.apply(s.target, BLACKHOLE);
    s.keeper.onModel(model());
    expect(s.cleared).toEqual([s.target]);
  });
});
