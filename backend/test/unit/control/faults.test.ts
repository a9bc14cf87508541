/**
 * /api/faults over a light backend: what a task without faults answers, the errors for unknown
 * tasks and faults, strict input, and a containers event when the faults change. Faults that run
 * for real (started through the agent's route, stopped here) are in
 * backend/test/integration/fault-control.test.ts.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { TaskFaultsView } from '@ecs-endpoints/contract';
import { openEvents } from '../../../../e2e/support/control-client.ts';
import { createControlApp } from '../../../src/control/app.ts';
import { NETWORK, lightBackend, onCleanup, serveControl, until } from './helpers.ts';

const MARKED = { 'ecs-endpoints.task': 'chaos', 'ecs-endpoints.fault-injection': 'true' };

async function setup() {
  const lb = await lightBackend();
  const app = createControlApp(lb.backend, {});
  onCleanup(() => app.dispose());
  const c = lb.docker.add({ name: 'chaos-app', labels: MARKED, networks: { [NETWORK]: '169.254.170.140' } });
  const entry = await until(() => lb.backend.model.byContainerId.get(c.Id), 3000, 'the task in the model');
  return { ...lb, app, task: entry.task };
}

describe('/api/faults', () => {
  it('lists no task while none has faults; a task answers with its containers and no faults', async () => {
    const { app, task } = await setup();
    expect((await request(app).get('/api/faults')).body).toEqual([]);
    const r = await request(app).get(`/api/faults/${task.id}`);
    expect(r.status).toBe(200);
    expect(r.body as TaskFaultsView).toEqual({ taskId: task.id, taskArn: task.arn, family: 'chaos', revision: task.revision, containers: ['chaos-app'], faults: [] });
    // The full ARN, escaped, names it too.
    expect((await request(app).get(`/api/faults/${encodeURIComponent(task.arn)}`)).body.taskId).toBe(task.id);
  });

  it('says which task or fault is not there, and what to do', async () => {
    const { app, task } = await setup();
    const unknown = await request(app).delete('/api/faults/0123456789abcdef0123456789abcdef');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      error: 'There is no task "0123456789abcdef0123456789abcdef" in ECS mode.',
      remedy: 'Use the task id (the last part of its ARN) or the full ARN, of a task whose containers run in ECS mode (GET /api/faults lists those with faults).',
    });
    const none = await request(app).delete(`/api/faults/${task.id}/network-blackhole-port-egress-tcp-443`);
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ error: `Task ${task.id} (chaos:${task.revision}) has no running fault "network-blackhole-port-egress-tcp-443".`, remedy: 'It has no running faults; reload the list.' });
    // Stopping all of a task without faults stops nothing.
    expect((await request(app).delete(`/api/faults/${task.id}`)).body.faults).toEqual([]);
  });

  it('takes no query and no body', async () => {
    const { app, task } = await setup();
    const q = await request(app).get('/api/faults?all=1');
    expect([q.status, q.body.issues]).toEqual([400, [{ path: 'all', message: 'Unknown query parameter "all"' }]]);
    const b = await request(app).delete(`/api/faults/${task.id}`).send({ fault: 'network-latency' });
    expect([b.status, b.body.issues]).toEqual([400, [{ path: 'fault', message: 'Unknown field "fault"' }]]);
  });

  it('a change of the faults sends the containers to live clients', async () => {
    const token = 'f'.repeat(64);
    const { base, backend } = await serveControl({ token, live: { debounceMs: 5_000 } });
    const events = await openEvents(base, token);
    onCleanup(() => events.close());
    await events.waitFor((e) => e.type === 'presets');
    const from = events.events.length;
    backend.faults.emit('change');
    // Well before the 5 s debounce of model changes.
    await events.waitFor((e) => e.type === 'containers', 1000, 'containers after the faults changed', from);
  });
});
