/**
 * A known credentials id whose source has no credentials yet (the first fetch after a start, still
 * in flight) is answered as the agent answers a pending id: 503 CredentialsUninitialized, word for
 * word (ecs-agent tmds/handlers/v1|v2 credentials handlers, IsCredentialsPending), while the fetch
 * goes on for the next request. An unknown id stays a 400.
 */
import { describe, expect, it } from 'vitest';
import { BrokerCredentials } from '../../../src/endpoints/credentials-port.ts';
import type { DataRequest, Entry } from '../../../src/endpoints/types.ts';
import { LONG_TERM, setup, stub } from '../credentials/helpers.ts';
import { plane, WEB } from './plane-fixture.ts';

const req = (url: string): DataRequest => ({ method: 'GET', url, remoteIp: '169.254.170.130', remotePort: 40000, headers: {} });

/** WEB's entry, its source the given one. */
function entryWith(sourceId: string): Entry {
  const e = plane().entry(WEB);
  return { task: e.task, container: { ...e.container, source: { id: sourceId, origin: 'assignment' } } };
}

describe('credentials while the source is warming', () => {
  it('answers the agent\'s pending 503 within the bound, then the credentials once fetched', async () => {
    const sts = await stub();
    const { registry, broker } = setup({ sts, timeoutMs: 3000 });
    const src = registry.create({ type: 'static', name: 'Keys', ...LONG_TERM });
    const port = new BrokerCredentials(broker, registry, { warmingAnswerMs: 150 });
    sts.setMode('hang');
    const started = Date.now();
    const [v2, v1] = await Promise.all([port.forContainer(entryWith(src.id), req('/v2/credentials/cred-shop')), port.forContainer(entryWith(src.id), req('/v1/credentials?id=cred-shop'))]);
    const ms = Date.now() - started;
    expect(v2).toEqual({
      status: 503,
      body: '{"code":"CredentialsUninitialized","message":"CredentialsV2Request: Credentials uninitialized for ID","HTTPErrorCode":503}',
      sourceId: src.id,
      error: `source "${src.id}" is still fetching its first credentials`,
    });
    expect(v1.body).toBe('{"code":"CredentialsUninitialized","message":"CredentialsV1Request: Credentials uninitialized for ID","HTTPErrorCode":503}');
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(1000);
    // One fetch for both, still in flight.
    expect(sts.callCount('GetSessionToken')).toBe(1);
  });

  it('a fetch that settles within the bound is answered as usual: credentials, or the failure with its reason', async () => {
    const sts = await stub();
    const { registry, broker } = setup({ sts, timeoutMs: 200 });
    const src = registry.create({ type: 'static', name: 'Keys', ...LONG_TERM });
    const port = new BrokerCredentials(broker, registry, { warmingAnswerMs: 2000 });
    const ok = await port.forContainer(entryWith(src.id), req('/v2/credentials/cred-shop'));
    expect(ok.status).toBe(200);
    expect(Object.keys(JSON.parse(ok.body))).toEqual(['RoleArn', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);

    const other = registry.create({ type: 'static', name: 'Other', ...LONG_TERM, accessKeyId: 'AKIAOTHERKEYS0000001' });
    sts.setMode('hang');
    const failed = await port.forContainer(entryWith(other.id), req('/v2/credentials/cred-shop'));
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.body).message).toMatch(/^CredentialsV2Request: Credentials uninitialized for ID: Source "Other": no answer within 0\.2 s/);
  });

  it('an unknown id is 400 InvalidIdInRequest, never the pending answer', async () => {
    const r = await plane().call('/v2/credentials/no-such-id', WEB);
    expect({ status: r.status, body: r.body }).toEqual({ status: 400, body: '{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}' });
  });
});
