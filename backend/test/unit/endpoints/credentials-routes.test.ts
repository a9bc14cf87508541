/**
 * The credentials routes over an in-memory model: by id (v1, v2), bound to the container the id
 * was issued to and its Authorization token; and the id-less forms (/creds, /role/<name>,
 * /role-arn/<arn>) for the caller at the source address. Every error body, exactly.
 */
import { describe, expect, it } from 'vitest';
import { ARNER, JSON_TYPE, OUTSIDER, ROLE_ARN, ROLER, SOLO, WEB, WORKER, ipOf, plane, rateHeaders, wire } from './plane-fixture.ts';

const err = (status: number, code: string, message: string) => JSON.stringify({ code, message, HTTPErrorCode: status });
const NO_ID_V1 = err(400, 'NoIdInRequest', 'CredentialsV1Request: No Credential ID in the request');
const NO_ID_V2 = err(400, 'NoIdInRequest', 'CredentialsV2Request: No Credential ID in the request');
const NOT_FOUND_V1 = err(400, 'InvalidIdInRequest', 'CredentialsV1Request: Credentials not found');
const NOT_FOUND_V2 = err(400, 'InvalidIdInRequest', 'CredentialsV2Request: Credentials not found');
const NOT_FOUND = err(400, 'InvalidIdInRequest', 'Credentials not found');

describe('credentials by id (v1 query, v2 path)', () => {
  it('without an id: 400 NoIdInRequest with the route\'s prefix', async () => {
    const { call, asked } = plane();
    for (const [url, body] of [['/v1/credentials', NO_ID_V1], ['/v1/credentials?id=', NO_ID_V1], ['/v1/credentials?other=x', NO_ID_V1], ['/v2/credentials/', NO_ID_V2]]) {
      const r = await call(url!, WEB);
      expect(wire(r), url).toEqual({ status: 400, body, headers: { 'Content-Type': JSON_TYPE, ...rateHeaders(ipOf(WEB)) } });
      expect(r.meta.kind).toBe('credentials');
    }
    expect(asked).toEqual([]);
  });

  it('answer the container the id was issued to, with its own credentials', async () => {
    const { call, asked } = plane();
    const r = await call('/v2/credentials/cred-shop', WEB);
    expect(wire(r)).toEqual({ status: 200, body: '{"AccessKeyId":"AKIA-web"}', headers: { 'Content-Type': JSON_TYPE, ...rateHeaders(ipOf(WEB)) } });
    expect(r.meta).toMatchObject({ kind: 'credentials', containerId: WEB.id, sourceId: 'fake' });
    // A task's containers share its id; each is answered as itself.
    expect((await call('/v1/credentials?id=cred-shop', WORKER)).body).toBe('{"AccessKeyId":"AKIA-worker"}');
    expect(asked).toEqual(['container web', 'container worker']);
  });

  it('an unknown id is 400 InvalidIdInRequest, not 404', async () => {
    const { call } = plane();
    expect(wire(await call('/v2/credentials/nope', WEB))).toMatchObject({ status: 400, body: NOT_FOUND_V2 });
    expect(wire(await call('/v1/credentials?id=nope', WEB))).toMatchObject({ status: 400, body: NOT_FOUND_V1 });
    expect(wire(await call('/v2/credentials/cred-shop/x', WEB))).toMatchObject({ status: 400, body: NOT_FOUND_V2 });
    const r = await call('/v2/credentials/nope', WEB);
    expect(r.meta).toMatchObject({ kind: 'credentials', containerId: WEB.id, error: 'unknown credentials id' });
  });

  it('another container\'s id answers as an unknown one, from a container or from an unknown address', async () => {
    const { call, asked } = plane();
    for (const from of [SOLO, OUTSIDER]) {
      expect(wire(await call('/v2/credentials/cred-shop', from))).toMatchObject({ status: 400, body: NOT_FOUND_V2 });
      expect(wire(await call('/v1/credentials?id=cred-shop', from))).toMatchObject({ status: 400, body: NOT_FOUND_V1 });
    }
    expect((await call('/v2/credentials/cred-shop', SOLO)).meta).toMatchObject({ containerId: SOLO.id, error: 'credentials id of another container' });
    expect(asked).toEqual([]);
  });

  it('a container with AWS_CONTAINER_AUTHORIZATION_TOKEN must present it as Authorization', async () => {
    const { call } = plane();
    expect(wire(await call('/v2/credentials/cred-solo', SOLO))).toMatchObject({ status: 400, body: NOT_FOUND_V2 });
    expect(wire(await call('/v1/credentials?id=cred-solo', SOLO, { headers: { authorization: 'wrong' } }))).toMatchObject({ status: 400, body: NOT_FOUND_V1 });
    const r = await call('/v2/credentials/cred-solo', SOLO, { headers: { authorization: 'tok' } });
    expect(wire(r)).toMatchObject({ status: 200, body: '{"AccessKeyId":"AKIA-solo"}' });
    expect((await call('/v2/credentials/cred-solo', SOLO)).meta).toMatchObject({ containerId: SOLO.id, error: 'missing or wrong Authorization token' });
  });

  it('pass the credentials room\'s answer through as it is (status, body, source, reason)', async () => {
    const body = err(503, 'CredentialsUninitialized', 'CredentialsV2Request: Credentials uninitialized for ID: STS timed out');
    const { call } = plane({ credentials: () => ({ status: 503, body, sourceId: 'profile:dev', error: 'STS timed out' }) });
    const r = await call('/v2/credentials/cred-shop', WEB);
    expect(wire(r)).toEqual({ status: 503, body, headers: { 'Content-Type': JSON_TYPE, ...rateHeaders(ipOf(WEB)) } });
    expect(r.meta).toMatchObject({ kind: 'credentials', containerId: WEB.id, sourceId: 'profile:dev', error: 'STS timed out' });
  });
});

describe('/creds', () => {
  it('answers the caller at the source address with its own credentials', async () => {
    const { call } = plane();
    expect(wire(await call('/creds', WEB))).toEqual({ status: 200, body: '{"AccessKeyId":"AKIA-web"}', headers: { 'Content-Type': JSON_TYPE, ...rateHeaders(ipOf(WEB)) } });
    expect((await call('/creds', WORKER)).body).toBe('{"AccessKeyId":"AKIA-worker"}');
  });

  it('refuses an address that is no container in ECS mode', async () => {
    const { call } = plane();
    const r = await call('/creds', OUTSIDER);
    expect(wire(r)).toMatchObject({ status: 400, body: err(400, 'InvalidIdInRequest', `Credentials not found: ${OUTSIDER} is not a container in ECS mode`) });
    expect(r.meta).toEqual({ kind: 'credentials', containerId: undefined, error: 'caller not in ECS mode' });
  });

  it('still asks for the Authorization token, without a prefix in the message', async () => {
    const { call } = plane();
    expect(wire(await call('/creds', SOLO))).toMatchObject({ status: 400, body: NOT_FOUND });
    expect((await call('/creds', SOLO, { headers: { authorization: 'tok' } })).body).toBe('{"AccessKeyId":"AKIA-solo"}');
  });
});

describe('/role/<name> and /role-arn/<arn>', () => {
  it('grant a role path only to a container whose environment names it', async () => {
    const { call, asked } = plane();
    expect(wire(await call('/role/app', ROLER))).toEqual({ status: 200, body: '{"RoleArn":"app"}', headers: { 'Content-Type': JSON_TYPE, ...rateHeaders(ipOf(ROLER)) } });
    expect((await call(`/role-arn/${ROLE_ARN}`, ARNER)).body).toBe(`{"RoleArn":"${ROLE_ARN}"}`);
    // The same path, escaped, is the same grant; the role is asked for decoded.
    expect((await call('/role-arn/arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fapp', ARNER)).body).toBe(`{"RoleArn":"${ROLE_ARN}"}`);
    expect((await call('/role/%61pp', ROLER)).body).toBe('{"RoleArn":"app"}');
    expect(asked).toEqual(['role roler app', `role arner ${ROLE_ARN}`, `role arner ${ROLE_ARN}`, 'role roler app']);
  });

  it('refuse any other container or role with the unprefixed not-found body', async () => {
    const { call, asked } = plane();
    for (const [url, from] of [['/role/app', WEB], ['/role/other', ROLER], [`/role-arn/${ROLE_ARN}`, ROLER], ['/role-arn/arn:aws:iam::111122223333:role/other', ARNER]] as const) {
      expect(wire(await call(url, from)), `${url} from ${from.name}`).toEqual({ status: 400, body: NOT_FOUND, headers: { 'Content-Type': JSON_TYPE, ...rateHeaders(ipOf(from)) } });
    }
    expect((await call('/role/other', ROLER)).meta).toEqual({
      kind: 'credentials', containerId: ROLER.id, error: 'the container\'s AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI does not name /role/other',
    });
    expect(wire(await call('/role/app', OUTSIDER))).toMatchObject({ status: 400, body: err(400, 'InvalidIdInRequest', `Credentials not found: ${OUTSIDER} is not a container in ECS mode`) });
    expect(asked).toEqual([]);
  });
});
