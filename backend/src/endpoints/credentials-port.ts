import { goJson } from '../gojson.ts';
import { log } from '../log.ts';
import type { CredentialBroker } from '../credentials/broker.ts';
import type { SourceRegistry } from '../credentials/registry.ts';
import { toAgentJson } from '../credentials/format.ts';
import { isCredentialError, type AwsCredentials } from '../credentials/types.ts';
import type { Task } from '../tasks/types.ts';
import type { CredentialsAnswer, CredentialsPort, DataRequest, Entry } from './types.ts';

const WARMING = Symbol('warming');

function prefixFor(url: string): string {
  if (url.startsWith('/v1/')) return 'CredentialsV1Request: ';
  if (url.startsWith('/v2/')) return 'CredentialsV2Request: ';
  return '';
}

function err(status: number, code: string, message: string, sourceId?: string, detail?: string): CredentialsAnswer {
  return { status, body: goJson({ code, message, HTTPErrorCode: status }), sourceId, error: detail ?? message };
}

/**
 * Credentials for the data plane from the broker: the container's effective source (assignment →
 * preset → default, decided when the model was built), in the agent's body. A source that serves none answers like an unknown id
 * (a task without a role); a source that fails answers 503 CredentialsUninitialized with the
 * reason and what to do, so the SDK's error and the request log say something useful; one still
 * fetching its first credentials answers the agent's pending 503 (see warmingAnswerMs).
 */
export class BrokerCredentials implements CredentialsPort {
  private defaultChainAccount?: Promise<string | undefined>;
  private readonly warmingAnswerMs: number;
  private readonly bodies = new WeakMap<AwsCredentials, string>();

  constructor(
    private readonly broker: CredentialBroker,
    private readonly registry: SourceRegistry,
    /**
     * How long a request waits for a source that has no credentials yet (the first fetch after a
     * start or an edit) before it is answered as the agent answers an id whose credentials are
     * still pending: 503 CredentialsUninitialized. Under the JS SDK's 1 s request timeout, so the
     * SDK gets that answer and retries, by when the fetch has usually finished.
     */
    opts: { warmingAnswerMs?: number } = {},
  ) {
    this.warmingAnswerMs = opts.warmingAnswerMs ?? 900;
  }

  servesNone(sourceId: string): boolean {
    const r = this.registry.record(this.broker.targetId(sourceId));
    return !r || (r.kind !== 'alias' && r.kind !== 'default-chain' && 'input' in r && r.input.type === 'none');
  }

  hasTaskRole(task: Task): boolean {
    return task.containers.some((c) => !this.servesNone(c.source.id));
  }

  /** Answered in the same turn when the broker has the credentials cached (nearly every request). */
  forContainer(entry: Entry, req: DataRequest): CredentialsAnswer | Promise<CredentialsAnswer> {
    const sourceId = entry.container.source.id;
    const creds = this.broker.cached(sourceId, { family: entry.task.family, containerName: entry.container.ecsName });
    if (creds) return { status: 200, body: this.body(creds), sourceId };
    return this.fetch(sourceId, entry, req);
  }

  async forRole(entry: Entry, role: { arn?: string; name?: string }, req: DataRequest): Promise<CredentialsAnswer> {
    const eff = entry.container.source;
    const src = eff.id;
    // The data plane only routes here when the container's own environment names this role path
    // (the compose author granted it). An explicit "none" (assignment or preset) still wins.
    if (eff.origin !== 'default' && this.servesNone(src)) {
      return err(400, 'InvalidIdInRequest', `${prefixFor(req.url)}Credentials not found`, src, `source "${src}" serves no credentials`);
    }
    if (this.broker.targetId(src) === 'fake') {
      // Offline: fake credentials that name the requested role.
      const a = await this.fetch(src, entry, req);
      if (a.status !== 200) return a;
      const arn = role.arn ?? `arn:aws:iam::000000000000:role/${role.name}`;
      return { ...a, body: goJson({ ...JSON.parse(a.body), RoleArn: arn }) };
    }
    let arn = role.arn;
    if (!arn) {
      // A role by name lives in the account of the backend's own identity (as in the older emulator).
      this.defaultChainAccount ??= this.broker.test('@default-chain').then((r) => r.account);
      const account = await this.defaultChainAccount;
      if (!account) {
        this.defaultChainAccount = undefined;
        return err(503, 'CredentialsUninitialized', `Cannot find the account for role "${role.name}": the backend has no AWS identity of its own. Use /role-arn/<arn>, or assign a source to the container.`);
      }
      arn = `arn:aws:iam::${account}:role/${role.name}`;
    }
    let id: string;
    try {
      id = this.registry.resolveSpec(`role-arn:${arn}`);
    } catch (e) {
      return err(400, 'InvalidIdInRequest', `${(e as Error).message}`);
    }
    return this.fetch(id, entry, req);
  }

  private async fetch(sourceId: string, entry: Entry, req: DataRequest): Promise<CredentialsAnswer> {
    const prefix = prefixFor(req.url);
    try {
      const creds = await this.warming(this.broker.get(sourceId, { family: entry.task.family, containerName: entry.container.ecsName }));
      if (creds === WARMING) {
        // The agent's body for a known id whose credentials have not arrived (IsCredentialsPending), word for word.
        return err(503, 'CredentialsUninitialized', `${prefix}Credentials uninitialized for ID`, sourceId, `source "${sourceId}" is still fetching its first credentials`);
      }
      if (!creds) return err(400, 'InvalidIdInRequest', `${prefix}Credentials not found`, sourceId, `source "${sourceId}" serves no credentials`);
      return { status: 200, body: this.body(creds), sourceId };
    } catch (e) {
      if (!isCredentialError(e)) log.error('credentials: unexpected error', { source: sourceId, error: (e as Error).message });
      const message = isCredentialError(e) ? `${e.message}${e.remedy ? ` ${e.remedy}` : ''}` : 'Internal server error';
      return err(503, 'CredentialsUninitialized', `${prefix}Credentials uninitialized for ID: ${message}`, sourceId, message);
    }
  }

  /** The agent's body, rendered once per credentials the broker hands out (they are replaced, not changed, on refresh). */
  private body(creds: AwsCredentials): string {
    let b = this.bodies.get(creds);
    if (b === undefined) {
      b = goJson(toAgentJson(creds));
      // Without an expiration the body names one an hour from now: render it each time.
      if (creds.expiration) this.bodies.set(creds, b);
    }
    return b;
  }

  /** The fetch's result, or WARMING if it has not settled within warmingAnswerMs (it goes on, for the next request). */
  private warming<T>(fetch: Promise<T>): Promise<T | typeof WARMING> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<typeof WARMING>((resolve) => (timer = setTimeout(() => resolve(WARMING), this.warmingAnswerMs)));
    fetch.catch(() => undefined); // if the timer wins, a later failure is the broker's to remember, not unhandled here
    return Promise.race([fetch, late]).finally(() => clearTimeout(timer));
  }
}
