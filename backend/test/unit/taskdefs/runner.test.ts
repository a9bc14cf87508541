/**
 * The runner against an in-memory Docker whose index news may come before `start` returns, as the
 * real Engine's events do on a busy machine: the run still reaches RUNNING, and no container is
 * started twice while the index has not yet seen it run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskDocker } from '../../../src/docker/task-containers.ts';
import { TaskRunner } from '../../../src/taskdefs/runner.ts';
import { RunStore } from '../../../src/taskdefs/runs.ts';
import type { ContainerRecord, DockerState } from '../../../src/tasks/types.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function record(id: string, state: DockerState, startedAt?: string, exitCode?: number): ContainerRecord {
  return {
    id, name: id, image: 'busybox', imageId: 'sha256:1', created: new Date().toISOString(), state, restartCount: 0, restartPolicy: 'no', labels: {}, env: {},
    networkMode: 'bridge', networks: [], ports: [], mounts: [], logDriver: 'json-file', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0,
    ...(startedAt ? { startedAt } : {}), ...(exitCode !== undefined ? { exitCode } : {}),
  };
}

/**
 * `onStart` decides what the index learns of a start, and when: `news()` updates the record and
 * tells the runner, as the container index's change event does.
 */
function harness(onStart: (id: string, news: (state: DockerState, exitCode?: number) => void) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'runner-'));
  dirs.push(dir);
  const records = new Map<string, ContainerRecord>();
  const starts: string[] = [];
  let n = 0;
  // eslint-disable-next-line prefer-const -- the fake Docker reports to the runner built from it
  let runner: TaskRunner;
  const docker: TaskDocker = {
    imagePresent: () => Promise.resolve(true),
    pull: () => Promise.resolve(),
    create: () => {
      const id = `c${++n}`;
      records.set(id, record(id, 'created'));
      return Promise.resolve(id);
    },
    start: (id) => {
      starts.push(id);
      return onStart(id, (state, exitCode) => {
        records.set(id, record(id, state, new Date().toISOString(), exitCode));
        runner.reconcile();
      });
    },
    stop: () => Promise.resolve(),
    remove: () => Promise.resolve(),
    logs: () => Promise.resolve(''),
    writeFile: () => Promise.resolve(),
    listByLabel: () => Promise.resolve([]),
  };
  runner = new TaskRunner({
    docker,
    record: (id) => records.get(id),
    settings: { region: 'eu-west-1', accountId: '111122223333', cluster: 'default', launchType: 'EC2', network: 'ecs-endpoints', address: '169.254.170.2', containerInstanceArn: 'arn:ci' },
    pause: () => Promise.resolve({ image: 'pause:1' }),
    baseSpec: (s) => s,
    sourceId: (s) => s,
    credentials: () => Promise.resolve(null),
    store: new RunStore(dir),
  });
  return { runner, starts };
}

const job = (command: string[]) => ({
  taskDefinition: { family: 'job', networkMode: 'bridge', containerDefinitions: [{ name: 'app', image: 'busybox', command }] },
  baseSource: 'fake',
});

/** Polls the runner's own state with a deadline (its progress is driven by timers and events). */
async function until(runner: TaskRunner, id: string, ok: (status: string) => boolean): Promise<string> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const s = runner.get(id).lastStatus;
    if (ok(s)) return s;
    if (Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the task runner, with index news before start returns', () => {
  it('reaches RUNNING when the container is seen running while its start is still being answered', async () => {
    const h = harness(async (_id, news) => {
      news('running');
      await new Promise((r) => setTimeout(r, 20));
    });
    const t = h.runner.run(job(['sleep', '60']));
    expect(await until(h.runner, t.id, (s) => s === 'RUNNING')).toBe('RUNNING');
    expect(h.starts).toHaveLength(1);
    h.runner.dispose();
  });

  it('does not start a container again while the index still shows it created, so one that exited at once is not run twice', async () => {
    let report: (() => void) | undefined;
    const h = harness((_id, news) => {
      // The index hears of the start (and the exit) only later.
      report = () => news('exited', 0);
      return Promise.resolve();
    });
    const t = h.runner.run(job(['true']));
    await until(h.runner, t.id, () => h.starts.length > 0);
    // Other containers' news: the runner looks at every run again.
    h.runner.reconcile();
    h.runner.reconcile();
    await new Promise((r) => setImmediate(r));
    expect(h.starts).toHaveLength(1);
    report!();
    expect(await until(h.runner, t.id, (s) => s === 'STOPPED')).toBe('STOPPED');
    expect(h.runner.get(t.id).stoppedReason).toBe('Essential container in task exited (app, exit code 0)');
    expect(h.starts).toHaveLength(1);
    h.runner.dispose();
  });
});
