/**
 * The host script that runs a profile's credential_process on the person's machine
 * (packaging/host/aws-credential-process.sh), under Debian's dash and busybox sh: it finds that
 * profile's command as the AWS SDK for JavaScript would, runs it, prints its output, and on any
 * failure prints one line to stderr, never the program's output. The Windows script
 * (aws-credential-process.cmd, PowerShell) cannot run here; the validator checks it ships.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../host/aws-credential-process.sh', import.meta.url));
const shells = [['dash', '/bin/dash'], ['busybox sh', '/bin/busybox']] as const;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY';
const output = (key: string) => JSON.stringify({ Version: 1, AccessKeyId: key, SecretAccessKey: SECRET, SessionToken: 'token', Expiration: '2099-01-01T00:00:00Z' });

/** A fake home: .aws/config (and credentials), and programs that print credentials or fail. */
function home(config: string, credentials?: string): string {
  const h = mkdtempSync(join(tmpdir(), 'aws-process-'));
  dirs.push(h);
  mkdirSync(join(h, '.aws'));
  mkdirSync(join(h, 'bin'));
  writeFileSync(join(h, '.aws', 'config'), config);
  if (credentials !== undefined) writeFileSync(join(h, '.aws', 'credentials'), credentials);
  const program = (name: string, body: string) => {
    writeFileSync(join(h, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(h, 'bin', name), 0o755);
  };
  program('creds', `printf '%s\\n' '${output('ASIAFROMPROCESS')}'`);
  program('creds-for', `printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"${SECRET}"}\\n' "$1"`);
  program('broken', `printf '%s\\n' '${output('ASIALEAKED')}'; echo 'token expired, run the login' >&2; exit 3`);
  program('silent', 'exit 0');
  program('marker', `touch "${h}/ran"; printf '%s\\n' '${output('ASIAMARKER')}'`);
  return h;
}

function run(shell: string, h: string, args: string[], env: Record<string, string> = {}) {
  const argv = shell.endsWith('busybox') ? ['sh', script, ...args] : [script, ...args];
  const r = spawnSync(shell, argv, { env: { PATH: '/usr/bin:/bin', HOME: h, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each(shells)('aws-credential-process.sh under %s', (_name, shell) => {
  it("runs the profile's credential_process and prints its JSON, from [profile name] or [default]", () => {
    const h = home(`[default]\ncredential_process = ${'~'}/bin/none\n[profile dev]\nregion = eu-west-1\ncredential_process = "HOME_BIN/creds-for" ASIADEV ; a comment\n[default]\ncredential_process = HOME_BIN/creds\n`.replaceAll('HOME_BIN', '$HOME/bin'));
    const dev = run(shell, h, ['dev']);
    expect(dev).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(dev.stdout)).toEqual({ Version: 1, AccessKeyId: 'ASIADEV', SecretAccessKey: SECRET });
    // The last value of the section wins, as in the SDK.
    expect(JSON.parse(run(shell, h, ['default']).stdout)).toMatchObject({ AccessKeyId: 'ASIAFROMPROCESS' });
  });

  it('honours AWS_CONFIG_FILE, and the credentials file ([name]) wins over the config file', () => {
    const h = home('[profile dev]\ncredential_process = $HOME/bin/creds-for FROMCONFIG\n', '[dev]\ncredential_process = $HOME/bin/creds-for FROMCREDENTIALS\n');
    expect(JSON.parse(run(shell, h, ['dev']).stdout)).toMatchObject({ AccessKeyId: 'FROMCREDENTIALS' });
    writeFileSync(join(h, 'team-config'), '[profile team]\ncredential_process = $HOME/bin/creds-for TEAM\n');
    expect(JSON.parse(run(shell, h, ['team'], { AWS_CONFIG_FILE: '~/team-config' }).stdout)).toMatchObject({ AccessKeyId: 'TEAM' });
    expect(run(shell, h, ['dev'], { AWS_CONFIG_FILE: '~/team-config', AWS_SHARED_CREDENTIALS_FILE: `${h}/none` }).code).toBe(1);
  });

  it('finds only that profile: not another section, not an indented sub-setting, not a commented line', () => {
    const h = home('[profile other]\ncredential_process = $HOME/bin/marker\n[profile dev]\ns3 =\n  credential_process = $HOME/bin/marker\n# credential_process = $HOME/bin/marker\n[profile  dev]\ncredential_process = $HOME/bin/marker\n');
    const r = run(shell, h, ['dev']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`aws-credential-process: profile "dev" has no credential_process in ${h}/.aws/config or ${h}/.aws/credentials.\n`);
    expect(existsSync(join(h, 'ran'))).toBe(false);
  });

  it('refuses anything but one profile name, running nothing', () => {
    const h = home('[profile dev]\ncredential_process = $HOME/bin/marker\n');
    for (const args of [[], ['dev', 'extra'], [''], ['dev; touch x'], ['$(touch x)'], ['dev\nx']]) {
      const r = run(shell, h, args);
      expect(r.code, JSON.stringify(args)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(h, 'ran'))).toBe(false);
  });

  it("on the program's failure: one line with its exit code and last error line, never its output", () => {
    const h = home('[profile dev]\ncredential_process = $HOME/bin/broken\n[profile quiet]\ncredential_process = $HOME/bin/silent\n');
    const r = run(shell, h, ['dev']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'aws-credential-process: the credential_process of profile "dev" failed (exit 3): token expired, run the login\n' });
    expect(r.stderr).not.toContain('ASIALEAKED');
    expect(run(shell, h, ['quiet'])).toEqual({ code: 1, stdout: '', stderr: 'aws-credential-process: the credential_process of profile "quiet" printed nothing.\n' });
  });
});
