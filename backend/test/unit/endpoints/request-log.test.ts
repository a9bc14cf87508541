import { describe, expect, it } from 'vitest';
import { captureLogs, log, redact } from '../../../src/log.ts';
import { RequestLog } from '../../../src/endpoints/request-log.ts';

const ID = '9db34f47-2a1b-4ce0-bcb5-91b765b65139';
/** Any run of 6 characters of the id, raw: a partial leak counts. */
const FRAGMENTS = Array.from({ length: ID.length - 5 }, (_, i) => ID.slice(i, i + 6));
const enc = (s: string) => [...s].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

function logged(path: string): string {
  const l = new RequestLog();
  l.add({ time: '2026-01-01T00:00:00Z', method: 'GET', path, status: 400, latencyMs: 1, kind: 'credentials', callerIp: '169.254.170.130' });
  return l.list()[0]!.path;
}

function expectNoId(out: string, input: string): void {
  for (const f of FRAGMENTS) expect(out, `${input} → ${out}`).not.toContain(f);
  expect(out).not.toContain(enc(ID).slice(0, 12));
  expect(out).toContain('****');
}

describe('request log redaction of credentials ids', () => {
  it.each([
    ['/v2/credentials/' + ID, '/v2/credentials/****'],
    ['/v2//credentials/' + ID, '/v2//credentials/****'],
    ['/v2/credentials//' + ID, '/v2/credentials/****'],
    ['//v2//credentials//' + ID + '/', '//v2//credentials/****'],
    ['/v2/credentials/' + ID + '/extra', '/v2/credentials/****'],
    ['/v2/credentials/' + ID + '?x=1', '/v2/credentials/****?****'],
    ['/v2/credentials/' + ID + '#frag', '/v2/credentials/****'],
    ['/v2/CREDENTIALS/' + ID, '/v2/CREDENTIALS/****'],
    ['/v2/%63redentials/' + ID, '/v2/%63redentials/****'],
    ['/v2/%2563redentials/' + ID, '/v2/%2563redentials/****'],
    ['/v2/credentials%2F' + ID, '/v2/credentials%2F****'],
    ['/v2%2Fcredentials%2f' + ID, '/v2%2Fcredentials%2f****'],
    ['/v2/credentials/' + enc(ID), '/v2/credentials/****'],
    ['/v2\\credentials\\' + ID, '/v2\\credentials\\****'],
    ['/v2/credentials/ab"cd' + ID, '/v2/credentials/****'],
    ['/v2/credential/' + ID, '/v2/credential/****'],
    ['/v2/x/../credentials/' + ID, '/v2/x/../credentials/****'],
    ['/v1/credentials/' + ID, '/v1/credentials/****'],
    ['/v1/credentials?id=' + ID, '/v1/credentials?id=****'],
    ['/v1/credentials?ID=' + ID, '/v1/credentials?ID=****'],
    ['/v1/credentials?Id=' + ID + '&x=1', '/v1/credentials?Id=****&****'],
    ['/v1/credentials?x=1&id=' + ID, '/v1/credentials?****&id=****'],
    ['/v1/credentials?a=1&b=2&iD=' + ID + '&c=3', '/v1/credentials?****&****&iD=****&****'],
    ['/v1/credentials?%69d=' + ID, '/v1/credentials?%69d=****'],
    ['/v1/credentials?%49%44=' + ID, '/v1/credentials?%49%44=****'],
    ['/v1/credentials?+id+=' + ID, '/v1/credentials?+id+=****'],
    ['/v1/credentials?' + ID, '/v1/credentials?****'],
    ['/v1/credentials?id=' + ID + ';x', '/v1/credentials?id=****'],
    ['/v1/credentials%3Fid=' + ID, '/v1/credentials%3Fid=****'],
    ['/v1/credentials?id=' + ID + '%26x=1', '/v1/credentials?id=****%26****'],
    ['/anything?ID=' + ID, '/anything?ID=****'],
    ['/anything?a=1&Id=' + ID + '&b=2', '/anything?a=1&Id=****&b=2'],
    ['/anything?a=%26id%3D' + ID, '/anything?a=%26id%3D****'],
    ['/x?next=/v2/credentials/' + ID, '/x?next=/v2/credentials/****'],
    [`/v2/%${'25'.repeat(7)}63redentials/` + ID, `/v2/%${'25'.repeat(7)}63redentials/****`],
    [`/v2/%${'25'.repeat(40)}63redentials/` + ID, '****'],
  ])('%s', (input, expected) => {
    const out = logged(input);
    expect(out).toBe(expected);
    expectNoId(out, input);
  });

  it.each([
    '/v2/credentials/',
    '/v2/credentials',
    '/v1/credentials',
    '/v1/credentials?',
    '/role/dev-admin',
    '/role-arn/arn:aws:iam::123456789012:role/path/dev-admin',
    '/role-arn/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev',
    '/v4/0123456789abcdef/task',
    '/v2/metadata',
    '/api/abc/task-protection/v1/state',
    '/creds',
    '/x?name=id&other=1',
    '/%zz/%E0%A4%A/%/x?y=%',
  ])('leaves %s as it is', (input) => expect(logged(input)).toBe(input));

  it('redacts the error text too, and keeps role ARNs readable', () => {
    const l = new RequestLog();
    l.add({
      time: '2026-01-01T00:00:00Z', method: 'GET', path: '/role-arn/arn:aws:iam::123456789012:role/dev', status: 500, latencyMs: 1, kind: 'credentials', callerIp: '169.254.170.130',
      error: `AccessDenied: arn:aws:iam::123456789012:role/dev may not be assumed (GET /v2/%63redentials//${ID})`,
    });
    const e = l.list()[0]!;
    expect(e.path).toBe('/role-arn/arn:aws:iam::123456789012:role/dev');
    expect(e.error).toBe('AccessDenied: arn:aws:iam::123456789012:role/dev may not be assumed (GET /v2/%63redentials/****');
  });
});

describe('log line redaction', () => {
  it('masks credentials ids in free text and JSON fields, whatever the path form', () => {
    const lines: string[] = [];
    const restore = captureLogs(lines);
    try {
      log.warn(`GET /v2//credentials/${ID} failed`, { path: `/v1/credentials?ID=${ID}`, url: `http://169.254.170.2/v2/%63redentials/${ID}`, quoted: `/v2/credentials/a"${ID}` });
    } finally {
      restore();
    }
    expect(lines).toHaveLength(1);
    for (const f of FRAGMENTS) expect(lines[0]).not.toContain(f);
    expect(lines[0]).toContain('GET /v2//credentials/**** failed');
    expect(lines[0]).toContain('"path":"/v1/credentials?ID=****"');
    expect(lines[0]).toContain('"url":"http://169.254.170.2/v2/%63redentials/****"');
  });

  it('keeps what it masked before, and leaves ordinary text alone', () => {
    expect(redact('key AKIAIOSFODNN7EXAMPLE')).toBe('key AKIA****');
    expect(redact('{"SecretAccessKey":"abc","Token":"def"}')).toBe('{"SecretAccessKey":"****","Token":"****"}');
    expect(redact('&id=abc')).toBe('&id=****');
    const plain = 'presets: loaded {"path":"/home/me/.aws/credentials","presets":2} 100% done; role arn:aws:iam::1:role/x a&b';
    expect(redact(plain)).toBe(plain);
  });
});

describe('the ring', () => {
  const entry = (n: number) => ({ time: `t${n}`, method: 'GET', path: `/v4/${n}`, status: 200, latencyMs: n, kind: 'metadata' as const, callerIp: '169.254.170.130', containerId: n % 2 ? 'c1' : undefined });

  it('keeps the newest N, newest first, with increasing ids, after wrapping around', () => {
    const l = new RequestLog(3);
    for (let n = 1; n <= 7; n++) l.add(entry(n));
    expect(l.list().map((e) => [e.id, e.path, e.containerId])).toEqual([[7, '/v4/7', 'c1'], [6, '/v4/6', undefined], [5, '/v4/5', 'c1']]);
    expect(l.list(2).map((e) => e.id)).toEqual([7, 6]);
    expect(l.lastByContainer.get('c1')).toEqual({ at: 't7', path: '/v4/7', status: 200 });
  });

  it('hands out copies: what was listed or emitted does not change when the slot is reused', () => {
    const l = new RequestLog(2);
    const emitted: unknown[] = [];
    l.on('entry', (e) => emitted.push(e));
    l.add(entry(1));
    const listed = l.list()[0]!;
    for (let n = 2; n <= 5; n++) l.add(entry(n));
    expect(listed).toMatchObject({ id: 1, path: '/v4/1', time: 't1' });
    expect(emitted[0]).toMatchObject({ id: 1, path: '/v4/1' });
    expect(emitted.map((e) => (e as { id: number }).id)).toEqual([1, 2, 3, 4, 5]);
  });
});
