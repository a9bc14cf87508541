import { existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
