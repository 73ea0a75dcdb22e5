/**
 * Digest streaming: both databases hash every row (hash-dialect.ts's per-row hash, the one hash
 * mode sums), and only keys and row hashes are streamed and merge-joined, so rows that agree are
 * never decoded. The keys whose hashes differ or that one side lacks are then read in full, a
 * batch at a time, and compared by the ordinary merge-join: every reported difference still comes
 * from comparing values, and a hash that differs for a reason other than the values (two spellings
 * of one number) costs a read, never a false difference.
 *
 * Where differences are dense, reading those rows a second time costs more than reading every row
 * once, so past a threshold the rest of the range is streamed in full instead.
 */
import type { Key } from '../types.ts';
import { mergeJoinBatches, type CanonicalRow, type MergeCounts, type MergeEvent, type MergeOptions } from './merge-join.ts';

/** Two key-ordered row streams, left and right. */
export interface SidePair {
  left: AsyncIterable<CanonicalRow[]>;
  right: AsyncIterable<CanonicalRow[]>;
}

export interface DigestMergeOptions {
  /** Keys and row hashes of the range, `[...key, hash]`. */
  digests: () => SidePair;
  /** Full rows with exactly these keys (ascending). */
  rows: (keys: Key[]) => SidePair;
  /** Full rows of the range after `after`: the rest of the range, once differences are dense. */
  stream: (after: Key) => SidePair;
  /** The merge of full rows (its keyLength and compareKeys also order the digests). */
  merge: MergeOptions;
  /** Keys read in full at once (default 1,000). */
  batchKeys?: number;
  /** Called when the rest of the range is streamed in full, with the rows hashed until then. */
  onDense?: (rowsHashed: number) => void;
  /**
   * Asked with the rows hashed so far (see mergeJoinBatches); true ends the digest merge, its
   * suspect rows read, and it returns 'stopped': the range goes on after `counts.last`.
   */
  stopWhen?: (rows: number) => boolean;
}

/**
 * Differences beyond this share of the rows hashed so far (once a batch of keys has been found)
 * make reading rows twice dearer than reading them once: 2% of rows re-read costs little, while at
 * 10% drift a quarter of the rows would be read twice, by many small key lookups.
 */
export const DENSE_SHARE = 0.02;

/**
 * Keys of the first batch: a small one, so dense differences are found after a few hundred rows
 * rather than after thousands of hashes and a thousand-key lookup that streaming makes moot.
 */
const FIRST_BATCH = 100;

function keyOf(e: MergeEvent, keyLength: number): Key {
  const row = e.type === 'changed' ? e.left : e.row;
  return row.slice(0, keyLength) as Key;
}

/**
 * The differences of one range, in key order and in batches, like mergeJoinBatches: 'done' once
 * the range is compared to its end (by digests, or in full once differences turned dense).
 */
export async function* digestMergeBatches(
  opts: DigestMergeOptions,
  counts: MergeCounts = { left: 0, right: 0 },
): AsyncGenerator<MergeEvent[], 'done' | 'stopped'> {
  const k = opts.merge.keyLength;
  const batchKeys = opts.batchKeys ?? 1000;
  let limit = Math.min(FIRST_BATCH, batchKeys);
  const digestOptions: MergeOptions = { ...opts.merge, sameValue: undefined, width: undefined };
  const start = { left: counts.left, right: counts.right };
  let pending: Key[] = [];
  let suspects = 0;
  const readPending = async function* (): AsyncGenerator<MergeEvent[]> {
    if (pending.length === 0) return;
    const keys = pending;
    pending = [];
    const { left, right } = opts.rows(keys);
    // Counted already, by the digest merge: these rows are read a second time.
    yield* mergeJoinBatches(left, right, opts.merge);
  };
  const digests = opts.digests();
  const it = mergeJoinBatches(digests.left, digests.right, digestOptions, counts, opts.stopWhen);
  let dense = false;
  let ended: 'done' | 'stopped' = 'done';
  try {
    for (;;) {
      const next = await it.next();
      if (next.done) {
        ended = next.value;
        break;
      }
      for (const e of next.value) pending.push(keyOf(e, k));
      suspects += next.value.length;
      if (pending.length >= limit) {
        limit = batchKeys;
        yield* readPending();
        const hashed = Math.max(counts.left - start.left, counts.right - start.right);
        if (suspects > DENSE_SHARE * hashed) {
          dense = true;
          break;
        }
      }
    }
  } finally {
    // Ends the digest scans early when the range goes on in full (or the consumer stopped).
    await it.return('stopped');
  }
  yield* readPending();
  const last = counts.last;
  if (!dense || last === undefined) return ended;
  opts.onDense?.(Math.max(counts.left - start.left, counts.right - start.right));
  const rest = opts.stream(last.slice(0, k) as Key);
  return yield* mergeJoinBatches(rest.left, rest.right, opts.merge, counts);
}
