import type Docker from 'dockerode';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrimedDockerRequests } from '../../../src/docker/primed.ts';

/** A stand-in dockerd on a unix socket: records connections and requests, answers as told. */
class FakeDaemon {
  readonly dir = mkdtempSync(join(tmpdir(), 'primed-'));
  readonly path = join(this.dir, 'docker.sock');
  readonly sockets: Socket[] = [];
  readonly requests: { method: string; url: string; body: string; connection: number }[] = [];
  answer: (res: http.ServerResponse) => void = (res) => res.writeHead(200).end();
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', body, connection: this.sockets.indexOf(req.socket) });
      this.answer(res);
    });
  });

  async start(): Promise<void> {
    this.server.on('connection', (s: Socket) => this.sockets.push(s));
    await new Promise<void>((resolve) => this.server.listen(this.path, resolve));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    rmSync(this.dir, { recursive: true, force: true });
  }

  async connections(n: number): Promise<void> {
    const deadline = Date.now() + 2000;
    while (this.sockets.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} connections, have ${this.sockets.length}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const dockerAt = (modem: Record<string, unknown>) => ({ modem }) as unknown as Docker;

describe('PrimedDockerRequests', () => {
  let daemon: FakeDaemon;
  let primed: PrimedDockerRequests;

  beforeEach(async () => {
    daemon = new FakeDaemon();
    await daemon.start();
    primed = new PrimedDockerRequests(() => dockerAt({ socketPath: daemon.path, version: 'v1.41' }), 500);
  });

  afterEach(async () => {
    primed.close();
    await daemon.stop();
  });

  it('opens the connection before the request, sends it there, and opens the next', async () => {
    primed.prime();
    await daemon.connections(1);
    expect(daemon.requests).toHaveLength(0);
    const answer = await primed.post('/networks/ecs-endpoints/connect', { Container: 'abc' });
    expect(answer.status).toBe(200);
    expect(daemon.requests[0]).toEqual({ method: 'POST', url: '/v1.41/networks/ecs-endpoints/connect', body: '{"Container":"abc"}', connection: 0 });
    // The next one is ready before it is needed.
    await daemon.connections(2);
    await primed.post('/networks/ecs-endpoints/connect', { Container: 'def' });
    expect(daemon.requests[1]!.connection).toBe(1);
  });

  it('returns dockerd\'s error message with the status, also from a chunked body', async () => {
    daemon.answer = (res) => res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'No such container: "x"' }));
    expect(await primed.post('/networks/n/connect', {})).toEqual({ status: 404, message: 'No such container: "x"' });
    daemon.answer = (res) => {
      res.writeHead(500, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.write('{"message":"endpoint with name x already ');
      res.end('exists in network n"}');
    };
    expect(await primed.post('/networks/n/connect', {})).toEqual({ status: 500, message: 'endpoint with name x already exists in network n' });
  });

  it('opens a new connection when the primed one was closed by the daemon (e.g. it restarted)', async () => {
    primed.prime();
    await daemon.connections(1);
    daemon.sockets[0]!.destroy();
    await new Promise((r) => setTimeout(r, 20));
    expect((await primed.post('/networks/n/connect', {})).status).toBe(200);
    expect(daemon.requests[0]!.connection).toBe(1);
  });

  it('rejects, saying so, when the daemon does not answer in time or is not there', async () => {
    daemon.answer = () => undefined;
    await expect(primed.post('/networks/n/connect', {})).rejects.toThrow(/did not answer \/networks\/n\/connect within 500 ms/);
    const gone = new PrimedDockerRequests(() => dockerAt({ socketPath: join(daemon.dir, 'nothing.sock') }));
    await expect(gone.post('/x', {})).rejects.toThrow(/ENOENT/);
    gone.close();
  });

  it('is not used for TLS or ssh daemons, nor before Docker is connected', () => {
    expect(new PrimedDockerRequests(() => dockerAt({ host: 'docker.example', port: 2376, protocol: 'https' })).available()).toBe(false);
    expect(new PrimedDockerRequests(() => dockerAt({ host: 'docker.example', protocol: 'ssh' })).available()).toBe(false);
    expect(new PrimedDockerRequests(() => undefined).available()).toBe(false);
    expect(new PrimedDockerRequests(() => dockerAt({ host: '127.0.0.1', port: 2375, protocol: 'http' })).available()).toBe(true);
  });
});
