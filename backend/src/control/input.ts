/**
 * What each control route takes, strictly (docs/api.md promises a 400 for an unknown field): a
 * typo such as `recreat` or `?limt=5` must be refused by name, not dropped with a 200 or 201.
 */
import type { Request, RequestHandler } from 'express';
import { z } from 'zod/v4';
import { SourceInputSchema } from '@ecs-endpoints/contract';
import { assertShallow } from '../presets/presets.ts';
import { HttpError, badInput } from './errors.ts';

/** The route as declared, e.g. `POST /api/sources/:id/test` (route middleware runs after matching). */
function routeName(req: Request): string {
  const path = typeof req.route?.path === 'string' ? req.route.path : req.path;
  return `${req.method} ${req.baseUrl}${path}`;
}

function queryError(req: Request, schema: z.ZodObject, example?: string): HttpError | undefined {
  const parsed = schema.safeParse(req.query);
  if (parsed.success) return undefined;
  const route = routeName(req);
  return badInput(parsed.error, `The query of ${route}`, example ? `For example ${example}.` : `${route} takes no query parameters.`, 'query parameter');
}

const NoQuerySchema = z.object({}).strict();
const NoBodySchema = z.object({}).strict().optional();

function bodyError(req: Request): HttpError | undefined {
  const parsed = NoBodySchema.safeParse(req.body);
  if (parsed.success) return undefined;
  const route = routeName(req);
  return badInput(parsed.error, `The body of ${route}`, `${route} takes no body.`);
}

/** Route middleware: the query parameters a route takes (none by default); any other is a 400. */
export function takesQuery(shape: z.ZodRawShape = {}, example?: string): RequestHandler {
  const schema = z.object(shape).strict();
  return (req, _res, next) => next(queryError(req, schema, example));
}

/** Route middleware: the route takes no body; none, or an empty JSON object, is accepted. */
export const takesNoBody: RequestHandler = (req, _res, next) => next(bodyError(req));

/** Route middleware for routes that take neither a query nor a body. */
export const takesNothing: RequestHandler = (req, _res, next) => next(queryError(req, NoQuerySchema) ?? bodyError(req));

/** The body of a POST or PUT, or a 400 that says what to send. */
export function requireBody(req: Request, example: string): unknown {
  if (req.body === undefined) {
    throw new HttpError(
      400,
      'The request has no JSON body.',
      `Send a JSON body like ${example} with the header Content-Type: application/json.`,
    );
  }
  return req.body;
}

/** A body parsed with a strict schema, or a 400 naming each field (unknown ones included). */
export function parseBody<T extends z.ZodTypeAny>(req: Request, schema: T, what: string, example: string): z.infer<T> {
  const parsed = schema.safeParse(requireBody(req, example));
  if (!parsed.success) throw badInput(parsed.error, what, `Send a JSON body like ${example}.`);
  return parsed.data as z.infer<T>;
}

export const SOURCE_EXAMPLE = '{"type": "profile", "name": "Dev", "profile": "dev"}';

/**
 * The contract's SourceInputSchema with each source type's object strict. The contract's own stays
 * lenient: sources.json keeps each input with its id, and is read with it.
 */
const StrictSourceInputSchema = (() => {
  const [first, ...rest] = SourceInputSchema.options.map((o) => o.strict());
  return z.discriminatedUnion('type', [first!, ...rest]);
})();

/**
 * The body of POST /api/sources and PUT /api/sources/:id. A field the source type does not have is
 * a 400 here (with the other problems, so all are named at once); everything else is checked by the
 * registry, whose messages the UI shows next to its fields.
 */
export function sourceBody(req: Request): unknown {
  const body = requireBody(req, SOURCE_EXAMPLE);
  const parsed = StrictSourceInputSchema.safeParse(body);
  if (!parsed.success && parsed.error.issues.some((i) => i.code === 'unrecognized_keys')) {
    throw badInput(parsed.error, 'The source', `Send a JSON body like ${SOURCE_EXAMPLE} (the fields of each source type are in docs/api.md).`);
  }
  return body;
}

const ImportPresetsSchema = z
  .object({ content: z.string({ error: 'Expected the preset file as a string.' }) })
  .strict();

/**
 * The preset file's text from a PUT /api/presets body: `{"content": "<the file as text>"}` (what the
 * UI sends, so the file is checked exactly as the user picked or pasted it), or, for curl, the
 * preset file itself as the JSON body (`-d @ecs-endpoints.presets.json`; its schema is strict too).
 */
export function presetFileText(req: Request): string {
  const example = '{"content": "{\\"version\\": 1, \\"presets\\": []}"}';
  const body = requireBody(req, example);
  if (body && typeof body === 'object' && !Array.isArray(body) && !('content' in body) && ('version' in body || 'presets' in body)) {
    // Before stringify, which recurses: a body nested thousands deep would overflow it (a 500).
    assertShallow(body, 'The imported preset file');
    return JSON.stringify(body);
  }
  const parsed = ImportPresetsSchema.safeParse(body);
  if (!parsed.success) {
    throw badInput(parsed.error, 'The preset import', 'Send {"content": "<the preset file as text>"} (or the preset file itself as the JSON body).');
  }
  return parsed.data.content;
}
