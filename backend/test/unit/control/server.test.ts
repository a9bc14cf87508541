import { existsSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlListenError, startControlServer } from '../../../src/control/index.ts';
import { lightBackend, onCleanup, tempDir } from './helpers.ts';

function getOverSocket(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: { Host: 'x' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startControlServer', () => {
  it('listens on a unix socket (replacing a stale file), world-writable for Docker Desktop, without a token', async () => {
    const { backend } = await lightBackend();
    const path = join(tempDir(), 'backend.sock');
    writeFileSync(path, 'left over from a previous run');
    const cs = await startControlServer(backend, { control: { kind: 'unix', path } });
    onCleanup(() => cs.close());
    expect(cs.url).toBe(`unix:${path}`);
    expect(cs.token).toBeUndefined();
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o666);
    const r = await getOverSocket(path, '/api/status');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).network.ready).toBe(true);
    await cs.close();
    expect(existsSync(path)).toBe(false);
  });

  it('listens on loopback TCP with a fresh token per run, and says what to do when the port is taken', async () => {
    const { backend } = await lightBackend();
    const a = await startControlServer(backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    onCleanup(() => a.close());
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    const res = await fetch(`${a.url}api/status`, { headers: { 'X-ECS-Endpoints-Token': a.token! } });
    expect(res.status).toBe(200);

    const port = Number(new URL(a.url).port);
    const err = await startControlServer(backend, { control: { kind: 'tcp', host: '127.0.0.1', port } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlListenError);
    expect((err as ControlListenError).message).toBe(`Cannot listen for the UI on 127.0.0.1:${port}: EADDRINUSE.`);
    expect((err as ControlListenError).remedy).toMatch(/ECS_ENDPOINTS_CONTROL/);

    const b = await startControlServer(backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    onCleanup(() => b.close());
    expect(b.token).not.toBe(a.token);
  });

  it('shows [::1] in the URL for an IPv6 listener', async () => {
    // Skip quietly where the machine has no IPv6 loopback.
    const v6 = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(0, '::1', () => s.close(() => resolve(true)));
    });
    if (!v6) return;
    const { backend } = await lightBackend();
    const cs = await startControlServer(backend, { control: { kind: 'tcp', host: '::1', port: 0 } });
    onCleanup(() => cs.close());
    expect(cs.url).toMatch(/^http:\/\/\[::1\]:\d+\/$/);
    const res = await fetch(`${cs.url}api/status`, { headers: { 'X-ECS-Endpoints-Token': cs.token! } });
    expect(res.status).toBe(200);
  });
});

/** A raw connection: what it received, and when (ms after connecting) the server closed it. */
function rawConnection(target: { port: number } | { path: string }): { socket: Socket; received: () => string; closedAfter: Promise<number> } {
  const started = Date.now();
  const socket = 'port' in target ? connect(target.port, '127.0.0.1') : connect(target.path);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => (text += c));
  socket.on('error', () => undefined);
  const closedAfter = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
  onCleanup(() => socket.destroy());
  return { socket, received: () => text, closedAfter };
}

/** Resolves with the time it took, or 'open' if the connection is still open after `ms`. */
function closedWithin(closedAfter: Promise<number>, ms: number): Promise<number | 'open'> {
  return Promise.race([closedAfter, new Promise<'open'>((r) => setTimeout(() => r('open'), ms))]);
}

/** Write `text` a byte at a time, every `everyMs`, until the socket closes. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const t = setInterval(() => {
    if (socket.destroyed || i >= text.length) clearInterval(t);
    else socket.write(text[i++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(t));
  onCleanup(() => clearInterval(t));
}

describe('control server timeouts (audit 8, finding 11)', () => {
  const timeouts = { headersMs: 300, requestMs: 600 };
  const body = JSON.stringify({ type: 'fake', name: 'x'.repeat(50) });

  it('closes a TCP connection whose body trickles in, even with the token, once the request timeout passes', async () => {
    const { backend } = await lightBackend();
    const cs = await startControlServer(backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } }, { timeouts });
    onCleanup(() => cs.close());
    const port = Number(new URL(cs.url).port);
    const c = rawConnection({ port });
    c.socket.write(
      `POST /api/sources HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-ECS-Endpoints-Token: ${cs.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    trickle(c.socket, body, 50);
    const after = await closedWithin(c.closedAfter, timeouts.requestMs + 1500);
    expect(after).not.toBe('open');
    expect(after).toBeGreaterThanOrEqual(timeouts.requestMs - 50);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(backend.sources.list().map((s) => s.name)).not.toContain('x'.repeat(50));
  });

  it('closes a unix socket connection whose body trickles in', async () => {
    const { backend } = await lightBackend();
    const path = join(tempDir(), 'backend.sock');
    const cs = await startControlServer(backend, { control: { kind: 'unix', path } }, { timeouts });
    onCleanup(() => cs.close());
    const c = rawConnection({ path });
    c.socket.write(`PUT /api/presets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
    trickle(c.socket, ' '.repeat(1000), 50);
    expect(await closedWithin(c.closedAfter, timeouts.requestMs + 1500)).not.toBe('open');
  });

  it('closes a connection whose headers trickle in, once the headers timeout passes', async () => {
    const { backend } = await lightBackend();
    const cs = await startControlServer(backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } }, { timeouts });
    onCleanup(() => cs.close());
    const port = Number(new URL(cs.url).port);
    const c = rawConnection({ port });
    trickle(c.socket, `GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Padding: ${'p'.repeat(200)}\r\n\r\n`, 50);
    const after = await closedWithin(c.closedAfter, timeouts.headersMs + 1500);
    expect(after).not.toBe('open');
    expect(after).toBeGreaterThanOrEqual(timeouts.headersMs - 50);
  });

  it('keeps the event stream open past the request timeout (it only covers receiving the request)', async () => {
    const { backend } = await lightBackend();
    const path = join(tempDir(), 'backend.sock');
    const cs = await startControlServer(backend, { control: { kind: 'unix', path } }, { timeouts });
    onCleanup(() => cs.close());
    const c = rawConnection({ path });
    c.socket.write('GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await closedWithin(c.closedAfter, timeouts.requestMs * 3)).toBe('open');
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(cs.app.live.size).toBe(1);
  });

  it('uses a 10 s headers timeout and a 30 s request timeout by default', async () => {
    const { backend } = await lightBackend();
    const cs = await startControlServer(backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    onCleanup(() => cs.close());
    expect(cs.server.headersTimeout).toBe(10_000);
    expect(cs.server.requestTimeout).toBe(30_000);
    expect(cs.server.keepAliveTimeout).toBe(5_000);
  });
});

describe('refused requests (audit 8, finding 11)', () => {
  it('closes the connection of a refused request at once, without waiting for its declared body', async () => {
    const { backend } = await lightBackend();
    // Default timeouts (30 s): a prompt close is the refusal's doing.
    const cs = await startControlServer(backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    onCleanup(() => cs.close());
    const port = Number(new URL(cs.url).port);
    const cases: [string, number][] = [
      [`Host: 127.0.0.1:${port}`, 401],
      [`Host: 127.0.0.1:${port}\r\nX-ECS-Endpoints-Token: ${'b'.repeat(64)}`, 403],
      [`Host: evil.example:${port}\r\nX-ECS-Endpoints-Token: ${cs.token}`, 403],
    ];
    for (const [headers, status] of cases) {
      const c = rawConnection({ port });
      c.socket.write(`POST /api/sources HTTP/1.1\r\n${headers}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`);
      const after = await closedWithin(c.closedAfter, 2000);
      expect(after, headers).not.toBe('open');
      expect(c.received()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(c.received().toLowerCase()).toContain('\r\nconnection: close\r\n');
    }
  });
});
