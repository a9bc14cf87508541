import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createControlApp } from '../../../src/control/app.ts';
import { lightBackend, onCleanup, tempDir } from '../control/helpers.ts';

const FILES = ['ids.json', 'assignments.json', 'ecs-mode.json', 'sources.json', 'presets.json', 'task-runs.json', 'sso-tokens.json', 'discovery-names.json'];

async function statusOf(stateDir: string) {
  const { backend } = await lightBackend({ stateDir });
  const app = createControlApp(backend, {});
  onCleanup(() => app.dispose());
  const r = await request(app).get('/api/status');
  return { backend, r };
}

describe('the backend over a broken state dir', () => {
  it('starts, answers the control API and reports each state file that was a directory', async () => {
    const stateDir = tempDir('ecs-state-');
    for (const f of FILES) mkdirSync(join(stateDir, f));
    const { backend, r } = await statusOf(stateDir);
    expect(r.status).toBe(200);
    const ids = backend.problems().map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['state-ids', 'state-assignments', 'state-ecs-mode', 'state-sources', 'state-task-runs', 'presets-state', 'state-sso-tokens', 'state-discovery-names']));
  });

  it('starts, answers the control API and reports the problem when the state dir cannot even be created', async () => {
    const blocker = join(tempDir('ecs-state-'), 'file');
    writeFileSync(blocker, '');
    const { backend, r } = await statusOf(join(blocker, 'state'));
    expect(r.status).toBe(200);
    expect(backend.problems().filter((p) => p.id.startsWith('state-') || p.id === 'presets-state')).toHaveLength(8);
    // Changes are kept in memory.
    backend.sources.create({ type: 'profile', name: 'Dev', profile: 'dev' });
    expect(backend.sources.get('dev')).toBeDefined();
  });
});
