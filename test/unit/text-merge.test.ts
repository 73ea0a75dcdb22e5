/**
 * The text merge against the row merge-join as oracle: rows written as COPY lines, cut into
 * buffers anywhere (inside fillers, inside multi-byte characters, lines longer than a buffer), must
 * give exactly the events and counts the merge-join gives for the same rows decoded.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyComparator } from '../../src/diff/compare-keys.ts';
import { mergeJoin, type CanonicalRow, type MergeCounts, type MergeEvent, type MergeOptions } from '../../src/diff/merge-join.ts';
import { equalPrefix, textMergeBatches, type TextMergeInput } from '../../src/diff/text-merge.ts';
import { ReckonError } from '../../src/errors.ts';
import { normalizerFor } from '../../src/normalize/values.ts';
import { decodeTuple, TUPLE_FRAMING } from '../../src/sources/copy-binary.ts';
import { CopyTextParser } from '../../src/sources/copy-text.ts';
import type { TextScan } from '../../src/sources/source.ts';
import type { Key } from '../../src/types.ts';

const SKIP = 5;
const WIDTH = 3; // id, amount, note
const decimal = normalizerFor('decimal');

function options(): MergeOptions {
  const cmp = keyComparator(['integer']);
  return {
    keyLength: 1,
    compareKeys: (a, b) => cmp(a as string[], b as string[]),
    leftName: 'left (t1)',
    rightName: 'right (t2)',
    describeKey: (row) => JSON.stringify(row.slice(0, 1)),
    // amount compares by meaning (10.5 = 10.50), the note as text.
    sameValue: (c, x, y) => c === 1 && decimal(x) === decimal(y),
    width: WIDTH,
  };
}

type Row = [id: number, amount: string, note: string | null];

/** A row as its COPY line: filler, fields escaped as COPY escapes them, a newline. */
function line([id, amount, note]: Row): string {
  const esc = (v: string | null) => (v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
  return ' '.repeat(SKIP) + [String(id), amount, esc(note)].join('\t') + '\n';
}

/** A row as a binary COPY tuple message: `d`, its length, the field count and the fields. */
function tuple([id, amount, note]: Row): Buffer {
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const field = (v: string | null) => (v === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v, 'utf8')]));
  const key = Buffer.alloc(8);
  key.writeBigInt64BE(BigInt(id));
  const body = Buffer.concat([Buffer.from([0, WIDTH]), int32(8), key, field(amount), field(note)]);
  return Buffer.concat([Buffer.from([0x64]), int32(body.length + 4), body]);
}

/** The format the merge is fed in (each describe block of textMergeBatches sets it). */
let format: 'text' | 'binary' = 'text';

/** The bytes of `rows` in the current format. */
function encode(rows: Row[]): Buffer {
  return format === 'text' ? Buffer.from(rows.map(line).join(''), 'utf8') : Buffer.concat(rows.map(tuple));
}

/** The bytes of `rows` cut at the given offsets (fractions of the length). */
function buffers(rows: Row[], cuts: number[]): Buffer[] {
  const all = encode(rows);
  const at = [...new Set(cuts.map((f) => Math.floor(f * all.length)))].filter((p) => p > 0 && p < all.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...at, all.length]) {
    if (p > from) out.push(Buffer.from(all.subarray(from, p)));
    from = p;
  }
  return out;
}

interface Side {
  rows: Row[];
  cuts: number[];
  /** Throw a lost connection after this many buffers of the first scan. */
  failAfter?: number;
}

function scanOf(bufs: Buffer[], failAfter?: number): TextScan {
  const parser = new CopyTextParser(WIDTH, 1, SKIP);
  const binary = format === 'binary';
  return {
    row: binary ? (t) => decodeTuple(t, ['int', 'text', 'text']) : (l) => parser.line(l),
    form: `test-${format}`,
    ...(binary ? { framing: TUPLE_FRAMING } : {}),
    buffers: (async function* () {
      for (let i = 0; i < bufs.length; i++) {
        if (failAfter !== undefined && i === failAfter) throw new Error('Connection terminated unexpectedly');
        yield bufs[i]!;
      }
    })(),
  };
}

function input(left: Side, right: Side, opened: { side: string; after?: Key }[] = []): TextMergeInput {
  const scans = { left, right };
  return {
    open(side, after) {
      opened.push({ side, after });
      const s = scans[side];
      const first = opened.filter((o) => o.side === side).length === 1;
      const rows = after === undefined ? s.rows : s.rows.filter((r) => r[0] > Number(after[0]));
      return scanOf(buffers(rows, s.cuts), first ? s.failAfter : undefined);
    },
    canonical: (_side, row) => row as CanonicalRow,
    merge: options(),
    retries: 3,
    onRetry: () => {},
    retryDelayMs: () => 0,
  };
}

async function textEvents(left: Side, right: Side, opened?: { side: string; after?: Key }[]) {
  const counts: MergeCounts = { left: 0, right: 0 };
  const events: MergeEvent[] = [];
  for await (const batch of textMergeBatches(input(left, right, opened), counts)) events.push(...batch);
  return { events, counts: { left: counts.left, right: counts.right } };
}

/** The row merge-join over the rows decoded from their COPY lines, adding to `counts`. */
async function* rowBatches(left: Row[], right: Row[], counts: MergeCounts): AsyncGenerator<MergeEvent[]> {
  const decode = (rows: Row[]) => new CopyTextParser(WIDTH, 1, SKIP).push(Buffer.from(rows.map(line).join(''), 'utf8')) as CanonicalRow[];
  async function* one(rows: CanonicalRow[]) {
    if (rows.length > 0) yield rows;
  }
  const out: MergeEvent[] = [];
  for await (const e of mergeJoin(one(decode(left)), one(decode(right)), options(), counts)) out.push(e);
  if (out.length > 0) yield out;
}

async function oracle(left: Row[], right: Row[]) {
  const decode = (rows: Row[]) => {
    const p = new CopyTextParser(WIDTH, 1, SKIP);
    return p.push(Buffer.from(rows.map(line).join(''), 'utf8')) as CanonicalRow[];
  };
  const counts: MergeCounts = { left: 0, right: 0 };
  const events: MergeEvent[] = [];
  async function* one(rows: CanonicalRow[]) {
    if (rows.length > 0) yield rows;
  }
  for await (const e of mergeJoin(one(decode(left)), one(decode(right)), options(), counts)) events.push(e);
  return { events, counts: { left: counts.left, right: counts.right } };
}

const noteArb = fc.option(fc.constantFrom('a', 'é', 'tab\there', 'line\nbreak', 'back\\slash', '', 'x'.repeat(300), 'ünïcödé ✓'), { nil: null });
const amountArb = fc.constantFrom('10.5', '10.50', '3', '-0.01', '7.25');

/** Key universe 1..n; each key on both sides alike, changed, or on one side only. */
const tablesArb = fc
  .array(fc.tuple(fc.constantFrom('same', 'same', 'same', 'changed', 'left', 'right'), amountArb, amountArb, noteArb, noteArb), { maxLength: 60 })
  .map((spec) => {
    const left: Row[] = [];
    const right: Row[] = [];
    spec.forEach(([kind, a1, a2, n1, n2], i) => {
      const id = i * 3 + 1;
      if (kind !== 'right') left.push([id, a1, n1]);
      if (kind === 'same') right.push([id, a1, n1]);
      if (kind === 'changed') right.push([id, a2, n2]);
      if (kind === 'right') right.push([id, a2, n2]);
    });
    return { left, right };
  });
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

describe('equalPrefix', () => {
  it('finds the first differing byte, as a byte loop would', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(3000), fc.nat(255), (bytes, at, v) => {
        const a = Buffer.from(bytes);
        const b = Buffer.from(bytes);
        if (a.length > 0) b[at % a.length] = v;
        let expected = 0;
        while (expected < a.length && a[expected] === b[expected]) expected++;
        expect(equalPrefix(a, 0, b, 0, a.length)).toBe(expected);
      }),
    );
  });

  it('compares at offsets in both buffers', () => {
    const a = Buffer.from('xxxxhello world');
    const b = Buffer.from('yyhello there');
    expect(equalPrefix(a, 4, b, 2, 11)).toBe(6);
  });
});

describe.each(['text', 'binary'] as const)('textMergeBatches over %s', (f) => {
  beforeAll(() => {
    format = f;
  });

  it('gives the merge-join’s events and counts however the bytes are cut', async () => {
    await fc.assert(
      fc.asyncProperty(tablesArb, cutsArb, cutsArb, async ({ left, right }, lc, rc) => {
        const got = await textEvents({ rows: left, cuts: lc }, { rows: right, cuts: rc });
        expect(got).toEqual(await oracle(left, right));
      }),
      { numRuns: 300 },
    );
  });

  it('reports a value equal by meaning but spelled differently as no difference', async () => {
    const got = await textEvents({ rows: [[1, '10.5', 'a'], [2, '1', 'b']], cuts: [] }, { rows: [[1, '10.50', 'a'], [2, '1', 'b']], cuts: [0.5] });
    expect(got.events).toEqual([]);
    expect(got.counts).toEqual({ left: 2, right: 2 });
  });

  it('resumes both sides after the last row taken when a connection is lost', async () => {
    await fc.assert(
      fc.asyncProperty(tablesArb, cutsArb, cutsArb, fc.nat(8), fc.boolean(), async ({ left, right }, lc, rc, failAfter, onLeft) => {
        const opened: { side: string; after?: Key }[] = [];
        const l: Side = { rows: left, cuts: lc, failAfter: onLeft ? failAfter : undefined };
        const r: Side = { rows: right, cuts: rc, failAfter: onLeft ? undefined : failAfter };
        const got = await textEvents(l, r, opened);
        expect(got).toEqual(await oracle(left, right));
      }),
      { numRuns: 200 },
    );
  });

  it('hands the rest of the range to the row merge where rows differ densely, with the same result', async () => {
    await fc.assert(
      fc.asyncProperty(tablesArb, cutsArb, cutsArb, fc.integer({ min: 1, max: 30 }), async ({ left, right }, lc, rc, minRows) => {
        const handed: (Key | undefined)[] = [];
        const merge: TextMergeInput = {
          ...input({ rows: left, cuts: lc }, { rows: right, cuts: rc }),
          dense: { minRows, every: 4 },
          rowMerge: (after) => {
            handed.push(after);
            const rest = (rows: Row[]) => (after === undefined ? rows : rows.filter((r) => r[0] > Number(after[0])));
            return rowBatches(rest(left), rest(right), counts);
          },
        };
        const counts: MergeCounts = { left: 0, right: 0 };
        const events: MergeEvent[] = [];
        for await (const batch of textMergeBatches(merge, counts)) events.push(...batch);
        expect({ events, counts: { left: counts.left, right: counts.right } }).toEqual(await oracle(left, right));
        expect(handed.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
    // Every row differing: the row merge takes over once minRows rows are taken.
    const left: Row[] = Array.from({ length: 40 }, (_, i) => [i * 2, '1', 'a'] as Row);
    const right: Row[] = Array.from({ length: 40 }, (_, i) => [i * 2 + 1, '1', 'a'] as Row);
    let handedAfter: Key | undefined | 'never' = 'never';
    const merge: TextMergeInput = {
      ...input({ rows: left, cuts: [] }, { rows: right, cuts: [] }),
      dense: { minRows: 10, every: 4 },
      rowMerge: (after) => {
        handedAfter = after;
        const rest = (rows: Row[]) => rows.filter((r) => r[0] > Number(after![0]));
        return rowBatches(rest(left), rest(right), counts);
      },
    };
    const counts: MergeCounts = { left: 0, right: 0 };
    const events: MergeEvent[] = [];
    for await (const batch of textMergeBatches(merge, counts)) events.push(...batch);
    expect(handedAfter).toEqual(['9']);
    expect(events).toHaveLength(80);
    expect(counts).toMatchObject({ left: 40, right: 40 });

    // One side empty: every row is in the tail after the other side's end, and goes the same way.
    let tailAfter: Key | undefined | 'never' = 'never';
    const tail: TextMergeInput = {
      ...input({ rows: left, cuts: [0.5] }, { rows: [], cuts: [] }),
      dense: { minRows: 10, every: 4 },
      rowMerge: (after) => {
        tailAfter = after;
        return rowBatches(left.filter((r) => r[0] > Number(after![0])), [], tailCounts);
      },
    };
    const tailCounts: MergeCounts = { left: 0, right: 0 };
    const tailEvents: MergeEvent[] = [];
    for await (const batch of textMergeBatches(tail, tailCounts)) tailEvents.push(...batch);
    expect(tailAfter).toEqual(['18']);
    expect(tailEvents).toEqual((await oracle(left, [])).events);
    expect(tailCounts).toMatchObject({ left: 40, right: 0 });
  });

  it('gives up after the allowed retries', async () => {
    const rows: Row[] = [[1, '1', 'a']];
    const merge = input({ rows, cuts: [] }, { rows, cuts: [] });
    let opens = 0;
    merge.open = () => {
      opens++;
      return scanOf([encode([rows[0]!])], 0);
    };
    merge.retries = 1;
    const run = async () => {
      for await (const _ of textMergeBatches(merge, { left: 0, right: 0 })) void _;
    };
    await expect(run()).rejects.toThrow(/Connection terminated/);
    expect(opens).toBe(4); // two sides, first try and one retry
  });

  it('checks key order around the rows it decodes', async () => {
    const left: Row[] = [[1, '1', 'a'], [3, '1', 'c'], [2, '1', 'b']];
    const right: Row[] = [[1, '1', 'a'], [2, '1', 'b'], [3, '1', 'c']];
    const err = await textEvents({ rows: left, cuts: [] }, { rows: right, cuts: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReckonError);
    expect((err as ReckonError).code).toBe('ORDER');
  });

  it('finds a key repeated next to a row that differs', async () => {
    const left: Row[] = [[1, '1', 'a'], [2, '1', 'b'], [2, '1', 'c']];
    const right: Row[] = [[1, '1', 'a'], [2, '1', 'b']];
    const err = await textEvents({ rows: left, cuts: [0.3] }, { rows: right, cuts: [] }).catch((e: unknown) => e);
    expect((err as ReckonError).code).toBe('DUPLICATE_KEY');
  });

  it('fails on data that ends in the middle of a row', async () => {
    const bad: TextMergeInput = {
      ...input({ rows: [], cuts: [] }, { rows: [], cuts: [] }),
      open: (side) => scanOf(side === 'left' ? [encode([[1, '1', 'a']]).subarray(0, -3)] : [encode([[1, '1', 'a']])]),
    };
    const run = async () => {
      for await (const _ of textMergeBatches(bad, { left: 0, right: 0 })) void _;
    };
    await expect(run()).rejects.toThrow(/middle of a row/);
  });
});
