import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without type declarations
import * as v from '../validate.mjs';

type Problem = { level: 'error' | 'warning'; where: string; message: string };
const validate = v as {
  checkRepo(dir: string, buildArgs?: Record<string, string>): Problem[];
  validateLabels(labels: Record<string, string>): Problem[];
  validateCompose(text: string, where?: string): Problem[];
  dockerfileFinalStage(text: string, buildArgs?: Record<string, string>): { labels: Record<string, string> };
  dockerfileInstructions(text: string): { op: string; args: string }[];
  parseYaml(text: string): unknown;
};

const repo = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('../validate.mjs', import.meta.url));
const errors = (ps: Problem[]) => ps.filter((p) => p.level === 'error').map((p) => `${p.where}: ${p.message}`);

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the files the validator reads from a checkout, with one of them changed. */
function checkout(change: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'ext-validate-test-'));
  temps.push(dir);
  for (const f of ['metadata.json', 'Dockerfile', 'docker-compose.yaml', 'docker.svg']) cpSync(join(repo, f), join(dir, f));
  change(dir);
  return dir;
}
const edit = (file: string, fn: (text: string) => string) => (dir: string) => writeFileSync(join(dir, file), fn(readFileSync(join(dir, file), 'utf8')));
const editJson = (file: string, fn: (o: Record<string, unknown>) => void) =>
  edit(file, (t) => {
    const o = JSON.parse(t) as Record<string, unknown>;
    fn(o);
    return JSON.stringify(o, null, 2);
  });
/** The Dockerfile with one LABEL key's whole `key="value"` pair replaced. */
const label = (key: string, replacement: string) =>
  edit('Dockerfile', (t) => {
    const re = new RegExp(`${key.replace(/\./g, '\\.')}="(?:[^"\\\\]|\\\\.)*"`);
    expect(t).toMatch(re);
    return t.replace(re, replacement);
  });
const cli = (args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

describe('packaging/validate.mjs on this repository', () => {
  it('finds no error in metadata.json, the VM compose file and the Dockerfile labels', () => {
    expect(errors(validate.checkRepo(repo))).toEqual([]);
    const r = cli(['--repo', repo]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OK: checkout .*: 0 error\(s\)/m);
  });

  it('reads every label Docker Desktop requires from the final stage, with build arguments applied', () => {
    const text = readFileSync(join(repo, 'Dockerfile'), 'utf8');
    const { labels } = validate.dockerfileFinalStage(text, { REPO_URL: 'https://example.com/ecs' });
    for (const k of ['org.opencontainers.image.title', 'com.docker.desktop.extension.api.version', 'com.docker.extension.changelog']) expect(labels[k]).toBeTruthy();
    expect(labels['com.docker.extension.publisher-url']).toBe('https://example.com/ecs');
    expect(JSON.parse(labels['com.docker.extension.screenshots']!)).toEqual([{ alt: expect.any(String), url: 'https://example.com/ecs/raw/main/docs/screenshot.png' }]);
    expect(labels['com.docker.extension.categories']!.split(',')).toEqual(expect.arrayContaining(['cloud-development']));
  });

  it('builds for amd64 and arm64 without emulation, with the legacy builder too', () => {
    const text = readFileSync(join(repo, 'Dockerfile'), 'utf8');
    const ins = validate.dockerfileInstructions(text);
    const froms = ins.flatMap((i, n) => (i.op === 'FROM' ? [n] : []));
    const aliases = ins.filter((i) => i.op === 'FROM').map((i) => /\bAS\s+(\S+)$/i.exec(i.args)?.[1]);
    // Build stages from an image run on the build platform; the final stage runs nothing.
    for (const n of froms.slice(0, -1)) {
      const base = ins[n]!.args.split(/\s+/).find((w) => !w.startsWith('--'));
      if (!aliases.includes(base)) expect(ins[n]!.args).toMatch(/^--platform=\$\{BUILDPLATFORM(:-linux\/(amd64|arm64))?\}\s/);
    }
    expect(ins.slice(froms.at(-1)).filter((i) => i.op === 'RUN')).toEqual([]);
    // The legacy builder knows neither RUN --mount nor heredocs, and needs a BUILDPLATFORM fallback.
    expect(text).not.toMatch(/^\s*RUN\s+--mount|<<-?\s*['"]?[A-Z]+['"]?\s*$/m);
    expect(text).toMatch(/\$\{BUILDPLATFORM:-linux\/amd64\}/);
  });

  it("installs the helpers' network tools for the target architecture, the build platform's where the legacy builder sets no TARGETARCH", () => {
    // The nft stage's own script, run in busybox with a stand-in for apk (Alpine's repositories
    // are out of reach offline) that says the build platform is arm64 and records what it is asked.
    const ins = validate.dockerfileInstructions(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
    const script = ins.slice(ins.findIndex((i) => i.op === 'FROM' && / AS nft$/.test(i.args))).find((i) => i.op === 'RUN')!.args;
    const apk = '#!/bin/sh\n[ "$1" = --print-arch ] && { echo aarch64; exit 0; }\necho "$@" > /apk-args\n';
    const setup = 'printf %s "$APK" > /bin/apk && chmod 755 /bin/apk && mkdir -p /etc/apk && echo https://alpine.invalid/main > /etc/apk/repositories';
    const nftStage = (targetArch?: string) => {
      const env = ['-e', `APK=${apk}`, ...(targetArch ? ['-e', `TARGETARCH=${targetArch}`] : [])];
      return spawnSync('docker', ['run', '--rm', ...env, 'ecs-endpoints-test/busybox:latest', 'sh', '-c', `${setup} && ${script} && cat /apk-args /nft/usr/local/share/ecs-endpoints/network-tools.txt`], { encoding: 'utf8' });
    };
    for (const [targetArch, arch] of [['amd64', 'x86_64'], ['arm64', 'aarch64'], [undefined, 'aarch64']] as const) {
      const r = nftStage(targetArch);
      expect(r.status, `TARGETARCH=${targetArch}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`--root /nft --arch ${arch} --keys-dir /usr/share/apk/keys/${arch} `);
      // ip6tables is a package of its own: without it the agent's IPv6 rules would silently not exist.
      expect(r.stdout).toMatch(/ nftables iproute2-minimal iproute2-tc iptables ip6tables\n/);
      expect(r.stdout).toContain('network tools: Alpine nftables, iproute2, iptables, ip6tables');
    }
    const other = nftStage('riscv64');
    expect(other.status).not.toBe(0);
    expect(other.stderr).toContain('TARGETARCH=riscv64: the image is built for amd64 and arm64 only');
  });

  it('the VM compose file mounts the raw Docker socket and a named state volume, and leaves the managed network to the backend', () => {
    const doc = validate.parseYaml(readFileSync(join(repo, 'docker-compose.yaml'), 'utf8')) as {
      services: Record<string, { image: string; restart: string; volumes: string[]; networks?: unknown; hostname?: string }>;
      volumes: Record<string, unknown>;
      networks?: unknown;
    };
    const [first] = Object.values(doc.services);
    expect(first!.image).toBe('${DESKTOP_PLUGIN_IMAGE}');
    expect(first!.restart).toBe('unless-stopped');
    expect(first!.volumes).toContain('/var/run/docker.sock.raw:/var/run/docker.sock');
    const state = first!.volumes.find((x) => x.endsWith(':/data'))!;
    expect(Object.keys(doc.volumes)).toContain(state.split(':')[0]);
    expect(doc.networks).toBeUndefined();
    expect(first!.networks).toBeUndefined();
    expect(first!.hostname).toBeUndefined();
    const meta = JSON.parse(readFileSync(join(repo, 'metadata.json'), 'utf8'));
    expect(meta.icon).toBe('docker.svg');
    expect(readFileSync(join(repo, 'docker.svg'), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\s*$/);
  });

  it('Docker Compose itself accepts the VM compose file', () => {
    // Compose v2 (the plugin) when present, else v1; CI installs one of them with docker.io.
    const v2 = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
    const cmd = v2 ? ['docker', 'compose'] : ['docker-compose'];
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), '-f', join(repo, 'docker-compose.yaml'), 'config'], {
      encoding: 'utf8',
      env: { ...process.env, DESKTOP_PLUGIN_IMAGE: 'example/ecs-endpoints:test' },
    });
    expect(r.error, `neither "docker compose" nor docker-compose runs here`).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('image: example/ecs-endpoints:test');
    expect(r.stdout).toContain('/var/run/docker.sock.raw');
  });
});

describe('packaging/validate.mjs rejects what Docker rejects', () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['metadata.json with the obsolete "name"', editJson('metadata.json', (o) => (o.name = 'ecs-endpoints')), /\(root\): Additional property name is not allowed/],
    ['metadata.json with the obsolete "provider"', editJson('metadata.json', (o) => (o.provider = 'me')), /Additional property provider is not allowed/],
    ['metadata.json without an icon', editJson('metadata.json', (o) => delete o.icon), /icon is required/],
    ['an icon that is not in the checkout', editJson('metadata.json', (o) => (o.icon = 'missing.svg')), /icon: missing\.svg does not exist/],
    ['an unknown key in the dashboard tab', editJson('metadata.json', (o) => ((o.ui as Record<string, Record<string, unknown>>)['dashboard-tab']!.url = 'x')), /ui\.dashboard-tab: Additional property url/],
    ['a UI socket that differs from the VM socket', editJson('metadata.json', (o) => ((o.ui as Record<string, Record<string, { socket: string }>>)['dashboard-tab']!.backend!.socket = 'other.sock')), /must name the same socket/],
    ['a socket given as a path', editJson('metadata.json', (o) => ((o.vm as { exposes: { socket: string } }).exposes.socket = '/run/guest-services/backend.sock')), /vm\.exposes\.socket: must be a file name/],
    ['a missing compose file', editJson('metadata.json', (o) => ((o.vm as { composefile: string }).composefile = 'nope.yaml')), /vm\.composefile: nope\.yaml does not exist/],
    ['a compose file without services', edit('docker-compose.yaml', () => 'volumes:\n  x:\n'), /services: at least one service is required/],
    ['a compose file declaring the 169.254.170.0/24 network', edit('docker-compose.yaml', (t) => t + 'networks:\n  ecs:\n    ipam:\n      config:\n        - subnet: 169.254.170.0/24\n'), /do not declare the 169\.254\.170\.0\/24 network/],
    ['a compose file using an undeclared volume', edit('docker-compose.yaml', (t) => t.replace(/\nvolumes:[\s\S]*$/, '\n')), /named volume ecs-endpoints-state is not declared/],
    ['a Dockerfile that does not copy the icon', edit('Dockerfile', (t) => t.replace('COPY metadata.json docker.svg docker-compose.yaml /', 'COPY metadata.json docker-compose.yaml /')), /docker\.svg exists in the checkout but the final stage does not COPY it/],
    ['a missing required label (changelog)', label('com.docker.extension.changelog', ''), /com\.docker\.extension\.changelog: mandatory image label is missing/],
    ['an empty required label (vendor)', label('org.opencontainers.image.vendor', 'org.opencontainers.image.vendor=""'), /org\.opencontainers\.image\.vendor: mandatory image label is empty/],
    ['screenshots that are not JSON', label('com.docker.extension.screenshots', 'com.docker.extension.screenshots="[{alt: x}]"'), /com\.docker\.extension\.screenshots: must be a JSON array/],
    ['screenshots over http', label('com.docker.extension.screenshots', 'com.docker.extension.screenshots="[{\\"alt\\":\\"a\\",\\"url\\":\\"http://example.com/a.png\\"}]"'), /\[0\]\.url must be an https URL/],
    ['a screenshot without alt text', label('com.docker.extension.screenshots', 'com.docker.extension.screenshots="[{\\"url\\":\\"https://example.com/a.png\\"}]"'), /\[0\]\.alt is required/],
    ['additional URLs with a "name" instead of a "title"', label('com.docker.extension.additional-urls', 'com.docker.extension.additional-urls="[{\\"name\\":\\"Docs\\",\\"url\\":\\"https://example.com\\"}]"'), /\[0\]\.title is required/],
    ['a title containing "extension"', label('org.opencontainers.image.title', 'org.opencontainers.image.title="ECS Endpoints Extension"'), /should not include "extension"/],
    ['an API version that is not semver', label('com.docker.desktop.extension.api.version', 'com.docker.desktop.extension.api.version="latest"'), /not a semantic version or constraint/],
    ['an unknown category', label('com.docker.extension.categories', 'com.docker.extension.categories="cloud-development,aws"'), /"aws" is not one of/],
    ['a publisher URL that is not a URL', label('com.docker.extension.publisher-url', 'com.docker.extension.publisher-url="example.com"'), /publisher-url: must be an https URL/],
    ['an icon URL that is not an image', label('com.docker.desktop.extension.icon', 'com.docker.desktop.extension.icon="https://example.com/icon"'), /must point to a \.svg, \.png or \.jpg image/],
  ];

  it.each(cases)('%s', (_name, change, expected) => {
    const dir = checkout(change);
    const found = errors(validate.checkRepo(dir));
    expect(found.join('\n')).toMatch(expected);
    const r = cli(['--repo', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(expected);
    expect(r.stdout).toMatch(/^FAIL: checkout/m);
  });

  it('accepts the constraint forms Docker documents and refuses the rest', () => {
    const base = validate.dockerfileFinalStage(readFileSync(join(repo, 'Dockerfile'), 'utf8')).labels;
    const api = (value: string) => errors(validate.validateLabels({ ...base, 'com.docker.desktop.extension.api.version': value }));
    for (const ok of ['0.1.0', '>= 0.1.0', '>= 1.4.7, < 2.0', '>=0.3.4']) expect(api(ok), ok).toEqual([]);
    for (const bad of ['', 'any', '>= x', '0.3.4 or later']) expect(api(bad).length, bad).toBeGreaterThan(0);
  });

  it('refuses YAML it cannot read rather than guess', () => {
    expect(() => validate.parseYaml('services: {a: {image: x}}\n')).toThrow(/flow collections/);
    expect(() => validate.parseYaml('services:\n  a:\n    image: x\n   bad: y\n')).toThrow(/line 4/);
    expect(errors(validate.validateCompose('services:\n\ta: 1\n'))).toEqual([expect.stringMatching(/tabs/)]);
  });

  it('checks a built image when asked, and fails on a missing one', () => {
    const r = cli(['--image', 'ecs-endpoints-test/no-such-image:never']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/cannot inspect ecs-endpoints-test\/no-such-image:never/);
    // The busybox test image has no extension labels or metadata.json at all.
    const b = cli(['--image', 'ecs-endpoints-test/busybox:latest']);
    expect(b.status).toBe(1);
    expect(b.stdout).toMatch(/org\.opencontainers\.image\.title: mandatory image label is missing/);
    expect(b.stdout).toMatch(/has no \/metadata\.json/);
  });
});
