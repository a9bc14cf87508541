import net from 'node:net';
import type Docker from 'dockerode';

/** Where dockerd listens, as dockerode was told (unix socket or plain TCP); TLS and ssh are not primed. */
interface Endpoint {
  key: string;
  open(): net.Socket;
  version: string;
}

function endpointOf(docker: Docker): Endpoint | undefined {
  const m = (docker as unknown as { modem?: { socketPath?: string; host?: string; port?: number | string; protocol?: string; version?: string; ca?: unknown } }).modem;
  if (!m) return undefined;
  const version = m.version ? `/${m.version}` : '';
  if (m.socketPath) {
    const path = m.socketPath;
    return { key: `unix:${path}${version}`, open: () => net.connect(path), version };
  }
  if (m.host && (m.protocol ?? 'http') === 'http' && !m.ca) {
    const host = m.host;
    const port = Number(m.port ?? 2375);
    return { key: `tcp:${host}:${port}${version}`, open: () => net.connect(port, host), version };
  }
  return undefined;
}

export interface PrimedAnswer {
  status: number;
  /** dockerd's error message (`{"message": …}`) or the raw body. */
  message: string;
}

/**
 * A connection to dockerd opened ahead of time, for the one request that races the docker CLI:
 * attaching a labelled container between its create and the start `docker run -d` sends about a
 * millisecond later. Whichever request takes the container's lock first wins; opening a connection
 * only when the create event arrives lost that race about one time in four (bench/first-request.ts).
 * Each primed connection carries one request (`Connection: close`); the next is opened right after.
 */
export class PrimedDockerRequests {
  private spare?: { socket: net.Socket; key: string };
  private closed = false;

  constructor(
    private readonly docker: () => Docker | undefined,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Open the next connection now, so the next request skips the connect (no-op when one is open). */
  prime(): void {
    if (this.closed) return;
    const d = this.docker();
    const ep = d && endpointOf(d);
    if (!ep) return;
    if (this.spare && this.spare.key === ep.key && !this.spare.socket.destroyed) return;
    this.spare?.socket.destroy();
    const socket = ep.open();
    socket.setNoDelay(true);
    const spare = { socket, key: ep.key };
    // A daemon that restarts closes it; the next request then opens its own (and primes again).
    const drop = () => {
      if (this.spare === spare) this.spare = undefined;
    };
    socket.once('error', drop);
    socket.once('close', drop);
    socket.once('end', drop);
    this.spare = spare;
  }

  /** True when requests can go this way (dockerd on a unix socket or plain TCP). */
  available(): boolean {
    const d = this.docker();
    return !this.closed && !!d && !!endpointOf(d);
  }

  /**
   * POST a JSON body to an Engine API path (without the version prefix). The request is written
   * before this returns: node's http client would write it a tick later, after whatever else the
   * caller's event does, which cost up to 4 ms here, more than the CLI's lead.
   */
  post(path: string, body: unknown): Promise<PrimedAnswer> {
    const d = this.docker();
    const ep = d && endpointOf(d);
    if (!ep || this.closed) return Promise.reject(new Error('no primed connection to Docker'));
    const spare = this.spare?.key === ep.key && !this.spare.socket.destroyed ? this.spare.socket : undefined;
    this.spare = undefined;
    const socket = spare ?? ep.open();
    socket.setNoDelay(true);
    const payload = JSON.stringify(body);
    socket.write(`POST ${ep.version}${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`);
    const answer = readAnswer(socket, path, this.timeoutMs);
    this.prime();
    return answer;
  }

  close(): void {
    this.closed = true;
    this.spare?.socket.destroy();
    this.spare = undefined;
  }
}

/** The answer to a `Connection: close` request: everything until the daemon closes the connection. */
function readAnswer(socket: net.Socket, path: string, timeoutMs: number): Promise<PrimedAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`Docker did not answer ${path} within ${timeoutMs} ms`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', reject);
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!status) return reject(new Error(`Docker closed the connection without an answer to ${path}`));
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      const raw = end < 0 ? '' : text.slice(end + 4);
      const bodyText = /^transfer-encoding:\s*chunked/im.test(head) ? dechunk(raw) : raw;
      let message = bodyText.trim();
      try {
        message = (JSON.parse(bodyText) as { message?: string }).message ?? message;
      } catch {
        // Not JSON (a 200's empty body, or a proxy's page): keep the text.
      }
      resolve({ status: Number(status[1]), message });
    });
  });
}

/** The body of a chunked answer (sizes in hex, each chunk followed by CRLF, a zero size ends it). */
function dechunk(raw: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = eol < 0 ? 0 : parseInt(raw.slice(at, eol), 16);
    if (!size) return out;
    out += raw.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
