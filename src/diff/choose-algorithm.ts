/**
 * Stream, digest or hash: whether the databases can hash the compared columns alike, and whether
 * hashing is worth a try. Only `auto` falls back; an explicit `hash` or `digest` is always
 * honoured, because rows whose hashes differ for any reason are read and compared value by value.
 */
import { isCanonicalForm, pairForms, pgRecordDigest, RECORD_DIGEST_MIN_VERSION, rowDigestExpression, rowHashExpression, type HashColumn } from '../sources/hash-dialect.ts';
import type { Source } from '../sources/source.ts';
import type { ColumnInfo, DiffAlgorithm } from '../types.ts';
import type { ColumnPair, Plan } from './plan-columns.ts';

export interface AlgorithmChoice {
  algorithm: 'stream' | 'digest' | 'hash';
  reason: string;
  /** The per-row hash expression of each side (empty when streaming). */
  hash: { left: string; right: string };
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
 * `serverVersions`: each side's TableInfo.serverVersion.
 */
export function chooseAlgorithm(
  requested: DiffAlgorithm,
  plan: Plan,
  leftEngine: Source['engine'],
  rightEngine: Source['engine'],
  estimatedRows: number | null,
  serverVersions: { left?: number; right?: number } = {},
): AlgorithmChoice {
  const none = { left: '', right: '' };
  const integerKey =
    plan.keys.length === 1 &&
    [plan.keys[0]!.left, plan.keys[0]!.right].every((c) => c.logicalType === 'integer' && !/^bit\b/i.test(c.nativeType));
  const base = { hash: none, digest: none, fallback: 'stream' as const, integerKey, estimatedRows };
  if (requested === 'stream') return { ...base, algorithm: 'stream', reason: 'requested' };
  const cols = hashColumns([...plan.keys, ...plan.compared], leftEngine, rightEngine);
  const hash = {
    left: rowHashExpression(leftEngine, cols.left, rightEngine),
    right: rowHashExpression(rightEngine, cols.right, leftEngine),
  };
  // Between two PostgreSQL servers each hashes its rows by their types' own hash functions, for
  // less than formatting them for sending costs, and the rows then never have to be decoded.
  // Elsewhere the digest is the MD5 of the row's text on both sides, which costs the servers more
  // CPU than streaming costs reckon on a fast link: only asked for.
  const keyCount = plan.keys.length;
  const recordDigest =
    leftEngine === 'postgres' &&
    rightEngine === 'postgres' &&
    (serverVersions.left ?? 0) >= RECORD_DIGEST_MIN_VERSION &&
    (serverVersions.right ?? 0) >= RECORD_DIGEST_MIN_VERSION;
  // Both sides test for NULL where either side may hold one, so the two records keep one shape.
  const digestColumns = (side: HashColumn[], other: HashColumn[]) =>
    side.slice(keyCount).map((c, i) => ({ ...c, nullable: c.nullable || other[keyCount + i]!.nullable }));
  const digest = recordDigest
    ? { left: pgRecordDigest(digestColumns(cols.left, cols.right)), right: pgRecordDigest(digestColumns(cols.right, cols.left)) }
    : { left: rowDigestExpression(leftEngine, cols.left, rightEngine), right: rowDigestExpression(rightEngine, cols.right, leftEngine) };
  const fallback = recordDigest && plan.compared.length > 0 ? 'digest' : 'stream';
  const hashing = { ...base, hash, digest, fallback } as const;
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
