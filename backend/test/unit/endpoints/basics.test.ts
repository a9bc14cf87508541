import { describe, expect, it } from 'vitest';
import { cleanPath } from '../../../src/endpoints/data-plane.ts';
import { decodeProtectionBody, ProtectionStore } from '../../../src/endpoints/protection.ts';
import { Throttle } from '../../../src/endpoints/throttle.ts';
import { goJson, sortedMap } from '../../../src/gojson.ts';

describe('cleanPath (gorilla/mux)', () => {
  it.each([
    ['/v4/x/task', '/v4/x/task'],
    ['//v4//x/task', '/v4/x/task'],
    ['/v4/x/../y', '/v4/y'],
    ['/v4/x/', '/v4/x/'],
    ['/./v4', '/v4'],
    ['', '/'],
  ])('%s → %s', (input, out) => expect(cleanPath(input)).toBe(out));
});

describe('Throttle (tollbooth token bucket)', () => {
  it('allows the burst, then refills at the steady rate, per key', () => {
    let now = 0;
    const t = new Throttle(40, 60, () => now);
    const results = Array.from({ length: 61 }, () => t.take('a', '/p'));
    expect(results.filter(Boolean)).toHaveLength(60);
    expect(t.take('b', '/p')).toBe(true);
    now += 25; // 40/s → one token per 25 ms
    expect(t.take('a', '/p')).toBe(true);
    expect(t.take('a', '/p')).toBe(false);
    expect(t.limitHeader).toBe('40.00');
  });
});

describe('task protection body decoding (Go json.Decoder, DisallowUnknownFields)', () => {
  it.each([
    ['{"ProtectionEnabled":true,"ExpiresInMinutes":60}', { ok: true, enabled: true, minutes: 60 }],
    ['{"protectionenabled":false}', { ok: true, enabled: false }],
    ['{"ProtectionEnabled":true} trailing', { ok: true, enabled: true }],
    ['{"ExpiresInMinutes":60.5,"ProtectionEnabled":true}', { ok: false }],
    ['{"ExpiresInMinutes":"60"}', { ok: false }],
    ['{"Other":1}', { ok: false }],
    ['', { ok: false }],
    ['[1]', { ok: false }],
  ])('%s', (body, expected) => expect(decodeProtectionBody(body)).toEqual(expected));

  it('expires protection and validates ECS\'s range', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const s = new ProtectionStore(() => now);
    const arn = 'arn:aws:ecs:us-east-1:000000000000:task/default/abc';
    expect(JSON.parse(s.handle('PUT', '{"ProtectionEnabled":true,"ExpiresInMinutes":10}', arn, true).body)).toEqual({
      protection: { ExpirationDate: '2026-01-01T00:10:00Z', ProtectionEnabled: true, TaskArn: arn },
    });
    now += 11 * 60_000;
    expect(JSON.parse(s.handle('GET', '', arn, true).body).protection).toEqual({ ExpirationDate: null, ProtectionEnabled: false, TaskArn: arn });
    const r = s.handle('PUT', '{"ProtectionEnabled":true,"ExpiresInMinutes":2881}', arn, true);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.Code).toBe('InvalidParameterException');
  });
});

describe('goJson', () => {
  it('escapes <, > and & like Go and sorts maps when asked', () => {
    expect(goJson({ a: '<b>&' })).toBe('{"a":"\\u003cb\\u003e\\u0026"}');
    expect(Object.keys(sortedMap({ b: 1, B: 2, a: 3 }))).toEqual(['B', 'a', 'b']);
  });
});
