/**
 * The extension image, built offline here (Node bases assembled from this machine's node, see
 * test/images/build.sh node-npm) and run on the real dockerd: as Docker Desktop runs it (container
 * topology: the backend attaches itself to its network at .2, control API on a unix socket) and
 * standalone (host network, UI on a loopback port); in the container topology also fault injection
 * through the helper container (image-faults.ts). Every container, network, volume and image tag
 * made here is removed afterwards, also on failure.
 */
import type { StatusView } from '@ecs-endpoints/contract';
import type Docker from 'dockerode';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, httpFrom, pickIpv6Subnet, pickSubnet, runContainer, uniqueName } from '../../backend/test/support/docker.ts';
import { buildArgFlags, OFFLINE_BUILD_ARGS, OFFLINE_RUNTIME_IMAGE } from '../../backend/test/support/extension-image.ts';
import { pidOf, tcpInNetns } from '../../backend/test/support/netns.ts';
import { impersonate, type Party } from '../../backend/test/support/spoof.ts';
import { startStsStub } from '../../backend/test/support/sts-stub.ts';
import { faultInjectionThroughHelpers, standaloneFaultInjection } from './image-faults.ts';
// @ts-expect-error plain JavaScript module without type declarations
import * as v from '../validate.mjs';

type Problem = { level: 'error' | 'warning'; where: string; message: string };
const validate = v as {
  checkImage(image: string): Problem[];
  dockerfileFinalStage(text: string, buildArgs?: Record<string, string>): { labels: Record<string, string> };
};

const repo = fileURLToPath(new URL('../../', import.meta.url));
const TAG = `ecs-endpoints-test/extension:${uniqueName('t')}`;
const RUNTIME_IMAGE = OFFLINE_RUNTIME_IMAGE;
const MB = 1024 * 1024;
/** This machine's busybox (static; the test bases' busybox is a copy of it). */
const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
const dockerSocket = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '/var/run/docker.sock';

// Everything made here, for the cleanup.
const containers: (Docker.Container | string)[] = [];
const networks: string[] = [];
const volumes: string[] = [];
const dirs: string[] = [];
let imageBuilt = false;

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: repo, env: { ...process.env, ...opts.env } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

function logsOf(id: string): Promise<string> {
  return new Promise((resolve) => execFile('docker', ['logs', '--tail', '40', id], (_e, so, se) => resolve(`${so}${se}`)));
}

/** Poll `fn` until it returns a truthy value; fail early, with the backend's logs, if the backend stopped. */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, backend: Docker.Container, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    const state = (await backend.inspect()).State;
    if (!state.Running) throw new Error(`the backend container stopped (exit ${state.ExitCode}) while waiting for ${what}:\n${await logsOf(backend.id)}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${(last as Error).message})` : ''}:\n${await logsOf(backend.id)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A JSON request with a body (PUT/POST) over the control socket. */
function send(target: { socketPath: string }, method: string, path: string, body: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request({ ...target, path, method, timeout: 10_000, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

interface Reply {
  status: number;
  type: string;
  body: string;
}
function get(target: { socketPath: string } | { port: number }, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ ...('port' in target ? { host: '127.0.0.1', port: target.port } : target), path, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The script the built UI's index.html loads: its name carries this build's hash. */
let entryScript = '';

/** The served page is the built UI (the control plane may add a meta tag to it). */
async function expectBuiltUi(target: { socketPath: string } | { port: number }): Promise<void> {
  const page = await get(target, '/');
  expect(page.status).toBe(200);
  expect(page.type).toMatch(/^text\/html/);
  expect(page.body).toContain('<title>ECS Endpoints</title>');
  expect(page.body).toContain(entryScript);
  const script = await get(target, '/' + entryScript.replace(/^\.\//, ''));
  expect(script.status).toBe(200);
  expect(script.type).toMatch(/javascript/);
  expect(script.body.length).toBeGreaterThan(1000);
}

beforeAll(async () => {
  const npm = await run(join(repo, 'test/images/build.sh'), ['node-npm']);
  if (npm.code !== 0) throw new Error(`test/images/build.sh node-npm failed:\n${npm.out}`);
  const started = Date.now();
  const args = buildArgFlags();
  const build = await run('docker', ['build', '--force-rm', ...args, '--tag', TAG, '.'], { env: { DOCKER_BUILDKIT: '0' } });
  imageBuilt = build.code === 0;
  if (!imageBuilt) throw new Error(`docker build failed:\n${build.out.split('\n').slice(-60).join('\n')}`);
  console.log(`built ${TAG} offline in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const ui = await run('docker', ['run', '--rm', '--entrypoint', 'cat', TAG, '/ui/index.html']);
  entryScript = /<script[^>]+src="([^"]+\.js)"/.exec(ui.out)?.[1] ?? '';
  expect(entryScript, `no module script in the image's /ui/index.html:\n${ui.out}`).toMatch(/^\.\/assets\/.+\.js$/);
}, 600_000);

afterAll(async () => {
  for (const c of containers) await (typeof c === 'string' ? docker.getContainer(c) : c).remove({ force: true, v: true }).catch(() => undefined);
  for (const n of networks) await docker.getNetwork(n).remove().catch(() => undefined);
  for (const vol of volumes) await docker.getVolume(vol).remove().catch(() => undefined);
  if (imageBuilt) await docker.getImage(TAG).remove().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, 120_000);

describe('the image, built offline', () => {
  it('is small: its size is reported, and the application adds little to the Node base', async () => {
    const size = (await docker.getImage(TAG).inspect()).Size;
    const base = (await docker.getImage(RUNTIME_IMAGE).inspect()).Size;
    console.log(`image ${TAG}: ${(size / MB).toFixed(1)} MiB = base ${RUNTIME_IMAGE} ${(base / MB).toFixed(1)} MiB + application ${((size - base) / MB).toFixed(1)} MiB`);
    // Dev dependencies (Vite, Vitest, TypeScript, jsdom, Playwright...) would add hundreds of MB.
    expect(size - base).toBeLessThan(40 * MB);
    expect(size).toBeLessThan(200 * MB);
  });

  it('passes the validator: required labels, metadata.json and the files it names inside the image', () => {
    const problems = validate.checkImage(TAG);
    expect(problems.filter((p) => p.level === 'error')).toEqual([]);
  });

  it("carries exactly the labels the validator reads from the Dockerfile (so `make validate` on a checkout checks what ships)", async () => {
    const { labels: fromDockerfile } = validate.dockerfileFinalStage(readFileSync(join(repo, 'Dockerfile'), 'utf8'), OFFLINE_BUILD_ARGS);
    const labels = (await docker.getImage(TAG).inspect()).Config.Labels ?? {};
    expect(Object.keys(fromDockerfile).length).toBeGreaterThanOrEqual(12);
    for (const [k, val] of Object.entries(fromDockerfile)) expect(labels[k], k).toBe(val);
  });

  it('holds production dependencies only, none of them native, and the extension files at the root', async () => {
    const script = `
      const fs = require('fs'), path = require('path');
      const top = fs.readdirSync('/app/node_modules').flatMap((n) => n.startsWith('@') ? fs.readdirSync('/app/node_modules/' + n).map((m) => n + '/' + m) : [n]);
      const native = [];
      (function walk(d) { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.name.endsWith('.node')) native.push(p); } })('/app/node_modules');
      const files = ['/metadata.json', '/docker.svg', '/docker-compose.yaml', '/ui/index.html', '/app/backend/dist/main.js', '/app/entrypoint.mjs'].filter((f) => fs.existsSync(f));
      const data = fs.statSync('/data');
      console.log(JSON.stringify({ top, native, files, data: [data.uid, data.gid] }));`;
    const r = await run('docker', ['run', '--rm', '--entrypoint', 'node', TAG, '-e', script]);
    expect(r.code, r.out).toBe(0);
    const found = JSON.parse(r.out) as { top: string[]; native: string[]; files: string[]; data: number[] };
    expect(found.top).toEqual(expect.arrayContaining(['dockerode', 'express', 'zod', '@aws-sdk/client-sts', '@aws-sdk/credential-providers']));
    for (const dev of ['vite', 'vitest', 'typescript', 'esbuild', 'react', '@mui/material', 'jsdom', 'playwright-core', 'supertest', '@ecs-endpoints/contract']) expect(found.top).not.toContain(dev);
    // No native add-on: the build stages run once on the build platform and serve amd64 and arm64 alike.
    expect(found.native).toEqual([]);
    expect(found.files).toHaveLength(6);
    // The state directory belongs to the unprivileged user, and so does a new named volume made from it.
    expect(found.data).toEqual([1000, 1000]);
  });
});

describe('in the container topology, as inside Docker Desktop', () => {
  let backend: Docker.Container;
  let net: string;
  let prefix: string;
  let control: string;
  // The STS and SSO stand-in, on the network's gateway (the host's end of the bridge, which the
  // backend container reaches): its port is chosen now, it listens once the network exists.
  let stsPort: number;

  beforeAll(async () => {
    const picked = await pickSubnet();
    prefix = picked.prefix;
    stsPort = await freePort();
    net = uniqueName('ecs-ext-net');
    networks.push(net);
    const ctl = mkdtempSync(join(tmpdir(), 'ext-control-'));
    dirs.push(ctl);
    chmodSync(ctl, 0o777); // like /run/guest-services: the backend (uid 1000) creates its socket here
    control = join(ctl, 'backend.sock');
    const state = uniqueName('ecs-ext-state');
    volumes.push(state);
    await docker.createVolume({ Name: state, Labels: { 'ecs-endpoints-test': 'true' } });
    // What docker-compose.yaml asks Docker Desktop for, with this Engine's socket for the VM's.
    backend = await docker.createContainer({
      name: uniqueName('ecs-ext-backend'),
      Image: TAG,
      Env: [
        `ECS_ENDPOINTS_NETWORK=${net}`,
        `ECS_ENDPOINTS_SUBNET=${picked.subnet}`,
        'ECS_ENDPOINTS_TOPOLOGY=container',
        'ECS_ENDPOINTS_CONTROL=unix:/run/guest-services/backend.sock',
        'ECS_ENDPOINTS_DEFAULT_SOURCE=fake',
        `ECS_ENDPOINTS_STS_ENDPOINT=http://${prefix}.1:${stsPort}`,
        `AWS_ENDPOINT_URL_SSO=http://${prefix}.1:${stsPort}`,
      ],
      Labels: { 'ecs-endpoints-test': 'true' },
      HostConfig: { Binds: [`${dockerSocket}:/var/run/docker.sock`, `${ctl}:/run/guest-services`, `${state}:/data`] },
    });
    containers.push(backend);
    await backend.start();
  }, 120_000);

  it('attaches itself to its network at .2, and runs as uid 1000', async () => {
    const ip = await until('the backend on its network', async () => (await backend.inspect()).NetworkSettings.Networks[net]?.IPAddress, backend);
    expect(ip).toBe(`${prefix}.2`);
    const info = await docker.getNetwork(net).inspect();
    expect(info.IPAM?.Config?.[0]).toMatchObject({ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.1` });
    const status = await run('docker', ['exec', backend.id, 'cat', '/proc/1/status']);
    expect(status.out).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(await logsOf(backend.id)).toContain('entrypoint: running as uid 1000');
  });

  it('serves v4 metadata and fake credentials to a busybox container on the network', async () => {
    const app = await runContainer({ name: uniqueName('ecs-ext-app'), network: net });
    containers.push(app);
    const metadata = await until(
      'v4 metadata for the busybox container',
      async () => {
        const r = await httpFrom(app, `http://${prefix}.2/v4`);
        return r.status === 200 ? (JSON.parse(r.body) as { DockerId: string; Name: string; Networks: { IPv4Addresses: string[] }[] }) : undefined;
      },
      backend,
    );
    expect(metadata.DockerId).toBe(app.id);
    expect(metadata.Name).toBe((await app.inspect()).Name.slice(1));
    expect(metadata.Networks[0]!.IPv4Addresses[0]).toMatch(new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.`));

    const creds = await httpFrom(app, `http://${prefix}.2/creds`);
    expect(creds.status, creds.body).toBe(200);
    const c = JSON.parse(creds.body) as Record<string, string>;
    expect(Object.keys(c)).toEqual(['RoleArn', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
    expect(c.RoleArn).toMatch(/^arn:aws:iam::\d{12}:role\/.+/);
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{12,}$/);
    expect(c.SecretAccessKey).toBeTruthy();
    expect(c.Token).toBeTruthy();
    expect(c.Expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(c.Expiration!)).toBeGreaterThan(Date.now());

    // busybox wget, as a shell script in a container would ask.
    const wget = await run('docker', ['exec', app.id, 'wget', '-q', '-O', '-', `http://${prefix}.2/creds`]);
    expect(wget.code, wget.out).toBe(0);
    expect(JSON.parse(wget.out).AccessKeyId).toMatch(/^ASIA/);
  });

  it('serves a profile from the AWS files on the host, found by the host script and read without a restart after an edit', async () => {
    // The person's home folder on the host, as Docker Desktop shares it with its VM.
    const home = mkdtempSync(join(tmpdir(), 'ext-home-'));
    dirs.push(home);
    mkdirSync(join(home, '.aws'));
    const creds = (key: string) => `[dev]\naws_access_key_id = ${key}\naws_secret_access_key = host/secret/for/${key}/00000000000\n`;
    writeFileSync(join(home, '.aws', 'config'), '[profile dev]\nregion = eu-west-1\n');
    writeFileSync(join(home, '.aws', 'credentials'), creds('AKIAHOSTPROFILE00001'));
    for (const p of [home, join(home, '.aws')]) chmodSync(p, 0o755);
    // What the UI does: run the shipped host script, hand its output to the backend.
    const script = await run('docker', ['run', '--rm', '--entrypoint', 'cat', TAG, '/linux/aws-paths.sh']);
    expect(script.code, script.out).toBe(0);
    const paths = JSON.parse(execFileSync('/bin/sh', ['-c', script.out], { env: { PATH: '/usr/bin:/bin', HOME: home }, encoding: 'utf8' }));
    expect(paths).toMatchObject({ config: join(home, '.aws', 'config'), credentialsExists: true });
    await until('the control socket', async () => (await get({ socketPath: control }, '/api/status')).status === 200, backend);
    const put = await send({ socketPath: control }, 'PUT', '/api/host/aws', paths);
    expect(put.status, put.body).toBe(200);
    expect(JSON.parse(put.body)).toMatchObject({ readAt: expect.any(String), paths: { home } });
    const details = JSON.parse((await get({ socketPath: control }, '/api/profiles/details')).body) as { profiles: { name: string; kind: string }[] };
    expect(details.profiles).toEqual([expect.objectContaining({ name: 'dev', kind: 'keys', region: 'eu-west-1' })]);

    const source = await send({ socketPath: control }, 'POST', '/api/sources', { type: 'profile', name: 'Host dev', profile: 'dev' });
    expect(source.status, source.body).toBe(201);
    const app = await runContainer({ name: uniqueName('ecs-ext-prof'), network: net });
    containers.push(app);
    await until('the app in the backend', async () => (await send({ socketPath: control }, 'PUT', `/api/containers/${app.id}/source`, { sourceId: JSON.parse(source.body).id })).status === 200, backend);
    const keyNow = async () => {
      const r = await httpFrom(app, `http://${prefix}.2/creds`);
      if (r.status !== 200) throw new Error(`${r.status} ${r.body}`);
      return (JSON.parse(r.body) as { AccessKeyId: string }).AccessKeyId;
    };
    expect(await until('credentials from the host profile', keyNow, backend)).toBe('AKIAHOSTPROFILE00001');

    // An edit on the host: the next requests see it within the poll interval, no restart.
    writeFileSync(join(home, '.aws', 'credentials'), creds('AKIAHOSTPROFILE00002'));
    expect(await until('the edited key', async () => (await keyNow()) === 'AKIAHOSTPROFILE00002', backend, 20_000)).toBe(true);
    // Never written: the host's files are as we left them.
    expect(readFileSync(join(home, '.aws', 'credentials'), 'utf8')).toBe(creds('AKIAHOSTPROFILE00002'));
  });

  it('serves the host\'s role-chain and SSO profiles: the role assumed and the SSO role credentials got at the stand-ins', async () => {
    await until('the backend on its network', async () => (await backend.inspect()).NetworkSettings.Networks[net]?.IPAddress, backend);
    const sts = await startStsStub({ host: `${prefix}.1`, port: stsPort });
    try {
      const home = mkdtempSync(join(tmpdir(), 'ext-kinds-home-'));
      dirs.push(home);
      const aws = join(home, '.aws');
      mkdirSync(join(aws, 'sso', 'cache'), { recursive: true });
      writeFileSync(join(aws, 'credentials'), '[base]\naws_access_key_id = AKIAHOSTBASEKEYS0001\naws_secret_access_key = host/base/secret/000000000000000000001\n');
      writeFileSync(
        join(aws, 'config'),
        [
          '[profile chain]', 'role_arn = arn:aws:iam::111122223333:role/host-chain', 'source_profile = base', 'region = eu-west-1', '',
          '[profile corp-dev]', 'sso_session = corp', 'sso_account_id = 444455556666', 'sso_role_name = Developer', 'region = eu-west-1', '',
          '[sso-session corp]', 'sso_start_url = https://corp.awsapps.com/start', 'sso_region = eu-west-1', '',
        ].join('\n'),
      );
      // What aws sso login leaves behind: the session's token, cached under the session name's SHA-1.
      const token = { startUrl: 'https://corp.awsapps.com/start', region: 'eu-west-1', accessToken: 'host-sso-access-token', expiresAt: new Date(Date.now() + 3600_000).toISOString() };
      writeFileSync(join(aws, 'sso', 'cache', `${createHash('sha1').update('corp').digest('hex')}.json`), JSON.stringify(token));
      for (const d of [home, aws, join(aws, 'sso'), join(aws, 'sso', 'cache')]) chmodSync(d, 0o755);
      const script = await run('docker', ['run', '--rm', '--entrypoint', 'cat', TAG, '/linux/aws-paths.sh']);
      const paths = JSON.parse(execFileSync('/bin/sh', ['-c', script.out], { env: { PATH: '/usr/bin:/bin', HOME: home }, encoding: 'utf8' }));
      await until('the control socket', async () => (await get({ socketPath: control }, '/api/status')).status === 200, backend);
      expect((await send({ socketPath: control }, 'PUT', '/api/host/aws', paths)).status).toBe(200);
      const details = JSON.parse((await get({ socketPath: control }, '/api/profiles/details')).body) as { profiles: { name: string; kind: string; state: string }[] };
      expect(details.profiles).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'base', kind: 'keys' }),
          expect.objectContaining({ name: 'chain', kind: 'role', state: 'ready' }),
          expect.objectContaining({ name: 'corp-dev', kind: 'sso', state: 'signed-in' }),
        ]),
      );
      const served = async (profile: string) => {
        const source = JSON.parse((await send({ socketPath: control }, 'POST', '/api/sources', { type: 'profile', name: `Host ${profile}`, profile })).body) as { id: string };
        const app = await runContainer({ name: uniqueName(`ecs-ext-${profile}`), network: net });
        containers.push(app);
        await until(`${profile} assigned`, async () => (await send({ socketPath: control }, 'PUT', `/api/containers/${app.id}/source`, { sourceId: source.id })).status === 200, backend);
        return until(`credentials from ${profile}`, async () => {
          const r = await httpFrom(app, `http://${prefix}.2/creds`);
          return r.status === 200 ? (JSON.parse(r.body) as { RoleArn: string; AccessKeyId: string }) : undefined;
        }, backend);
      };
      const chain = await served('chain');
      expect(chain.RoleArn).toBe('arn:aws:iam::111122223333:role/host-chain');
      expect(sts.calls.find((c) => c.action === 'AssumeRole')).toMatchObject({ accessKeyId: 'AKIAHOSTBASEKEYS0001', params: expect.objectContaining({ RoleArn: 'arn:aws:iam::111122223333:role/host-chain' }) });
      const sso = await served('corp-dev');
      expect(sso.AccessKeyId).toMatch(/^ASIA/);
      expect(sts.calls.some((c) => c.action === 'GetRoleCredentials' && c.params.role_name === 'Developer' && c.params.account_id === '444455556666')).toBe(true);
    } finally {
      await sts.close();
    }
  });

  it('serves a credential_process profile of the host: "needs the dashboard" until the host script\'s output is handed over, then those credentials', async () => {
    // The person's machine: a credential_process that exists only there (the backend cannot run it).
    const home = mkdtempSync(join(tmpdir(), 'ext-proc-home-'));
    dirs.push(home);
    mkdirSync(join(home, '.aws'));
    mkdirSync(join(home, 'bin'));
    const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const program = join(home, 'bin', 'company-sso-creds');
    writeFileSync(program, `#!/bin/sh\nprintf '{"Version":1,"AccessKeyId":"ASIAHOSTPROCESS00001","SecretAccessKey":"host/process/secret/0000000000000000000","SessionToken":"host-process-token","Expiration":"${expiration}"}\\n'\n`);
    chmodSync(program, 0o755);
    writeFileSync(join(home, '.aws', 'config'), `[profile proc]\nregion = eu-west-1\ncredential_process = ${program} --profile proc\n`);
    for (const p of [home, join(home, '.aws')]) chmodSync(p, 0o755);
    const shipped = async (path: string) => {
      const r = await run('docker', ['run', '--rm', '--entrypoint', 'cat', TAG, path]);
      expect(r.code, r.out).toBe(0);
      return r.out;
    };
    const onHost = (script: string, args: string[] = []) => execFileSync('/bin/sh', ['-c', script, 'sh', ...args], { env: { PATH: '/usr/bin:/bin', HOME: home }, encoding: 'utf8' });
    await until('the control socket', async () => (await get({ socketPath: control }, '/api/status')).status === 200, backend);
    const put = await send({ socketPath: control }, 'PUT', '/api/host/aws', JSON.parse(onHost(await shipped('/linux/aws-paths.sh'))));
    expect(put.status, put.body).toBe(200);
    const details = JSON.parse((await get({ socketPath: control }, '/api/profiles/details')).body) as { profiles: { name: string; kind: string; state: string }[] };
    expect(details.profiles).toEqual([expect.objectContaining({ name: 'proc', kind: 'process', state: 'waiting' })]);

    const source = await send({ socketPath: control }, 'POST', '/api/sources', { type: 'profile', name: 'Host process', profile: 'proc' });
    expect(source.status, source.body).toBe(201);
    const app = await runContainer({ name: uniqueName('ecs-ext-proc'), network: net });
    containers.push(app);
    await until('the app in the backend', async () => (await send({ socketPath: control }, 'PUT', `/api/containers/${app.id}/source`, { sourceId: JSON.parse(source.body).id })).status === 200, backend);
    const first = await httpFrom(app, `http://${prefix}.2/creds`);
    expect(first.status, first.body).toBe(503);
    expect(JSON.parse(first.body).message).toMatch(/Profile "proc" gets its credentials from its credential_process, which runs on your machine: it needs the ECS Endpoints dashboard open to refresh\./);
    const due = JSON.parse((await get({ socketPath: control }, '/api/host/aws/processes')).body) as { profile: string; due: boolean }[];
    expect(due).toEqual([{ profile: 'proc', state: 'missing', due: true }]);

    // What the dashboard does: run the shipped host script for the due profile, hand over what it printed.
    const printed = onHost(await shipped('/linux/aws-credential-process.sh'), ['proc']);
    const handed = await send({ socketPath: control }, 'PUT', '/api/host/aws/processes/proc', JSON.parse(printed));
    expect(handed.status, handed.body).toBe(200);
    expect(handed.body).not.toContain('host/process/secret');
    expect(JSON.parse(handed.body)).toMatchObject({ profile: 'proc', state: 'fresh', validUntil: new Date(expiration).toISOString() });

    const served = await httpFrom(app, `http://${prefix}.2/creds`);
    expect(served.status, served.body).toBe(200);
    expect(JSON.parse(served.body)).toMatchObject({ AccessKeyId: 'ASIAHOSTPROCESS00001', SecretAccessKey: 'host/process/secret/0000000000000000000', Token: 'host-process-token', Expiration: expiration });
    const logs = await run('docker', ['logs', backend.id]);
    expect(logs.out).toContain('credential_process credentials received from the host');
    expect(logs.out).not.toContain('host/process/secret');
  });

  it('binds addresses through its helper: a neighbour that takes over a container\'s address and MAC gets none of its credentials', async () => {
    // The attack itself is shown to work without the rules in backend/test/integration/address-guard.test.ts.
    const party = async (capAdd?: string[]): Promise<Party> => {
      const container = await runContainer({ name: uniqueName('ecs-ext-spoof'), network: net, capAdd, env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/creds' } });
      containers.push(container);
      const n = (await container.inspect()).NetworkSettings.Networks[net]!;
      return { container, ip: n.IPAddress, mac: n.MacAddress };
    };
    const victim = await party();
    const own = await until('the victim\'s own credentials', async () => {
      const r = await httpFrom(victim.container, `http://${prefix}.2/creds`);
      return r.status === 200 ? (JSON.parse(r.body) as { AccessKeyId: string }) : undefined;
    }, backend);
    const attacker = await party(['NET_ADMIN']);
    // Its own first request proves it is bound (the id-less form answers only bound callers).
    await until('the attacker bound', async () => (await httpFrom(attacker.container, `http://${prefix}.2/creds`)).status === 200, backend);
    for (const withMac of [true, false]) expect(await impersonate(attacker, victim, `${prefix}.2`, withMac)).not.toContain(own.AccessKeyId);
  });

  it('serves the UI and the control API on its unix socket', async () => {
    await until('the control socket', async () => (await get({ socketPath: control }, '/api/status')).status === 200, backend);
    await expectBuiltUi({ socketPath: control });
    const r = await get({ socketPath: control }, '/api/status');
    expect(r.type).toMatch(/^application\/json/);
    const status = JSON.parse(r.body) as StatusView;
    expect(status).toMatchObject({ topology: 'container', network: { name: net, ready: true }, endpoint: { address: `${prefix}.2`, listening: true }, docker: { connected: true }, addressGuard: { state: 'enforced' } });
  });

  // Last: it kills and restarts the backend container.
  describe('fault injection through the helper container', () =>
    faultInjectionThroughHelpers({
      image: TAG,
      backend: () => backend,
      network: () => net,
      prefix: () => prefix,
      track: (c) => containers.push(c),
      until: (what, fn, timeoutMs) => until(what, fn, backend, timeoutMs),
      requests: async () => JSON.parse((await get({ socketPath: control }, '/api/requests?limit=1000')).body),
    }));
});

describe('in the container topology on a dual-stack network (ECS_ENDPOINTS_IPV6)', () => {
  let backend: Docker.Container;
  let net: string;
  let prefix: string;
  let v6: string;
  let control: string;

  beforeAll(async () => {
    const picked = await pickSubnet();
    prefix = picked.prefix;
    v6 = await pickIpv6Subnet();
    net = uniqueName('ecs-ext-net6');
    networks.push(net);
    const ctl = mkdtempSync(join(tmpdir(), 'ext-control6-'));
    dirs.push(ctl);
    chmodSync(ctl, 0o777);
    control = join(ctl, 'backend.sock');
    backend = await docker.createContainer({
      name: uniqueName('ecs-ext-backend6'),
      Image: TAG,
      Env: [
        `ECS_ENDPOINTS_NETWORK=${net}`,
        `ECS_ENDPOINTS_SUBNET=${picked.subnet}`,
        `ECS_ENDPOINTS_IPV6=${v6}`,
        'ECS_ENDPOINTS_TOPOLOGY=container',
        'ECS_ENDPOINTS_CONTROL=unix:/run/guest-services/backend.sock',
        'ECS_ENDPOINTS_DEFAULT_SOURCE=fake',
      ],
      Labels: { 'ecs-endpoints-test': 'true' },
      HostConfig: { Binds: [`${dockerSocket}:/var/run/docker.sock`, `${ctl}:/run/guest-services`] },
    });
    containers.push(backend);
    await backend.start();
  }, 120_000);

  it('makes the network dual-stack, binds IPv6 addresses through its helper, and serves nothing on its own IPv6 address or the gateway\'s', async () => {
    const status = await until('the backend enforcing its rules', async () => {
      const r = await get({ socketPath: control }, '/api/status').catch(() => undefined);
      const st = r?.status === 200 ? (JSON.parse(r.body) as StatusView) : undefined;
      return st?.addressGuard.state === 'enforced' && st.endpoint.listening ? st : undefined;
    }, backend);
    expect(status.network).toMatchObject({ name: net, subnet: `${prefix}.0/24`, ipv6Subnet: v6, ready: true });
    expect(status.problems.filter((p) => p.id.startsWith('network'))).toEqual([]);
    const own = (await backend.inspect()).NetworkSettings.Networks[net]!;
    expect(own.IPAddress).toBe(`${prefix}.2`);
    expect(own.GlobalIPv6Address.startsWith(v6.replace('::/64', '::'))).toBe(true);

    const app = await runContainer({ name: uniqueName('ecs-ext-app6'), network: net, env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/creds' } });
    containers.push(app);
    const n = (await app.inspect()).NetworkSettings.Networks[net]!;
    // Its first request answered through the id-less form: its addresses are bound (by the helper, with this image's nft).
    await until('the app bound', async () => (await httpFrom(app, `http://${prefix}.2/creds`)).status === 200, backend);
    const rules = execFileSync('nft', ['list', 'table', 'bridge', `ecs_endpoints_${net.replace(/[^A-Za-z0-9_]/g, '_')}`], { encoding: 'utf8' });
    expect(rules).toMatch(new RegExp(`${n.GlobalIPv6Address} \\. "veth[0-9a-f]+" \\. ${n.MacAddress}`));
    expect(rules).toContain('icmpv6 type nd-neighbor-advert');
    // Refused, not dropped: the backend's (and the host's) kernel answers, nothing listens there.
    const pid = await pidOf(app);
    for (const host of [own.GlobalIPv6Address, v6.replace('::/64', '::1')]) {
      for (const port of [80, 51679, 51678]) expect(await tcpInNetns(pid, host, port), `[${host}]:${port}`).toEqual({ connected: false, said: '', error: 'ECONNREFUSED' });
    }
  });
});

describe('standalone on a plain Docker Engine (host network)', () => {
  const DEV_KEY = 'AKIAMOUNTEDFOLDER001';
  let aws: string;
  let backend: Docker.Container;
  let net: string;
  let prefix: string;
  let port: number;

  beforeAll(async () => {
    // The container topology's network exists by now, so its subnet is not picked again.
    const picked = await pickSubnet();
    prefix = picked.prefix;
    net = uniqueName('ecs-ext-solo');
    networks.push(net);
    port = await freePort();
    // The person's ~/.aws, as the README's command mounts it (read-only, into the node user's home).
    aws = mkdtempSync(join(tmpdir(), 'ext-aws-'));
    dirs.push(aws);
    writeFileSync(join(aws, 'credentials'), `[dev]\naws_access_key_id = ${DEV_KEY}\naws_secret_access_key = dev/secret/key/from/the/mounted/folder/0001\n`);
    writeFileSync(join(aws, 'config'), '[profile dev]\nregion = eu-west-1\n');
    chmodSync(aws, 0o755);
    // The documented command (README, docs/packaging.md, make run-standalone), with its own network and port.
    backend = await docker.createContainer({
      name: uniqueName('ecs-ext-standalone'),
      Image: TAG,
      Env: [
        'ECS_ENDPOINTS_TOPOLOGY=host',
        `ECS_ENDPOINTS_CONTROL=127.0.0.1:${port}`,
        `ECS_ENDPOINTS_NETWORK=${net}`,
        `ECS_ENDPOINTS_SUBNET=${picked.subnet}`,
        'ECS_ENDPOINTS_DEFAULT_SOURCE=profile:dev',
      ],
      Labels: { 'ecs-endpoints-test': 'true' },
      // …plus busybox as nsenter, which node:20-alpine's busybox provides and the offline base lacks:
      // the backend (root here) tries nsenter first for faults (standaloneFaultInjection).
      HostConfig: { NetworkMode: 'host', Binds: [`${dockerSocket}:/var/run/docker.sock`, `${aws}:/home/node/.aws:ro`, `${busybox}:/usr/local/bin/nsenter:ro`] },
    });
    containers.push(backend);
    await backend.start();
  }, 120_000);

  it('creates its network with this host at .2 and serves the UI on the loopback port', async () => {
    await until('the UI on 127.0.0.1', async () => (await get({ port }, '/')).status === 200, backend);
    await expectBuiltUi({ port });
    // The UI comes up first (to show problems while Docker is unreachable); the network follows.
    await until('the network', async () => (await docker.getNetwork(net).inspect()).Id, backend);
    const info = await docker.getNetwork(net).inspect();
    expect(info.IPAM?.Config?.[0]).toMatchObject({ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.2` });
  });

  it('serves credentials at .2 to a container on its network, from a profile in the mounted ~/.aws', async () => {
    await until('the network', async () => (await docker.getNetwork(net).inspect()).Id, backend);
    const app = await runContainer({ name: uniqueName('ecs-ext-solo-app'), network: net });
    containers.push(app);
    const creds = await until(
      'credentials for the busybox container',
      async () => {
        const r = await httpFrom(app, `http://${prefix}.2/creds`);
        // Not yet: the reason is in the timeout's message.
        if (r.status !== 200) throw new Error(`${r.status} ${r.body}`);
        return JSON.parse(r.body) as Record<string, string>;
      },
      backend,
    );
    // A profile of long-term keys is served as it is (README: use a static source to exchange them).
    expect(creds.AccessKeyId).toBe(DEV_KEY);
    expect(creds.Expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  standaloneFaultInjection({
    image: TAG,
    backend: () => backend,
    network: () => net,
    prefix: () => prefix,
    track: (c) => containers.push(c),
    until: (what, fn, timeoutMs) => until(what, fn, backend, timeoutMs),
    requests: async () => JSON.parse((await get({ port }, '/api/requests?limit=1000')).body),
  });
});
