/**
 * Stream or hash: whether the databases can hash the compared columns alike, and whether hashing
 * is worth a try. Only `auto` falls back; an explicit `hash` is always honoured, because a range
 * whose hashes differ for any reason is streamed and compared value by value anyway.
 */
import { isCanonicalForm, pairForms, rowHashExpression, type HashColumn } from '../sources/hash-dialect.ts';
import type { Source } from '../sources/source.ts';
import type { ColumnInfo, DiffAlgorithm } from '../types.ts';
import type { ColumnPair, Plan } from './plan-columns.ts';

export interface AlgorithmChoice {
  algorithm: 'stream' | 'hash';
  reason: string;
  /** The per-row hash expression of each side (empty when streaming). */
  hash: { left: string; right: string };
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

/** `estimatedRows`: the catalog's estimate for the left table, null when it has none. */
export function chooseAlgorithm(
  requested: DiffAlgorithm,
  plan: Plan,
  leftEngine: Source['engine'],
  rightEngine: Source['engine'],
  estimatedRows: number | null,
): AlgorithmChoice {
  const none = { left: '', right: '' };
  const integerKey =
    plan.keys.length === 1 &&
    [plan.keys[0]!.left, plan.keys[0]!.right].every((c) => c.logicalType === 'integer' && !/^bit\b/i.test(c.nativeType));
  if (requested === 'stream') return { algorithm: 'stream', reason: 'requested', hash: none, integerKey, estimatedRows };
  const cols = hashColumns([...plan.keys, ...plan.compared], leftEngine, rightEngine);
  const hash = {
    left: rowHashExpression(leftEngine, cols.left, rightEngine),
    right: rowHashExpression(rightEngine, cols.right, leftEngine),
  };
  if (requested === 'hash') return { algorithm: 'hash', reason: 'requested', hash, integerKey, estimatedRows };
  if (cols.unlike.length > 0) {
    return {
      algorithm: 'stream',
      reason: `the two engines write these columns differently, so their hashes could never agree: ${cols.unlike.join(', ')}`,
      hash: none,
      integerKey,
      estimatedRows,
    };
  }
  // A table the catalog has no estimate for (never analysed) is read as it always was.
  if (estimatedRows === null || estimatedRows < AUTO_MIN_ROWS) {
    const size = estimatedRows === null ? 'no row estimate in the catalog' : `about ${estimatedRows} rows`;
    return { algorithm: 'stream', reason: `small table or ${size}`, hash: none, integerKey, estimatedRows };
  }
  return { algorithm: 'hash', reason: 'every column hashes alike in both databases', hash, integerKey, estimatedRows };
}
