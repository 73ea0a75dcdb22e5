/**
 * In-database row hashing: the SQL that makes each engine digest rows without sending them, per
 * row (digest mode: rowDigestExpression, pgRecordDigest) or per key range (hash mode: a row count
 * and one value folded from the range's rows, see RangeHash), and the key queries that cut ranges.
 * Rows are hashed as row-text.ts writes them.
 *
 * A hash only ever decides that a row or a range needs no closer look. One whose hashes differ is
 * read and compared value by value, so a hash can cost time, never hide a difference.
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
import { baseType, pgTemporalBytes, rowTextExpression, type HashColumn } from './row-text.ts';

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
  const text = rowTextExpression(engine, columns, engine === 'postgres' && peer === 'postgres');
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

/**
 * A piece of an integer key's span cut into buckets of `width` consecutive key values:
 * bucket b holds the keys in [lo + b * width, lo + (b + 1) * width). `openLow`: the piece has no
 * lower bound, so rows below lo (written since the span was read) go to bucket -1; with
 * `openHigh`, rows at or above hi fall in the buckets past the last, as the arithmetic puts them.
 */
export interface BucketPiece {
  range: KeyRange;
  lo: bigint;
  width: bigint;
  openLow: boolean;
}

/**
 * Count and summed row hash of every non-empty bucket of a piece, one row per bucket:
 * `bucket, count, value`, in bucket order. Only for `sum` hashes, which need no row order, so the
 * server may group the rows as it likes. The bucket number is computed in 64-bit integers from an
 * integer key; the caller keeps the span well inside that range.
 */
export function buildBucketHashQuery(engine: Engine, req: HashQueryRequest, piece: BucketPiece): BuiltQuery {
  if (req.hash.aggregate !== 'sum') throw new Error('bucket hashes are for summed row hashes only');
  if (req.keyColumns.length !== 1) throw new Error('bucket hashes need a single integer key column');
  const params = new Params(engine, engine === 'postgres');
  const conds = rangeConditions(engine, req.keyColumns, piece.range, req.where, params);
  const id = quoteIdent(engine, req.keyColumns[0]!.name);
  const lo = piece.lo.toString();
  const w = piece.width.toString();
  // Literals of our own making (bigints), not user text.
  let bucket = engine === 'postgres' ? `((${id})::int8 - (${lo})::int8) / ${w}` : `(${id} - (${lo})) DIV ${w}`;
  if (piece.openLow) bucket = `CASE WHEN ${id} < ${lo} THEN -1 ELSE ${bucket} END`;
  const where = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
  if (engine === 'postgres') {
    // Grouped from a fenced subquery of two numbers a row: the planner then counts on few groups
    // and hashes them (a hash aggregate of 625 buckets per 10,000 rows), where grouping the
    // table's rows directly it sorted whole rows first, a fifth more for the server. The buckets
    // come back as one text, `b n sum` joined by commas: one row per bucket cost reckon more to
    // receive than the server to hash them.
    return {
      text:
        `SELECT string_agg(g.reckon_b || ' ' || g.n || ' ' || g.h, ',' ORDER BY g.reckon_b) FROM ` +
        `(SELECT s.reckon_b, COUNT(*) AS n, sum(s.reckon_h) AS h FROM ` +
        `(SELECT ${bucket} AS reckon_b, ${req.hash.row} AS reckon_h FROM ${qualifiedTable(engine, req.table)}${where} OFFSET 0) s ` +
        `GROUP BY 1) g`,
      values: params.values,
    };
  }
  return {
    text: `SELECT ${bucket} AS reckon_b, COUNT(*) AS n, CAST(SUM(${req.hash.row}) AS CHAR) AS h FROM ${qualifiedTable(engine, req.table)}${where} GROUP BY 1 ORDER BY 1`,
    values: params.values,
  };
}

/** One bucket's answer: its number in its piece, its row count, and its sum as sent. */
export interface BucketAggregate {
  b: number;
  rows: number;
  sum: string;
}

/** The answer to buildBucketHashQuery, in bucket order. */
export function parseBucketRows(engine: Engine, rows: readonly RawRow[]): BucketAggregate[] {
  const out: BucketAggregate[] = [];
  if (engine === 'postgres') {
    const text = rows[0]?.[0];
    if (text === null || text === undefined || text === '') return out;
    for (const entry of String(text).split(',')) {
      const [b, n, h] = entry.split(' ');
      out.push({ b: Number(b), rows: Number(n), sum: h ?? '' });
    }
  } else {
    for (const row of rows) out.push({ b: Number(row[0]), rows: Number(row[1]), sum: String(row[2] ?? '') });
  }
  return out.sort((x, y) => x.b - y.b);
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


/**
 * Types whose own PostgreSQL hash agrees with reckon's equality (equal values, equal hashes) and
 * reads the whole value: numeric digits, 8 float bytes, 16 uuid bytes, 4 date bytes, all bytes.
 */
const TYPED_HASH = new Set<LogicalType>(['integer', 'decimal', 'float4', 'float8', 'boolean', 'uuid', 'date', 'bytes']);

/**
 * Whether a column goes into a record hash by its type's own hash. Not a bigint, time or
 * timestamp: PostgreSQL hashes a 64-bit integer as the XOR of its two halves (hashint8extended,
 * kept equal to int4's hash for small values), so bigint 1 and 4294967296, or two instants
 * 4294967297 µs apart, hash alike; those are hashed as their stored bytes (int64Bytes).
 */
function typedHash(c: Pick<HashColumn, 'type' | 'nativeType'>): boolean {
  if (!TYPED_HASH.has(c.type)) return false;
  return !(c.type === 'integer' && ['bigint', 'int8'].includes(baseType(c.nativeType)));
}

/**
 * A bigint, time or timestamp as its 8 stored bytes (int8send, pgTemporalBytes), which the bytea
 * hash reads whole: the same value as its text, for less than formatting it.
 */
function int64Bytes(c: Pick<HashColumn, 'type' | 'nativeType'>, id: string): string | undefined {
  const base = baseType(c.nativeType);
  if (c.type === 'integer' && (base === 'bigint' || base === 'int8')) return `int8send(${id})`;
  return pgTemporalBytes(c, id);
}

/**
 * What a column is hashed as inside a record (pgRecordDigest): its type's own hash where
 * typedHash allows, text otherwise. Two columns whose forms differ hash equal values apart (a
 * bigint and a numeric 5, a uuid and its text), so a pair of tables is hashed by record only when
 * every column pair has one form; PostgreSQL's hashes of smallint and integer agree, and so do
 * those of real and double precision.
 */
export function recordHashForm(c: Pick<HashColumn, 'type' | 'nativeType'>): string {
  if (int64Bytes(c, '')) return c.type === 'timestamptz' ? 'timestamp' : baseType(c.nativeType).replace(/ without time zone$/, '');
  if (!typedHash(c)) return 'text';
  const base = baseType(c.nativeType);
  if (['smallint', 'integer', 'int2', 'int4'].includes(base)) return 'integer';
  // A real widens to the double that holds it, before hashing and in reckon's comparison alike.
  if (['real', 'double precision', 'float4', 'float8'].includes(base)) return 'float';
  return base;
}

/** PostgreSQL 14 brought hash_record_extended. */
export const RECORD_DIGEST_MIN_VERSION = 140000;

/**
 * A row digest for two PostgreSQL servers: the non-key values hashed by each type's own 64-bit
 * hash (hash_record_extended) where that reads the whole value (typedHash), as text otherwise.
 * Equal values hash alike (10.5 and 10.50); the reverse is what matters, and holds but for 64-bit
 * collisions: text goes through `::text COLLATE "C"`, so a case-insensitive type or collation
 * never hashes 'A' like 'a', and anything without a listed type is hashed as its text, whose
 * equality reckon's is. NULL hashes as 0 inside a record, so a nullable column also adds its NULL
 * test. The record's hash is linear in its fields' hashes, which is harmless here, where each
 * row's digest is compared with the same row's, and why range sums hash it once more
 * (pgRecordRowHash): summed as it is over a range, values swapped between two rows would leave
 * the sum as it was. Digests are compared only
 * with the other server's digest of the same columns; a pair of types hashed differently (int
 * beside numeric) only costs the re-reading of those rows. It is sent in hex (to_hex is
 * one-to-one on bigint): at most 16 bytes where the decimal takes up to 20.
 */
export function pgRecordDigest(columns: readonly RecordColumn[]): string {
  return `to_hex(${recordHash(columns)})`;
}

type RecordColumn = Pick<HashColumn, 'name' | 'type' | 'nativeType' | 'nullable'>;

function recordHash(columns: readonly RecordColumn[]): string {
  const fields = columns.flatMap((c) => {
    const id = quoteIdent('postgres', c.name);
    const value = int64Bytes(c, id) ?? (typedHash(c) ? id : `(${id}::text COLLATE "C")`);
    return c.nullable ? [value, `(${id} IS NULL)`] : [value];
  });
  return `hash_record_extended(ROW(${fields.join(', ')}), 0)`;
}

/**
 * The row hash hash mode sums between two PostgreSQL servers (keys included): the record hash of
 * pgRecordDigest, hashed once more as the text of its number. The record hash is linear in its
 * fields' hashes, so a sum of record hashes would not see values swapped between two rows; the
 * second hash is not linear, and with the row's key inside, a swap changes both rows' hashes
 * independently. Both hashes are 64 bits wide. Hashing a 64-bit number's text costs the server
 * far less than writing the row's text (timestamps above all), which is what the `sum` of
 * rowHashExpression pays for every row.
 */
export function pgRecordRowHash(columns: readonly RecordColumn[]): string {
  return `hashtextextended(${recordHash(columns)}::text, 0)`;
}
