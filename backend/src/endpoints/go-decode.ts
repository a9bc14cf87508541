/*
 * Go's json.Decoder.Decode for one value, as the agent's fault handlers use it: the first JSON
 * value of the body (trailing data ignored), Go's syntax error texts, and numbers kept as their
 * literal text (Go parses them per target type, so `1.0` is not an integer there).
 */

export type GoValue =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  | { t: 'number'; raw: string }
  | { t: 'string'; v: string }
  | { t: 'array'; items: GoValue[] }
  | { t: 'object'; entries: [string, GoValue][] };

/** A body Go would refuse: `eof` for an empty body (the agent names it "required request body is missing"). */
export class GoDecodeError extends Error {
  constructor(
    message: string,
    readonly eof = false,
  ) {
    super(message);
  }
}

/** strconv.Quote-style rendering of the offending character, as Go's scanner prints it. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return '\'"\'';
  const s = JSON.stringify(c).slice(1, -1);
  return `'${s}'`;
}

const WS = new Set([' ', '\t', '\n', '\r']);

class Scanner {
  i = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && WS.has(this.s[this.i]!)) this.i++;
  }

  private fail(context: string): never {
    if (this.i >= this.s.length) throw new GoDecodeError('unexpected EOF');
    throw new GoDecodeError(`invalid character ${quoteChar(this.s[this.i]!)} ${context}`);
  }

  value(): GoValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { t: 'string', v: this.string() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return { t: 'number', raw: this.number() };
    if (c === 't') return (this.literal('true'), { t: 'bool', v: true });
    if (c === 'f') return (this.literal('false'), { t: 'bool', v: false });
    if (c === 'n') return (this.literal('null'), { t: 'null' });
    return this.fail('looking for beginning of value');
  }

  private literal(word: string): void {
    for (let k = 0; k < word.length; k++, this.i++) {
      if (this.s[this.i] !== word[k]) {
        if (this.i >= this.s.length) this.fail('');
        this.fail(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
      }
    }
  }

  private number(): string {
    const start = this.i;
    if (this.s[this.i] === '-') this.i++;
    const digit = () => this.s[this.i] !== undefined && this.s[this.i]! >= '0' && this.s[this.i]! <= '9';
    if (!digit()) this.fail('in numeric literal');
    if (this.s[this.i] === '0') this.i++;
    else while (digit()) this.i++;
    if (this.s[this.i] === '.') {
      this.i++;
      if (!digit()) this.fail('after decimal point in numeric literal');
      while (digit()) this.i++;
    }
    if (this.s[this.i] === 'e' || this.s[this.i] === 'E') {
      this.i++;
      if (this.s[this.i] === '+' || this.s[this.i] === '-') this.i++;
      if (!digit()) this.fail('in exponent of numeric literal');
      while (digit()) this.i++;
    }
    return this.s.slice(start, this.i);
  }

  private string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('');
      if (c === '"') break;
      if (c < ' ') this.fail('in string literal');
      if (c === '\\') {
        this.i++;
        const e = this.s[this.i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(this.s[this.i + k] ?? '')) {
              this.i += k;
              this.fail('in \\u hexadecimal character escape');
            }
          }
          this.i += 4;
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail('in string escape code');
      }
      this.i++;
    }
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }

  private object(): GoValue {
    this.i++;
    const entries: [string, GoValue][] = [];
    this.ws();
    if (this.s[this.i] === '}') return (this.i++, { t: 'object', entries });
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('looking for beginning of object key string');
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('after object key');
      this.i++;
      entries.push([key, this.value()]);
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.s[this.i] === '}') return (this.i++, { t: 'object', entries });
      this.fail('after object key:value pair');
    }
  }

  private array(): GoValue {
    this.i++;
    const items: GoValue[] = [];
    this.ws();
    if (this.s[this.i] === ']') return (this.i++, { t: 'array', items });
    for (;;) {
      items.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.s[this.i] === ']') return (this.i++, { t: 'array', items });
      this.fail('after array element');
    }
  }
}

/** The first JSON value of `body`, or GoDecodeError with Go's message. */
export function goDecode(body: string): GoValue {
  if (body.split('').every((c) => WS.has(c))) throw new GoDecodeError('EOF', true);
  return new Scanner(body).value();
}

/** How Go's UnmarshalTypeError names a JSON value: numbers with their text when a number type refused them. */
export function goKind(v: GoValue): string {
  return v.t === 'bool' ? 'bool' : v.t;
}
