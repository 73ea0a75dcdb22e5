/**
 * JSON compared by content: object keys sorted, insignificant whitespace dropped, numbers as exact
 * canonical decimals (JSON.parse would round big integers and long decimals). The parser keeps
 * number lexemes as text, which is why it is written here rather than borrowed from JSON.parse.
 *
 * Duplicate keys are kept, in their order: engines disagree on what {"a":1,"a":2} means
 * (PostgreSQL json and jsonb read the last, MariaDB's JSON functions the first), so resolving
 * them either way would call two documents equal that one engine reads differently. jsonb and
 * MySQL's JSON type never print duplicates, so this only matters for JSON stored as text.
 */
import { canonicalDecimal } from './decimal.ts';

/** A JSON number as RFC 8259 spells it (no leading zeros, no bare dot). */
const NUMBER_LEXEME = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** An object as its members in document order; keys may repeat. */
class JsonObject {
  constructor(readonly members: [string, Json][]) {}
}

type Json = null | boolean | string | { num: string } | Json[] | JsonObject;

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): Json {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) throw new Error('trailing characters');
    return v;
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private value(): Json {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (this.s.startsWith('true', this.i)) return (this.i += 4), true;
    if (this.s.startsWith('false', this.i)) return (this.i += 5), false;
    if (this.s.startsWith('null', this.i)) return (this.i += 4), null;
    return this.number();
  }

  private object(): Json {
    this.i++;
    const members: [string, Json][] = [];
    const out = new JsonObject(members);
    this.ws();
    if (this.s[this.i] === '}') return this.i++, out;
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') throw new Error('expected :');
      members.push([key, this.value()]);
      this.ws();
      const sep = this.s[this.i++];
      if (sep === '}') return out;
      if (sep !== ',') throw new Error('expected , or }');
    }
  }

  private array(): Json {
    this.i++;
    const out: Json[] = [];
    this.ws();
    if (this.s[this.i] === ']') return this.i++, out;
    for (;;) {
      out.push(this.value());
      this.ws();
      const sep = this.s[this.i++];
      if (sep === ']') return out;
      if (sep !== ',') throw new Error('expected , or ]');
    }
  }

  private string(): string {
    if (this.s[this.i] !== '"') throw new Error('expected string');
    let j = this.i + 1;
    while (j < this.s.length) {
      const c = this.s.charCodeAt(j);
      if (c === 92) j += 2;
      else if (c === 34) break;
      else j++;
    }
    const lexeme = this.s.slice(this.i, j + 1);
    this.i = j + 1;
    return JSON.parse(lexeme) as string;
  }

  private number(): Json {
    // Sticky, and over the whole text: jsonb prints numbers of any length in full (1e1001 as
    // 1002 digits), and a cut lexeme would make the document fail to parse.
    NUMBER_LEXEME.lastIndex = this.i;
    const m = NUMBER_LEXEME.exec(this.s);
    if (!m) throw new Error(`unexpected character at ${this.i}`);
    this.i += m[0].length;
    return { num: canonicalDecimal(m[0]) ?? m[0] };
  }
}

function serialize(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(serialize).join(',')}]`;
  if (v instanceof JsonObject) {
    // A stable sort: members with one key keep their relative order.
    const members = [...v.members].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${members.map(([k, m]) => `${JSON.stringify(k)}:${serialize(m)}`).join(',')}}`;
  }
  return v.num;
}

/** Canonical JSON text; text that is not valid JSON is returned unchanged (compared as text). */
export function canonicalJson(text: string): string {
  try {
    return serialize(new Parser(text).parseDocument());
  } catch {
    return text;
  }
}
