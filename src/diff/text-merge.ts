/**
 * Merge-join of two scans read as raw bytes (Source.scanText: lines of COPY text, or binary COPY
 * tuples), for sources that write equal rows as equal bytes. Where the tables agree, long runs of
 * rows are the same bytes on both sides: they
 * are recognised by comparing the two sides' buffers natively, a few calls per buffer, and only
 * counted. Only where the bytes differ are the two rows at hand decoded and merged one step, as
 * mergeJoinBatches would (keys compared, order checked, values compared by meaning). Decoding every
 * row into strings and arrays was most of what reckon spent on a PostgreSQL↔PostgreSQL stream.
 *
 * Passing over equal lines unread is the merge-join's own answer for them: two byte-equal lines
 * hold byte-equal keys and values, which the caller guarantees both sides read alike (one
 * normaliser per column), so the merge would pair them and find nothing changed. The caller also
 * guarantees unique keys (a primary key), so no duplicate key can hide in a run of equal rows; the
 * order of rows around every decoded step is still checked.
 */
import { ReckonError, isConnectionLost } from '../errors.ts';
import type { RecordFraming, TextScan } from '../sources/source.ts';
import type { Key, RawRow } from '../types.ts';
import {
  changedColumns,
  checkAscending,
  expandedRow,
  type CanonicalRow,
  type MergeCounts,
  type MergeEvent,
  type MergeOptions,
} from './merge-join.ts';
import { retryDelayMs, sleep } from './retry.ts';

type SideName = 'left' | 'right';

export interface TextMergeInput {
  /** Opens one side's scan of the range, after `after` when given (a resumed read). */
  open(side: SideName, after: Key | undefined): TextScan;
  /** Makes a decoded row's keys canonical (throws on a NULL key), as the row scan would. */
  canonical(side: SideName, row: RawRow): CanonicalRow;
  merge: MergeOptions;
  /** Reconnects after a lost connection, counted from the last progress. */
  retries: number;
  onRetry(side: SideName, attempt: number, error: Error): void;
  /** Wait before a retry (tests); default retry.ts's backoff. */
  retryDelayMs?: (attempt: number) => number;
  /**
   * The row merge of the range after `after` (undefined: all of it): where rows differ densely,
   * decoding them one by one costs more than decoding every row in bulk, and the rest of the range
   * goes that way. Without it the text merge goes on to the end.
   */
  rowMerge?: (after: Key | undefined) => AsyncIterable<MergeEvent[]>;
  /** Called when the rest of the range goes to rowMerge, with the rows taken on each side so far. */
  onDense?: (rows: number) => void;
  /** When differing rows count as dense (tests; defaults DENSE_MIN_ROWS and DENSE_EVERY). */
  dense?: { minRows: number; every: number };
}

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/** Records that are lines: COPY text. */
const LINES: RecordFraming = {
  end: (buf, _start, from) => buf.indexOf(NEWLINE, from),
  endIn: (_head, next) => next.indexOf(NEWLINE) + 1 || -1,
  terminator: 1,
};
/** Events handed on at once, at most (as mergeJoinBatches). */
const BATCH = 1000;
/** The first stretch compared; each equal stretch doubles the next, up to MAX_STRETCH. */
const FIRST_STRETCH = 256;
const MAX_STRETCH = 1 << 16;

/**
 * Where differing rows are dense: after at least DENSE_MIN_ROWS rows, once more than one row in
 * DENSE_EVERY needed decoding, the rest of the range is merged as rows (TextMergeInput.rowMerge).
 * A decoded step costs about 6 µs, a row of the row merge about 0.8 µs and a row passed over as
 * bytes about 0.35 µs (1M rows PG↔PG, 10% and 0.1% drift): the two break even near one step in 12
 * rows, and at 10% drift (one in 7) the text merge alone took 2.3-2.7 s of CPU against 1.6-2.2 s.
 */
const DENSE_MIN_ROWS = 20_000;
const DENSE_EVERY = 16;

/** A failure reading one side, so the retry knows which side lost its connection. */
class SideFailure extends Error {
  constructor(
    readonly side: SideName,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/**
 * One side's bytes: `buf[lineStart, pos)` is the part of the current record (a line, for text)
 * already compared, and everything before lineStart has been taken. Loading keeps the current
 * record's bytes in front of the next buffer, so a record is always whole in one buffer once its
 * end has arrived.
 */
class TextSide {
  buf: Buffer = EMPTY;
  pos = 0;
  lineStart = 0;
  /** The scan has no more buffers (`pending` may still hold bytes). */
  ended = false;
  readonly framing: RecordFraming;
  private pending: Buffer | undefined;
  private readonly it: AsyncIterator<Buffer>;

  constructor(
    readonly name: SideName,
    readonly scan: TextScan,
  ) {
    this.it = scan.buffers[Symbol.asyncIterator]();
    this.framing = scan.framing ?? LINES;
  }

  /**
   * Appends the next bytes of the scan; false at its end. A record cut by the previous buffer is
   * completed by copying only its own bytes: the rest of the new buffer waits in `pending` and is
   * used as it is, not copied.
   */
  async load(): Promise<boolean> {
    let next = this.pending;
    this.pending = undefined;
    if (next === undefined) {
      if (this.ended) return false;
      let read: IteratorResult<Buffer>;
      try {
        read = await this.it.next();
      } catch (err) {
        throw new SideFailure(this.name, err);
      }
      if (read.done) {
        this.ended = true;
        return false;
      }
      next = read.value;
    }
    if (this.buf.length === this.lineStart) this.buf = next;
    else {
      const cut = this.buf.subarray(this.lineStart);
      const k = this.framing.endIn(cut, next);
      if (k > 0 && k < next.length) {
        this.buf = Buffer.concat([cut, next.subarray(0, k)]);
        this.pending = next.subarray(k);
      } else this.buf = Buffer.concat([cut, next]);
    }
    this.pos -= this.lineStart;
    this.lineStart = 0;
    return true;
  }

  /** The end of the current record (its newline, for a line), loading until it has arrived; -1 at the scan's end. */
  async lineEnd(): Promise<number> {
    for (;;) {
      const end = this.framing.end(this.buf, this.lineStart, this.pos);
      if (end >= 0) return end;
      if (!(await this.load())) {
        if (this.buf.length > this.lineStart) throw new ReckonError('QUERY', `the ${this.name} side's COPY data ended in the middle of a row`);
        return -1;
      }
    }
  }

  /** Takes the current record, which ends at `end`. */
  advance(end: number): void {
    this.lineStart = this.pos = end + this.framing.terminator;
  }

  /** Whether every byte loaded so far has been compared. */
  drained(): boolean {
    return this.pos >= this.buf.length;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** Length of the common prefix of `a[ap, ap + n)` and `b[bp, bp + n)`. */
export function equalPrefix(a: Buffer, ap: number, b: Buffer, bp: number, n: number): number {
  let lo = 0;
  let stretch = FIRST_STRETCH;
  while (lo < n) {
    const hi = Math.min(n, lo + stretch);
    if (a.compare(b, bp + lo, bp + hi, ap + lo, ap + hi) === 0) {
      lo = hi;
      stretch = Math.min(MAX_STRETCH, stretch * 2);
      continue;
    }
    // The first difference lies in [lo, hi): halve the interval around it.
    let top = hi;
    while (top - lo > 1) {
      const mid = (lo + top) >>> 1;
      if (a.compare(b, bp + lo, bp + mid, ap + lo, ap + mid) === 0) lo = mid;
      else top = mid;
    }
    return lo;
  }
  return n;
}

/**
 * The differences between two ascending scans read as text, in batches, like mergeJoinBatches.
 * After a lost connection both scans are opened again just after the last row taken, so no row
 * is counted twice or skipped.
 */
export async function* textMergeBatches(input: TextMergeInput, counts: MergeCounts): AsyncGenerator<MergeEvent[], 'done'> {
  let after: Key | undefined;
  let attempt = 0;
  for (;;) {
    const run = new TextMerge(input, counts, after);
    try {
      if ((yield* run.batches()) === 'done') return 'done';
      after = run.settledKey();
      break;
    } catch (err) {
      if (!(err instanceof SideFailure)) throw err;
      const settled = run.settledKey();
      // Progress since the last loss earns the full number of retries again.
      if (settled !== undefined && settled !== after) attempt = 0;
      if (!isConnectionLost(err.error) || attempt >= input.retries) throw err.error;
      attempt++;
      input.onRetry(err.side, attempt, err.error as Error);
      after = settled ?? after;
      await sleep((input.retryDelayMs ?? retryDelayMs)(attempt));
    } finally {
      await run.close();
    }
  }
  input.onDense?.(Math.max(counts.left, counts.right));
  yield* input.rowMerge!(after);
  return 'done';
}

class TextMerge {
  private readonly l: TextSide;
  private readonly r: TextSide;
  /** The last row taken on each side, decoded (the order check's reference). */
  private prevLeft: CanonicalRow | undefined;
  private prevRight: CanonicalRow | undefined;
  /** The last line of the latest run of equal lines, until a decoded step needs its key. */
  private pendingEqual: Buffer | undefined;
  /** Events found and not yet handed on. */
  private found: MergeEvent[] = [];
  /** Key of the last row taken, as of the last decoded step (pendingEqual, when set, is later). */
  private lastTaken: Key | undefined;

  constructor(
    private readonly input: TextMergeInput,
    private readonly counts: MergeCounts,
    after: Key | undefined,
  ) {
    this.lastTaken = after;
    this.l = new TextSide('left', input.open('left', after));
    this.r = new TextSide('right', input.open('right', after));
  }

  /** Key of the last row taken (equal or decoded), every row up to it settled on both sides. */
  settledKey(): Key | undefined {
    this.settleEqual();
    return this.lastTaken;
  }

  /** Decodes the last line of the latest equal run: it becomes both sides' previous row. */
  private settleEqual(): void {
    const line = this.pendingEqual;
    if (line === undefined) return;
    this.pendingEqual = undefined;
    const row = this.input.canonical('left', this.l.scan.row(line));
    this.prevLeft = row;
    this.prevRight = row;
    this.counts.last = row;
    this.lastTaken = row.slice(0, this.input.merge.keyLength) as Key;
  }

  private decode(side: TextSide, nl: number): CanonicalRow {
    return this.input.canonical(side.name, side.scan.row(side.buf.subarray(side.lineStart, nl)));
  }

  private take(side: TextSide, row: CanonicalRow): void {
    const opts = this.input.merge;
    const prev = side === this.l ? this.prevLeft : this.prevRight;
    if (prev !== undefined) checkAscending(prev, row, side === this.l ? opts.leftName : opts.rightName, opts);
    if (side === this.l) {
      this.prevLeft = row;
      this.counts.left++;
    } else {
      this.prevRight = row;
      this.counts.right++;
    }
    this.counts.last = row;
    this.lastTaken = row.slice(0, opts.keyLength) as Key;
  }

  /** Takes the equal bytes `[pos, pos + m)` of both sides, counting the records they complete. */
  private passEqual(m: number): void {
    const l = this.l;
    const r = this.r;
    const { framing } = l;
    const end = l.pos + m;
    let start = l.lineStart;
    let lastStart = -1;
    let lastEnd = -1;
    let lines = 0;
    for (let e = framing.end(l.buf, start, l.pos); e >= 0 && e + framing.terminator <= end; e = framing.end(l.buf, start, start)) {
      lines++;
      lastStart = start;
      lastEnd = e;
      start = e + framing.terminator;
    }
    if (lines > 0) {
      this.pendingEqual = l.buf.subarray(lastStart, lastEnd);
      this.counts.left += lines;
      this.counts.right += lines;
      r.lineStart = r.pos + (start - l.pos);
      l.lineStart = start;
    }
    l.pos += m;
    r.pos += m;
  }

  /** The merge's events; 'dense' when it stopped for the row merge to go on after settledKey(). */
  async *batches(): AsyncGenerator<MergeEvent[], 'done' | 'dense'> {
    try {
      return yield* this.steps();
    } catch (err) {
      // The rows behind these events are taken (counted, and at or before the key a retry
      // resumes after): hand them on before the failure, or a resumed merge would never report them.
      if (this.found.length > 0) yield this.handOn();
      throw err;
    }
  }

  /** The events found and not yet handed on, emptied. */
  private handOn(): MergeEvent[] {
    const out = this.found;
    this.found = [];
    return out;
  }

  private async *steps(): AsyncGenerator<MergeEvent[], 'done' | 'dense'> {
    const { l, r } = this;
    const opts = this.input.merge;
    const start = this.counts.left + this.counts.right;
    const canLeave = this.input.rowMerge !== undefined;
    const { minRows, every } = this.input.dense ?? { minRows: DENSE_MIN_ROWS, every: DENSE_EVERY };
    let decoded = 0;
    /** Counts a decoded step; true when such steps have grown too many to go on (see DENSE_EVERY). */
    const tooDense = () => {
      decoded++;
      if (!canLeave) return false;
      const taken = this.counts.left + this.counts.right - start;
      return taken >= minRows && decoded * every > taken;
    };
    for (;;) {
      if (l.drained() || r.drained()) {
        if (this.found.length > 0) yield this.handOn();
        // Both sides are compared to the same offset in their current lines, so one side running
        // out of bytes is met on a line boundary only if the other one is too.
        if (l.drained() && !(await l.load())) break;
        if (r.drained() && !(await r.load())) break;
        continue;
      }
      const n = Math.min(l.buf.length - l.pos, r.buf.length - r.pos);
      const m = equalPrefix(l.buf, l.pos, r.buf, r.pos, n);
      if (m > 0) this.passEqual(m);
      if (m === n) continue;
      // The current lines differ: decode both and take a merge step.
      const lEnd = await l.lineEnd();
      const rEnd = await r.lineEnd();
      // A side whose scan ended inside the compared bytes cannot be: both were mid-line.
      if (lEnd < 0 || rEnd < 0) throw new ReckonError('QUERY', 'a COPY scan ended in the middle of a row');
      this.settleEqual();
      const a = this.decode(l, lEnd);
      const b = this.decode(r, rEnd);
      const c = opts.compareKeys(a, b);
      if (c <= 0) {
        this.take(l, a);
        l.advance(lEnd);
      } else l.pos = l.lineStart;
      if (c >= 0) {
        this.take(r, b);
        r.advance(rEnd);
      } else r.pos = r.lineStart;
      if (c < 0) this.found.push({ type: 'left_only', row: expandedRow(a, opts) });
      else if (c > 0) this.found.push({ type: 'right_only', row: expandedRow(b, opts) });
      else {
        const columns = changedColumns(a, b, opts);
        if (columns) this.found.push({ type: 'changed', left: a, right: b, columns });
      }
      if (this.found.length >= BATCH) yield this.handOn();
      if (tooDense()) {
        if (this.found.length > 0) yield this.handOn();
        return 'dense';
      }
    }
    // One side has ended, on a line boundary: the other side's remaining rows are its own.
    for (const [side, other] of [
      [l, r],
      [r, l],
    ] as const) {
      if (!side.ended) continue;
      if (side.buf.length > side.lineStart) throw new ReckonError('QUERY', `the ${side.name} side's COPY data ended in the middle of a row`);
      this.settleEqual();
      other.pos = other.lineStart;
      for (;;) {
        const nl = await other.lineEnd();
        if (nl < 0) break;
        const row = this.decode(other, nl);
        this.take(other, row);
        other.advance(nl);
        this.found.push({ type: other === l ? 'left_only' : 'right_only', row: expandedRow(row, opts) });
        if (this.found.length >= BATCH) yield this.handOn();
        // Every row left here is decoded one by one: a long rest goes to the row merge.
        if (tooDense()) {
          if (this.found.length > 0) yield this.handOn();
          return 'dense';
        }
      }
      break;
    }
    if (this.found.length > 0) yield this.handOn();
    return 'done';
  }

  async close(): Promise<void> {
    await Promise.all([this.l.close(), this.r.close()]);
  }
}
