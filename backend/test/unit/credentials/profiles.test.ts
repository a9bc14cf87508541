import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeProfiles, iniProblems } from '../../../src/credentials/profiles.ts';
import { tempDir } from './helpers.ts';

const CONFIG = `[default]
region = us-east-1
[profile keys]
region = eu-west-1
[profile chain]
role_arn = arn:aws:iam::111122223333:role/app
source_profile = keys
[profile loop-a]
role_arn = arn:aws:iam::111122223333:role/a
source_profile = loop-b
[profile loop-b]
role_arn = arn:aws:iam::111122223333:role/b
source_profile = loop-a
[profile orphan]
role_arn = arn:aws:iam::111122223333:role/o
source_profile = nowhere
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
[profile sso-in]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Dev
[sso-session old]
sso_start_url = https://old.awsapps.com/start
sso_region = us-west-2
[profile sso-old]
sso_session = old
sso_account_id = 111122223333
sso_role_name = Dev
[sso-session never]
sso_start_url = https://never.awsapps.com/start
sso_region = us-west-2
[profile sso-out]
sso_session = never
sso_account_id = 111122223333
sso_role_name = Dev
[profile proc]
credential_process = /usr/local/bin/creds --json
`;
const CREDENTIALS = `[default]
aws_access_key_id = AKIADEFAULT000000001
aws_secret_access_key = secret-default
[keys]
aws_access_key_id = AKIAKEYS000000000001
aws_secret_access_key = secret-keys
`;

const savedHome = process.env.HOME;
afterEach(() => {
  process.env.HOME = savedHome;
});

function cache(home: string, session: string, token: object) {
  const dir = join(home, '.aws', 'sso', 'cache');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${createHash('sha1').update(session).digest('hex')}.json`), JSON.stringify(token));
}

describe('describeProfiles', () => {
  it('gives each profile its kind, region and state, and never a key', async () => {
    const home = tempDir();
    process.env.HOME = home;
    writeFileSync(join(home, 'config'), CONFIG);
    writeFileSync(join(home, 'credentials'), CREDENTIALS);
    const now = Date.parse('2026-11-29T12:00:00Z');
    cache(home, 'corp', { accessToken: 't', expiresAt: '2026-11-29T20:00:00Z' });
    cache(home, 'old', { accessToken: 't', expiresAt: '2026-11-28T20:00:00Z' });
    const views = await describeProfiles({ config: join(home, 'config'), credentials: join(home, 'credentials') }, now);
    expect(JSON.stringify(views)).not.toMatch(/AKIA|secret/);
    const by = Object.fromEntries(views.map((v) => [v.name, v]));
    expect(views[0]!.name).toBe('default');
    expect(by.default).toEqual({ name: 'default', region: 'us-east-1', kind: 'keys', state: 'ready' });
    expect(by.keys).toEqual({ name: 'keys', region: 'eu-west-1', kind: 'keys', state: 'ready' });
    expect(by.chain).toEqual({ name: 'chain', kind: 'role', state: 'ready' });
    expect(by['loop-a']).toMatchObject({ kind: 'role', state: 'broken', detail: expect.stringContaining('loop-a → loop-b → loop-a') });
    expect(by.orphan).toMatchObject({ kind: 'role', state: 'broken', detail: expect.stringContaining('"nowhere" does not exist') });
    expect(by['sso-in']).toEqual({ name: 'sso-in', region: 'eu-central-1', kind: 'sso', state: 'signed-in', validUntil: '2026-11-29T20:00:00.000Z', signedInFrom: 'aws-cli' });
    expect(by['sso-old']).toMatchObject({ kind: 'sso', state: 'expired', detail: expect.stringContaining('aws sso login --profile sso-old') });
    expect(by['sso-out']).toMatchObject({ kind: 'sso', state: 'signed-out' });
    expect(by.proc).toEqual({ name: 'proc', kind: 'process', state: 'ready' });
  });

  it('an SSO session the backend signed in to from the dashboard shows as such, unless the AWS CLI\'s token lasts longer', async () => {
    const home = tempDir();
    process.env.HOME = home;
    writeFileSync(join(home, 'config'), CONFIG);
    writeFileSync(join(home, 'credentials'), CREDENTIALS);
    const now = Date.parse('2026-11-29T12:00:00Z');
    cache(home, 'corp', { accessToken: 't', expiresAt: '2026-11-29T20:00:00Z' });
    const until = Date.parse('2026-11-29T13:00:00Z');
    const views = await describeProfiles({ config: join(home, 'config'), credentials: join(home, 'credentials') }, now, undefined, () => ({ expiresAt: until, renewable: true }));
    const by = Object.fromEntries(views.map((v) => [v.name, v]));
    expect(by['sso-old']).toMatchObject({ state: 'signed-in', signedInFrom: 'dashboard', validUntil: '2026-11-29T13:00:00.000Z', detail: expect.stringContaining('renews') });
    expect(by['sso-out']).toMatchObject({ state: 'signed-in', signedInFrom: 'dashboard' });
    expect(by['sso-in']).toMatchObject({ state: 'signed-in', signedInFrom: 'aws-cli', validUntil: '2026-11-29T20:00:00.000Z' });
  });

  it('answers an empty list without files', async () => {
    const home = tempDir();
    expect(await describeProfiles({ config: join(home, 'none'), credentials: join(home, 'none2') })).toEqual([]);
  });
});

describe('iniProblems', () => {
  it('names the lines the SDKs would skip, never their text', () => {
    const text = '# comment\n[default]\nregion = us-east-1\naws_secret_access_key: s3cr3t-value\n[profile x]\ns3 =\n  max_concurrent_requests = 10\n; note\nnonsense line\n';
    const problems = iniProblems(text, '/home/me/.aws/config', 'config');
    expect(problems.map((p) => p.line)).toEqual([4, 9]);
    expect(problems[0]!.message).toBe('Line 4 of /home/me/.aws/config is neither a [section] nor a name = value line; the AWS SDKs skip it.');
    expect(JSON.stringify(problems)).not.toContain('s3cr3t');
  });

  it('names the sections the SDKs skip whole: spaces in a name, an untyped name in config', () => {
    const config = '[default]\n[profile  prod ] # comment\n[profile dev] # ok\n[plain]\n[sso-session corp]\n';
    expect(iniProblems(config, 'config', 'config').map((p) => [p.line, p.message.split(':')[0]])).toEqual([[2, 'Line 2 of config'], [4, 'Line 4 of config']]);
    expect(iniProblems('[ci]\n[my prof]\n', 'credentials', 'credentials').map((p) => p.line)).toEqual([2]);
  });
});
