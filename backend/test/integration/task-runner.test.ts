/**
 * Task definitions run on the real dockerd as the agent would: an awsvpc task of three containers
 * (init → web HEALTHY → sidecar) in dependency order, sharing localhost through the pause
 * container, with the task role assumed at the STS stand-in from a static base source and a
 * secret from the Secrets Manager stand-in; a bridge task whose published port answers from the
 * host; an essential container's exit stopping its task; bad definitions refused with nothing left.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRunView } from '@ecs-endpoints/contract';
import { startControlServer, type ControlServer } from '../../src/control/index.ts';
import { captureLogs, setLogLevel } from '../../src/log.ts';
import { controlClient, type ControlClient } from '../../../e2e/support/control-client.ts';
import { eventually, startTestBackend, type TestBackend } from '../support/backend.ts';
import { BUSYBOX, docker, exec, uniqueName } from '../support/docker.ts';
import { startRegistryStub } from '../support/registry-stub.ts';
import { startSecretsStub, type SecretsStub } from '../support/secrets-stub.ts';
import { startStsStub, type StsStub } from '../support/sts-stub.ts';

const TASK_ROLE = 'arn:aws:iam::111122223333:role/orders-task';
const EXEC_ROLE = 'arn:aws:iam::111122223333:role/orders-execution';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:orders/db-AbCdEf';
const SECRET_VALUE = 'pa55-w0rd-that-must-not-leak-7f3a';
const ENV_FILE_ARN = 'arn:aws:s3:::orders-config/web.env';

let tb: TestBackend;
let cs: ControlServer;
let api: ControlClient;
let sts: StsStub;
let secrets: SecretsStub;
let baseId: string;
const logs: string[] = [];
let restoreLogs: () => void;
const runs: string[] = [];

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function awsvpcTask(family: string): J {
  return {
    taskDefinition: {
      family,
      revision: 7,
      networkMode: 'awsvpc',
      taskRoleArn: TASK_ROLE,
      executionRoleArn: EXEC_ROLE,
      cpu: '512',
      memory: '1024',
      containerDefinitions: [
        { name: 'sidecar', image: BUSYBOX, essential: false, command: ['sh', '-c', 'mkdir -p /tmp && wget -q -O /tmp/page http://localhost:8080/ && sleep 3600'], dependsOn: [{ containerName: 'web', condition: 'HEALTHY' }], stopTimeout: 2 },
        {
          name: 'web',
          image: BUSYBOX,
          command: ['sh', '-c', 'mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www'],
          portMappings: [{ containerPort: 8080 }],
          healthCheck: { command: ['CMD-SHELL', 'wget -q -O /dev/null http://localhost:8080/'], interval: 1, timeout: 2, retries: 3 },
          dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }],
          secrets: [{ name: 'DB_PASSWORD', valueFrom: SECRET_ARN }],
          environment: [{ name: 'PORT', value: '8080' }],
          environmentFiles: [{ value: ENV_FILE_ARN, type: 's3' }],
          memory: 128,
          cpu: 256,
          stopTimeout: 2,
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/orders', 'awslogs-region': 'us-east-1' } },
        },
        { name: 'init', image: BUSYBOX, essential: false, command: ['sh', '-c', 'echo migrated'] },
      ],
    },
    baseSource: `source:${baseId}`,
  };
}

async function run(body: J): Promise<TaskRunView> {
  const r = await api.call<TaskRunView>('POST', '/api/tasks', body);
  expect(r.status, r.text).toBe(201);
  runs.push(r.body.id);
  return r.body;
}

async function task(id: string): Promise<TaskRunView> {
  return (await api.call<TaskRunView>('GET', `/api/tasks/${id}`)).body;
}

async function until(id: string, ok: (t: TaskRunView) => boolean, what: string, ms = 60_000): Promise<TaskRunView> {
  return eventually(async () => {
    const t = await task(id);
    return ok(t) ? t : undefined;
  }, ms, what);
}

function container(t: TaskRunView, name: string) {
  return t.containers.find((c) => c.name === name)!;
}

beforeAll(async () => {
  sts = await startStsStub();
  secrets = await startSecretsStub({ [SECRET_ARN]: SECRET_VALUE }, {}, { 'orders-config/web.env': '# from S3\nFEATURE_FLAG=on\nPORT=1111\n' }, { 'registered:2': { family: 'registered', revision: 2, networkMode: 'bridge', containerDefinitions: [{ name: 'a', image: BUSYBOX, command: ['sleep', '3600'], stopTimeout: 2 }] } });
  process.env.AWS_ENDPOINT_URL_ECS = secrets.url;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.url;
  process.env.AWS_ENDPOINT_URL_S3 = secrets.url;
  setLogLevel('debug');
  restoreLogs = captureLogs(logs);
  tb = await startTestBackend({ ECS_ENDPOINTS_STS_ENDPOINT: sts.url, ECS_ENDPOINTS_PAUSE_IMAGE: 'ecs-endpoints-test/pause:latest', ECS_ENDPOINTS_REGION: 'us-east-1' });
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
  api = controlClient(cs.url, cs.token!);
  const base = await api.call<{ id: string }>('POST', '/api/sources', { type: 'static', name: 'Base keys', accessKeyId: 'AKIABASEKEYSFORTASKS', secretAccessKey: 'base/secret/for/the/task/runner/tests/0001' });
  expect(base.status, base.text).toBe(201);
  baseId = base.body.id;
}, 120_000);

afterAll(async () => {
  for (const id of runs) await api.call('DELETE', `/api/tasks/${id}`).catch(() => undefined);
  restoreLogs?.();
  setLogLevel('warn');
  await cs?.close();
  await tb?.cleanup();
  await sts?.close();
  await secrets?.close();
}, 120_000);

describe('an awsvpc task definition', () => {
  let t: TaskRunView;

  beforeAll(async () => {
    t = await run(awsvpcTask('orders'));
    t = await until(t.id, (x) => x.lastStatus === 'RUNNING' || x.lastStatus === 'STOPPED', 'task RUNNING');
  }, 120_000);

  it('starts in dependency order: init succeeded before web started, web healthy before the sidecar started', async () => {
    expect(t.lastStatus, JSON.stringify(t)).toBe('RUNNING');
    const inspect = async (name: string) => docker.getContainer(container(t, name).dockerId!).inspect();
    const [init, web, sidecar] = await Promise.all([inspect('init'), inspect('web'), inspect('sidecar')]);
    expect(init.State.ExitCode).toBe(0);
    expect(Date.parse(web.State.StartedAt)).toBeGreaterThanOrEqual(Date.parse(init.State.FinishedAt));
    expect(web.State.Health?.Status).toBe('healthy');
    const firstHealthy = Date.parse(web.State.Health!.Log!.find((l) => l.ExitCode === 0)!.End);
    expect(Date.parse(sidecar.State.StartedAt)).toBeGreaterThanOrEqual(firstHealthy - 1000);
    expect(container(t, 'web').health).toBe('HEALTHY');
    expect(t.containers.map((c) => c.status)).toEqual(['STOPPED', 'RUNNING', 'RUNNING']);
  });

  it('shares localhost between its containers through the pause container', async () => {
    // The sidecar fetched the page from localhost:8080, where only web listens, as its first act.
    const page = await eventually(async () => (await exec(container(t, 'sidecar').dockerId!, ['cat', '/tmp/page'])).stdout.trim(), 10_000, 'the page the sidecar fetched');
    expect(page).toBe('hello-from-web');
    const web = await docker.getContainer(container(t, 'web').dockerId!).inspect();
    expect(web.HostConfig.NetworkMode).toMatch(/^container:/);
  });

  it('serves the task role assumed from the base source at the STS stand-in', async () => {
    const r = await exec(container(t, 'sidecar').dockerId!, ['sh', '-c', `wget -q -O- http://${tb.address}$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`]);
    expect(r.code, r.stderr).toBe(0);
    const creds = JSON.parse(r.stdout) as J;
    expect(creds.RoleArn).toBe(TASK_ROLE);
    expect(creds.AccessKeyId).toMatch(/^ASIA/);
    // The static base is first exchanged for a session (GetSessionToken), which assumes the role.
    const assume = sts.calls.find((c) => c.action === 'AssumeRole' && c.params.RoleArn === TASK_ROLE);
    expect(assume?.accessKeyId).toMatch(/^ASIA/);
    expect(sts.calls.some((c) => c.accessKeyId === 'AKIABASEKEYSFORTASKS')).toBe(true);
  });

  it('answers v4 task metadata as the agent: family, revision, ARNs, the pause container, Limits, Health, awslogs options', async () => {
    const r = await exec(container(t, 'web').dockerId!, ['sh', '-c', 'wget -q -O- $ECS_CONTAINER_METADATA_URI_V4/task']);
    const md = JSON.parse(r.stdout) as J;
    expect(md).toMatchObject({ Family: 'orders', Revision: '7', TaskARN: t.taskArn, Limits: { CPU: 0.5, Memory: 1024 } });
    const byName = new Map((md.Containers as J[]).map((c) => [c.Name, c]));
    expect([...byName.keys()].sort()).toEqual(['init', 'sidecar', 'web', '~internal~ecs~pause'].sort());
    const pause = byName.get('~internal~ecs~pause')!;
    expect(pause.Type).toBe('CNI_PAUSE');
    expect(pause.ContainerARN).toBeUndefined();
    const web = byName.get('web')!;
    expect(web).toMatchObject({ Type: 'NORMAL', Limits: { CPU: 256, Memory: 128 }, Health: { status: 'HEALTHY' }, LogDriver: 'awslogs', LogOptions: { 'awslogs-group': '/ecs/orders', 'awslogs-region': 'us-east-1' } });
    expect(web.ContainerARN).toMatch(new RegExp(`^arn:aws:ecs:us-east-1:\\d{12}:container/default/${t.id}/`));
  });

  it('gives the secret to the container, fetched with the execution role, and shows it nowhere else', async () => {
    const env = await exec(container(t, 'web').dockerId!, ['env']);
    expect(env.stdout).toContain(`DB_PASSWORD=${SECRET_VALUE}`);
    // The environment file from S3, fetched with the execution role; the definition's environment wins.
    expect(env.stdout).toContain('FEATURE_FLAG=on');
    expect(env.stdout).toContain('PORT=8080');
    expect(env.stdout).not.toContain('PORT=1111');
    expect(secrets.calls.find((c) => c.target === 's3.GetObject')).toMatchObject({ id: 'orders-config/web.env', accessKeyId: expect.stringMatching(/^ASIA/) });
    const call = secrets.calls.find((c) => c.id === SECRET_ARN)!;
    const execRole = sts.calls.find((c) => c.action === 'AssumeRole' && c.params.RoleArn === EXEC_ROLE);
    expect(execRole).toBeDefined();
    expect(call.accessKeyId).toMatch(/^ASIA/);
    for (const path of ['/api/tasks', `/api/tasks/${t.id}`, '/api/containers', '/api/status']) {
      expect((await api.call('GET', path)).text).not.toContain(SECRET_VALUE);
    }
    expect(logs.join('\n')).not.toContain(SECRET_VALUE);
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
    for (const f of walk(tb.stateDir)) expect(readFileSync(f, 'utf8'), f).not.toContain(SECRET_VALUE);
  });

  it('stops on request, dependents first, and keeps the run listed as STOPPED with its reason', async () => {
    const stopped = await api.call<TaskRunView>('POST', `/api/tasks/${t.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' });
    const sidecar = await docker.getContainer(container(t, 'sidecar').dockerId!).inspect();
    const web = await docker.getContainer(container(t, 'web').dockerId!).inspect();
    expect(Date.parse(sidecar.State.FinishedAt)).toBeLessThanOrEqual(Date.parse(web.State.FinishedAt));
    expect(web.State.Running).toBe(false);
  });
});

describe('a bridge task definition', () => {
  it('publishes its port on the host and stops when its essential container exits, with the reason', async () => {
    const t0 = await run({
      taskDefinition: {
        family: 'api',
        networkMode: 'bridge',
        containerDefinitions: [
          { name: 'api', image: BUSYBOX, command: ['sh', '-c', 'mkdir -p /www && echo api-ok > /www/i && httpd -f -p 9000 -h /www & sleep 4; exit 3'], portMappings: [{ containerPort: 9000, hostPort: 0 }], stopTimeout: 2 },
          { name: 'helper', image: BUSYBOX, essential: false, command: ['sleep', '3600'], stopTimeout: 2 },
        ],
      },
      baseSource: 'fake',
    });
    const running = await until(t0.id, (x) => x.lastStatus === 'RUNNING', 'bridge task RUNNING');
    const info = await docker.getContainer(container(running, 'api').dockerId!).inspect();
    const port = info.NetworkSettings.Ports['9000/tcp']![0]!;
    expect(port.HostIp).toBe('127.0.0.1');
    const body = await eventually(async () => (await fetch(`http://127.0.0.1:${port.HostPort}/i`)).text(), 3_000, 'the published port');
    expect(body.trim()).toBe('api-ok');
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([tb.network]);

    const stopped = await until(t0.id, (x) => x.lastStatus === 'STOPPED', 'essential exit stops the task', 30_000);
    expect(stopped).toMatchObject({ stopCode: 'EssentialContainerExited' });
    expect(stopped.stoppedReason).toContain('Essential container in task exited (api, exit code 3)');
    expect(container(stopped, 'api').exitCode).toBe(3);
    expect((await docker.getContainer(container(stopped, 'helper').dockerId!).inspect()).State.Running).toBe(false);

    // Run again: the same definition as a new task, which runs (and exits) the same way.
    const again = await api.call<TaskRunView>('POST', `/api/tasks/${t0.id}/run-again`);
    expect(again.status, again.text).toBe(201);
    runs.push(again.body.id);
    expect(again.body).toMatchObject({ family: 'api', networkMode: 'bridge', baseSource: 'fake' });
    expect(again.body.id).not.toBe(t0.id);
    expect((await until(again.body.id, (x) => x.lastStatus === 'RUNNING', 'run again RUNNING')).containers.map((c) => c.name)).toEqual(['api', 'helper']);
  }, 90_000);
});

describe('an image that is not here', () => {
  it('is pulled (from a local registry stand-in) before the task starts, and the metadata shows the pull window', async () => {
    const repo = uniqueName('pulled').toLowerCase();
    const registry = await startRegistryStub(BUSYBOX, `ecs-test/${repo}`);
    const image = `${registry.host}/ecs-test/${repo}:latest`;
    try {
      const t0 = await run({ taskDefinition: { family: 'pulled', networkMode: 'bridge', containerDefinitions: [{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 2 }] }, baseSource: 'fake' });
      const t = await until(t0.id, (x) => x.lastStatus === 'RUNNING' || x.lastStatus === 'STOPPED', 'pulled task RUNNING');
      expect(t.lastStatus, t.stoppedReason).toBe('RUNNING');
      expect(registry.pulls).toBeGreaterThan(0);
      const r = await exec(container(t, 'app').dockerId!, ['sh', '-c', 'wget -q -O- $ECS_CONTAINER_METADATA_URI_V4/task']);
      const md = JSON.parse(r.stdout) as J;
      const created = Date.parse((md.Containers as J[])[0]!.CreatedAt as string);
      expect(Date.parse(md.PullStartedAt as string)).toBeLessThanOrEqual(Date.parse(md.PullStoppedAt as string));
      expect(Date.parse(md.PullStoppedAt as string)).toBeLessThanOrEqual(created);
      expect(md.PullStartedAt).not.toBe(md.PullStoppedAt);
    } finally {
      for (const id of runs.splice(0)) await api.call('DELETE', `/api/tasks/${id}`);
      // Not forced: its containers are gone, and the engine may be building images meanwhile.
      await docker.getImage(image).remove().catch(() => undefined);
      await registry.close();
    }
  }, 90_000);
});

describe('the container metadata file', () => {
  it('is NOT_READY in a container not yet started and READY, with its id and address, once it runs', async () => {
    const env = [{ name: 'ECS_ENABLE_CONTAINER_METADATA', value: 'true' }];
    const t0 = await run({
      taskDefinition: {
        family: 'mdfile',
        revision: 5,
        networkMode: 'bridge',
        containerDefinitions: [
          { name: 'app', image: BUSYBOX, environment: env, command: ['sh', '-c', 'until grep -q READY "$ECS_CONTAINER_METADATA_FILE"; do sleep 0.2; done; sleep 3600'], stopTimeout: 2 },
          { name: 'later', image: BUSYBOX, essential: false, environment: env, command: ['sleep', '3600'], dependsOn: [{ containerName: 'app', condition: 'COMPLETE' }] },
        ],
      },
      baseSource: 'fake',
    });
    const t = await until(t0.id, (x) => container(x, 'app').status === 'RUNNING' && container(x, 'later').status === 'CREATED', 'app running, later waiting');
    const read = async (id: string) => {
      const path = (await docker.getContainer(id).inspect()).Config.Env.find((e) => e.startsWith('ECS_CONTAINER_METADATA_FILE='))!.split('=')[1]!;
      const out = await new Promise<string>((resolve, reject) => {
        execFile('docker', ['cp', `${id}:${path}`, '-'], { encoding: 'buffer' }, (err, stdout) => (err ? reject(err) : resolve(stdout.toString('utf8'))));
      });
      return JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as J;
    };
    const app = await eventually(async () => {
      const f = await read(container(t, 'app').dockerId!);
      return f.MetadataFileStatus === 'READY' ? f : undefined;
    }, 15_000, 'READY');
    const inspect = await docker.getContainer(container(t, 'app').dockerId!).inspect();
    expect(app).toMatchObject({
      Cluster: 'default', TaskARN: t.taskArn, TaskDefinitionFamily: 'mdfile', TaskDefinitionRevision: '5', ContainerID: inspect.Id, ContainerName: 'app',
      DockerContainerName: inspect.Name, ImageName: BUSYBOX, ImageID: inspect.Image, Networks: [{ NetworkMode: 'bridge', IPv4Addresses: [inspect.NetworkSettings.Networks[tb.network]!.IPAddress] }],
    });
    expect(app.ContainerInstanceARN).toMatch(/^arn:aws:ecs:us-east-1:\d{12}:container-instance\/default\/[0-9a-f]{32}$/);
    const later = await read(container(t, 'later').dockerId!);
    expect(later).toEqual({ Cluster: 'default', ContainerInstanceARN: app.ContainerInstanceARN, TaskARN: t.taskArn, TaskDefinitionFamily: 'mdfile', TaskDefinitionRevision: '5', ContainerName: 'later', MetadataFileStatus: 'NOT_READY' });
  }, 60_000);
});

describe('a registered definition', () => {
  it('is fetched from ECS with the chosen source\'s credentials, and runs', async () => {
    const d = await api.call<{ taskDefinition: J }>('POST', '/api/tasks/describe', { taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/registered:2', source: `source:${baseId}` });
    expect(d.status, d.text).toBe(200);
    expect(d.body.taskDefinition).toMatchObject({ family: 'registered', revision: 2 });
    expect(secrets.calls.find((c) => c.target.endsWith('DescribeTaskDefinition'))?.accessKeyId).toMatch(/^A[SK]IA/);
    const t0 = await run({ taskDefinition: d.body, baseSource: 'fake' });
    expect((await until(t0.id, (x) => x.lastStatus !== 'PROVISIONING' && x.lastStatus !== 'PENDING', 'registered task started')).lastStatus).toBe('RUNNING');
    const missing = await api.call<{ error: string; remedy: string }>('POST', '/api/tasks/describe', { taskDefinition: 'unknown:9', source: `source:${baseId}` });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('has no task definition "unknown:9"');
    const none = await api.call<{ error: string }>('POST', '/api/tasks/describe', { taskDefinition: 'registered:2', source: 'none' });
    expect(none.status).toBe(400);
    expect(none.body.error).toContain('needs AWS credentials');
  }, 60_000);
});

describe('bad definitions', () => {
  it.each([
    ['a missing image', { family: 'bad', containerDefinitions: [{ name: 'a' }] }, 'containerDefinitions[0].image'],
    ['a dependsOn cycle', { family: 'bad', containerDefinitions: [{ name: 'a', image: BUSYBOX, dependsOn: [{ containerName: 'b', condition: 'START' }] }, { name: 'b', image: BUSYBOX, dependsOn: [{ containerName: 'a', condition: 'START' }] }] }, 'containerDefinitions[0].dependsOn'],
    ['an unknown condition', { family: 'bad', containerDefinitions: [{ name: 'a', image: BUSYBOX }, { name: 'b', image: BUSYBOX, dependsOn: [{ containerName: 'a', condition: 'READY' }] }] }, 'containerDefinitions[1].dependsOn[0].condition'],
  ])('refuses %s with the field path and leaves nothing running', async (_what, def, path) => {
    const before = (await api.call<TaskRunView[]>('GET', '/api/tasks')).body.length;
    const r = await api.call<{ error: string; issues: { path: string }[] }>('POST', '/api/tasks', { taskDefinition: def, baseSource: 'fake' });
    expect(r.status).toBe(400);
    expect(r.body.issues.map((i) => i.path)).toContain(path);
    expect((await api.call<TaskRunView[]>('GET', '/api/tasks')).body.length).toBe(before);
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: ['ecs-endpoints.family=bad'] }) });
    expect(left).toEqual([]);
  });

  it('fails a task whose image cannot be pulled, says why, and removes what it created', async () => {
    const t0 = await run({ taskDefinition: { family: 'nopull', networkMode: 'awsvpc', containerDefinitions: [{ name: 'a', image: 'ecs-endpoints-test/does-not-exist:1' }] }, baseSource: 'fake' });
    const t = await until(t0.id, (x) => x.lastStatus === 'STOPPED', 'pull failure', 60_000);
    expect(t.stopCode).toBe('TaskFailedToStart');
    expect(t.stoppedReason).toMatch(/^CannotPullContainerError: /);
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`ecs-endpoints.run=${t.id}`] }) });
    expect(left).toEqual([]);
  }, 90_000);
});
