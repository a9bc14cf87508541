import type { RequestKind } from '@ecs-endpoints/contract';
import type { FaultInjector } from '../tasks/faults.ts';
import type { Task, TaskContainer, TaskModel } from '../tasks/types.ts';
import type { ProtectionStore } from './protection.ts';
import type { RenderContext } from './render.ts';
import type { Throttle } from './throttle.ts';

export interface DataRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  remoteIp: string;
  remotePort: number;
  /** `remoteIp:remotePort`, when the server has it ready (once per connection). */
  remoteAddr?: string;
  headers: Record<string, string | string[] | undefined>;
  /** X-Forwarded-For as one string ('' when absent), when the server can read it without `headers`. */
  forwardedFor?: string;
  body?: string;
}

export interface DataResponse {
  status: number;
  body: string;
  /** A header sent twice (the fault routes' two limiters) has both values, in order. */
  headers: Record<string, string | string[]>;
  /** For the request log: never a secret. */
  meta: { kind: RequestKind; containerId?: string; sourceId?: string; error?: string };
}

export type Entry = { task: Task; container: TaskContainer };

/** What the credentials room offers the data plane (wired in compose/rooms.ts). */
export interface CredentialsPort {
  /** The agent's credentials body for this container's effective source. */
  forContainer(entry: Entry, req: DataRequest): CredentialsAnswer | Promise<CredentialsAnswer>;
  /** /role/<name> and /role-arn/<arn>: assume that role from the container's effective source. */
  forRole(entry: Entry, role: { arn?: string; name?: string }, req: DataRequest): Promise<CredentialsAnswer>;
  /** Does the task have task-role credentials (a source other than none)? Task protection needs it. */
  hasTaskRole(task: Task): boolean;
}

export interface CredentialsAnswer {
  status: number;
  body: string;
  sourceId?: string;
  error?: string;
}

/** Whether a caller's source address may stand for a container (docker/caller-identity.ts). */
export type CallerVerdict = { ok: true } | { ok: false; wait: boolean; status: number; reason: string };

export interface CallerCheck {
  /** For the id-less credential forms: may this address stand for the container that owns `ownerId`'s namespace? */
  verify(ip: string, ownerId: string | undefined): CallerVerdict;
  /** Is the address known to belong to a running container on the managed network? */
  known(ip: string): boolean;
  /** Look up an unknown caller and bind its address (bounded); the model may change meanwhile. */
  settle(ip: string): Promise<void>;
}

export interface DataPlaneDeps {
  model: () => TaskModel;
  /**
   * The stats cache (docker/stats.ts): ready-made bodies, so a request only reads; `prime` opens
   * the streams of containers nobody asked about lately and waits (bounded) for a first sample.
   */
  stats: { get(id: string): { v3: string; v4: string } | undefined; isTracked(id: string): boolean; prime(ids: Iterable<string>): Promise<void> };
  credentials: CredentialsPort;
  render: RenderContext;
  throttle: Throttle;
  protection?: ProtectionStore;
  /**
   * Callers from outside the managed network are refused with this message (a container on
   * another Docker network can reach the host's endpoint address in the host topology).
   */
  refuseCaller?: (ip: string) => string | undefined;
  /**
   * Of a caller refused above: is it a container attached to the managed network on its create event
   * a moment ago, whose request beat the attach (ecs-mode/joining.ts)? false at once for most; a
   * promise when it must look. Such a caller is told to send the request again (503), not refused.
   */
  joinedFrom?: (ip: string) => false | Promise<boolean>;
  /** Without it (unit tests of routing) every address counts as its container's. */
  callers?: CallerCheck;
  /** Applies network faults in a task's namespace (docker/fault); without it they answer "internal error". */
  faults?: FaultInjector;
  /** The fault routes' own limiter (the agent: 0.2 per second, burst 1, per source IP and path). */
  faultThrottle?: Throttle;
}

/** What a route handler may read: the model, the deps and the render cache, nothing else. */
export interface Reads {
  /** The current model; read it again after an await (settling a caller may rebuild it). */
  model(): TaskModel;
  /** A rendered body, kept until the model's version changes. */
  cached(key: string, build: () => string): string;
  readonly deps: DataPlaneDeps;
  readonly protection: ProtectionStore;
}

/** One routed request: the path as matched (raw, not decoded) and the route's parameters. */
export interface Call {
  req: DataRequest;
  path: string;
  query: string;
  params: Record<string, string>;
}

/** A handler's answer, always JSON; the route adds its request kind and the rate-limit headers. */
export interface Reply {
  status: number;
  body: string;
  containerId?: string;
  sourceId?: string;
  /** Why it failed, for the request log. */
  error?: string;
}

export type Handler = (reads: Reads, call: Call) => Reply | Promise<Reply>;
