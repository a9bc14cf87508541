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
  [/(\/v2\/credentials\/)[^\s/?"]+/g, '$1****'],
  [/([?&]id=)[^\s&"]+/g, '$1****'],
  [/("?(?:SecretAccessKey|secretAccessKey|Token|sessionToken|SessionToken|aws_secret_access_key|aws_session_token)"?\s*[:=]\s*"?)[^\s",}]+/g, '$1****'],
];

export function redact(text: string): string {
  let out = text;
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
