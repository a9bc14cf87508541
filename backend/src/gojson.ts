import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

/**
 * JSON as Go's encoding/json writes it, which is what the agent sends: compact, map keys sorted
 * (callers build maps with sortedMap), and <, >, & and U+2028/U+2029 escaped inside strings.
 * Object key order otherwise follows insertion order, which mirrors Go's struct field order.
 */
const ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
const goEscape = (json: string): string => json.replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c]!);

export function goJson(value: unknown): string {
  return goEscape(JSON.stringify(value));
}

/**
 * Parse JSON without losing integers: one beyond 2^53 (Docker's uint64 counters and limits, e.g.
 * an unlimited cgroup's 9223372036854771712) becomes a bigint with all its digits; every other
 * number is a plain number. Pair with goJsonExact.
 */
export function parseExact(text: string): unknown {
  // Up to 15 digits always fit a double: then the native parser (7x faster) is exact too.
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return parse(text, null, (s) => (isSafeNumber(s) || !isInteger(s) ? Number(s) : BigInt(s)));
}

/** goJson for values that may hold bigints (from parseExact): they are written with all their digits. */
export function goJsonExact(value: unknown): string {
  return goEscape(stringify(value) ?? 'null');
}

/** A copy of a string-keyed map with keys in Go's sorted (byte-wise) order. */
export function sortedMap<V>(m: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = m[k]!;
  return out;
}
