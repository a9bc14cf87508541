import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { jsonFrom, removeAll, runContainer, uniqueName } from '../support/docker.ts';

describe('presets from a repository file, applied to matching containers', () => {
  let tb: TestBackend;
  let dir: string;
  let file: string;
  const containers: Docker.Container[] = [];
  const project = uniqueName('shop');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'presets-it-'));
    file = join(dir, 'ecs-endpoints.presets.json');
    writeFileSync(file, JSON.stringify({
      version: 1,
      presets: [
        { name: 'orders', match: { composeProject: project, composeService: 'orders' }, credentials: { fake: true }, task: { family: 'orders', revision: '12', launchType: 'FARGATE', tags: { team: 'checkout' } }, containerName: 'orders-api' },
        { name: 'by-label', credentials: { none: true }, task: { family: 'labelled' } },
      ],
    }));
    tb = await startTestBackend({ ECS_ENDPOINTS_PRESETS_FILE: file });
  }, 60_000);

  afterAll(async () => {
    await removeAll(containers);
    await tb?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the matching container the preset\'s source and task metadata', async () => {
    const c = await runContainer({ network: tb.network, labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'orders' } });
    containers.push(c);
    const e = await inModel(tb, c.id);
    expect(e.container.source).toEqual({ id: 'fake', origin: 'preset', presetName: 'orders' });
    const creds = await jsonFrom<Record<string, string>>(c, `http://${tb.address}/creds`);
    expect(creds.AccessKeyId).toMatch(/^ASIAFAKE/);
    const task = await jsonFrom<Record<string, unknown>>(c, `http://${tb.address}/v4/task`);
    expect(task).toMatchObject({ Family: 'orders', Revision: '12', LaunchType: 'FARGATE' });
    const tags = await jsonFrom<Record<string, unknown>>(c, `http://${tb.address}/v4/taskWithTags`);
    expect(tags.TaskTags).toEqual({ team: 'checkout' });
    const me = await jsonFrom<Record<string, unknown>>(c, `http://${tb.address}/v4`);
    expect(me.Name).toBe('orders-api');
  });

  it('puts a container labelled ecs-endpoints.preset=<name> in ECS mode with that preset', async () => {
    const c = await runContainer({ labels: { 'ecs-endpoints.preset': 'by-label' } });
    containers.push(c);
    const e = await inModel(tb, c.id);
    expect(e.task.family).toBe('labelled');
    expect(e.container.source).toMatchObject({ id: 'none', origin: 'preset', presetName: 'by-label' });
  });

  it('follows edits of the file, and reports a broken edit while keeping the last good presets', async () => {
    writeFileSync(file, JSON.stringify({ version: 1, presets: [{ name: 'orders', match: { composeService: 'orders' }, credentials: { profile: 'dev', secretAccessKey: 'oops' } }] }));
    const problem = await eventually(() => tb.backend.problems().find((p) => p.id === 'presets-file'), 10_000, 'the preset file problem');
    expect(problem.message).toMatch(/secrets/);
    expect(problem.remedy).toMatch(/last good version/);
    expect(tb.backend.presets.current.get('orders')?.task?.family).toBe('orders');
    writeFileSync(file, JSON.stringify({ version: 1, presets: [{ name: 'orders', match: { composeService: 'orders' }, task: { family: 'orders-v2' } }] }));
    await eventually(() => tb.backend.model.tasks.some((t) => t.family === 'orders-v2'), 10_000, 'the edited family in the model');
    expect(tb.backend.problems().find((p) => p.id === 'presets-file')).toBeUndefined();
  });
});
