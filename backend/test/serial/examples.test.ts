/**
 * Every compose example in examples/ end to end, as a user runs it: the backend on the real
 * 169.254.170.0/24 (the examples call 169.254.170.2, as the SDKs do), `docker-compose up -d` (or
 * `docker compose`) with
 * the offline test images, the example's own check.sh, and `down`. The default source is `fake`,
 * so /creds and /role/<name> answer without AWS.
 *
 * Serial: it owns 169.254.170.0/24 while it runs.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type TestBackend } from '../support/backend.ts';
import { BUSYBOX, NODE_IMAGE, uniqueName } from '../support/docker.ts';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const SUBNET = '169.254.170.0/24';

let tb: TestBackend;
/** Debian's docker-compose (v1) where installed, else the Compose v2 plugin: the examples suit both. */
const COMPOSE = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0 ? ['docker-compose'] : ['docker', 'compose'];

interface Run {
  code: number;
  out: string;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** up, check.sh, down: the check's output, and its exit code. */
async function example(dir: string): Promise<Run> {
  const cwd = join(EXAMPLES, dir);
  const env = {
    COMPOSE_PROJECT_NAME: uniqueName('ex').replace(/-/g, ''),
    COMPOSE: COMPOSE.join(' '),
    ECS_ENDPOINTS_NETWORK: tb.network,
    NODE_IMAGE,
    BUSYBOX_IMAGE: BUSYBOX,
  };
  try {
    const up = await run(COMPOSE[0]!, [...COMPOSE.slice(1), 'up', '-d'], cwd, env);
    expect(up.code, up.out).toBe(0);
    const check = await run('sh', ['check.sh'], cwd, env);
    console.info(`examples/${dir}/check.sh\n${check.out}`);
    return check;
  } finally {
    const down = await run(COMPOSE[0]!, [...COMPOSE.slice(1), 'down', '-v', '--remove-orphans', '-t', '2'], cwd, env);
    if (down.code !== 0) console.warn(`docker-compose down in ${dir}: ${down.out}`);
  }
}

/** The check passed, and printed each of these "ok - …" lines (so a silent script cannot pass). */
function passed(r: Run, oks: RegExp[]): void {
  expect(r.code, r.out).toBe(0);
  expect(r.out).not.toMatch(/^not ok/m);
  for (const ok of oks) expect(r.out).toMatch(ok);
}

beforeAll(async () => {
  try {
    tb = await startTestBackend({ ECS_ENDPOINTS_DEFAULT_SOURCE: 'fake' }, { subnet: SUBNET });
  } catch (err) {
    const e = err as Error & { remedy?: string };
    throw new Error(`Cannot start the backend on ${SUBNET} (the examples call 169.254.170.2): ${e.message}${e.remedy ? ` ${e.remedy}` : ''}`);
  }
}, 120_000);

afterAll(async () => {
  await tb?.cleanup();
});

describe('the compose examples, each with its check.sh', () => {
  it('every example folder has a compose file and a check script', () => {
    for (const dir of ['01-credentials', '02-task-role', '03-metadata', '04-awsvpc/classic', '04-awsvpc/simple', '05-service-discovery']) {
      expect(existsSync(join(EXAMPLES, dir, 'docker-compose.yaml')), dir).toBe(true);
      expect(existsSync(join(EXAMPLES, dir, 'check.sh')), dir).toBe(true);
    }
  });

  it('01 credentials from the default source at /creds', async () => {
    passed(await example('01-credentials'), [/^ok - http:\/\/169\.254\.170\.2\/creds AccessKeyId = ASIA/m, /^ok - .* Expiration = /m, /AWS_CONTAINER_CREDENTIALS_RELATIVE_URI answers/]);
  }, 180_000);

  it('02 a task role by name (/role/<name>)', async () => {
    passed(await example('02-task-role'), [/RoleArn = arn:aws:iam::000000000000:role\/orders-task-role/, /^ok - another role's path is refused/m]);
  }, 180_000);

  it('03 task metadata v2, v3 and v4 with the labels\' family, revision and tags', async () => {
    passed(await example('03-metadata'), [/v4\/task Family = orders/, /TaskTags\.team = checkout/, /v3\/task Family = orders/, /v2\/metadata Family = orders/, /memory_stats\.usage = \d+/]);
  }, 180_000);

  it('04 awsvpc, the classic way: a pause container, /v3/containers/<name>, localhost between containers', async () => {
    passed(await example('04-awsvpc/classic'), [/^ok - the app reaches its sidecar on localhost:8080/m, /containers\/app NetworkMode|Networks\.0\.NetworkMode = awsvpc/, /containers\/sidecar Name = sidecar/, /creds AccessKeyId = ASIA/]);
  }, 180_000);

  it('04 awsvpc, the simple way: no pause container, attached by label', async () => {
    passed(await example('04-awsvpc/simple'), [/^ok - the app was attached by its label/m, /^ok - the app reaches its sidecar/m, /containers\/sidecar Name = sidecar/, /creds AccessKeyId = ASIA/]);
  }, 180_000);

  it('05 service discovery: a request by a discovery name and by the compose name; ServiceName in the metadata', async () => {
    passed(await example('05-service-discovery'), [/orders\.local:8080\/ \(discovery name\) reaches orders/, /orders:8080\/ \(compose service name\) reaches orders/, /ServiceName = orders/, /creds AccessKeyId = ASIA/]);
  }, 180_000);
});
