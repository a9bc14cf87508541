/**
 * A task run survives a backend restart: the new backend adopts its containers (same ids, no
 * duplicates), keeps serving them, and still stops the task when its essential container exits.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TaskRunView } from '@ecs-endpoints/contract';
import { eventually, startTestBackend, type TestBackend } from '../support/backend.ts';
import { BUSYBOX, docker, exec } from '../support/docker.ts';

let tb: TestBackend;

beforeAll(async () => {
  tb = await startTestBackend({ ECS_ENDPOINTS_PAUSE_IMAGE: 'ecs-endpoints-test/pause:latest' });
}, 120_000);

afterAll(async () => {
  for (const t of tb.backend.tasks.list()) await tb.backend.tasks.remove(t.id).catch(() => undefined);
  await tb?.cleanup();
}, 120_000);

const get = (id: string): TaskRunView => tb.backend.tasks.get(id);

it('adopts a running task after a restart, then stops it when its essential container exits', async () => {
  const t0 = tb.backend.tasks.run({
    taskDefinition: {
      family: 'adopted',
      networkMode: 'awsvpc',
      containerDefinitions: [
        // Exits (code 5) once told to, through a file, so the exit happens after the restart.
        { name: 'app', image: BUSYBOX, command: ['sh', '-c', 'until [ -e /stop ]; do sleep 0.2; done; exit 5'], stopTimeout: 2 },
        { name: 'side', image: BUSYBOX, essential: false, command: ['sleep', '3600'], stopTimeout: 2 },
      ],
    },
    baseSource: 'fake',
  });
  await eventually(() => get(t0.id).lastStatus === 'RUNNING', 60_000, 'RUNNING before the restart');
  const before = get(t0.id);
  const { stateDir, network } = tb;
  const subnet = tb.config.subnet.cidr;
  await tb.stop();
  tb = await startTestBackend({ ECS_ENDPOINTS_PAUSE_IMAGE: 'ecs-endpoints-test/pause:latest' }, { stateDir, network, subnet });

  const after = get(t0.id);
  expect(after.lastStatus).toBe('RUNNING');
  expect(after.containers.map((c) => c.dockerId)).toEqual(before.containers.map((c) => c.dockerId));
  expect(tb.backend.tasks.list()).toHaveLength(1);
  const labelled = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`ecs-endpoints.run=${t0.id}`] }) });
  expect(labelled).toHaveLength(3); // app, side and the pause container: nothing started twice
  const md = JSON.parse((await exec(after.containers[0]!.dockerId!, ['sh', '-c', 'wget -q -O- $ECS_CONTAINER_METADATA_URI_V4/task'])).stdout) as { TaskARN: string };
  expect(md.TaskARN).toBe(after.taskArn);

  await exec(after.containers.find((c) => c.name === 'app')!.dockerId!, ['touch', '/stop']);
  await eventually(() => get(t0.id).lastStatus === 'STOPPED', 30_000, 'stopped after the essential exit');
  expect(get(t0.id)).toMatchObject({ stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited (app, exit code 5)' });
}, 180_000);
