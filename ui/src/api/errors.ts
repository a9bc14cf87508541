import type { ApiError } from '@ecs-endpoints/contract';

/** Any failure of a control API call, in words a person can act on. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  /** HTTP status, or 0 when the backend could not be reached at all. */
  readonly status: number;
  readonly remedy?: string;
  readonly issues: { path: string; message: string }[];

  constructor(status: number, body: ApiError) {
    super(body.error);
    this.status = status;
    if (body.remedy) this.remedy = body.remedy;
    this.issues = Array.isArray(body.issues) ? body.issues : [];
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Does this parsed body look like the contract's ApiError? */
export function asApiError(body: unknown): ApiError | undefined {
  if (!isRecord(body) || typeof body.error !== 'string' || body.error === '') return undefined;
  const out: ApiError = { error: body.error };
  if (typeof body.remedy === 'string' && body.remedy) out.remedy = body.remedy;
  if (Array.isArray(body.issues)) {
    out.issues = body.issues
      .filter(isRecord)
      .map((i) => ({ path: String(i.path ?? ''), message: String(i.message ?? '') }))
      .filter((i) => i.message);
  }
  return out;
}

/** Parses text that may be an ApiError JSON document. */
export function parseApiErrorText(text: string): ApiError | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return asApiError(JSON.parse(trimmed));
  } catch {
    return undefined;
  }
}

/** An error for a response that is not a contract ApiError (a proxy page, a crash, an old backend). */
export function unexpectedResponse(status: number, detail?: string): ApiRequestError {
  const text = detail?.trim().slice(0, 200);
  return new ApiRequestError(status, {
    error: `The ECS Endpoints backend answered ${status}${text ? `: ${text}` : ''}.`,
    remedy:
      status >= 500
        ? 'The backend hit an internal error. Its log says more; restarting the extension (or the standalone server) usually clears it.'
        : 'The backend and this page may be out of step: reload the page. If it persists, update the extension.',
  });
}

export function unreachable(detail?: string): ApiRequestError {
  return new ApiRequestError(0, {
    error: `Cannot reach the ECS Endpoints backend${detail ? ` (${detail})` : ''}.`,
    remedy:
      'Check that the backend is running: in Docker Desktop restart the extension; standalone, start it again (npm start or the docker run command in the README) and reload this page.',
  });
}

/** The two lines to show for any error: what happened and what to do. */
export function describeError(e: unknown): { message: string; remedy?: string } {
  if (e instanceof ApiRequestError) return e.remedy ? { message: e.message, remedy: e.remedy } : { message: e.message };
  if (e instanceof Error) return { message: e.message };
  return { message: String(e) };
}
