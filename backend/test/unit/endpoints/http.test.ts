import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { DataPlane, DataRequest } from '../../../src/endpoints/data-plane.ts';
import { dataPlaneServer } from '../../../src/endpoints/http.ts';
import { RequestLog } from '../../../src/endpoints/request-log.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A data plane server on loopback over a stub plane that echoes the body length it was given. */
async function serve() {
  const calls: DataRequest[] = [];
  const plane = {
    handle: async (req: DataRequest) => {
      calls.push(req);
      return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: `got ${req.body?.length ?? 0}`, meta: { kind: 'other' as const } };
    },
  } as unknown as DataPlane;
  const log = new RequestLog();
  const server = dataPlaneServer(plane, log, () => undefined);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, log, calls, port: (server.address() as AddressInfo).port };
}

interface Exchange {
  /** Everything the server sent. */
  text: string;
  /** A socket error (ECONNRESET for a reset connection). */
  error?: string;
  /** Milliseconds from connecting to the server's answer (its first bytes). */
  answeredMs: number;
}

/** Write raw bytes on a fresh connection; read until the server closes it. */
function exchange(port: number, ...writes: (string | Buffer)[]): Promise<Exchange> {
  return exchangeWith(port, writes, false);
}

/** halfClose: end our side after writing, as busybox nc does. */
function exchangeWith(port: number, writes: (string | Buffer)[], halfClose: boolean): Promise<Exchange> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const t0 = performance.now();
    let answeredMs = -1;
    const chunks: Buffer[] = [];
    let error: string | undefined;
    s.on('data', (d: Buffer) => {
      if (answeredMs < 0) answeredMs = performance.now() - t0;
      chunks.push(d);
    });
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on('close', () => resolve({ text: Buffer.concat(chunks).toString('latin1'), error, answeredMs }));
    for (const w of writes) s.write(w);
    if (halfClose) s.end();
  });
}

const KB = 1024;

describe('data plane request bodies', () => {
  it('answers a 100 KB PUT with 413 naming the limit, closes cleanly and logs 413', async () => {
    const { port, log, calls } = await serve();
    const r = await exchange(port, `PUT /api/x/task-protection/v1/state HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${100 * KB}\r\n\r\n`, Buffer.alloc(100 * KB, 0x61));
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toMatch(/\r\nConnection: close\r\n/i);
    expect(r.text).toMatch(/\r\n\r\n.*65536 bytes/s);
    expect(r.error).toBeUndefined();
    expect(calls).toHaveLength(0);
    expect(log.list()[0]).toMatchObject({ method: 'PUT', status: 413, path: '/api/x/task-protection/v1/state' });
  });

  it('closes at once after the 413 when the client has half-closed', async () => {
    const { port } = await serve();
    const t0 = performance.now();
    const r = await exchangeWith(port, [`PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: ${100 * KB}\r\n\r\n`, Buffer.alloc(100 * KB, 0x61)], true);
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.error).toBeUndefined();
    // Not after the linger delay: both sides were done.
    expect(performance.now() - t0).toBeLessThan(400);
  });

  it('answers a declared Content-Length over the limit at once, without waiting for the body', async () => {
    const { port, log } = await serve();
    const r = await exchange(port, 'PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.answeredMs).toBeLessThan(1000);
    expect(r.error).toBeUndefined();
    expect(log.list()[0]).toMatchObject({ status: 413 });
  });

  it('keeps reading a body sent anyway after the 413, so the client sees no reset', async () => {
    const { port } = await serve();
    // Large enough not to fit in loopback socket buffers before the server answers.
    const r = await exchange(port, `PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: ${16 * 1024 * KB}\r\n\r\n`, Buffer.alloc(16 * 1024 * KB, 0x61));
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.error).toBeUndefined();
  });

  it('refuses an oversized chunked body with 413', async () => {
    const { port } = await serve();
    const chunk = Buffer.alloc(16 * KB, 0x62);
    const writes: (string | Buffer)[] = ['POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'];
    for (let i = 0; i < 6; i++) writes.push(`${chunk.length.toString(16)}\r\n`, chunk, '\r\n');
    writes.push('0\r\n\r\n');
    const r = await exchange(port, ...writes);
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.error).toBeUndefined();
  });

  it('answers Expect: 100-continue with an oversized length by 413 instead of 100 Continue', async () => {
    const { port } = await serve();
    const r = await exchange(port, 'PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1048576\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).not.toContain('100 Continue');
  });

  it('still hands bodies up to the limit to the data plane, with 100-continue too', async () => {
    const { port, calls } = await serve();
    const body = Buffer.alloc(64 * KB, 0x63);
    const r = await exchange(port, `PUT /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`, body);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.text.endsWith(`got ${64 * KB}`)).toBe(true);
    const c = await exchange(port, 'PUT /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', '{}');
    expect(c.text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(calls.map((x) => x.body)).toEqual([body.toString(), '{}']);
  });

  it('bounds a stalled body by the request timeout (408, logged)', async () => {
    const { server, port, log } = await serve();
    expect(server.requestTimeout).toBe(5000);
    // The same check, shortened: what matters is that the timeout is enforced close to its value.
    server.requestTimeout = 1000;
    server.headersTimeout = 1000;
    const r = await exchange(port, 'PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n{"');
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.answeredMs).toBeLessThan(3000);
    await expect.poll(() => log.list()[0]?.status).toBe(408);
  }, 10_000);
});

describe('what the data plane is handed', () => {
  it('the caller, X-Forwarded-For as Node joins repeated lines, and the headers object only on demand', async () => {
    const { port, calls } = await serve();
    await exchange(port, 'GET /a HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\nx-forwarded-for: 5.6.7.8\r\nAuthorization: tok\r\nConnection: close\r\n\r\n');
    await exchange(port, 'GET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const [a, b] = calls;
    expect(a!.forwardedFor).toBe('1.2.3.4, 5.6.7.8');
    expect(a!.forwardedFor).toBe(a!.headers['x-forwarded-for']);
    expect(a!.headers.authorization).toBe('tok');
    expect(a!.remoteIp).toBe('127.0.0.1');
    expect(a!.remoteAddr).toBe(`127.0.0.1:${a!.remotePort}`);
    expect(a!.remotePort).toBeGreaterThan(0);
    expect(b!.forwardedFor).toBe('');
    expect(b!.url).toBe('/b');
  });
});
