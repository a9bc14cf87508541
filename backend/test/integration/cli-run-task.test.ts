/**
 * The `ecs-endpoints` command (bin/ecs-endpoints.mjs) as a CI job would run it: a child process
 * against the backend's loopback control API (token read from the UI page), `run-task --wait`
 * following the task and exiting with its essential container's exit code.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../src/control/index.ts';
import { eventually, startTestBackend, type TestBackend } from '../support/backend.ts';
import { BUSYBOX, docker } from '../support/docker.ts';
import { startSecretsStub, type SecretsStub } from '../support/secrets-stub.ts';

const CLI = fileURLToPath(new URL('../../../bin/ecs-endpoints.mjs', import.meta.url));
let tb: TestBackend;
let cs: ControlServer;
let dir: string;
let aws: SecretsStub;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Asynchronous: the backend under test runs in this process.
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args, '--control', new URL(cs.url).host], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function definition(family: string, exit: number): string {
  const file = join(dir, `${family}.json`);
  // As describe-task-definition prints it.
  writeFileSync(file, JSON.stringify({ taskDefinition: { family, revision: 2, networkMode: 'bridge', containerDefinitions: [{ name: 'job', image: BUSYBOX, command: ['sh', '-c', `sleep 1; echo job-done; exit ${exit}`] }] } }));
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-cli-'));
  // ECS's DescribeTaskDefinition, for a definition given by name.
  aws = await startSecretsStub({}, {}, {}, { 'cli-registered:3': { family: 'cli-registered', revision: 3, networkMode: 'bridge', containerDefinitions: [{ name: 'job', image: BUSYBOX, command: ['sh', '-c', 'exit 4'] }] } });
  process.env.AWS_ENDPOINT_URL_ECS = aws.url;
  tb = await startTestBackend();
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
}, 120_000);

afterAll(async () => {
  for (const t of tb.backend.tasks.list()) await tb.backend.tasks.remove(t.id).catch(() => undefined);
  await cs?.close();
  await tb?.cleanup();
  rmSync(dir, { recursive: true, force: true });
  await aws?.close();
}, 120_000);

describe('ecs-endpoints run-task --wait', () => {
  it.each([[0], [7]])('exits with the essential container\'s exit code (%i), printing each state change', async (exit) => {
    const r = await cli(['run-task', '--task-definition', definition(`cli-job-${exit}`, exit), '--base-source', 'fake', '--wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(exit);
    const id = /^task ([0-9a-f]{32}) \(cli-job-\d:2, bridge\) started$/m.exec(r.stdout)?.[1];
    expect(id, r.stdout).toBeDefined();
    expect(r.stdout).toContain(`  job: STOPPED (exit code ${exit})`);
    expect(r.stdout).toMatch(/stopped: Essential container in task exited \(job, exit code \d\) \[EssentialContainerExited\]/);
    const logs = await tb.backend.tasks.logs(id!, 'job');
    expect(logs).toContain('job-done');
    const c = tb.backend.tasks.get(id!).containers[0]!;
    expect((await docker.getContainer(c.dockerId!).inspect()).State.ExitCode).toBe(exit);
  }, 90_000);

  it('refuses a bad definition with the field path and exit code 2, and lists and stops tasks', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ family: 'bad', containerDefinitions: [{ name: 'a', image: BUSYBOX, dependsOn: [{ containerName: 'nope', condition: 'START' }] }] }));
    const r = await cli(['run-task', '--task-definition', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('containerDefinitions[0].dependsOn[0].containerName: there is no container "nope"');

    const file = join(dir, 'long.json');
    // A local environment file next to the definition: the command reads it and hands it over.
    writeFileSync(join(dir, 'svc.env'), '# local\nGREETING=hello from a local env file\n');
    writeFileSync(file, JSON.stringify({ family: 'cli-long', networkMode: 'bridge', containerDefinitions: [{ name: 'svc', image: BUSYBOX, command: ['sleep', '3600'], stopTimeout: 2, environmentFiles: [{ value: './svc.env', type: 's3' }] }] }));
    const started = await cli(['run-task', '--task-definition', file, '--base-source', 'fake']);
    expect(started.code).toBe(0);
    const id = /^task ([0-9a-f]{32})/m.exec(started.stdout)![1]!;
    expect((await cli(['list-tasks'])).stdout).toMatch(new RegExp(`^${id}  cli-long:1  (PROVISIONING|PENDING|RUNNING)`, 'm'));
    await eventually(() => tb.backend.tasks.get(id).containers[0]!.dockerId, 30_000, 'the container created');
    const env = (await docker.getContainer(tb.backend.tasks.get(id).containers[0]!.dockerId!).inspect()).Config.Env;
    expect(env).toContain('GREETING=hello from a local env file');
    const stopped = await cli(['stop-task', id]);
    expect(stopped.stdout.trim()).toBe(`task ${id} STOPPED: Task stopped by user`);
  }, 90_000);

  it('runs a registered definition by family:revision, fetched from ECS with the base source', async () => {
    const r = await cli(['run-task', '--task-definition', 'cli-registered:3', '--base-source', 'fake', '--wait']);
    expect(r.stdout).toContain('fetched cli-registered:3 from ECS');
    expect(r.stdout).toMatch(/^task [0-9a-f]{32} \(cli-registered:3, bridge\) started$/m);
    expect(r.code).toBe(4);
    expect(aws.calls.some((c) => c.target.endsWith('DescribeTaskDefinition') && c.id === 'cli-registered:3')).toBe(true);
    const missing = await cli(['run-task', '--task-definition', 'nope:1', '--base-source', 'fake']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/has no task definition "nope:1"/);
  }, 90_000);

  it('says where it looked when no backend answers', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, 'list-tasks', '--control', '127.0.0.1:9'], { encoding: 'utf8' }, (err, _o, stderr) => resolve({ code: Number((err as { code?: number } | null)?.code ?? 0), stderr })),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Cannot reach the ECS Endpoints control API at 127\.0\.0\.1:9: ECONNREFUSED\. Start the backend/);
  });
});
