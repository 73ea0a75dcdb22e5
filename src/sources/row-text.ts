/**
 * A row as both databases write it before hashing it: every compared value as text in a form both
 * engines produce alike for equal values (see HashForm), the fields of a row joined into one
 * unambiguous string. A NULL is the lone field `N`; a value that can hold any character is two
 * fields, its byte length and its text; a value that may be longer than LONG_FIELD_BYTES and is
 * becomes `#` and its MD5 (two fields where the text would be two); the other values (numbers,
 * dates, hex) never hold a TAB, which separates the fields, or a newline, which separates rows
 * where a range's rows are joined (hash-dialect.ts RangeHash).
 *
 * A form that spells one value two ways (0 and -0, say) costs time, never a wrong answer: rows
 * whose hashes differ are read and compared value by value. A form that spells two values alike
 * would hide a difference, and is what the type matrix tests guard against.
 */
import type { LogicalType } from '../types.ts';
import { quoteIdent, type Engine } from './dialect.ts';

/**
 * How one column is written before hashing. Most forms are canonical: equal values give equal text
 * on both engines. `float`, `json` and `other` are each engine's own exact text: faithful (two
 * different values never share a text) but spelled differently by the two engines, so ranges only
 * match when both sides run on the same engine and hold the same native type.
 */
export type HashForm =
  | { kind: 'number'; trimScale: boolean }
  | { kind: 'text'; trimSpaces: boolean; lower: boolean }
  | { kind: 'bytes' }
  | { kind: 'date' }
  | { kind: 'time'; fraction: boolean }
  | { kind: 'timestamp'; fraction: boolean }
  | { kind: 'float' }
  | { kind: 'json' }
  | { kind: 'other' };

/** A column as hashed on one side: its form, and whether the text is hashed as its UTF-8 bytes in hex. */
export interface HashColumn {
  name: string;
  type: LogicalType;
  nativeType: string;
  collation: string | null;
  form: HashForm;
  /** Compared against a bytes column: written as the hex of its text's UTF-8 bytes. */
  asBytes: boolean;
  /** False when the column is declared NOT NULL: on MySQL its field then needs no NULL test. */
  nullable: boolean;
}

const CANONICAL_KINDS = new Set<HashForm['kind']>(['number', 'text', 'bytes', 'date', 'time', 'timestamp']);

/** Whether equal values give equal text on both engines (else only on one engine, one native type). */
export function isCanonicalForm(form: HashForm): boolean {
  return CANONICAL_KINDS.has(form.kind);
}

/** The declared scale of an exact number column, or null when values carry their own scale. */
export function declaredScale(type: LogicalType, nativeType: string): number | null {
  if (type === 'integer' || type === 'boolean') return 0;
  if (type !== 'decimal') return null;
  const m = /\(\s*\d+\s*,\s*(\d+)\s*\)/.exec(nativeType);
  if (m) return Number(m[1]);
  // numeric(p) and DECIMAL(p) mean scale 0, as does MySQL's bare DECIMAL; PostgreSQL's bare numeric
  // (or a domain over it) keeps the scale each value was written with.
  if (/\(\s*\d+\s*\)/.test(nativeType)) return 0;
  return /^decimal\b/i.test(nativeType.trim()) ? 0 : null;
}

/** Fractional seconds declared by a MySQL TIME/DATETIME/TIMESTAMP type (PostgreSQL never pads). */
function hasFraction(nativeType: string): boolean {
  const m = /\((\d+)\)/.exec(nativeType);
  return !!m && Number(m[1]) > 0;
}

interface SideType {
  type: LogicalType;
  nativeType: string;
}

const isTextual = (t: LogicalType) => t === 'text' || t === 'char';

/**
 * The forms of one compared column on the left and right, mirroring the pairing rules of
 * normalize/values.ts pairNormalizers: CHAR beside text drops pad spaces on both, text beside a
 * UUID is read as a lower-case UUID, and anything beside bytes is compared as UTF-8 bytes.
 */
export function pairForms(left: SideType, right: SideType): [HashForm, HashForm] {
  const one = (s: SideType, other: SideType): HashForm => {
    switch (s.type) {
      case 'integer':
      case 'decimal':
      case 'boolean': {
        const a = declaredScale(s.type, s.nativeType);
        const b = declaredScale(other.type, other.nativeType);
        return { kind: 'number', trimScale: a === null || b === null || a !== b };
      }
      case 'text':
      case 'char': {
        const trimSpaces = s.type === 'char' || other.type === 'char';
        return { kind: 'text', trimSpaces, lower: other.type === 'uuid' };
      }
      case 'uuid':
        return { kind: 'text', trimSpaces: false, lower: true };
      case 'bytes':
        return { kind: 'bytes' };
      case 'date':
        return { kind: 'date' };
      case 'time':
        return { kind: 'time', fraction: hasFraction(s.nativeType) };
      case 'timestamp':
      case 'timestamptz':
        return { kind: 'timestamp', fraction: hasFraction(s.nativeType) };
      case 'float4':
      case 'float8':
        return { kind: 'float' };
      case 'json':
        return { kind: 'json' };
      case 'other':
        return { kind: 'other' };
    }
  };
  // A UUID column beside text: both sides' text is the lower-case UUID; text beside text keeps case.
  const l = one(left, right);
  const r = one(right, left);
  if (left.type === 'uuid' && isTextual(right.type) && r.kind === 'text') r.trimSpaces = true;
  if (right.type === 'uuid' && isTextual(left.type) && l.kind === 'text') l.trimSpaces = true;
  return [l, r];
}

/** Whether a field's text may hold any character, so it is written with its length. */
function needsLength(c: HashColumn): boolean {
  if (c.asBytes) return false;
  return c.form.kind === 'text' || c.form.kind === 'json' || c.form.kind === 'other';
}

/**
 * Trailing zeros, then a trailing point, off a decimal text that has a point. The text is cast to
 * bytes first: it is all ASCII, so the bytes are the same, and MariaDB trims bytes for about a
 * fifth less of the whole range hash than it trims utf8mb4 characters (10M rows of two DATETIME(6)
 * columns, same digest either way).
 */
function mysqlTrimFraction(e: string): string {
  return `TRIM(TRAILING X'2E' FROM TRIM(TRAILING X'30' FROM CAST(${e} AS BINARY)))`;
}

/** A native type without its modifiers, lower case: `timestamp(3) with time zone` → `timestamp with time zone`. */
export function baseType(nativeType: string | undefined): string {
  return (nativeType ?? '').toLowerCase().replace(/\(.*\)/, '').trim();
}

/**
 * A PostgreSQL time or timestamp as its 8 stored bytes (time_send, timestamp_send,
 * timestamptz_send), undefined for other columns. Equal values, equal bytes: a timestamptz stores
 * microseconds of UTC and a timestamp those of its wall time, so they agree when the wall time is
 * the instant's in UTC, as reckon compares them.
 */
export function pgTemporalBytes(c: Pick<HashColumn, 'type' | 'nativeType'>, id: string): string | undefined {
  const base = baseType(c.nativeType);
  if (c.type === 'timestamptz') return `timestamptz_send(${id})`;
  if (c.type === 'timestamp' && /^timestamp( without time zone)?$/.test(base)) return `timestamp_send(${id})`;
  if (c.type === 'time' && /^time( without time zone)?$/.test(base)) return `time_send(${id})`;
  return undefined;
}

/**
 * The column in its form, before NULL handling; NULL in, NULL out. `e`'s text as its type writes
 * it (which is what concat_ws and ::text both write) is the field; `isText` says whether `e` is
 * already text. Only where the text itself is worked on (a length, a test) is it cast, since a
 * cast costs PostgreSQL an expression step per row that concat_ws's own output call does not.
 */
function pgValue(c: HashColumn, pgOnly = false): { e: string; isText: boolean } {
  const id = quoteIdent('postgres', c.name);
  // Where only another PostgreSQL server must write them alike, instants and times go as their
  // stored bytes in hex (`\x…`): the same value for a quarter of what formatting it costs.
  const temporal = c.form.kind === 'timestamp' || c.form.kind === 'time';
  const binary = pgOnly && temporal && !c.asBytes ? pgTemporalBytes(c, id) : undefined;
  if (binary) return { e: binary, isText: false };
  let e: string;
  let isText = false;
  switch (c.form.kind) {
    case 'number':
      if (c.type === 'boolean') e = `${id}::int`;
      else e = c.form.trimScale && c.type === 'decimal' ? `trim_scale(${id})` : id;
      break;
    case 'text':
      // bpchar::text already drops pad spaces.
      e = `${id}::text`;
      if (c.form.trimSpaces && c.type !== 'char') e = `rtrim(${e}, ' ')`;
      if (c.form.lower && c.type !== 'uuid') e = `lower(${e})`;
      isText = true;
      break;
    case 'bytes':
      e = `encode(${id}, 'hex')`;
      isText = true;
      break;
    case 'timestamp':
      // timestamptz is written as its UTC wall time, like DATETIME: sessions run in UTC
      // (postgres.ts), so the plain cast is that wall time, and costs less than AT TIME ZONE 'UTC',
      // which looks the zone up by name on every row. Whole seconds print no fraction and
      // fractions print no trailing zeros.
      e = c.type === 'timestamptz' ? `${id}::timestamp` : id;
      break;
    case 'float':
      // float4 widened to the double that holds it exactly, as normalize/ does.
      e = `${id}::float8`;
      break;
    case 'date':
    case 'time':
      e = id;
      break;
    default:
      e = `${id}::text`;
      isText = true;
  }
  if (c.asBytes) return { e: `encode(convert_to(${isText ? e : `${e}::text`}, 'UTF8'), 'hex')`, isText: true };
  return { e, isText };
}

function mysqlValue(c: HashColumn): string {
  const id = quoteIdent('mysql', c.name);
  const bit = /^bit\b/i.test(c.nativeType);
  let e: string;
  switch (c.form.kind) {
    case 'number':
      if (bit) e = `(${id} + 0)`;
      else if (c.form.trimScale && c.type === 'decimal' && declaredScale(c.type, c.nativeType) !== 0) {
        // Zero in any scale (and -0.00) is 0.
        e = `IF(${id} = 0, '0', ${mysqlTrimFraction(id)})`;
      } else e = id;
      break;
    case 'text': {
      const coll = c.collation ?? '';
      e = coll.startsWith('utf8mb4') || c.type === 'uuid' ? id : `CONVERT(${id} USING utf8mb4)`;
      if (c.form.trimSpaces) e = `TRIM(TRAILING ' ' FROM ${e})`;
      if (c.form.lower) e = `LOWER(${e})`;
      break;
    }
    case 'bytes':
      e = `LOWER(HEX(${id}))`;
      break;
    case 'time':
    case 'timestamp':
      // DATETIME(6) prints six digits; PostgreSQL prints none of the trailing zeros.
      e = c.form.fraction ? mysqlTrimFraction(id) : id;
      break;
    case 'float':
      // FLOAT prints six significant digits; the double holding it prints them all.
      e = c.type === 'float4' ? `CAST(${id} AS DOUBLE)` : id;
      break;
    case 'json':
      e = `CONVERT(${id} USING utf8mb4)`;
      break;
    case 'other':
      // The stored bytes: geometry and the like have no exact text, and a driver object no order.
      e = `HEX(${id})`;
      break;
    default:
      e = id;
  }
  return c.asBytes ? `LOWER(HEX(CONVERT(${e} USING utf8mb4)))` : e;
}

/**
 * A field whose text may be longer than this many bytes is written as `#` and the MD5 of its
 * text when it is: a row's text then has a known bound (rowTextBytes), which is what lets a range
 * of rows be hashed as one string (RangeHash `concat`) without the servers holding an unbounded
 * one. No other field text starts with `#`, and equal texts give equal MD5s, so the form stays
 * one-to-one but for MD5 collisions, which every hash here already relies on.
 */
export const LONG_FIELD_BYTES = 256;

/** Bytes a MySQL or PostgreSQL character type of n characters can take in UTF-8 (utf8mb4). */
const declaredChars = (nativeType: string): number | null => {
  const m = /^(?:national\s+)?(?:var)?char(?:acter)?(?:\s+varying)?\s*\(\s*(\d+)\s*\)/i.exec(nativeType.trim());
  return m ? Number(m[1]) : null;
};

/**
 * The most bytes a column's field text can take before any length prefix, or null when its type
 * sets no bound (PostgreSQL's text, bytea, bare numeric; MySQL's TEXT, BLOB, JSON).
 */
export function fieldTextBytes(c: HashColumn): number | null {
  let bytes: number | null;
  switch (c.form.kind) {
    case 'number': {
      if (c.type !== 'decimal') return 21;
      const m = /\(\s*(\d+)\s*(?:,\s*\d+\s*)?\)/.exec(c.nativeType);
      // Digits, sign and point; MySQL's bare DECIMAL is DECIMAL(10,0), PostgreSQL's is unbounded.
      bytes = m ? Number(m[1]) + 2 : /^decimal\b/i.test(c.nativeType.trim()) ? 12 : null;
      break;
    }
    case 'text': {
      const chars = declaredChars(c.nativeType);
      bytes = c.type === 'uuid' ? 36 : chars === null ? null : chars * 4;
      break;
    }
    case 'bytes': {
      const m = /^(?:var)?binary\s*\(\s*(\d+)\s*\)/i.exec(c.nativeType.trim());
      return m ? Number(m[1]) * 2 : null;
    }
    case 'date':
    case 'time':
    case 'timestamp':
    case 'float':
      // Dates past year 9999 or BC, infinity, a double's exponent: all well within this.
      bytes = 40;
      break;
    default:
      return null;
  }
  // Compared against bytes: the hex of the text's UTF-8 bytes.
  return c.asBytes && bytes !== null ? bytes * 2 : bytes;
}

/** Whether a field is written as `#` and its MD5 when its text exceeds LONG_FIELD_BYTES. */
function mayBeLong(c: HashColumn): boolean {
  const bytes = fieldTextBytes(c);
  return bytes === null || bytes > LONG_FIELD_BYTES;
}

/**
 * The concat_ws arguments that write one column: one, never NULL, or for a column whose text may
 * hold any character two, its byte length (or `N`, or `#` for a long one) and then its text (or
 * MD5), which is NULL exactly when the column is and is then skipped. Two arguments rather than
 * one CONCAT of them spare each engine a string per row (PostgreSQL about a tenth of its range
 * hash), and the form stays one-to-one: read left to right, the token before a length-prefixed
 * field's TAB says whether its value is absent (`N`), 32 hex digits (`#`) or exactly that many
 * bytes.
 */
function fieldArgs(engine: Engine, c: HashColumn, pgOnly = false): string[] {
  const long = mayBeLong(c);
  // Both engines' CONCAT_WS skip a NULL argument, and the fields after it would move: a NULL is
  // written as N. A column declared NOT NULL goes without the test, which costs MariaDB a fifth of
  // the whole hash and PostgreSQL an expression step. (A PostgreSQL domain's NOT NULL is not in the
  // catalog: such a column counts as nullable and keeps its test.)
  if (engine === 'postgres') {
    const { e, isText } = pgValue(c, pgOnly);
    const t = isText ? e : `${e}::text`;
    const guard = (x: string) => (c.nullable ? `COALESCE(${x}, 'N')` : x);
    if (needsLength(c)) {
      if (!long) return [guard(c.nullable ? `octet_length(${t})::text` : `octet_length(${t})`), t];
      const isLong = `octet_length(${t}) > ${LONG_FIELD_BYTES}`;
      return [guard(`CASE WHEN ${isLong} THEN '#' ELSE octet_length(${t})::text END`), `CASE WHEN ${isLong} THEN md5(${t}) ELSE ${t} END`];
    }
    if (long) return [guard(`CASE WHEN octet_length(${t}) > ${LONG_FIELD_BYTES} THEN '#' || md5(${t}) ELSE ${t} END`)];
    return [c.nullable ? guard(t) : e];
  }
  const v = mysqlValue(c);
  const guard = (x: string) => (c.nullable ? `IFNULL(${x}, 'N')` : x);
  if (needsLength(c)) {
    if (!long) return [guard(`LENGTH(${v})`), v];
    const isLong = `LENGTH(${v}) > ${LONG_FIELD_BYTES}`;
    return [guard(`IF(${isLong}, '#', LENGTH(${v}))`), `IF(${isLong}, MD5(${v}), ${v})`];
  }
  return [guard(long ? `IF(LENGTH(${v}) > ${LONG_FIELD_BYTES}, CONCAT('#', MD5(${v})), ${v})` : v)];
}

/** PostgreSQL functions take at most 100 arguments: longer rows join groups of fields. */
const PG_CONCAT_ARGS = 90;

/**
 * The row string of the given columns (keys first), as hashed. `pgOnly`: both sides are
 * PostgreSQL, and instants may be written in a form MySQL has no counterpart for
 * (pgTemporalBytes). Exposed for tests.
 */
export function rowTextExpression(engine: Engine, columns: readonly HashColumn[], pgOnly = false): string {
  const fields = columns.map((c) => fieldArgs(engine, c, engine === 'postgres' && pgOnly));
  if (engine === 'mysql') return `CONCAT_WS(CHAR(9), ${fields.flat().join(', ')})`;
  // One concat_ws call builds the row where a chain of || copies it once per field. A group never
  // splits a column's arguments, and its first is never NULL, so no group is empty and the groups
  // joined by TABs are the row joined in one call.
  const join = (parts: readonly string[][]): string => {
    const args = parts.flat();
    if (args.length <= PG_CONCAT_ARGS) return `concat_ws(E'\\t', ${args.join(', ')})`;
    const groups: string[][] = [];
    let group: string[][] = [];
    let size = 0;
    for (const p of parts) {
      if (size + p.length > PG_CONCAT_ARGS) {
        groups.push([join(group)]);
        group = [];
        size = 0;
      }
      group.push(p);
      size += p.length;
    }
    groups.push([join(group)]);
    return join(groups);
  };
  return join(fields);
}

/**
 * The most bytes a row's text can take (see LONG_FIELD_BYTES): what a range of rows hashed as one
 * string can hold at most, per row.
 */
export function rowTextBytes(columns: readonly HashColumn[]): number {
  let total = Math.max(0, columns.length - 1);
  for (const c of columns) {
    const bytes = fieldTextBytes(c);
    const text = bytes === null || bytes > LONG_FIELD_BYTES ? Math.max(LONG_FIELD_BYTES, 33) : bytes;
    // A length-prefixed field's length and its TAB.
    total += text + (needsLength(c) ? String(text).length + 1 : 0);
  }
  return total;
}
