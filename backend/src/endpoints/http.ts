import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TaskModel } from '../tasks/types.ts';
import type { DataPlane } from './data-plane.ts';
import { introspect } from './introspection.ts';
import type { RequestLog } from './request-log.ts';

const MAX_BODY = 64 * 1024;

function remote(req: IncomingMessage): { ip: string; port: number } {
  const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return { ip, port: req.socket.remotePort ?? 0 };
}

function readBody(req: IncomingMessage): Promise<string> {
  // Only PUT/POST carry bodies we read (task protection); skip the stream work for GETs.
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve('');
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The data plane as an HTTP server (ports 80 and 51679 of the endpoint address). */
export function dataPlaneServer(plane: DataPlane, log: RequestLog, nameOf: (id: string) => string | undefined): Server {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const { ip, port } = remote(req);
    try {
      const body = await readBody(req);
      const r = await plane.handle({ method: req.method ?? 'GET', url: req.url ?? '/', remoteIp: ip, remotePort: port, headers: req.headers, body });
      r.headers['Content-Length'] = String(Buffer.byteLength(r.body));
      res.writeHead(r.status, r.headers);
      res.end(req.method === 'HEAD' ? undefined : r.body);
      log.add({
        time: new Date().toISOString(),
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        status: r.status,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
        kind: r.meta.kind,
        callerIp: ip,
        containerId: r.meta.containerId,
        containerName: r.meta.containerId ? nameOf(r.meta.containerId) : undefined,
        sourceId: r.meta.sourceId,
        error: r.status >= 400 ? r.meta.error : undefined,
      });
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end('{}');
      log.add({
        time: new Date().toISOString(), method: req.method ?? 'GET', path: req.url ?? '/', status: 500,
        latencyMs: Math.round(performance.now() - started), kind: 'other', callerIp: ip, error: (err as Error).message,
      });
    }
  });
  // Clients like busybox nc half-close after sending the request; answer them anyway (Go does).
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // The agent's read/write timeouts.
  server.requestTimeout = 5000;
  server.headersTimeout = 5000;
  server.keepAliveTimeout = 5000;
  return server;
}

export function introspectionServer(
  model: () => TaskModel,
  info: () => { cluster: string; containerInstanceArn: string; version: string },
  refuseCaller: (ip: string) => string | undefined = () => undefined,
): Server {
  const server = createServer((req, res) => {
    const refusal = refuseCaller(remote(req).ip);
    const r = refusal
      ? { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } as Record<string, string>, body: refusal + '\n' }
      : introspect(req.url ?? '/', model(), info());
    r.headers['Content-Length'] = String(Buffer.byteLength(r.body));
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  });
  server.requestTimeout = 5000;
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
