/**
 * Stream, digest or hash: whether the databases can hash the compared columns alike, and whether
 * hashing is worth a try. Only `auto` falls back; an explicit `hash` or `digest` is always
 * honoured, because rows whose hashes differ for any reason are read and compared value by value.
 */
import {
  concatLimits,
  pgRecordDigest,
  pgRecordRowHash,
  RECORD_DIGEST_MIN_VERSION,
  recordHashForm,
  rowDigestExpression,
  rowHashExpression,
  type RangeHash,
} from '../sources/hash-dialect.ts';
import { isCanonicalForm, pairForms, rowTextBytes, rowTextExpression, type HashColumn } from '../sources/row-text.ts';
import type { Source } from '../sources/source.ts';
import type { ColumnInfo, DiffAlgorithm, LogicalType, TableInfo } from '../types.ts';
import type { ColumnPair, Plan } from './plan-columns.ts';

export interface AlgorithmChoice {
  algorithm: 'stream' | 'digest' | 'hash';
  reason: string;
  /** How each side folds a key range in hash mode (a `sum` of nothing when streaming). */
  hash: { left: RangeHash; right: RangeHash };
  /** Rows per range in hash mode's first pass. */
  rowsPerRange: number;
  /** The row digest of each side for `digest` (without the keys, which are read beside it). */
  digest: { left: string; right: string };
  /**
   * What `auto` reads rows with when hash ranges do not pay (a first sample differs almost
   * everywhere): digests where the row hash costs the databases less than sending the row.
   */
  fallback: 'stream' | 'digest';
  /** One integer key column on both sides: hash ranges are cut by arithmetic. */
  integerKey: boolean;
  estimatedRows: number | null;
}

/** Below this many rows a full read is too quick for hashing to save anything. */
export const AUTO_MIN_ROWS = 50_000;

/** What a side's catalog said of its server (TableInfo). */
export type ServerInfo = Pick<TableInfo, 'serverVersion' | 'serverProduct'>;

/** MariaDB 10.3.3 brought GROUP_CONCAT's LIMIT, which bounds a `concat` range. MySQL has none. */
export const CONCAT_MIN_MARIADB = 100303;

/** Key types whose index order is the same in both engines (numbers and instants, not text). */
const ORDERED_KEY_TYPES = new Set<LogicalType>(['integer', 'decimal', 'date', 'timestamp', 'timestamptz']);

const DEFAULT_ROWS_PER_RANGE = 10_000;

/**
 * How each side folds a key range (see RangeHash). Two PostgreSQL servers sum a 64-bit hash per
 * row, and sums let hash mode group a range in buckets: the record hash of the row's values by
 * their types' own hashes (pgRecordRowHash) where both can (recordHashes), which spares them
 * writing timestamps and numbers as text (10M identical rows: 6.7-7.4 s against 7.9-9.0 s), else
 * hashtextextended of the row's text, still less than an MD5 of it. Elsewhere both sides join the range's row texts
 * under one MD5, a third less than an MD5 and a sum per row cost MariaDB, where the server can bound
 * the join (MariaDB 10.3.3+ or PostgreSQL), and where both engines keep the keys in one index order:
 * with text keys two collations could read a range in two orders, and no range would ever agree.
 */
function rangeHashes(
  leftEngine: Source['engine'],
  rightEngine: Source['engine'],
  cols: { left: HashColumn[]; right: HashColumn[] },
  plan: Plan,
  servers: { left?: ServerInfo; right?: ServerInfo },
): { hash: { left: RangeHash; right: RangeHash }; rowsPerRange: number } {
  const sums = {
    hash: {
      left: { aggregate: 'sum', row: rowHashExpression(leftEngine, cols.left, rightEngine) } as const,
      right: { aggregate: 'sum', row: rowHashExpression(rightEngine, cols.right, leftEngine) } as const,
    },
    rowsPerRange: DEFAULT_ROWS_PER_RANGE,
  };
  if (leftEngine === 'postgres' && rightEngine === 'postgres') {
    if (!recordHashes(servers, cols)) return sums;
    // Both sides test for NULL where either side may hold one, so the two records keep one shape.
    const record = (side: HashColumn[], other: HashColumn[]): RangeHash => ({
      aggregate: 'sum',
      row: pgRecordRowHash(side.map((c, i) => ({ ...c, nullable: c.nullable || other[i]!.nullable }))),
    });
    return { hash: { left: record(cols.left, cols.right), right: record(cols.right, cols.left) }, rowsPerRange: DEFAULT_ROWS_PER_RANGE };
  }

  const bounded = (engine: Source['engine'], s: ServerInfo | undefined) =>
    engine === 'postgres' || (s?.serverProduct === 'mariadb' && (s.serverVersion ?? 0) >= CONCAT_MIN_MARIADB);
  const ordered = plan.keys.every((k) => [k.left, k.right].every((c) => ORDERED_KEY_TYPES.has(c.logicalType) && !/^bit\b/i.test(c.nativeType)));
  if (!ordered || !bounded(leftEngine, servers.left) || !bounded(rightEngine, servers.right)) return sums;
  const textBytes = Math.max(rowTextBytes(cols.left), rowTextBytes(cols.right));
  const limits = concatLimits(textBytes);
  if (!limits) return sums;
  const concat = (engine: Source['engine'], side: HashColumn[]): RangeHash => ({
    aggregate: 'concat',
    text: rowTextExpression(engine, side),
    rowLimit: limits.rowLimit,
    textBytes,
  });
  return { hash: { left: concat(leftEngine, cols.left), right: concat(rightEngine, cols.right) }, rowsPerRange: limits.rowsPerRange };
}

/**
 * Both PostgreSQL servers have hash_record_extended, and each column pair is hashed alike by it
 * (recordHashForm): elsewhere equal rows would hash apart and every row be read again. Row digests
 * use the record hash as it is (pgRecordDigest), range sums hashed once more (pgRecordRowHash).
 */
function recordHashes(servers: { left?: ServerInfo; right?: ServerInfo }, cols: { left: HashColumn[]; right: HashColumn[] }): boolean {
  return (
    (servers.left?.serverVersion ?? 0) >= RECORD_DIGEST_MIN_VERSION &&
    (servers.right?.serverVersion ?? 0) >= RECORD_DIGEST_MIN_VERSION &&
    cols.left.every((c, i) => recordHashForm(c) === recordHashForm(cols.right[i]!))
  );
}

function hashColumn(c: ColumnInfo, form: HashColumn['form'], asBytes: boolean): HashColumn {
  return { name: c.name, type: c.logicalType, nativeType: c.nativeType, collation: c.collation, form, asBytes, nullable: c.nullable !== false };
}

/** Both sides' hash columns for a pair, or the reason the two engines would hash equal values apart. */
export function hashColumns(pairs: readonly ColumnPair[], leftEngine: string, rightEngine: string) {
  const left: HashColumn[] = [];
  const right: HashColumn[] = [];
  const unlike: string[] = [];
  for (const p of pairs) {
    const [lf, rf] = pairForms(
      { type: p.left.logicalType, nativeType: p.left.nativeType },
      { type: p.right.logicalType, nativeType: p.right.nativeType },
    );
    // Anything beside bytes is compared as the UTF-8 bytes of its text, as normalize/ does.
    left.push(hashColumn(p.left, lf, p.left.logicalType !== 'bytes' && p.right.logicalType === 'bytes'));
    right.push(hashColumn(p.right, rf, p.right.logicalType === 'bytes' && p.left.logicalType !== 'bytes'));
    const alike =
      (isCanonicalForm(lf) && isCanonicalForm(rf)) ||
      (leftEngine === rightEngine && p.left.nativeType.toLowerCase() === p.right.nativeType.toLowerCase());
    if (!alike) unlike.push(`${p.name} (${p.left.nativeType} / ${p.right.nativeType})`);
  }
  return { left, right, unlike };
}

/**
 * `estimatedRows`: the catalog's estimate for the left table, null when it has none;
 * `servers`: what each side's TableInfo says of its server.
 */
export function chooseAlgorithm(
  requested: DiffAlgorithm,
  plan: Plan,
  leftEngine: Source['engine'],
  rightEngine: Source['engine'],
  estimatedRows: number | null,
  servers: { left?: ServerInfo; right?: ServerInfo } = {},
): AlgorithmChoice {
  const none = { left: '', right: '' };
  const noHash = { aggregate: 'sum', row: '' } as const;
  const integerKey =
    plan.keys.length === 1 &&
    [plan.keys[0]!.left, plan.keys[0]!.right].every((c) => c.logicalType === 'integer' && !/^bit\b/i.test(c.nativeType));
  const base = { hash: { left: noHash, right: noHash }, rowsPerRange: DEFAULT_ROWS_PER_RANGE, digest: none, fallback: 'stream' as const, integerKey, estimatedRows };
  if (requested === 'stream') return { ...base, algorithm: 'stream', reason: 'requested' };
  const cols = hashColumns([...plan.keys, ...plan.compared], leftEngine, rightEngine);
  const { hash, rowsPerRange } = rangeHashes(leftEngine, rightEngine, cols, plan, servers);
  // Between two PostgreSQL servers each hashes its rows by their types' own hash functions, for
  // about what formatting them for sending costs, and the rows then never have to be decoded.
  // Elsewhere the digest is the MD5 of the row's text on both sides, which costs the servers more
  // CPU than streaming costs reckon on a fast link: only asked for.
  const keyCount = plan.keys.length;
  const recordDigest = leftEngine === 'postgres' && rightEngine === 'postgres' && recordHashes(servers, cols);
  // Both sides test for NULL where either side may hold one, so the two records keep one shape.
  const digestColumns = (side: HashColumn[], other: HashColumn[]) =>
    side.slice(keyCount).map((c, i) => ({ ...c, nullable: c.nullable || other[keyCount + i]!.nullable }));
  const digest = recordDigest
    ? { left: pgRecordDigest(digestColumns(cols.left, cols.right)), right: pgRecordDigest(digestColumns(cols.right, cols.left)) }
    : { left: rowDigestExpression(leftEngine, cols.left, rightEngine), right: rowDigestExpression(rightEngine, cols.right, leftEngine) };
  const fallback = recordDigest && plan.compared.length > 0 ? 'digest' : 'stream';
  const hashing = { ...base, hash, rowsPerRange, digest, fallback } as const;
  if (requested === 'hash' || requested === 'digest') return { ...hashing, algorithm: requested, reason: 'requested' };
  // A table the catalog has no estimate for (never analysed) is read as it always was.
  if (estimatedRows === null || estimatedRows < AUTO_MIN_ROWS) {
    const size = estimatedRows === null ? 'no row estimate in the catalog' : `about ${estimatedRows} rows`;
    return { ...base, algorithm: 'stream', reason: `small table or ${size}` };
  }
  if (cols.unlike.length > 0) {
    return {
      ...hashing,
      algorithm: fallback,
      reason: `the two engines write these columns differently, so their range hashes could never agree: ${cols.unlike.join(', ')}`,
    };
  }
  return { ...hashing, algorithm: 'hash', reason: 'every column hashes alike in both databases' };
}
