/**
 * The real AWS clients the credentials tests run inside containers' network namespaces: Debian's
 * AWS CLI v2 (/usr/bin/aws), botocore from Debian's python3-botocore (/usr/bin/python3), and the
 * AWS SDK for JavaScript v3 default chain from this repository's node_modules (host node). Each
 * resolves credentials through AWS_CONTAINER_CREDENTIALS_* exactly as an application would and
 * reports what it got; given an STS URL, it then signs GetCallerIdentity with those credentials.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInNetns, type NetnsResult } from './netns.ts';

export const AWS_CLI = '/usr/bin/aws';
export const PYTHON = '/usr/bin/python3';
export const NODE = process.execPath;
const REPO_PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));

/** What a client resolved, in one shape for all three. Expiration as the client shows it. */
export interface ClientCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token?: string | null;
  Expiration?: string | null;
}

export interface CallerIdentity {
  Arn: string;
  Account: string;
  UserId: string;
}

export interface ClientRun extends NetnsResult {
  /** Parsed stdout when the client succeeded. */
  json?: Record<string, unknown>;
}

const BOTOCORE_SCRIPT = `
import json, sys
import botocore.session
s = botocore.session.get_session()
c = s.get_credentials()
if c is None:
    sys.stderr.write("botocore found no credentials\\n")
    sys.exit(3)
f = c.get_frozen_credentials()
exp = getattr(c, "_expiry_time", None)
out = {"Method": c.method, "AccessKeyId": f.access_key, "SecretAccessKey": f.secret_key, "Token": f.token,
       "Expiration": exp.isoformat() if exp is not None else None}
if len(sys.argv) > 1 and sys.argv[1]:
    sts = s.create_client("sts", region_name="us-east-1", endpoint_url=sys.argv[1])
    r = sts.get_caller_identity()
    out["Identity"] = {"Arn": r["Arn"], "Account": r["Account"], "UserId": r["UserId"]}
print(json.dumps(out))
`;

const JS_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(REPO_PACKAGE_JSON)});
const { defaultProvider } = require('@aws-sdk/credential-provider-node');
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const provider = defaultProvider();
const c = await provider();
const out = { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken ?? null,
  Expiration: c.expiration ? c.expiration.toISOString() : null };
const url = process.argv[1];
if (url) {
  const sts = new STSClient({ region: 'us-east-1', endpoint: url, credentials: provider });
  const r = await sts.send(new GetCallerIdentityCommand({}));
  out.Identity = { Arn: r.Arn, Account: r.Account, UserId: r.UserId };
}
console.log(JSON.stringify(out));
`;

function parsed(r: NetnsResult): ClientRun {
  if (r.code !== 0) return r;
  try {
    return { ...r, json: JSON.parse(r.stdout) as Record<string, unknown> };
  } catch {
    return r;
  }
}

/** `aws configure export-credentials --format process`: the credentials the CLI resolved. */
export async function awsCliExport(pid: number, env: Record<string, string>): Promise<ClientRun> {
  return parsed(await runInNetns(pid, [AWS_CLI, 'configure', 'export-credentials', '--format', 'process'], { AWS_PAGER: '', ...env }));
}

/** `aws sts get-caller-identity --endpoint-url <sts>`: a call signed with the resolved credentials. */
export async function awsCliIdentity(pid: number, env: Record<string, string>, stsUrl: string): Promise<ClientRun> {
  return parsed(await runInNetns(pid, [AWS_CLI, 'sts', 'get-caller-identity', '--endpoint-url', stsUrl, '--output', 'json'], { AWS_PAGER: '', ...env }));
}

/** botocore's default chain (ContainerProvider); with an STS URL, GetCallerIdentity too. */
export async function botocore(pid: number, env: Record<string, string>, stsUrl = ''): Promise<ClientRun> {
  return parsed(await runInNetns(pid, [PYTHON, '-c', BOTOCORE_SCRIPT, stsUrl], env));
}

/** The JS SDK v3 defaultProvider() (fromHttp / fromContainerMetadata); with an STS URL, GetCallerIdentity too. */
export async function jsSdk(pid: number, env: Record<string, string>, stsUrl = ''): Promise<ClientRun> {
  return parsed(await runInNetns(pid, [NODE, '--input-type=module', '-e', JS_SCRIPT, stsUrl], env));
}

function packageVersion(path: string): string {
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** Versions of the clients, for the test report. */
export function clientVersions(): Record<string, string> {
  const root = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
  return {
    '@aws-sdk/credential-provider-node': packageVersion(`${root}@aws-sdk/credential-provider-node/package.json`),
    '@aws-sdk/credential-provider-http': packageVersion(`${root}@aws-sdk/credential-provider-http/package.json`),
    '@aws-sdk/client-sts': packageVersion(`${root}@aws-sdk/client-sts/package.json`),
    node: process.version,
  };
}
