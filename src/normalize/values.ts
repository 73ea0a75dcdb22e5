/**
 * One canonical text per logical type, so values equal by meaning are equal strings whatever the
 * engine or driver formatting. Every comparison, key order and hash in reckon works on these.
 */
import { ReckonError } from '../errors.ts';
import type { LogicalType, RawValue } from '../types.ts';
import { canonicalDecimal } from './decimal.ts';
import { canonicalJson } from './json.ts';
import { canonicalDate, canonicalTime, canonicalTimestamp } from './temporal.ts';

/**
 * What a normaliser is given: a source's text, or what a driver sends instead of text for some
 * types: a JS number (mysql2 for integers and doubles), or big-endian bytes (mysql2 for BIT).
 */
export type Incoming = RawValue | number | Uint8Array;

/** Turns a source's raw value into canonical text; null stays null. */
export type Normalizer = (raw: Incoming) => string | null;

/**
 * Comparison class: the tag written before each value in a row encoding. Types in one class are
 * comparable across engines (integer vs decimal vs boolean-as-0/1 compare as exact numbers).
 */
export type ValueClass = 'n' | 'f' | 't' | 'd' | 'h' | 's' | 'j' | 'b' | 'o';

export function valueClass(type: LogicalType): ValueClass {
  switch (type) {
    case 'integer':
    case 'decimal':
    case 'boolean':
      return 'n';
    case 'float4':
    case 'float8':
      return 'f';
    case 'text':
    case 'char':
    case 'uuid':
      return 't';
    case 'date':
      return 'd';
    case 'time':
      return 'h';
    case 'timestamp':
    case 'timestamptz':
      return 's';
    case 'json':
      return 'j';
    case 'bytes':
      return 'b';
    case 'other':
      return 'o';
  }
}

/**
 * A non-null value as text. String() of a parsed object (a geometry, say) is "[object Object]"
 * for every value, which would make any two of them equal; so bytes become \x-prefixed hex, and
 * anything else is refused rather than compared.
 */
function str(raw: Exclude<Incoming, null>): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number') return String(raw);
  if (raw instanceof Uint8Array) return `\\x${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex')}`;
  throw new ReckonError(
    'SCHEMA',
    `the database driver delivered a value as ${Object.prototype.toString.call(raw)} instead of text, which reckon ` +
      `cannot compare exactly; leave that column out of the comparison`,
  );
}

function text(raw: Incoming): string | null {
  return raw === null ? null : str(raw);
}

/** The unsigned integer held in big-endian bytes (MySQL BIT). */
function bigEndianUnsigned(b: Uint8Array): string {
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return n.toString();
}

function exactNumber(raw: Incoming): string | null {
  if (raw === null) return null;
  if (raw instanceof Uint8Array) return bigEndianUnsigned(raw);
  if (typeof raw === 'number') return Number.isInteger(raw) ? (Object.is(raw, -0) ? '0' : String(raw)) : canonicalDecimal(String(raw)) ?? String(raw);
  const s = str(raw);
  return canonicalDecimal(s) ?? s;
}

function boolean(raw: Incoming): string | null {
  if (raw === null) return null;
  // PostgreSQL sends t/f; MySQL's BOOLEAN is tinyint(1) and may hold any small integer, which is
  // kept as it is so a 2 never silently equals a 1.
  if (raw === 't' || raw === 'true' || raw === true as unknown) return '1';
  if (raw === 'f' || raw === 'false' || raw === false as unknown) return '0';
  return exactNumber(raw);
}

function float64(raw: Incoming): string | null {
  if (raw === null) return null;
  const s = typeof raw === 'number' ? undefined : str(raw);
  const n = s === undefined ? (raw as number) : Number(s);
  if (Number.isNaN(n) && s !== undefined && s !== 'NaN') return s;
  // JS's shortest round-trip form names exactly one IEEE double.
  return String(n);
}

function float32(raw: Incoming): string | null {
  if (raw === null) return null;
  const s = typeof raw === 'number' ? undefined : str(raw);
  const n = s === undefined ? (raw as number) : Number(s);
  if (Number.isNaN(n) && s !== undefined && s !== 'NaN') return s;
  // Engines print single-precision values in their shortest float4 form; rounding to float32
  // recovers the stored value, which is then written as the double that holds it exactly.
  return String(Math.fround(n));
}

function charPadded(raw: Incoming): string | null {
  if (raw === null) return null;
  const s = str(raw);
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return end === s.length ? s : s.slice(0, end);
}

function uuid(raw: Incoming): string | null {
  return raw === null ? null : str(raw).toLowerCase();
}

function bytes(raw: Incoming): string | null {
  if (raw === null) return null;
  const s = str(raw);
  // PostgreSQL's hex output starts with \x; MySQL's HEX() is upper case.
  return (s.startsWith('\\x') ? s.slice(2) : s).toLowerCase();
}

function timestamp(raw: Incoming): string | null {
  return raw === null ? null : canonicalTimestamp(str(raw));
}

function date(raw: Incoming): string | null {
  return raw === null ? null : canonicalDate(str(raw));
}

function time(raw: Incoming): string | null {
  return raw === null ? null : canonicalTime(str(raw));
}

function json(raw: Incoming): string | null {
  return raw === null ? null : canonicalJson(str(raw));
}

/** The normaliser for one side's column of the given logical type. */
export function normalizerFor(type: LogicalType): Normalizer {
  switch (type) {
    case 'integer':
    case 'decimal':
      return exactNumber;
    case 'boolean':
      return boolean;
    case 'float4':
      return float32;
    case 'float8':
      return float64;
    case 'char':
      return charPadded;
    case 'uuid':
      return uuid;
    case 'bytes':
      return bytes;
    case 'timestamp':
    case 'timestamptz':
      return timestamp;
    case 'date':
      return date;
    case 'time':
      return time;
    case 'json':
      return json;
    case 'text':
    case 'other':
      return text;
  }
}

/** A UUID kept as text (MySQL has no UUID type; CHAR(36) is the usual stand-in). */
function uuidText(raw: Incoming): string | null {
  const s = charPadded(raw);
  return s === null ? null : s.toLowerCase();
}

/**
 * Normaliser for a column compared across two sides. CHAR semantics win when either side is CHAR:
 * a CHAR(5) 'ab   ' and a VARCHAR 'ab' hold the same value. Text compared with a UUID column is
 * read as a UUID, whose hex digits have no case: the UUID side only ever holds lower-case hex, so
 * lower-casing the text can only match the one UUID it spells.
 */
export function pairNormalizers(left: LogicalType, right: LogicalType): [Normalizer, Normalizer] {
  if ((left === 'char' && right === 'text') || (left === 'text' && right === 'char')) {
    return [charPadded, charPadded];
  }
  const textual = (t: LogicalType) => t === 'text' || t === 'char';
  if (left === 'uuid' && textual(right)) return [uuid, uuidText];
  if (textual(left) && right === 'uuid') return [uuidText, uuid];
  // Bytes are compared as hex; any other value beside them would otherwise match whenever its
  // text happens to spell that hex ('00ff' or 10 against 0x00ff or 0x10). It is compared as the
  // UTF-8 bytes of its canonical text instead: a BLOB holding 'abc' equals a text 'abc'.
  if (left === 'bytes' && right !== 'bytes') return [bytes, textAsBytes(normalizerFor(right))];
  if (left !== 'bytes' && right === 'bytes') return [textAsBytes(normalizerFor(left)), bytes];
  return [normalizerFor(left), normalizerFor(right)];
}

/** Text as the hex of its UTF-8 bytes, the form bytes are compared in. */
function textAsBytes(norm: Normalizer): Normalizer {
  return (raw) => {
    const s = norm(raw);
    return s === null ? null : Buffer.from(s, 'utf8').toString('hex');
  };
}
