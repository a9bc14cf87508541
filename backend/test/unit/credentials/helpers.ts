import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { captureLogs, setLogLevel } from '../../../src/log.ts';
import { CredentialBroker, SourceRegistry, type CredentialBrokerOptions } from '../../../src/credentials/index.ts';
import { startStsStub, type StsStub, type StsStubOptions } from '../../support/sts-stub.ts';

const cleanups: (() => unknown)[] = [];
let lines: string[] = [];

// Every test runs at debug level with the log captured: quiet output, and tests can check what was logged.
beforeEach(() => {
  lines = [];
  setLogLevel('debug');
  const restore = captureLogs(lines);
  cleanups.push(() => {
    restore();
    setLogLevel('info');
  });
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The log lines of the current test. */
export function logLines(): string[] {
  return lines;
}

/** Run after the current test, last registered first. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

/** Set (or, with undefined, unset) an environment variable for the current test. */
export function setEnv(name: string, value: string | undefined): void {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  onCleanup(() => {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  });
}

export function tempDir(prefix = 'ecs-creds-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function stub(opts: StsStubOptions = {}): Promise<StsStub> {
  const s = await startStsStub(opts);
  onCleanup(() => s.close());
  return s;
}

/** An AWS config dir with the given `config` and `credentials` file contents. */
export function awsDir(files: { config?: string; credentials?: string }): string {
  const dir = join(tempDir('ecs-aws-'), '.aws');
  mkdirSync(dir, { recursive: true });
  if (files.config !== undefined) writeFileSync(join(dir, 'config'), files.config);
  if (files.credentials !== undefined) writeFileSync(join(dir, 'credentials'), files.credentials);
  return dir;
}

export interface Setup {
  registry: SourceRegistry;
  broker: CredentialBroker;
  stateDir: string;
}

/** A registry in a fresh state dir and a broker calling `sts`. */
export function setup(opts: Partial<CredentialBrokerOptions> & { sts?: StsStub; defaultSpec?: string } = {}): Setup {
  const stateDir = tempDir('ecs-state-');
  const registry = new SourceRegistry({ stateDir, ...(opts.defaultSpec ? { defaultSpec: opts.defaultSpec } : {}) });
  const { sts, defaultSpec: _d, ...rest } = opts;
  const broker = new CredentialBroker({
    registry,
    region: 'us-east-1',
    awsConfigDir: tempDir('ecs-noaws-'),
    ...(sts ? { stsEndpoint: sts.url } : {}),
    ...rest,
  });
  return { registry, broker, stateDir };
}

/** Poll until `fn` is true, failing after `ms`. */
export async function until(fn: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const LONG_TERM = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
