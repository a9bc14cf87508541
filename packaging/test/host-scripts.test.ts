/**
 * The host script Docker Desktop runs on macOS and Linux (packaging/host/aws-paths.sh), under the
 * shells it meets there (Debian's dash as a stand-in for a POSIX /bin/sh, and busybox sh): where
 * the AWS files are, honouring the SDKs' variables, as JSON whatever the paths hold. The Windows
 * script (aws-paths.cmd, PowerShell) cannot run here; the validator checks it ships.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../host/aws-paths.sh', import.meta.url));
const shells = [['dash', '/bin/dash'], ['busybox sh', '/bin/busybox']] as const;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function home(name: string): string {
  const d = mkdtempSync(join(tmpdir(), name));
  dirs.push(d);
  return d;
}

function run(shell: string, env: Record<string, string>): Record<string, unknown> {
  const argv = shell.endsWith('busybox') ? ['sh', script] : [script];
  const out = execFileSync(shell, argv, { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  expect(out.endsWith('}\n')).toBe(true);
  expect(out.trim().split('\n')).toHaveLength(1);
  return JSON.parse(out) as Record<string, unknown>;
}

describe.each(shells)('aws-paths.sh under %s', (_name, shell) => {
  it('gives the default files under HOME, and which exist', () => {
    const h = home('aws-home-');
    mkdirSync(join(h, '.aws', 'sso', 'cache'), { recursive: true });
    writeFileSync(join(h, '.aws', 'config'), '[default]\n');
    expect(run(shell, { HOME: h })).toEqual({
      version: 1,
      os: 'linux',
      home: h,
      config: `${h}/.aws/config`,
      configExists: true,
      credentials: `${h}/.aws/credentials`,
      credentialsExists: false,
      ssoCache: `${h}/.aws/sso/cache`,
      ssoCacheExists: true,
    });
  });

  it('honours AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, with ~/ as the home folder', () => {
    const h = home('aws-vars-');
    writeFileSync(join(h, 'creds'), '');
    const r = run(shell, { HOME: h, AWS_CONFIG_FILE: '/etc/team/aws-config', AWS_SHARED_CREDENTIALS_FILE: '~/creds' });
    expect(r).toMatchObject({ config: '/etc/team/aws-config', configExists: false, credentials: `${h}/creds`, credentialsExists: true });
  });

  it('stays valid JSON for paths with quotes, backslashes, tabs, newlines, spaces and non-ASCII', () => {
    const h = home('aws "odd" \\ \t name é\nline-');
    const r = run(shell, { HOME: h });
    expect(r.home).toBe(h);
    expect(r.config).toBe(`${h}/.aws/config`);
  });
});
