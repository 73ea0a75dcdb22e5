/**
 * The merge-join on plain arrays, as reladiff tests its set-diff: no database, an in-memory oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyComparator } from '../../src/diff/compare-keys.ts';
import { mergeJoin } from '../../src/diff/merge-join.ts';
import type { CanonicalRow, MergeCounts, MergeEvent, MergeOptions } from '../../src/diff/merge-join.ts';
import { ReckonError } from '../../src/errors.ts';
import type { LogicalType } from '../../src/types.ts';

function options(keyTypes: LogicalType[] = ['integer']): MergeOptions {
  const cmp = keyComparator(keyTypes);
  return {
    keyLength: keyTypes.length,
    compareKeys: (a, b) => cmp(a as string[], b as string[]),
    leftName: 'left (t1)',
    rightName: 'right (t2)',
    describeKey: (row) => JSON.stringify(row.slice(0, keyTypes.length)),
  };
}

/** Splits rows into consecutive chunks of the given sizes (cycled), as a source would page them. */
function chunk<T>(rows: T[], sizes: number[] = [rows.length || 1]): T[][] {
  const out: T[][] = [];
  let i = 0;
  let s = 0;
  while (i < rows.length) {
    const n = Math.max(1, sizes[s++ % sizes.length]!);
    out.push(rows.slice(i, i + n));
    i += n;
  }
  return out;
}

async function* stream<T>(chunks: T[][]): AsyncGenerator<T[]> {
  for (const c of chunks) yield c;
}

async function collect(left: CanonicalRow[][], right: CanonicalRow[][], opts = options(), counts?: MergeCounts): Promise<MergeEvent[]> {
  const out: MergeEvent[] = [];
  for await (const e of mergeJoin(stream(left), stream(right), opts, counts)) out.push(e);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<ReckonError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ReckonError);
    return err as ReckonError;
  }
  throw new Error('expected a rejection');
}

describe('mergeJoin: explicit cases', () => {
  it('yields nothing for two empty sides, and for empty chunks', async () => {
    expect(await collect([], [])).toEqual([]);
    expect(await collect([[], []], [[]])).toEqual([]);
  });

  it('reports every row of a side whose partner is empty', async () => {
    const rows = [['1', 'a'], ['2', 'b']];
    expect(await collect([rows], [])).toEqual(rows.map((row) => ({ type: 'left_only', row })));
    expect(await collect([], [rows])).toEqual(rows.map((row) => ({ type: 'right_only', row })));
  });

  it('reports all left rows when every left key is below every right key, in order', async () => {
    const events = await collect([[['1'], ['2']]], [[['3'], ['4']]]);
    expect(events.map((e) => [e.type, e.type === 'changed' ? null : e.row[0]])).toEqual([
      ['left_only', '1'],
      ['left_only', '2'],
      ['right_only', '3'],
      ['right_only', '4'],
    ]);
  });

  it('interleaves one-sided rows and skips identical ones', async () => {
    const left = [['1', 'x'], ['3', 'x'], ['4', 'same'], ['6', 'x']];
    const right = [['2', 'y'], ['4', 'same'], ['5', 'y'], ['7', 'y']];
    const counts: MergeCounts = { left: 0, right: 0 };
    const events = await collect([left], [right], options(), counts);
    expect(events).toEqual([
      { type: 'left_only', row: ['1', 'x'] },
      { type: 'right_only', row: ['2', 'y'] },
      { type: 'left_only', row: ['3', 'x'] },
      { type: 'right_only', row: ['5', 'y'] },
      { type: 'left_only', row: ['6', 'x'] },
      { type: 'right_only', row: ['7', 'y'] },
    ]);
    expect(counts).toEqual({ left: 4, right: 4, last: ['7', 'y'] });
  });

  it('names changed columns by index, after the key, including NULL against a value', async () => {
    const left = [['1', 'a', 'b', null, 'same']];
    const right = [['1', 'a', 'B', '', 'same']];
    expect(await collect([left], [right])).toEqual([
      { type: 'changed', left: left[0], right: right[0], columns: [2, 3] },
    ]);
  });

  it('matches composite keys column by column, numbers numerically then text by code point', async () => {
    const opts = options(['integer', 'text']);
    const left = [['9', 'a', 'l'], ['9', '\uffff', 'l'], ['10', 'a', 'l']];
    const right = [['9', 'a', 'r'], ['9', '😀', 'r'], ['10', 'a', 'l'], ['10', 'b', 'r']];
    expect(await collect([left], [right], opts)).toEqual([
      { type: 'changed', left: left[0], right: right[0], columns: [2] },
      { type: 'left_only', row: left[1] },
      { type: 'right_only', row: right[1] },
      { type: 'right_only', row: right[3] },
    ]);
  });
});

describe('mergeJoin: stream validation', () => {
  it.each(['left', 'right'] as const)('throws DUPLICATE_KEY naming the key when the %s side repeats one', async (side) => {
    const dup = [['1', 'a'], ['2', 'a'], ['2', 'b'], ['3', 'a']];
    const other = [['1', 'a'], ['2', 'a'], ['3', 'a']];
    const [l, r] = side === 'left' ? [dup, other] : [other, dup];
    // The duplicate straddles a chunk boundary, where a per-chunk check would miss it.
    const err = await rejection(collect(chunk(l, [2]), chunk(r, [2])));
    expect(err.code).toBe('DUPLICATE_KEY');
    expect(err.message).toContain('["2"]');
    expect(err.message).toContain(side === 'left' ? 'left (t1)' : 'right (t2)');
  });

  it('throws DUPLICATE_KEY when the repeat is the last row of a side', async () => {
    const err = await rejection(collect([[['1'], ['1']]], []));
    expect(err.code).toBe('DUPLICATE_KEY');
  });

  it.each(['left', 'right'] as const)('throws ORDER when the %s side goes backwards', async (side) => {
    const bad = [['1'], ['3'], ['2']];
    const good = [['1'], ['2'], ['3']];
    const [l, r] = side === 'left' ? [bad, good] : [good, bad];
    const err = await rejection(collect([l], [r]));
    expect(err.code).toBe('ORDER');
    expect(err.message).toContain('["2"] after ["3"]');
  });

  it('throws ORDER for text that is in UTF-16 order but not in byte order', async () => {
    // What a database with a non-byte-order collation would send.
    const err = await rejection(collect([[['😀'], ['\uffff']]], [], options(['text'])));
    expect(err.code).toBe('ORDER');
  });
});

describe('mergeJoin: chunking', () => {
  it('gives the same events however the rows are split into chunks (property)', async () => {
    const left = Array.from({ length: 60 }, (_, i) => [String(i * 2), i % 3 ? 'x' : 'y']);
    const right = Array.from({ length: 60 }, (_, i) => [String(i * 3), 'x']);
    const expected = await collect([left], [right]);
    expect(expected.length).toBeGreaterThan(40);
    const sizes = fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(sizes, sizes, async (ls, rs) => {
        // Size 0 becomes an empty chunk: sources may yield one at a page boundary.
        const withEmpty = (rows: CanonicalRow[], s: number[]) =>
          chunk(rows, s.map((n) => n || 1)).flatMap((c, i) => (s[i % s.length] === 0 ? [[], c] : [c]));
        expect(await collect(withEmpty(left, ls), withEmpty(right, rs))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

/** An async generator that records how far it got and whether its finally block ran. */
function instrumented(rows: CanonicalRow[], chunkSize: number) {
  const state = { pulled: 0, finallyRan: false };
  async function* gen(): AsyncGenerator<CanonicalRow[]> {
    try {
      for (const c of chunk(rows, [chunkSize])) {
        state.pulled++;
        await Promise.resolve();
        yield c;
      }
    } finally {
      state.finallyRan = true;
    }
  }
  return { state, iterable: gen() };
}

describe('mergeJoin: releasing the inputs', () => {
  it('calls return() on both inputs when the consumer breaks out early', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => [String(i), 'v']);
    const left = instrumented(rows, 10);
    const right = instrumented(rows.map(([k]) => [k!, 'w']), 10);
    let seen = 0;
    for await (const e of mergeJoin(left.iterable, right.iterable, options())) {
      expect(e.type).toBe('changed');
      if (++seen === 3) break;
    }
    expect(left.state.finallyRan).toBe(true);
    expect(right.state.finallyRan).toBe(true);
    // It stopped reading: only the first chunk of each side was pulled.
    expect(left.state.pulled).toBe(1);
    expect(right.state.pulled).toBe(1);
  });

  it('calls return() on both inputs when one side fails the order check', async () => {
    const left = instrumented([['1'], ['1'], ['2']], 1);
    const right = instrumented([['1'], ['2'], ['3'], ['4']], 1);
    const err = await rejection(collect2(left.iterable, right.iterable));
    expect(err.code).toBe('DUPLICATE_KEY');
    expect(left.state.finallyRan).toBe(true);
    expect(right.state.finallyRan).toBe(true);
  });

  it('calls return() on the other input when one input throws', async () => {
    const right = instrumented([['1'], ['2'], ['3']], 1);
    async function* failing(): AsyncGenerator<CanonicalRow[]> {
      yield [['1']];
      throw new Error('connection lost');
    }
    await expect(collect2(failing(), right.iterable)).rejects.toThrow('connection lost');
    expect(right.state.finallyRan).toBe(true);
  });
});

async function collect2(left: AsyncIterable<CanonicalRow[]>, right: AsyncIterable<CanonicalRow[]>): Promise<MergeEvent[]> {
  const out: MergeEvent[] = [];
  for await (const e of mergeJoin(left, right, options())) out.push(e);
  return out;
}

/** The oracle: a whole-table diff through Maps, with the key order taken from a sort. */
function naiveDiff(left: CanonicalRow[], right: CanonicalRow[], keyLength: number, cmp: (a: CanonicalRow, b: CanonicalRow) => number): MergeEvent[] {
  const id = (row: CanonicalRow) => JSON.stringify(row.slice(0, keyLength));
  const l = new Map(left.map((r) => [id(r), r]));
  const r = new Map(right.map((row) => [id(row), row]));
  const keys = [...new Map([...left, ...right].map((row) => [id(row), row])).values()].sort(cmp);
  const events: MergeEvent[] = [];
  for (const k of keys) {
    const a = l.get(id(k));
    const b = r.get(id(k));
    if (a && !b) events.push({ type: 'left_only', row: a });
    else if (b && !a) events.push({ type: 'right_only', row: b });
    else if (a && b) {
      const columns = a.map((_, i) => i).filter((i) => i >= keyLength && a[i] !== b[i]);
      if (columns.length) events.push({ type: 'changed', left: a, right: b, columns });
    }
  }
  return events;
}

describe('mergeJoin: against a naive in-memory diff', () => {
  it('yields the same events in the same order on random rows and chunking (property)', async () => {
    const opts = options(['integer', 'text']);
    const value = fc.option(fc.constantFrom('a', 'b', '', 'NULL'), { nil: null, freq: 4 });
    // A small key space so both sides share many keys.
    const key = fc.tuple(fc.integer({ min: -5, max: 5 }).map(String), fc.constantFrom('a', 'b', '\uffff', '😀'));
    const side = fc
      .uniqueArray(fc.tuple(key, value, value), { selector: ([k]) => k.join('\u0001'), maxLength: 40 })
      .map((rows) => rows.map(([k, x, y]): CanonicalRow => [...k, x, y]).sort(opts.compareKeys));
    const sizes = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(side, side, sizes, sizes, async (left, right, ls, rs) => {
        const expected = naiveDiff(left, right, 2, opts.compareKeys);
        const counts: MergeCounts = { left: 0, right: 0 };
        expect(await collect(chunk(left, ls), chunk(right, rs), opts, counts)).toEqual(expected);
        // The row taken last is the highest key of either side (the left row when both hold it).
        const l = left[left.length - 1];
        const r = right[right.length - 1];
        const last = l === undefined ? r : r === undefined ? l : opts.compareKeys(l, r) >= 0 ? l : r;
        expect(counts).toEqual(last === undefined ? { left: 0, right: 0 } : { left: left.length, right: right.length, last });
      }),
      { numRuns: 500 },
    );
  });
});

describe('mergeJoin: streaming', () => {
  it('joins 200k rows per side generated lazily, chunk by chunk', async () => {
    const n = 200_000;
    const chunkSize = 1000;
    let live = 0;
    let maxLive = 0;
    // Left holds even keys 0..2n, right every key 0..n with a changed value every 1000th row:
    // the generators make each chunk on demand, so the whole table never exists at once.
    async function* rows(step: number, count: number, value: (k: number) => string): AsyncGenerator<CanonicalRow[]> {
      for (let start = 0; start < count; start += chunkSize) {
        const c: CanonicalRow[] = [];
        for (let i = start; i < Math.min(count, start + chunkSize); i++) c.push([String(i * step), value(i * step)]);
        live++;
        maxLive = Math.max(maxLive, live);
        yield c;
        live--;
      }
    }
    const counts: MergeCounts = { left: 0, right: 0 };
    const tally = { left_only: 0, right_only: 0, changed: 0 };
    const left = rows(2, n, () => 'v');
    const right = rows(1, n, (k) => (k % 1000 === 0 ? 'w' : 'v'));
    for await (const e of mergeJoin(left, right, options(), counts)) tally[e.type]++;
    expect(counts).toMatchObject({ left: n, right: n });
    // Keys 0..n-1: even ones are on both sides (changed when a multiple of 1000), odd right only;
    // keys n..2n-2 even are left only.
    expect(tally).toEqual({ left_only: n / 2, right_only: n / 2, changed: n / 1000 });
    // Each side was at most one chunk ahead of the join.
    expect(maxLive).toBeLessThanOrEqual(2);
  });
});
