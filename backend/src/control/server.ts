import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../backend.ts';
import type { Control } from '../config.ts';
import { log } from '../log.ts';
import { createControlApp, type ControlApp } from './app.ts';
import { newToken } from './guard.ts';
import { ownClasses } from './own-classes.ts';
import { findUiDir } from './ui.ts';

export interface ControlServer {
  server: Server;
  app: ControlApp;
  /** The UI's address (standalone), e.g. http://127.0.0.1:8080/; the socket path as unix:/path otherwise. */
  url: string;
  /** The per-run token (TCP only). */
  token?: string;
  uiDir?: string;
  close(): Promise<void>;
}

export class ControlListenError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
  ) {
    super(message);
  }
}

/** How long a client may take to send a request. Both apply to TCP and the unix socket alike. */
export interface ControlTimeouts {
  /** For the request line and headers (Node's headersTimeout). Default 10 s. */
  headersMs?: number;
  /**
   * For the whole request, body included (Node's requestTimeout). It ends when the request has
   * arrived, not when the answer has been sent, so event streams stay open. Default 30 s.
   */
  requestMs?: number;
}

const DEFAULT_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000 };

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Listen for the UI: on the unix socket (Docker Desktop: a stale socket file is removed first, the
 * socket is made 0666 for Docker Desktop's proxy) or on loopback TCP (standalone: guarded, with a
 * per-run token). `control` defaults to the backend's configuration; tests pass port 0.
 */
export async function startControlServer(
  backend: Backend,
  config: { control: Control; uiDir?: string } = backend.config,
  opts: { token?: string; timeouts?: ControlTimeouts } = {},
): Promise<ControlServer> {
  const control = config.control;
  const token = control.kind === 'tcp' ? (opts.token ?? newToken()) : undefined;
  const uiDir = findUiDir(config.uiDir);
  const app = createControlApp(backend, { ...(token ? { token } : {}), ...(uiDir ? { uiDir } : {}) });
  const { headersMs, requestMs } = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const server = createServer(
    {
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      // Node checks both timeouts only this often (default 30 s): a slow client is cut soon after its time.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(headersMs, requestMs) / 4))),
      keepAliveTimeout: 5_000,
      ...ownClasses(app),
    },
    app,
  );

  const listen = (...args: [string] | [number, string]) =>
    new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        const where = control.kind === 'unix' ? control.path : `${control.host}:${control.port}`;
        reject(
          new ControlListenError(
            `Cannot listen for the UI on ${where}: ${err.code ?? err.message}.`,
            err.code === 'EADDRINUSE'
              ? `Another program (perhaps another ECS Endpoints) uses ${where}. Stop it, or set ECS_ENDPOINTS_CONTROL to another address (e.g. 127.0.0.1:8081).`
              : err.code === 'EACCES'
                ? `No permission to listen on ${where}; choose another address with ECS_ENDPOINTS_CONTROL.`
                : `Check ECS_ENDPOINTS_CONTROL (${where}).`,
          ),
        );
      };
      server.once('error', onError);
      const done = () => {
        server.off('error', onError);
        resolve();
      };
      if (args.length === 1) server.listen(args[0], done);
      else server.listen(args[0], args[1], done);
    });

  let url: string;
  if (control.kind === 'unix') {
    // A socket file left by a previous run makes listen fail with EADDRINUSE.
    rmSync(control.path, { force: true });
    await listen(control.path);
    chmodSync(control.path, 0o666);
    url = `unix:${control.path}`;
  } else {
    await listen(control.port, control.host);
    const port = (server.address() as AddressInfo).port;
    url = `http://${hostForUrl(control.host)}:${port}/`;
  }
  log.info('control API listening', { address: url, ui: uiDir ?? 'not built' });

  return {
    server,
    app,
    url,
    ...(token ? { token } : {}),
    ...(uiDir ? { uiDir } : {}),
    close: () =>
      new Promise<void>((resolve) => {
        app.dispose();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
