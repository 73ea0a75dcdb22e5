/**
 * In-database row hashing: the SQL that makes each engine compute, for key ranges, a row count and
 * the sum of a 64-bit per-row hash, without sending the rows.
 *
 * Every compared value is first written as text in a form both engines produce alike for equal
 * values (see HashForm), then the fields of a row are joined into one unambiguous string: a NULL
 * is the lone field `N`; a value that can hold any character is `<byte length>:<text>`; the other
 * values (numbers, dates, hex) never hold a TAB, which separates the fields. The row's hash is the
 * first 64 bits of the MD5 of that string (see rowDigestExpression). A range's
 * aggregate is COUNT(*) and SUM(hash), compared modulo 2^64 (PostgreSQL sums the bits as a signed
 * bigint, MySQL as unsigned; the two agree modulo 2^64).
 *
 * A hash only ever decides that a range needs no closer look. A range whose aggregates differ is
 * streamed and compared value by value, so a form that spells one value two ways (0 and -0, say)
 * costs time, never a wrong answer; a form that spells two values alike would hide a difference,
 * and is what the type matrix tests guard against.
 */
import type { KeyRange, LogicalType, RawRow, TableRef } from '../types.ts';
import {
  keyExpression,
  Params,
  qualifiedTable,
  quoteIdent,
  rangeConditions,
  selectExpression,
  type BuiltQuery,
  type Engine,
  type KeyColumn,
} from './dialect.ts';

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

/** Trailing zeros, then a trailing point, off a decimal text that has a point. */
function mysqlTrimFraction(e: string): string {
  return `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${e}))`;
}

/** The column's text in its form, before NULL handling; NULL in, NULL out. */
function pgValue(c: HashColumn): string {
  const id = quoteIdent('postgres', c.name);
  let e: string;
  switch (c.form.kind) {
    case 'number':
      if (c.type === 'boolean') e = `${id}::int::text`;
      else e = c.form.trimScale && c.type === 'decimal' ? `trim_scale(${id})::text` : `${id}::text`;
      break;
    case 'text':
      // bpchar::text already drops pad spaces.
      e = `${id}::text`;
      if (c.form.trimSpaces && c.type !== 'char') e = `rtrim(${e}, ' ')`;
      if (c.form.lower && c.type !== 'uuid') e = `lower(${e})`;
      break;
    case 'bytes':
      e = `encode(${id}, 'hex')`;
      break;
    case 'timestamp':
      // Sessions run in UTC; timestamptz is written as its UTC wall time, like DATETIME. Whole
      // seconds print no fraction and fractions print no trailing zeros.
      e = c.type === 'timestamptz' ? `(${id} AT TIME ZONE 'UTC')::text` : `${id}::text`;
      break;
    case 'float':
      // float4 widened to the double that holds it exactly, as normalize/ does.
      e = `${id}::float8::text`;
      break;
    default:
      e = `${id}::text`;
  }
  return c.asBytes ? `encode(convert_to(${e}, 'UTF8'), 'hex')` : e;
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

/** One field of the row string: never NULL. */
function field(engine: Engine, c: HashColumn): string {
  const v = engine === 'postgres' ? pgValue(c) : mysqlValue(c);
  const long = mayBeLong(c);
  // PostgreSQL's || turns the whole row text NULL on one NULL field, and SUM would then skip the
  // row without a trace: every field is guarded there (it costs PostgreSQL next to nothing).
  // MySQL's CONCAT_WS never returns NULL, and the test costs MariaDB a fifth of the whole hash, so
  // a NOT NULL column goes without it.
  if (engine === 'postgres') {
    let text = needsLength(c) ? `octet_length(${v})::text || ':' || ${v}` : v;
    if (long) text = `CASE WHEN octet_length(${v}) > ${LONG_FIELD_BYTES} THEN '#' || md5(${v}) ELSE ${text} END`;
    return `COALESCE(${text}, 'N')`;
  }
  let text = needsLength(c) ? `CONCAT(LENGTH(${v}), ':', ${v})` : v;
  if (long) text = `IF(LENGTH(${v}) > ${LONG_FIELD_BYTES}, CONCAT('#', MD5(${v})), ${text})`;
  return c.nullable ? `IFNULL(${text}, 'N')` : text;
}

/** PostgreSQL functions take at most 100 arguments: longer rows join groups of fields. */
const PG_CONCAT_ARGS = 90;

/** The row string of the given columns (keys first), as hashed. Exposed for tests. */
export function rowTextExpression(engine: Engine, columns: readonly HashColumn[]): string {
  const fields = columns.map((c) => field(engine, c));
  if (engine === 'mysql') return `CONCAT_WS(CHAR(9), ${fields.join(', ')})`;
  // One concat_ws call builds the row where a chain of || copies it once per field. Every field is
  // COALESCEd, so none is skipped.
  const join = (parts: readonly string[]): string => {
    if (parts.length <= PG_CONCAT_ARGS) return `concat_ws(E'\\t', ${parts.join(', ')})`;
    const groups: string[] = [];
    for (let i = 0; i < parts.length; i += PG_CONCAT_ARGS) groups.push(join(parts.slice(i, i + PG_CONCAT_ARGS)));
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
    total += text + (needsLength(c) ? String(text).length + 1 : 0);
  }
  return total;
}

/**
 * The per-row digest of digest mode: the first 64 bits of the MD5 of the row text, as the 16
 * lower-case hex digits both engines write MD5 in, so equal rows send equal text with no
 * conversion to a number (CONV and CAST cost MariaDB about a fifth of the hash) and in 16 bytes
 * instead of up to 20 digits, which is what a slow link waits on. MD5 is the one strong hash both
 * engines ship; when the other side is PostgreSQL too, its own 64-bit text hash (the one hash
 * partitioning relies on, stable across versions) costs half as much, and is sent as a number. It
 * is given the bytes under COLLATE "C": under a nondeterministic collation it would hash 'A' and
 * 'a' alike.
 */
export function rowDigestExpression(engine: Engine, columns: readonly HashColumn[], peer: Engine): string {
  const text = rowTextExpression(engine, columns);
  if (engine === 'postgres' && peer === 'postgres') return `hashtextextended((${text}) COLLATE "C", 0)`;
  return engine === 'postgres' ? `left(md5(${text}), 16)` : `LEFT(MD5(${text}), 16)`;
}

/**
 * The 64-bit per-row hash that hash mode sums: the digest's bits as a signed bigint on PostgreSQL,
 * unsigned on MySQL.
 */
export function rowHashExpression(engine: Engine, columns: readonly HashColumn[], peer: Engine): string {
  const digest = rowDigestExpression(engine, columns, peer);
  if (engine === 'postgres' && peer === 'postgres') return digest;
  return engine === 'postgres' ? `('x' || ${digest})::bit(64)::bigint` : `CAST(CONV(${digest}, 16, 10) AS UNSIGNED)`;
}

/**
 * A row hash or a sum of them as the engine sends it, as an unsigned 64-bit number: PostgreSQL's
 * are signed bigints, MySQL's unsigned, and a MySQL SUM is an exact DECIMAL beyond 2^64.
 */
export function unsigned64(text: string): bigint {
  return BigInt.asUintN(64, BigInt(text.split('.')[0]!));
}

/**
 * How the rows of a key range are folded into one value that both databases compute alike.
 *
 * `sum`: COUNT(*) and the sum of the 64-bit row hashes (rowHashExpression), compared modulo 2^64.
 * Any row order gives the same sum, but each row pays for its own MD5 and for the sum.
 *
 * `concat`: COUNT(*) and the MD5 of the range's row texts (rowTextExpression) joined by newlines
 * in key order: one MD5 over the range instead of one per row, which costs MariaDB about a third
 * less (10M rows: 10.5 s of CPU against 16.9 s). Only the first `rowLimit + 1` rows are joined (PostgreSQL: LIMIT; MariaDB: GROUP_CONCAT's
 * LIMIT), so a range holding more than `rowLimit` rows never agrees and is cut smaller; with
 * `textBytes`, the most bytes one row's text can take, that bounds the string a server holds.
 *
 * Why `concat` cannot call two different tables identical: a row text is one-to-one (its fields
 * are NULL-marked, length-prefixed or free of TAB and newline), so the joined text of a range
 * spells out the exact sequence of its rows, keys included; equal MD5s mean equal sequences, hence
 * equal rows. MariaDB joins rows in the order it reads them, which is key order on a range scan of
 * the key's index but not promised: a different order only makes equal ranges disagree, and a
 * range that disagrees is read row by row. The order only decides speed, never the answer.
 */
export type RangeHash = { aggregate: 'sum'; row: string } | { aggregate: 'concat'; text: string; rowLimit: number; textBytes: number };

/**
 * group_concat_max_len for a concat statement: room for every row it may join, so MariaDB never
 * cuts the string (a cut on both sides of a MariaDB pair would hide what follows it). MariaDB caps
 * the setting at 1 GiB; concatLimits keeps a range well below that.
 */
export function concatMaxLen(h: { rowLimit: number; textBytes: number }): number {
  return (h.rowLimit + 1) * (h.textBytes + 1);
}

/** Most bytes one concat range may hold on a server (concatMaxLen). */
export const CONCAT_RANGE_BYTES = 256 * 1024 * 1024;

/**
 * Rows per first-pass range and the row limit of `concat` ranges for rows of `textBytes` at most:
 * about 8 MiB of row text per range at worst, and never more than 10,000 rows (smaller ranges
 * only add statements). Null when even a small range could outgrow CONCAT_RANGE_BYTES.
 */
export function concatLimits(textBytes: number): { rowsPerRange: number; rowLimit: number } | null {
  const rowsPerRange = Math.max(64, Math.min(10_000, Math.floor((8 * 1024 * 1024) / Math.max(1, textBytes))));
  const rowLimit = 2 * rowsPerRange;
  return concatMaxLen({ rowLimit, textBytes }) <= CONCAT_RANGE_BYTES ? { rowsPerRange, rowLimit } : null;
}

export interface HashQueryRequest {
  table: TableRef;
  keyColumns: readonly KeyColumn[];
  where?: string;
  hash: RangeHash;
}

/** One range's answer: its rows and their folded value, compared as is. */
export interface RangeAggregate {
  rows: number;
  value: string;
  /** False when the range held more rows than a concat hash joins: it never agrees. */
  complete: boolean;
}

/** A range's `index, count, value` row as the engines send it (see buildRangeHashQuery). */
export function parseRangeAggregate(hash: RangeHash, row: RawRow | undefined): RangeAggregate {
  const rows = Number(row?.[1] ?? 0);
  const raw = row?.[2];
  const empty = raw === null || raw === undefined || raw === '';
  if (hash.aggregate === 'sum') return { rows, value: empty ? '0' : unsigned64(String(raw)).toString(), complete: true };
  return { rows, value: empty ? '' : String(raw), complete: rows <= hash.rowLimit };
}

/**
 * Count and folded hash of each range, one row per range: `index, count, value`, in one statement
 * of UNION ALL branches, so each range is its own index range scan and one round trip serves many.
 * PostgreSQL bounds are written inline: each branch then plans for its own bounds.
 */
export function buildRangeHashQuery(engine: Engine, req: HashQueryRequest, ranges: readonly KeyRange[]): BuiltQuery {
  const params = new Params(engine, engine === 'postgres');
  const h = req.hash;
  const table = qualifiedTable(engine, req.table);
  const branches = ranges.map((range, i) => {
    const conds = rangeConditions(engine, req.keyColumns, range, req.where, params);
    const where = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
    if (h.aggregate === 'sum') {
      const sum = engine === 'postgres' ? `sum(${h.row})::text` : `CAST(SUM(${h.row}) AS CHAR)`;
      return `SELECT ${i} AS i, COUNT(*) AS n, ${sum} AS h FROM ${table}${where}`;
    }
    if (engine === 'postgres') {
      const order = req.keyColumns.map((c) => keyExpression(engine, c)).join(', ');
      return (
        `SELECT ${i} AS i, COUNT(*) AS n, md5(string_agg(s.reckon_row, E'\\n')) AS h ` +
        `FROM (SELECT ${h.text} AS reckon_row FROM ${table}${where} ORDER BY ${order} LIMIT ${h.rowLimit + 1}) s`
      );
    }
    // X'0A' rather than '\n': a server in NO_BACKSLASH_ESCAPES mode reads no escapes.
    return `SELECT ${i} AS i, COUNT(*) AS n, MD5(GROUP_CONCAT(${h.text} SEPARATOR X'0A' LIMIT ${h.rowLimit + 1})) AS h FROM ${table}${where}`;
  });
  let text = branches.length === 1 ? branches[0]! : branches.map((b) => `(${b})`).join(' UNION ALL ');
  if (h.aggregate === 'concat' && engine === 'mysql') text = `SET STATEMENT group_concat_max_len = ${concatMaxLen(h)} FOR ${text}`;
  return { text, values: params.values };
}

/** Lowest and highest value of a single-column key in the filtered table, as text. */
export function buildKeySpanQuery(engine: Engine, table: TableRef, key: KeyColumn, where: string | undefined): BuiltQuery {
  const id = quoteIdent(engine, key.name);
  const cast = (e: string) => (engine === 'postgres' ? `${e}::text` : `CAST(${e} AS CHAR)`);
  return {
    text: `SELECT ${cast(`MIN(${id})`)}, ${cast(`MAX(${id})`)} FROM ${qualifiedTable(engine, table)}${where && where.trim() ? ` WHERE (${where})` : ''}`,
    values: [],
  };
}

/**
 * Every `step`-th key of a range of the ordered, filtered table: boundaries that cut it into
 * ranges of about `step` rows, read in one pass over the key index.
 */
export function buildKeysEveryQuery(
  engine: Engine,
  table: TableRef,
  keyColumns: readonly KeyColumn[],
  where: string | undefined,
  range: KeyRange,
  step: number,
): BuiltQuery {
  const params = new Params(engine, engine === 'postgres');
  const conds = rangeConditions(engine, keyColumns, range, where, params);
  const order = keyColumns.map((c) => keyExpression(engine, c)).join(', ');
  // Keys are selected as scans select them, so a boundary reads back into a range predicate.
  const select = keyColumns.map((c, i) => `${selectExpression(engine, c.name, c.type)} AS reckon_k${i}`);
  const inner =
    `SELECT ${select.join(', ')}, ROW_NUMBER() OVER (ORDER BY ${order}) AS reckon_rn FROM ${qualifiedTable(engine, table)}` +
    (conds.length ? ` WHERE ${conds.join(' AND ')}` : '');
  const outer = keyColumns.map((_, i) => `s.reckon_k${i}`);
  return {
    text: `SELECT ${outer.join(', ')} FROM (${inner}) s WHERE MOD(s.reckon_rn, ${Math.max(1, Math.floor(step))}) = 0 ORDER BY s.reckon_rn`,
    values: params.values,
  };
}


/** Types whose own PostgreSQL hash agrees with reckon's equality: equal values, equal hashes. */
const TYPED_HASH = new Set<LogicalType>(['integer', 'decimal', 'float4', 'float8', 'boolean', 'uuid', 'date', 'time', 'timestamp', 'timestamptz', 'bytes']);

/** PostgreSQL 14 brought hash_record_extended. */
export const RECORD_DIGEST_MIN_VERSION = 140000;

/**
 * A row digest for two PostgreSQL servers: the non-key values hashed by each type's own 64-bit
 * hash (hash_record_extended), so no text is formatted for them; it costs the server about two
 * thirds of sending the row. Equal values hash alike (10.5 and 10.50, an instant in any zone); the
 * reverse is what matters, and holds but for 64-bit collisions: text goes through `::text COLLATE
 * "C"`, so a case-insensitive type or collation never hashes 'A' like 'a', and anything without a
 * listed type is hashed as its text, whose equality reckon's is. NULL hashes as 0 inside a record,
 * so a nullable column also adds its NULL test. Digests are compared only with the other server's
 * digest of the same columns; a pair of types hashed differently (int beside numeric) only costs
 * the re-reading of those rows. It is sent in hex (to_hex is one-to-one on bigint): at most 16
 * bytes where the decimal takes up to 20, a tenth of what digest mode receives.
 */
export function pgRecordDigest(columns: readonly Pick<HashColumn, 'name' | 'type' | 'nullable'>[]): string {
  const fields = columns.flatMap((c) => {
    const id = quoteIdent('postgres', c.name);
    const value = TYPED_HASH.has(c.type) ? id : `(${id}::text COLLATE "C")`;
    return c.nullable ? [value, `(${id} IS NULL)`] : [value];
  });
  return `to_hex(hash_record_extended(ROW(${fields.join(', ')}), 0))`;
}
