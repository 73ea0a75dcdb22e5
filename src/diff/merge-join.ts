/**
 * Merge-join of two key-ordered row streams. Knows nothing of databases: rows are arrays of
 * canonical text whose first `keyLength` entries are the key. It holds one chunk per side, checks
 * that each side is strictly ascending (a repeated key is a duplicate-key error, a smaller one an
 * order error: never a silent mis-merge), and yields events as it goes, so memory does not grow
 * with table size or with the number of differences.
 */
import { ReckonError } from '../errors.ts';
import { samePacked, unpackBytes, unpackValues } from '../normalize/packed-values.ts';

/** A row of canonical values; the first keyLength entries are the key. */
export type CanonicalRow = (string | null)[];

export type MergeEvent =
  | { type: 'left_only'; row: CanonicalRow }
  | { type: 'right_only'; row: CanonicalRow }
  | { type: 'changed'; left: CanonicalRow; right: CanonicalRow; columns: number[] };

export interface MergeOptions {
  keyLength: number;
  /** Total order on the key part of two rows (see compare-keys.ts). */
  compareKeys: (a: CanonicalRow, b: CanonicalRow) => number;
  /** Names used in error messages. */
  leftName: string;
  rightName: string;
  /** Renders a row's key for an error message. */
  describeKey: (row: CanonicalRow) => string;
  /**
   * Decides whether two values of non-key column `i` that are not identical strings are equal
   * after all (e.g. 10.5 and 10.50). Rows usually agree byte for byte, so the costly comparison
   * by meaning runs only where the raw texts differ. Default: not equal.
   */
  sameValue?: (column: number, left: string | null, right: string | null) => boolean;
  /**
   * Columns per row. A row shorter than this is packed (see ScanRequest.packValues): its last
   * entry holds the non-key values joined by TAB. Two packed rows with equal packed text agree;
   * otherwise both are unpacked before their columns are compared.
   */
  width?: number;
}

/** Expands a packed row in place (see MergeOptions.width). */
export function unpackRow(row: CanonicalRow, keyLength: number, width: number): CanonicalRow {
  if (row.length < width && row.length === keyLength + 1) {
    // A packed entry is text, or bytes from a source that packs them (ScanRequest.packValues).
    const packed = row.pop() as string | Uint8Array;
    const values = typeof packed === 'string' ? unpackValues(packed) : unpackBytes(packed);
    if (values.length !== width - keyLength) {
      throw new ReckonError('QUERY', `a packed row holds ${values.length} values where ${width - keyLength} were read`);
    }
    for (let i = 0; i < values.length; i++) row.push(values[i]!);
  }
  return row;
}

/**
 * Whether two rows packed as text hold equal values, field by field: only a field whose text
 * differs is compared by meaning (the same test the unpacked comparison applies). Two engines often spell a few values differently (a
 * timestamp's trailing zeros): this settles such rows without splitting them into fields. Fields
 * spelled alike are equal whatever they hold (the escaping is injective and the same on both
 * sides). False when unsure, for the unpacked comparison to decide: a differing field with an
 * escape in it (NULL is `\N`), or one that differs by meaning too.
 */
export function samePackedText(a: string, b: string, keyLength: number, sameValue: (column: number, left: string, right: string) => boolean): boolean {
  const na = a.length;
  const nb = b.length;
  let fa = 0;
  let fb = 0;
  for (let column = keyLength; ; column++) {
    let ea = a.indexOf('\t', fa);
    let eb = b.indexOf('\t', fb);
    if (ea < 0) ea = na;
    if (eb < 0) eb = nb;
    // One row has more fields than the other: not the same values.
    if ((ea === na) !== (eb === nb)) return false;
    const x = a.slice(fa, ea);
    const y = b.slice(fb, eb);
    if (x !== y && (x.indexOf('\\') >= 0 || y.indexOf('\\') >= 0 || !sameValue(column, x, y))) return false;
    if (ea === na) return true;
    fa = ea + 1;
    fb = eb + 1;
  }
}

/**
 * Row counts, updated as the join advances (readable while it runs, for progress); a join adds to
 * the counts it is given.
 */
export interface MergeCounts {
  left: number;
  right: number;
  /**
   * The row the join took last, from either side. Every row up to its key is settled on both
   * sides: a side's next row is always above every key taken so far, so a join resumed just
   * after it (on both sides) reads each remaining row once.
   */
  last?: CanonicalRow;
}

/**
 * Throws unless `row` comes strictly after `prev` on one side: a repeated key is a duplicate-key
 * error, a smaller one an order error, never a silent mis-merge.
 */
export function checkAscending(prev: CanonicalRow, row: CanonicalRow, side: string, opts: MergeOptions): void {
  const c = opts.compareKeys(prev, row);
  if (c < 0) return;
  if (c === 0) {
    throw new ReckonError(
      'DUPLICATE_KEY',
      `duplicate key ${opts.describeKey(row)} on the ${side} side: the key columns are not unique; ` + `choose unique columns with --key`,
    );
  }
  throw new ReckonError(
    'ORDER',
    `rows of the ${side} side arrived out of key order: ${opts.describeKey(row)} after ` +
      `${opts.describeKey(prev)}. The database's ORDER BY disagrees with reckon's key order ` +
      `(a collation that is not byte order?); nothing was compared past this point`,
  );
}

/**
 * The columns in which two rows with equal keys differ (undefined: none), unpacking packed rows
 * in place when their packed texts are not plainly equal.
 */
export function changedColumns(a: CanonicalRow, b: CanonicalRow, opts: MergeOptions): number[] | undefined {
  const k = opts.keyLength;
  const width = opts.width;
  const sameValue = opts.sameValue;
  if (width !== undefined && (a.length < width || b.length < width)) {
    if (a.length === b.length) {
      const x = a[k];
      const y = b[k];
      if (samePacked(x, y)) return undefined;
      if (sameValue && typeof x === 'string' && typeof y === 'string' && samePackedText(x, y, k, sameValue)) return undefined;
    }
    unpackRow(a, k, width);
    unpackRow(b, k, width);
  }
  let columns: number[] | undefined;
  for (let i = k; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && !(sameValue && sameValue(i, x ?? null, y ?? null))) (columns ??= []).push(i);
  }
  return columns;
}

/** A row as an only-on-one-side event shows it: unpacked. */
export function expandedRow(row: CanonicalRow, opts: MergeOptions): CanonicalRow {
  return opts.width === undefined ? row : unpackRow(row, opts.keyLength, opts.width);
}

class Side {
  private chunk: CanonicalRow[] = [];
  private i = 0;
  private prev: CanonicalRow | undefined;
  private done = false;
  count = 0;

  constructor(
    private readonly it: AsyncIterator<CanonicalRow[]>,
    private readonly name: string,
    private readonly opts: MergeOptions,
  ) {}

  /** The current row when it is already loaded (the common case needs no await). */
  current(): CanonicalRow | undefined {
    return this.chunk[this.i];
  }

  /** The current row, loading the next chunk when needed; undefined at the end. */
  async peek(): Promise<CanonicalRow | undefined> {
    while (this.i >= this.chunk.length) {
      if (this.done) return undefined;
      const next = await this.it.next();
      if (next.done) {
        this.done = true;
        return undefined;
      }
      this.chunk = next.value;
      this.i = 0;
    }
    return this.chunk[this.i];
  }

  /** Consumes the current row, verifying it is above the previous one. */
  take(row: CanonicalRow): void {
    this.i++;
    this.count++;
    const prev = this.prev;
    this.prev = row;
    if (prev !== undefined) checkAscending(prev, row, this.name, this.opts);
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** Events handed on at once, at most: enough to spread the cost of an await over many events. */
const BATCH = 1000;

/** Yields the differences between two ascending row streams. */
export async function* mergeJoin(
  left: AsyncIterable<CanonicalRow[]>,
  right: AsyncIterable<CanonicalRow[]>,
  opts: MergeOptions,
  counts: MergeCounts = { left: 0, right: 0 },
): AsyncGenerator<MergeEvent> {
  for await (const batch of mergeJoinBatches(left, right, opts, counts)) yield* batch;
}

/**
 * The differences between two ascending row streams, in batches: events found while both sides'
 * current chunks last are collected and handed on together, before the next wait for a chunk, so
 * a table with hundreds of thousands of differences does not pay an await per difference.
 *
 * `stopWhen` is asked, before each wait for a chunk, with the rows the larger side has given so
 * far; when it answers true the merge ends there and returns 'stopped': every row up to
 * `counts.last` is then settled, and a merge of what lies after it on both sides carries on
 * exactly where this one left off.
 */
export async function* mergeJoinBatches(
  left: AsyncIterable<CanonicalRow[]>,
  right: AsyncIterable<CanonicalRow[]>,
  opts: MergeOptions,
  counts: MergeCounts = { left: 0, right: 0 },
  stopWhen?: (rows: number) => boolean,
): AsyncGenerator<MergeEvent[], 'done' | 'stopped'> {
  const l = new Side(left[Symbol.asyncIterator](), opts.leftName, opts);
  const r = new Side(right[Symbol.asyncIterator](), opts.rightName, opts);
  const base = { left: counts.left, right: counts.right };
  let batch: MergeEvent[] = [];
  try {
    for (;;) {
      let a = l.current();
      let b = r.current();
      if (a === undefined || b === undefined) {
        // About to wait for a chunk: hand on what was found first.
        if (batch.length > 0) {
          yield batch;
          batch = [];
        }
        if (stopWhen && counts.last !== undefined && stopWhen(Math.max(l.count, r.count))) return 'stopped';
      }
      a ??= await l.peek();
      b ??= await r.peek();
      if (a === undefined && b === undefined) break;
      let c: number;
      if (a === undefined) c = 1;
      else if (b === undefined) c = -1;
      else c = opts.compareKeys(a, b);
      if (c < 0) {
        l.take(a!);
        counts.left = base.left + l.count;
        counts.last = a;
        batch.push({ type: 'left_only', row: expandedRow(a!, opts) });
      } else if (c > 0) {
        r.take(b!);
        counts.right = base.right + r.count;
        counts.last = b;
        batch.push({ type: 'right_only', row: expandedRow(b!, opts) });
      } else {
        l.take(a!);
        r.take(b!);
        counts.left = base.left + l.count;
        counts.right = base.right + r.count;
        counts.last = a;
        const columns = changedColumns(a!, b!, opts);
        if (columns) batch.push({ type: 'changed', left: a!, right: b!, columns });
      }
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return 'done';
  } finally {
    await Promise.all([l.close(), r.close()]);
  }
}
