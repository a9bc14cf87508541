/**
 * A recording (and optionally gating) HTTP proxy in front of the STS stub, for tests that must
 * know exactly which credentials STS issued, hold STS's answers while requests pile up, or make
 * the stub reachable on another address (e.g. the managed network's 169.254.170.2 for clients
 * running inside containers). It forwards every request unchanged and parses the <Credentials>
 * of each answer; the stub itself is left as it is.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface IssuedCredentials {
  /** AssumeRole, GetSessionToken, … (from the request's Action). */
  action: string;
  /** The access key id that signed the request (SigV4 Authorization header). */
  signedWith?: string;
  /** AssumeRole's RoleArn parameter. */
  roleArn?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** As STS sent it, e.g. 2026-01-01T12:00:00Z. */
  expiration: string;
}

export interface StsProxy {
  /** http://host:port */
  url: string;
  /** Credentials in the answers delivered through this proxy, oldest first. */
  issued: IssuedCredentials[];
  /** Requests received (answered or not). */
  requests(): number;
  /** Answers wait (the request has reached the stub) until release(). */
  hold(): void;
  /** Send the held answers and stop holding. */
  release(): void;
  /** Answers currently held. */
  held(): number;
  close(): Promise<void>;
}

function unxml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? unxml(m[1]!) : undefined;
}

export async function startStsProxy(target: string, opts: { host?: string; port?: number } = {}): Promise<StsProxy> {
  const to = new URL(target);
  const issued: IssuedCredentials[] = [];
  const sockets = new Set<Socket>();
  let holding = false;
  let count = 0;
  let waiting: (() => void)[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    count++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('utf8'));
      const signedWith = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
      const upstream = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
        (up) => {
          const out: Buffer[] = [];
          up.on('data', (c: Buffer) => out.push(c));
          up.on('end', () => {
            const text = Buffer.concat(out).toString('utf8');
            const creds = /<Credentials>([\s\S]*?)<\/Credentials>/.exec(text)?.[1];
            const answer = () => {
              // The caller gave up while the answer was held: it never got these credentials.
              if (res.destroyed || req.socket.destroyed) return;
              if (creds) {
                issued.push({
                  action: form.get('Action') ?? '',
                  ...(signedWith ? { signedWith } : {}),
                  ...(form.get('RoleArn') ? { roleArn: form.get('RoleArn')! } : {}),
                  accessKeyId: tag(creds, 'AccessKeyId') ?? '',
                  secretAccessKey: tag(creds, 'SecretAccessKey') ?? '',
                  sessionToken: tag(creds, 'SessionToken') ?? '',
                  expiration: tag(creds, 'Expiration') ?? '',
                });
              }
              res.writeHead(up.statusCode ?? 502, up.headers);
              res.end(text);
            };
            if (holding) waiting.push(answer);
            else answer();
          });
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const release = () => {
    holding = false;
    const w = waiting;
    waiting = [];
    for (const answer of w) answer();
  };
  return {
    url: `http://${address}:${port}`,
    issued,
    requests: () => count,
    hold: () => {
      holding = true;
    },
    release,
    held: () => waiting.length,
    close: () =>
      new Promise<void>((resolve) => {
        waiting = [];
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
