/**
 * Stopping a merge part-way and carrying on after its last settled key, and `auto`'s timed choice
 * between streaming and digests: on in-memory sides with a fake clock, so the choice is certain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyComparator } from '../../src/diff/compare-keys.ts';
import { measuredMergeBatches, type MeasuredChoice, type MeasuredMergeOptions } from '../../src/diff/measured-merge.ts';
import { mergeJoinBatches, type CanonicalRow, type MergeCounts, type MergeEvent, type MergeOptions } from '../../src/diff/merge-join.ts';
import type { Key } from '../../src/types.ts';

const cmp = keyComparator(['integer']);
const merge: MergeOptions = {
  keyLength: 1,
  compareKeys: (a, b) => cmp(a as string[], b as string[]),
  leftName: 'left',
  rightName: 'right',
  describeKey: (row) => String(row[0]),
};

type Row = [string, string];

/** Rows in chunks of `size`, each chunk first moving a fake clock on (`tick`). */
async function* chunks(rows: CanonicalRow[], size: number, tick?: () => void): AsyncGenerator<CanonicalRow[]> {
  for (let i = 0; i < rows.length; i += size) {
    tick?.();
    // Copies: a merge may unpack rows in place.
    yield rows.slice(i, i + size).map((r) => [...r]);
  }
}

async function drain(it: AsyncGenerator<MergeEvent[], unknown>): Promise<MergeEvent[]> {
  const out: MergeEvent[] = [];
  for (;;) {
    const next = await it.next();
    if (next.done) return out;
    out.push(...next.value);
  }
}

const after = (rows: Row[], key: Key | undefined) => (key === undefined ? rows : rows.filter((r) => cmp([r[0]], key) > 0));

/** Two tables: `n` rows on the left; on the right every `every`-th row changed, one missing, one extra. */
function tables(n: number, every: number): { left: Row[]; right: Row[] } {
  const left: Row[] = [];
  const right: Row[] = [];
  for (let i = 1; i <= n; i++) {
    left.push([String(i * 2), `v${i}`]);
    if (i === 7) continue;
    right.push([String(i * 2), i % every === 0 ? `w${i}` : `v${i}`]);
    if (i === 11) right.push([String(i * 2 + 1), 'extra']);
  }
  return { left, right };
}

describe('mergeJoinBatches stopWhen', () => {
  const rows = fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 120 }).map((ks) => ks.sort((a, b) => a - b));
  it('stops at a chunk boundary, and a merge of what lies after counts.last gives exactly the rest', async () => {
    await fc.assert(
      fc.asyncProperty(rows, rows, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 60 }), async (lk, rk, ls, rs, stopAt) => {
        const left: Row[] = lk.map((k) => [String(k), `v${k % 3}`]);
        const right: Row[] = rk.map((k) => [String(k), `v${k % 4}`]);
        const whole = await drain(mergeJoinBatches(chunks(left, ls), chunks(right, rs), merge));
        const counts: MergeCounts = { left: 0, right: 0 };
        const first = mergeJoinBatches(chunks(left, ls), chunks(right, rs), merge, counts, (n) => n >= stopAt);
        const events: MergeEvent[] = [];
        let ended: string;
        for (;;) {
          const next = await first.next();
          if (next.done) {
            ended = next.value;
            break;
          }
          events.push(...next.value);
        }
        if (ended === 'stopped') {
          expect(Math.max(counts.left, counts.right)).toBeGreaterThanOrEqual(stopAt);
          const last = counts.last!.slice(0, 1) as Key;
          events.push(...(await drain(mergeJoinBatches(chunks(after(left, last), ls), chunks(after(right, last), rs), merge, counts))));
        }
        expect(events).toEqual(whole);
        expect(counts).toMatchObject({ left: left.length, right: right.length });
      }),
      { numRuns: 300 },
    );
  });
});

describe('measuredMergeBatches', () => {
  const N = 3000;
  const PROBE = 300;
  const CHUNK = 50;

  /** The options over in-memory tables, streaming and digests each costing `ms` per chunk. */
  function setup(t: { left: Row[]; right: Row[] }, cost: { stream: number; digest: number }, busy: number, shared: { choice?: MeasuredChoice } = {}) {
    const clock = { t: 0 };
    const calls = { digests: 0, stream: 0, dense: 0, choices: [] as MeasuredChoice[] };
    const timed = (ms: number) => () => (clock.t += ms);
    const digestOf = (rows: Row[]): CanonicalRow[] => rows.map(([k, v]) => [k, `#${v}`]);
    const opts: MeasuredMergeOptions = {
      merge,
      probeRows: PROBE,
      shared,
      digests: (a) => {
        calls.digests++;
        return { left: chunks(digestOf(after(t.left, a)), CHUNK, timed(cost.digest)), right: chunks(digestOf(after(t.right, a)), CHUNK, timed(cost.digest)) };
      },
      rows: (keys) => {
        const wanted = new Set(keys.map((k) => k[0]));
        return { left: chunks(t.left.filter((r) => wanted.has(r[0])), CHUNK), right: chunks(t.right.filter((r) => wanted.has(r[0])), CHUNK) };
      },
      stream: (a) => {
        calls.stream++;
        return { left: chunks(after(t.left, a), CHUNK, timed(cost.stream)), right: chunks(after(t.right, a), CHUNK, timed(cost.stream)) };
      },
      onChoice: (c) => calls.choices.push(c),
      onDense: () => calls.dense++,
      now: () => clock.t,
      loopBusy: () => ({ since: () => busy }),
    };
    return { opts, calls };
  }

  const expected = async (t: { left: Row[]; right: Row[] }) => drain(mergeJoinBatches(chunks(t.left, CHUNK), chunks(t.right, CHUNK), merge));

  it('keeps streaming, without timing digests, when reckon was busy: its CPU is the bound', async () => {
    const t = tables(N, 40);
    const { opts, calls } = setup(t, { stream: 10, digest: 1 }, 0.9);
    const counts: MergeCounts = { left: 0, right: 0 };
    expect(await drain(measuredMergeBatches(opts, counts))).toEqual(await expected(t));
    expect(calls.digests).toBe(0);
    expect(calls.stream).toBe(1);
    expect(calls.choices).toEqual([{ algorithm: 'stream', reason: expect.stringContaining('reckon busy 90%') }]);
    expect(counts).toMatchObject({ left: t.left.length, right: t.right.length });
  });

  // Streaming costs 10 ms a chunk; digests 2 ms (5× faster) or 9 ms (not faster by enough).
  it.each([
    { digestMs: 2, algorithm: 'digest', digests: 2, streams: 1 },
    { digestMs: 9, algorithm: 'stream', digests: 1, streams: 2 },
  ])('when reckon waited for rows, times digests too and goes on $algorithm ($digestMs ms a digest chunk)', async ({ digestMs, algorithm, digests, streams }) => {
    const t = tables(N, 40);
    const { opts, calls } = setup(t, { stream: 10, digest: digestMs }, 0.1);
    const counts: MergeCounts = { left: 0, right: 0 };
    expect(await drain(measuredMergeBatches(opts, counts))).toEqual(await expected(t));
    expect(calls.choices.map((c) => c.algorithm)).toEqual([algorithm]);
    expect(calls.choices[0]!.reason).toMatch(/^timed on the first rows: [\d,]+ rows\/s by row hashes, [\d,]+ rows\/s streamed \(reckon busy 10% of the time\)$/);
    // The timed stretches, then the rest of the range the chosen way.
    expect(calls).toMatchObject({ digests, stream: streams });
    expect(counts).toMatchObject({ left: t.left.length, right: t.right.length });
  });

  it('decides nothing on a range shorter than a timed stretch, and follows a choice already made', async () => {
    const small = tables(200, 40);
    const first = setup(small, { stream: 10, digest: 1 }, 0.1);
    expect(await drain(measuredMergeBatches(first.opts))).toEqual(await expected(small));
    expect(first.calls.choices).toEqual([]);
    expect(first.opts.shared.choice).toBeUndefined();

    const t = tables(N, 40);
    const shared = { choice: { algorithm: 'digest' as const, reason: 'another range' } };
    const later = setup(t, { stream: 1, digest: 10 }, 0.9, shared);
    expect(await drain(measuredMergeBatches(later.opts))).toEqual(await expected(t));
    expect(later.calls).toMatchObject({ digests: 1, stream: 0, choices: [] });
  });

  it('streams the rest when the rows turn out to differ densely, deciding for later ranges too', async () => {
    const t = tables(N, 3);
    const { opts, calls } = setup(t, { stream: 10, digest: 1 }, 0.1);
    expect(await drain(measuredMergeBatches(opts))).toEqual(await expected(t));
    // Said once, as the run's choice.
    expect(calls.choices).toEqual([{ algorithm: 'stream', reason: expect.stringContaining('too densely') }]);
    expect(calls.dense).toBe(0);
  });
});
