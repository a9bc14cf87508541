import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TaskModel } from '../tasks/types.ts';
import type { DataPlane, DataRequest, DataResponse } from './data-plane.ts';
import { introspect } from './introspection.ts';
import type { RequestLog } from './request-log.ts';

const MAX_BODY = 64 * 1024;
const TEXT_TYPE = 'text/plain; charset=utf-8';
const TOO_LARGE = `Request body too large: the limit is ${MAX_BODY} bytes.\n`;
/** Go lingers 500 ms after a refused upload before closing (net/http rstAvoidanceDelay). */
const LINGER_MS = 500;

class BodyTooLarge extends Error {
  constructor() {
    super(`request body over ${MAX_BODY} bytes`);
  }
}

const PEER = Symbol('peer');
interface Peer { ip: string; port: number; addr: string }

/** The caller's address, worked out once per connection (a keep-alive client sends many requests). */
function peer(req: IncomingMessage): Peer {
  const socket = req.socket as Socket & { [PEER]?: Peer };
  let p = socket[PEER];
  if (!p) {
    const a = socket.remoteAddress ?? '';
    const ip = a.startsWith('::ffff:') ? a.slice(7) : a;
    const port = socket.remotePort ?? 0;
    socket[PEER] = p = { ip, port, addr: ip + ':' + port };
  }
  return p;
}

function remoteIp(req: IncomingMessage): string {
  return peer(req).ip;
}

/**
 * A header's value from the raw list, without building `req.headers` (Node builds that object
 * on first read, and most requests never need it). Repeated fields are joined as Node joins them.
 */
function rawHeader(req: IncomingMessage, lower: string): string | undefined {
  const raw = req.rawHeaders;
  let out: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length === lower.length && k.toLowerCase() === lower) out = out === undefined ? raw[i + 1]! : out + ', ' + raw[i + 1]!;
  }
  return out;
}

function declaredTooLarge(req: IncomingMessage): boolean {
  // Node's parser has already refused a malformed or conflicting Content-Length.
  return Number(rawHeader(req, 'content-length') ?? 0) > MAX_BODY;
}

/** The request as the data plane sees it; `headers` is Node's object, built only if a handler reads it. */
class Incoming implements DataRequest {
  readonly method: string;
  readonly url: string;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly remoteAddr: string;

  constructor(
    private readonly req: IncomingMessage,
    readonly body: string,
  ) {
    const p = peer(req);
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '/';
    this.remoteIp = p.ip;
    this.remotePort = p.port;
    this.remoteAddr = p.addr;
  }

  get headers(): DataRequest['headers'] {
    return this.req.headers;
  }

  get forwardedFor(): string {
    return rawHeader(this.req, 'x-forwarded-for') ?? '';
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) return void chunks.push(c);
      // Keep the stream flowing (the rest is dropped) so the 413 can be written and read.
      req.off('data', onData);
      chunks.length = 0;
      reject(new BodyTooLarge());
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // The client went away or the request timeout closed the connection mid-body.
    req.on('close', () => reject(new Error('request body incomplete')));
  });
}

/**
 * Closing a socket with unread input makes the kernel send a reset, which can destroy the 413
 * before the client reads it. Like Go, half-close instead, keep dropping what the client still
 * sends, and close once both sides are done or after LINGER_MS.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function (this: Socket) {
    this.end();
    const closeIfDone = () => {
      if (this.writableFinished && this.readableEnded) this.destroy();
    };
    this.once('finish', closeIfDone);
    this.once('end', closeIfDone);
    const timer = setTimeout(() => this.destroy(), LINGER_MS).unref();
    this.once('close', () => clearTimeout(timer));
  };
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  lingerOnClose(req.socket);
  res.writeHead(413, { 'Content-Type': TEXT_TYPE, 'Content-Length': String(Buffer.byteLength(TOO_LARGE)), Connection: 'close' });
  res.end(TOO_LARGE);
}

/** The data plane as an HTTP server (ports 80 and 51679 of the endpoint address). */
export function dataPlaneServer(plane: DataPlane, log: RequestLog, nameOf: (id: string) => string | undefined): Server {
  const logFailure = (req: IncomingMessage, started: number, status: number, error: string) =>
    log.add({
      time: isoNow(), method: req.method ?? 'GET', path: req.url ?? '/', status,
      latencyMs: Math.round(performance.now() - started), kind: 'other', callerIp: remoteIp(req), error,
    });

  const send = (req: IncomingMessage, res: ServerResponse, started: number, r: DataResponse) => {
    r.headers['Content-Length'] = String(Buffer.byteLength(r.body));
    res.writeHead(r.status, r.headers);
    res.end(req.method === 'HEAD' ? undefined : r.body);
    const containerId = r.meta.containerId;
    log.add({
      time: isoNow(),
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      status: r.status,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      kind: r.meta.kind,
      callerIp: remoteIp(req),
      containerId,
      containerName: containerId ? nameOf(containerId) : undefined,
      sourceId: r.meta.sourceId,
      error: r.status >= 400 ? r.meta.error : undefined,
    });
  };

  const fail = (req: IncomingMessage, res: ServerResponse, started: number, err: unknown) => {
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end('{}');
    logFailure(req, started, 500, (err as Error).message);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, started: number, body: string) => {
    let r: DataResponse | Promise<DataResponse>;
    try {
      r = plane.handle(new Incoming(req, body));
    } catch (err) {
      return fail(req, res, started, err);
    }
    // A cached answer is written in the same turn; only a handler that must wait goes through a promise.
    if (r instanceof Promise) r.then((x) => send(req, res, started, x), (err: unknown) => fail(req, res, started, err));
    else send(req, res, started, r);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    if (declaredTooLarge(req)) {
      refuseTooLarge(req, res);
      logFailure(req, started, 413, new BodyTooLarge().message);
      return;
    }
    // Only PUT/POST carry bodies we read (task protection).
    if (req.method === 'GET' || req.method === 'HEAD') return answer(req, res, started, '');
    readBody(req).then(
      (body) => answer(req, res, started, body),
      (err: unknown) => {
        if (err instanceof BodyTooLarge) {
          refuseTooLarge(req, res);
          logFailure(req, started, 413, err.message);
        } else {
          // Nothing to answer: the connection is gone (after Node's own 408 on a timeout).
          logFailure(req, started, 408, (err as Error).message);
        }
      },
    );
  };
  // Node checks request timeouts every 30 s by default: a stalled body would live 35 s, not 5.
  const server = createServer({ connectionsCheckingInterval: 1000 }, handler);
  // Refuse an oversized upload before the client sends it, instead of the automatic 100 Continue.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaredTooLarge(req)) res.writeContinue();
    handler(req, res);
  });
  // Clients like busybox nc half-close after sending the request; answer them anyway (Go does).
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // The agent's read/write timeouts. requestTimeout covers the whole request, body included.
  server.requestTimeout = 5000;
  server.headersTimeout = 5000;
  server.keepAliveTimeout = 5000;
  return server;
}

/** The time as an ISO string, formatted once per millisecond however many requests share it. */
let lastMs = 0;
let lastIso = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function introspectionServer(
  model: () => TaskModel,
  info: () => { cluster: string; containerInstanceArn: string; version: string },
  refuseCaller: (ip: string) => string | undefined = () => undefined,
): Server {
  const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    const refusal = refuseCaller(remoteIp(req));
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
