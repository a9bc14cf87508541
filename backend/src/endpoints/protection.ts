import { randomUUID } from 'node:crypto';
import { goJson } from '../gojson.ts';

/*
 * Task scale-in protection under ECS_AGENT_URI, emulated locally (spec §8): the agent's decoding
 * and error shapes, with ECS's own checks (1-2880 minutes, default 120) answered from memory.
 */

export interface ProtectionResult {
  status: number;
  body: string;
}

interface State {
  enabled: boolean;
  expiresAt?: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function errorBody(code: string, message: string, arn?: string, requestID?: string): string {
  const error: Record<string, string> = {};
  if (arn) error.Arn = arn;
  error.Code = code;
  error.Message = message;
  return goJson(requestID ? { requestID, error } : { error });
}

type Decoded = { ok: true; enabled?: boolean; minutes?: number } | { ok: false };

/** Go's json.Decoder with DisallowUnknownFields into {ProtectionEnabled *bool; ExpiresInMinutes *int64}. */
export function decodeProtectionBody(body: string): Decoded {
  let v: unknown;
  try {
    // Go decodes the first JSON value and ignores trailing data; JSON.parse does not, so cut it.
    v = JSON.parse(firstJsonValue(body));
  } catch {
    return { ok: false };
  }
  if (v === null) return { ok: true };
  if (typeof v !== 'object' || Array.isArray(v)) return { ok: false };
  const out: { ok: true; enabled?: boolean; minutes?: number } = { ok: true };
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const key = k.toLowerCase(); // Go matches field names case-insensitively
    if (key === 'protectionenabled') {
      if (val === null) continue;
      if (typeof val !== 'boolean') return { ok: false };
      out.enabled = val;
    } else if (key === 'expiresinminutes') {
      if (val === null) continue;
      if (typeof val !== 'number' || !Number.isInteger(val)) return { ok: false };
      out.minutes = val;
    } else return { ok: false };
  }
  return out;
}

function firstJsonValue(s: string): string {
  const t = s.trimStart();
  if (!t) throw new Error('EOF');
  if (t[0] !== '{' && t[0] !== '[') return t.split(/\s/)[0]!;
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return t.slice(0, i + 1);
    }
  }
  return t;
}

export class ProtectionStore {
  private states = new Map<string, State>();

  constructor(private readonly now: () => number = Date.now) {}

  private view(taskArn: string): string {
    const s = this.states.get(taskArn);
    const active = s?.enabled && s.expiresAt !== undefined && s.expiresAt > this.now();
    return goJson({
      protection: { ExpirationDate: active ? iso(s!.expiresAt!) : null, ProtectionEnabled: Boolean(active), TaskArn: taskArn },
    });
  }

  /**
   * `taskArn` undefined = unknown endpoint id; `hasRole` false = the task has no credentials
   * source (the agent needs the task role to call ECS, so it answers 403).
   */
  handle(method: string, body: string, taskArn: string | undefined, hasRole: boolean): ProtectionResult {
    let decoded: Decoded = { ok: true };
    if (method === 'PUT') {
      decoded = decodeProtectionBody(body);
      if (!decoded.ok) return { status: 400, body: errorBody('InvalidParameterException', 'UpdateTaskProtection: failed to decode request') };
    }
    if (!taskArn) return { status: 404, body: errorBody('ResourceNotFoundException', 'Failed to find a task for the request') };
    if (method === 'PUT' && decoded.ok && decoded.enabled === undefined) {
      return { status: 400, body: errorBody('InvalidParameterException', "Invalid request: does not contain 'ProtectionEnabled' field", taskArn) };
    }
    if (!hasRole) {
      return { status: 403, body: errorBody('AccessDeniedException', 'Invalid Request: no task IAM role credentials available for task', taskArn) };
    }
    if (method === 'GET') return { status: 200, body: this.view(taskArn) };
    const d = decoded as { ok: true; enabled: boolean; minutes?: number };
    if (d.enabled) {
      const minutes = d.minutes ?? 120;
      if (minutes < 1 || minutes > 2880) {
        return {
          status: 400,
          body: errorBody('InvalidParameterException', `expiresInMinutes must be between 1 and 2880, got ${minutes}.`, taskArn, randomUUID()),
        };
      }
      this.states.set(taskArn, { enabled: true, expiresAt: this.now() + minutes * 60_000 });
    } else {
      this.states.set(taskArn, { enabled: false });
    }
    return { status: 200, body: this.view(taskArn) };
  }

  forget(taskArn: string): void {
    this.states.delete(taskArn);
  }
}
