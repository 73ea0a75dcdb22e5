/**
 * One canonical text per logical type, so values equal by meaning are equal strings whatever the
 * engine or driver formatting. Every comparison, key order and hash in reckon works on these.
 */
import type { LogicalType, RawValue } from '../types.ts';
import { canonicalDecimal } from './decimal.ts';
import { canonicalJson } from './json.ts';
import { canonicalDate, canonicalTime, canonicalTimestamp } from './temporal.ts';

/** Turns a source's raw value into canonical text; null stays null. */
export type Normalizer = (raw: RawValue | number) => string | null;

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

function text(raw: RawValue | number): string | null {
  return raw === null ? null : String(raw);
}

function exactNumber(raw: RawValue | number): string | null {
  if (raw === null) return null;
  if (typeof raw === 'number') return Number.isInteger(raw) ? (Object.is(raw, -0) ? '0' : String(raw)) : canonicalDecimal(String(raw)) ?? String(raw);
  return canonicalDecimal(raw) ?? raw;
}

function boolean(raw: RawValue | number): string | null {
  if (raw === null) return null;
  // PostgreSQL sends t/f; MySQL's BOOLEAN is tinyint(1) and may hold any small integer, which is
  // kept as it is so a 2 never silently equals a 1.
  if (raw === 't' || raw === 'true' || raw === true as unknown) return '1';
  if (raw === 'f' || raw === 'false' || raw === false as unknown) return '0';
  return exactNumber(raw);
}

function float64(raw: RawValue | number): string | null {
  if (raw === null) return null;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (Number.isNaN(n) && typeof raw === 'string' && raw !== 'NaN') return raw;
  // JS's shortest round-trip form names exactly one IEEE double.
  return String(n);
}

function float32(raw: RawValue | number): string | null {
  if (raw === null) return null;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (Number.isNaN(n) && typeof raw === 'string' && raw !== 'NaN') return raw;
  // Engines print single-precision values in their shortest float4 form; rounding to float32
  // recovers the stored value, which is then written as the double that holds it exactly.
  return String(Math.fround(n));
}

function charPadded(raw: RawValue | number): string | null {
  if (raw === null) return null;
  const s = String(raw);
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return end === s.length ? s : s.slice(0, end);
}

function uuid(raw: RawValue | number): string | null {
  return raw === null ? null : String(raw).toLowerCase();
}

function bytes(raw: RawValue | number): string | null {
  if (raw === null) return null;
  const s = String(raw);
  // PostgreSQL's hex output starts with \x; MySQL's HEX() is upper case.
  return (s.startsWith('\\x') ? s.slice(2) : s).toLowerCase();
}

function timestamp(raw: RawValue | number): string | null {
  return raw === null ? null : canonicalTimestamp(String(raw));
}

function date(raw: RawValue | number): string | null {
  return raw === null ? null : canonicalDate(String(raw));
}

function time(raw: RawValue | number): string | null {
  return raw === null ? null : canonicalTime(String(raw));
}

function json(raw: RawValue | number): string | null {
  return raw === null ? null : canonicalJson(String(raw));
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

/**
 * Normaliser for a column compared across two sides. CHAR semantics win when either side is CHAR:
 * a CHAR(5) 'ab   ' and a VARCHAR 'ab' hold the same value.
 */
export function pairNormalizers(left: LogicalType, right: LogicalType): [Normalizer, Normalizer] {
  if ((left === 'char' && right === 'text') || (left === 'text' && right === 'char')) {
    return [charPadded, charPadded];
  }
  return [normalizerFor(left), normalizerFor(right)];
}
