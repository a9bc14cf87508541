/**
 * A small leveled logger. Every line goes through redact(), so a secret that reaches a log call
 * by mistake (an access key, a session token, a credentials id in a path) is masked.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: Level = (process.env.ECS_ENDPOINTS_LOG_LEVEL as Level | undefined) ?? 'info';
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: Level): void {
  threshold = level;
}

/** For tests: capture log lines. Returns a function that restores the previous sink. */
export function captureLogs(into: string[]): () => void {
  const previous = sink;
  sink = (line) => into.push(line);
  return () => {
    sink = previous;
  };
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '$1****'],
  [/("?(?:SecretAccessKey|secretAccessKey|Token|sessionToken|SessionToken|aws_secret_access_key|aws_session_token)"?\s*[:=]\s*"?)[^\s",}]+/g, '$1****'],
];

const MASK = '****';

/** Decoding rounds before a token counts as hostile (each round can peel only one layer). */
const MAX_DECODE_ROUNDS = 8;

/**
 * Percent-decodes until stable (double encoding too), byte by byte as Latin-1 so it never throws,
 * with each decoded character's offset in the raw text (and one past the end), so that what is
 * found in the decoded form can be masked in the raw one. Undefined if still not stable after
 * MAX_DECODE_ROUNDS.
 */
function decodeMapped(raw: string): { text: string; at: (i: number) => number } | undefined {
  let text = raw;
  let at: number[] | undefined;
  for (let round = 0; /%[0-9a-fA-F]{2}/.test(text); round++) {
    if (round === MAX_DECODE_ROUNDS) return undefined;
    let next = '';
    const nextAt: number[] = [];
    for (let i = 0; i < text.length; ) {
      nextAt.push(at ? at[i]! : i);
      const hex = text[i] === '%' ? text.slice(i + 1, i + 3) : '';
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        next += String.fromCharCode(parseInt(hex, 16));
        i += 3;
      } else next += text[i++];
    }
    nextAt.push(raw.length);
    text = next;
    at = nextAt;
  }
  const map = at;
  return { text, at: map ? (i) => map[i]! : (i) => i };
}

const isIdKey = (key: string) => key.replace(/\+/g, ' ').replace(/[\s\0]/g, '').toLowerCase() === 'id';

/**
 * Spans (decoded offsets) to mask in query-like text from `from`: the value of every `id`
 * parameter, in any case or encoding, and with `all` every other parameter too.
 */
function querySpans(d: string, from: number, all: boolean, spans: [number, number][]): void {
  for (let i = from; i <= d.length; ) {
    let j = i;
    while (j < d.length && !'&;?#'.includes(d.charAt(j))) j++;
    const eq = d.indexOf('=', i);
    if (eq >= 0 && eq < j && isIdKey(d.slice(i, eq))) {
      // Go's query parser keeps ;?# inside a value: mask up to the next &.
      let k = eq + 1;
      while (k < d.length && d[k] !== '&') k++;
      if (k > eq + 1) spans.push([eq + 1, k]);
      i = k + 1;
    } else {
      if (all && j > i) spans.push([i, j]);
      i = j + 1;
    }
  }
}

/** A `credentials` path segment, however the separators and the word are spelled or encoded. */
const CREDENTIALS_SEGMENT = /(?:^|[/\\])[\s\0]*credentials?[\s\0]*(?=$|[/\\?#&;])/i;

/**
 * Masks credentials ids in one URL-like token: everything after a `credentials` segment (path,
 * query and all; the agent's v2 id is `.*`), and any `id` query parameter. Role ARNs and names
 * stay visible.
 */
function redactToken(raw: string): string {
  if (!/credential|[%?&;#]/i.test(raw)) return raw;
  const decoded = decodeMapped(raw);
  // Layer upon layer of encoding is no path a client sends in earnest: hide it all.
  if (!decoded) return MASK;
  const { text: d, at } = decoded;
  const spans: [number, number][] = [];
  // Parameters: every piece after a ? & ; or # (not the text before the first one).
  const first = d.search(/[?&;#]/);
  if (first >= 0) querySpans(d, first + 1, false, spans);
  const m = CREDENTIALS_SEGMENT.exec(d);
  if (m) {
    const end = m.index + m[0].length;
    const q = d.indexOf('?', end);
    const pathEnd = q >= 0 ? q : d.length;
    // Keep one separator visible: /v2/credentials/**** reads as what it was.
    const start = end < pathEnd && '/\\'.includes(d.charAt(end)) ? end + 1 : end;
    if (/[^/\\]/.test(d.slice(start, pathEnd))) spans.push([start, pathEnd]);
    if (q >= 0) querySpans(d, q + 1, true, spans);
  }
  if (!spans.length) return raw;
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of spans) {
    const last = merged.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  let out = '';
  let pos = 0;
  for (const [s, e] of merged) {
    out += raw.slice(pos, at(s)) + MASK;
    pos = at(e);
  }
  return out + raw.slice(pos);
}

/** Masks secrets in a request's path and query (the whole string is one URL). */
export function redactUrl(url: string): string {
  let out = redactToken(url);
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/**
 * Masks secrets in free text: each whitespace- or quote-delimited token that looks like a URL
 * (an escaped quote, as in JSON, stays inside its token), and keys and tokens by pattern.
 */
export function redact(text: string): string {
  let out = text.replace(/(?:\\.|[^\s"\\])+/g, redactToken);
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

function emit(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (order[level] < order[threshold]) return;
  const extra = fields ? ' ' + JSON.stringify(fields) : '';
  sink(redact(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra}`));
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => emit('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => emit('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => emit('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => emit('error', msg, fields),
};
