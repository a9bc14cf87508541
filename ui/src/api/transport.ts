import type { LiveEvent } from '@ecs-endpoints/contract';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type LiveConnectionState = 'connecting' | 'open' | 'error';

export interface LiveSubscription {
  close(): void;
}

/**
 * How the UI talks to the control API. Every call resolves with the parsed JSON body (undefined
 * for an empty body) or rejects with an ApiRequestError.
 */
export interface Transport {
  request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T>;
  /** Present when the transport can stream live events (server-sent events in a browser). */
  subscribe?(onEvent: (event: LiveEvent) => void, onState: (state: LiveConnectionState) => void): LiveSubscription;
  /**
   * Present inside Docker Desktop: run the shipped host script (aws-paths.sh / aws-paths.cmd) and
   * return what it printed: where the person's AWS files are on their machine.
   */
  hostAwsPaths?(): Promise<unknown>;
  /**
   * Present inside Docker Desktop: run the shipped host script (aws-credential-process.sh / .cmd)
   * for one profile and return what it printed (credentials: never log or show it). Rejects with
   * the script's `stderr` (one line) when it fails.
   */
  hostCredentialProcess?(profile: string): Promise<string>;
  /**
   * Open a page in the person's browser: on the host through Docker Desktop (`ddClient.host.openExternal`),
   * in a new tab in a plain browser.
   */
  openExternal(url: string): void;
  /** Present inside Docker Desktop: also show an error as a Docker Desktop toast. */
  toastError?(message: string): void;
  /** Which backend this is, for the status chip. */
  readonly kind: 'docker-desktop' | 'browser' | 'test';
}
