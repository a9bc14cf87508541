/**
 * What every request goes through before a route runs, in the agent's order: a malformed escape is
 * Go's 400, an unclean path a 301, a caller off the managed network a 403, an empty bucket a 429;
 * then the route, or Go's text 404. Rate-limit headers are on everything the limiter saw.
 */
import { describe, expect, it } from 'vitest';
import { Throttle } from '../../../src/endpoints/throttle.ts';
import { BOGUS, JSON_TYPE, NOT_FOUND, OUTSIDER, SOLO, TEXT_TYPE, WEB, plane, rateHeaders, wire } from './plane-fixture.ts';

describe('before routing', () => {
  it('a malformed percent escape is Go\'s plain 400, even in an unclean path', async () => {
    const { call } = plane();
    for (const url of ['/v4/%zz', '//v4/%4', '/creds%', '/role/%ZZ?x=1']) {
      expect(wire(await call(url)), url).toEqual({ status: 400, body: '400 Bad Request', headers: { 'Content-Type': TEXT_TYPE, Connection: 'close' } });
    }
  });

  it('an unclean path is redirected to its clean form with the query kept, and no rate-limit headers', async () => {
    const { call } = plane();
    const cases: [string, string][] = [
      ['//v4//x/../y?a=1&b=2', '/v4/y?a=1&b=2'],
      ['/v4/./x', '/v4/x'],
      ['/creds/..', '/'],
      ['//creds?', '/creds?'],
      ['/v2/metadata/./', '/v2/metadata/'],
    ];
    for (const [url, location] of cases) {
      expect(wire(await call(url)), url).toEqual({ status: 301, body: '', headers: { Location: location } });
    }
  });

  it('a refused caller gets the refusal as text, after the redirect and before the limiter', async () => {
    const t = new Throttle(40, 1, () => 0);
    const { call } = plane({ refuseCaller: (ip) => (ip.startsWith('10.') ? `${ip} is not on the managed network` : undefined), throttle: t });
    expect(wire(await call('//v4', '10.0.0.9'))).toEqual({ status: 301, body: '', headers: { Location: '/v4' } });
    for (let i = 0; i < 3; i++) {
      expect(wire(await call('/v4', '10.0.0.9'))).toEqual({ status: 403, body: '10.0.0.9 is not on the managed network\n', headers: { 'Content-Type': TEXT_TYPE } });
    }
    // It took no tokens: the one token of this (ip, path) is still there.
    expect(t.take('10.0.0.9', '/v4')).toBe(true);
  });

  it('a refused caller that is a container whose first request beat its attach is told to send it again (503); others are still refused', async () => {
    const asked: string[] = [];
    const { call } = plane({
      refuseCaller: (ip) => `${ip} is not on the managed network`,
      joinedFrom: (ip) => (asked.push(ip), ip === '172.17.0.5' ? Promise.resolve(true) : ip === '172.17.0.6' ? Promise.resolve(false) : false),
    });
    const again = wire(await call('/v2/credentials/abc', '172.17.0.5'));
    expect(again.status).toBe(503);
    expect(again.headers).toEqual({ 'Content-Type': TEXT_TYPE, 'Retry-After': '1' });
    expect(again.body).toMatch(/attached to the Docker network "ecs-endpoints" a moment after it started.*Send it again/);
    for (const ip of ['172.17.0.6', '10.0.0.9']) expect(wire(await call('/v2/credentials/abc', ip))).toMatchObject({ status: 403, body: `${ip} is not on the managed network\n` });
    expect(asked).toEqual(['172.17.0.5', '172.17.0.6', '10.0.0.9']);
  });
});

describe('throttling per (source IP, path)', () => {
  it('answers 429 with the tollbooth body and headers once the burst is spent; other paths and callers have their own buckets', async () => {
    let now = 0;
    const { call } = plane({ throttle: new Throttle(40, 2, () => now) });
    const url = `/v4/${BOGUS}`;
    expect((await call(url)).status).toBe(404);
    expect((await call(url)).status).toBe(404);
    const r = await call(url, OUTSIDER, { headers: { 'x-forwarded-for': ['1.2.3.4', '5.6.7.8'] } });
    expect(wire(r)).toEqual({
      status: 429,
      body: 'You have reached maximum request limit.',
      headers: { ...rateHeaders(OUTSIDER, '40.00', '1.2.3.4, 5.6.7.8'), 'Content-Type': TEXT_TYPE },
    });
    expect(Object.keys(r.headers)).toEqual(['X-Rate-Limit-Limit', 'X-Rate-Limit-Duration', 'X-Rate-Limit-Request-Forwarded-For', 'X-Rate-Limit-Request-Remote-Addr', 'Content-Type']);
    expect(r.meta).toEqual({ kind: 'metadata', error: 'throttled' });
    expect((await call(`${url}/task`)).status).toBe(404);
    expect((await call(url, '169.254.170.201')).status).toBe(404);
    // The query is not part of the key.
    expect((await call(`${url}?x=1`)).status).toBe(429);
    now += 25; // 40/s: one token back
    expect((await call(url)).status).toBe(404);
  });

  it('puts the rate-limit headers after the route\'s own, on answers and errors alike', async () => {
    const { call, endpoint } = plane();
    const ok = await call(`/v4/${endpoint(WEB)}`, WEB, { headers: { 'x-forwarded-for': '9.9.9.9' } });
    expect(ok.headers).toEqual({ 'Content-Type': JSON_TYPE, ...rateHeaders(WEB.networks[0]!.ip, '1000.00', '9.9.9.9') });
    const nf = await call('/nope');
    expect(Object.keys(nf.headers)).toEqual(['Content-Type', 'X-Content-Type-Options', ...Object.keys(rateHeaders())]);
  });
});

describe('unknown routes', () => {
  it('get Go\'s text 404 with nosniff', async () => {
    const { call, endpoint } = plane();
    const e = endpoint(SOLO);
    const paths = [
      '/', '/nope', '/v1', '/v1/credentials/', '/v1/metadata', '/v2', '/v2/credentials', '/v2/metadataWithTags/x', '/v2/statsx', '/v3x',
      `/v4/${e}/`, `/v4/${e}/tasks`, `/v4/${e}/tasks/stats`, `/v4/${e}/task/`, `/v4/${e}/task/stats/`, `/v4/${e}/stats/x`, `/v4/${e}/associations`,
      `/v4/${e}/associations/gpu/`, `/v4/${e}/associations/gpu/a/`, '/v4/containers/', '/v4/containers/solo/', '/v4/containers/solo/tasks',
      // The id-less words are never endpoint ids: nothing else lives under them.
      '/v4/task/', '/v4/task/task', '/v4/stats/task', '/v4/taskWithTags/stats', '/v3/stats/stats', '/v4/task/associations/gpu',
      '/api', '/api/x', `/api/${e}`, `/api/${e}/task-protection/v1/state/`, `/api/${e}/fault/v1/cpu-stress/start`, `/api/${e}/fault/v1/network-latency/restart`,
      '/creds/', '/credsx', '/role', '/role/', '/role/a/b', '/role-arn', '/role-arn/',
    ];
    for (const p of paths) {
      const r = await call(p, SOLO);
      expect(wire(r), p).toEqual({ status: 404, body: NOT_FOUND, headers: { 'Content-Type': TEXT_TYPE, 'X-Content-Type-Options': 'nosniff', ...rateHeaders(SOLO.networks[0]!.ip) } });
      expect(r.meta, p).toEqual({ kind: 'other', error: 'no such route' });
    }
  });

  it('any method is served on the metadata, stats and credentials routes', async () => {
    const { call, endpoint } = plane();
    for (const method of ['GET', 'POST', 'HEAD', 'DELETE', 'PATCH']) {
      expect((await call(`/v4/${endpoint(WEB)}/task`, WEB, { method })).status, method).toBe(200);
      expect((await call('/v2/credentials/cred-shop', WEB, { method })).status, method).toBe(200);
    }
  });
});

describe('rendered metadata', () => {
  it('is cached per model version: a new version is rendered anew', async () => {
    const { call, endpoint, setModel } = plane();
    const url = `/v4/${endpoint(WEB)}`;
    const first = JSON.parse((await call(url)).body);
    expect(first.Image).toBe('img');
    setModel([{ ...WEB, image: 'img:2' }, SOLO], 2);
    expect(JSON.parse((await call(url)).body).Image).toBe('img:2');
  });
});
