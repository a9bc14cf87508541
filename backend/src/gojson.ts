/**
 * JSON as Go's encoding/json writes it, which is what the agent sends: compact, map keys sorted
 * (callers build maps with sortedMap), and <, >, & and U+2028/U+2029 escaped inside strings.
 * Object key order otherwise follows insertion order, which mirrors Go's struct field order.
 */
const ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c]!);
}

/** A copy of a string-keyed map with keys in Go's sorted (byte-wise) order. */
export function sortedMap<V>(m: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = m[k]!;
  return out;
}
