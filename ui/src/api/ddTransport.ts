import { createDockerDesktopClient } from '@docker/extension-api-client';
import type { v1 } from '@docker/extension-api-client-types';
import { ApiRequestError, asApiError, parseApiErrorText, unexpectedResponse, unreachable } from './errors.ts';
import type { HttpMethod, Transport } from './transport.ts';

type DockerDesktopClient = v1.DockerDesktopClient;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Maps what `vm.service.request` rejects with (a ServiceError `{name, message, statusCode}`, where
 * the message carries the response body) to an ApiRequestError.
 */
export function fromServiceError(e: unknown): ApiRequestError {
  if (e instanceof ApiRequestError) return e;
  if (!isRecord(e)) return unreachable(typeof e === 'string' ? e : undefined);
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  // Different Docker Desktop versions put the body in `message` (text or parsed) or in `data`.
  for (const candidate of [e.data, e.body, e.message]) {
    const apiError =
      typeof candidate === 'string' ? parseApiErrorText(candidate) : asApiError(candidate);
    if (apiError) return new ApiRequestError(status, apiError);
  }
  const message = typeof e.message === 'string' ? e.message : undefined;
  if (status === 0) return unreachable(message);
  return unexpectedResponse(status, message);
}

/**
 * The Docker Desktop transport: HTTP over the extension backend's socket, proxied by Docker
 * Desktop. The client is looked up lazily: createDockerDesktopClient throws outside Docker Desktop.
 */
export function createDockerDesktopTransport(
  getClient: () => DockerDesktopClient = createDockerDesktopClient,
): Transport {
  let client: DockerDesktopClient | undefined;
  const dd = (): DockerDesktopClient => (client ??= getClient());

  return {
    kind: 'docker-desktop',
    async hostAwsPaths(): Promise<unknown> {
      const c = dd();
      const host = c.extension.host;
      if (!host) throw unreachable('Docker Desktop gives this extension no host binaries');
      // Windows runs the .cmd (host.binaries in metadata.json); macOS and Linux the POSIX script.
      const result = await host.cli.exec(c.host.platform === 'win32' ? 'aws-paths.cmd' : 'aws-paths.sh', []);
      return result.parseJsonObject();
    },
    async hostCredentialProcess(profile: string): Promise<string> {
      const c = dd();
      const host = c.extension.host;
      if (!host) throw unreachable('Docker Desktop gives this extension no host binaries');
      const script = c.host.platform === 'win32' ? 'aws-credential-process.cmd' : 'aws-credential-process.sh';
      return (await host.cli.exec(script, [profile])).stdout;
    },
    async request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
      const service = dd().extension.vm?.service;
      if (!service) throw unreachable('this extension has no backend service in Docker Desktop');
      let result: unknown;
      try {
        result = await service.request({
          url: path,
          method,
          headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
          data: body,
        });
      } catch (e) {
        throw fromServiceError(e);
      }
      // Docker Desktop parses JSON bodies; tolerate a body handed back as text.
      if (typeof result === 'string') {
        if (result === '') return undefined as T;
        try {
          return JSON.parse(result) as T;
        } catch {
          return result as T;
        }
      }
      return result as T;
    },
    openExternal(url: string) {
      dd().host.openExternal(url);
    },
    toastError(message: string) {
      try {
        dd().desktopUI.toast.error(message);
      } catch {
        // Toasts are a courtesy; the in-page message is what counts.
      }
    },
  };
}
