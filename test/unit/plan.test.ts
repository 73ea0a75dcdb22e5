/**
 * Range planning and the ordered parallel runner. The runner is where a diff of many ranges could
 * reorder output, leak a connection on early exit, or buffer a whole range in memory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyComparator } from '../../src/diff/compare-keys.ts';
import { orderedParallel, rangesFromBoundaries } from '../../src/diff/plan.ts';
import type { Key, KeyRange } from '../../src/types.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('rangesFromBoundaries', () => {
  const cmp = keyComparator(['integer', 'text']);
  const inRange = (k: Key, r: KeyRange) => (!r.from || cmp(k, r.from) >= 0) && (!r.to || cmp(k, r.to) < 0);
  const key = fc.tuple(fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom('', 'a', 'b', '😀'));

  it('returns one unbounded range when there are no boundaries', () => {
    expect(rangesFromBoundaries([])).toEqual([{}]);
  });

  it('cuts at each boundary, the boundary belonging to the range it starts', () => {
    expect(rangesFromBoundaries([['5'], ['9']])).toEqual([{ to: ['5'] }, { from: ['5'], to: ['9'] }, { from: ['9'] }]);
  });

  it('puts every key in exactly one range (property)', () => {
    const boundaries = fc
      .uniqueArray(key, { selector: (k) => k.join('\u0001'), maxLength: 8 })
      .map((ks) => ks.sort(cmp));
    fc.assert(
      fc.property(boundaries, fc.array(key, { minLength: 1, maxLength: 30 }), (bs, keys) => {
        const ranges = rangesFromBoundaries(bs);
        expect(ranges).toHaveLength(bs.length + 1);
        // Boundaries themselves are the keys most likely to land in zero or two ranges.
        for (const k of [...keys, ...bs]) {
          expect(ranges.filter((r) => inRange(k, r))).toHaveLength(1);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/** A task yielding `items` after random delays, recording what it produced and whether it ended. */
function makeTask(id: number, length: number, delays: number[], log: { finished: Set<number> }) {
  return async function* (): AsyncGenerator<string> {
    try {
      for (let i = 0; i < length; i++) {
        const d = delays[(id + i) % delays.length]!;
        // 0 means a bare microtask hop, so some tasks finish in the same tick as others start.
        if (d === 0) await Promise.resolve();
        else await sleep(d);
        yield `${id}:${i}`;
      }
    } finally {
      log.finished.add(id);
    }
  };
}

async function take<T>(it: AsyncIterable<T>, max = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (out.length >= max) break;
  }
  return out;
}

describe('orderedParallel: order', () => {
  it('yields items in task order, as a sequential run does, for concurrency 1..4 (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 7 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        async (lengths, delays, concurrency, buffer) => {
          const log = { finished: new Set<number>() };
          const tasks = lengths.map((n, id) => makeTask(id, n, delays, log));
          const sequential = lengths.flatMap((n, id) => Array.from({ length: n }, (_, i) => `${id}:${i}`));
          expect(await take(orderedParallel(tasks, concurrency, buffer))).toEqual(sequential);
          expect(log.finished.size).toBe(tasks.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('runs tasks concurrently (a later task progresses while an earlier one waits)', async () => {
    let laterStarted = false;
    let sawLaterBeforeFirstItem = false;
    const tasks = [
      async function* () {
        await sleep(30);
        sawLaterBeforeFirstItem = laterStarted;
        yield 'a';
      },
      async function* () {
        laterStarted = true;
        yield 'b';
      },
    ];
    expect(await take(orderedParallel(tasks, 2, 10))).toEqual(['a', 'b']);
    expect(sawLaterBeforeFirstItem).toBe(true);
  });
});

describe('orderedParallel: errors and early exit', () => {
  it('propagates a task error after the items of earlier tasks', async () => {
    const tasks = [
      async function* () {
        await sleep(10);
        yield 1;
      },
      async function* () {
        yield 2;
        throw new Error('range 2 failed');
      },
      async function* () {
        yield 3;
      },
    ];
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of orderedParallel(tasks, 3, 10)) seen.push(x);
      })(),
    ).rejects.toThrow('range 2 failed');
    expect(seen).toEqual([1, 2]);
  });

  it.each([1, 2, 4])('stops every task when the consumer breaks early (concurrency %i)', async (concurrency) => {
    const log = { finished: new Set<number>() };
    const started = new Set<number>();
    const tasks = Array.from({ length: 6 }, (_, id) => {
      const inner = makeTask(id, 1_000_000, [0, 1], log);
      return () => {
        started.add(id);
        return inner();
      };
    });
    const items = await take(orderedParallel(tasks, concurrency, 4), 5);
    expect(items).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4']);
    // Every task that was started has run its finally block (the connection-release path), and
    // none started after the break. Reaching this line at all shows nothing hung.
    expect(started.size).toBeGreaterThan(0);
    expect([...log.finished].sort()).toEqual([...started].sort());
    const startedAtBreak = started.size;
    await sleep(20);
    expect(started.size).toBe(startedAtBreak);
  });

  it('stops tasks that are blocked on a full buffer when the consumer breaks', async () => {
    const log = { finished: new Set<number>() };
    const tasks = [
      async function* () {
        await sleep(20);
        yield 'first';
      },
      makeTask(1, 1_000_000, [0], log),
      makeTask(2, 1_000_000, [0], log),
    ];
    expect(await take(orderedParallel(tasks, 3, 2), 1)).toEqual(['first']);
    expect(log.finished).toEqual(new Set([1, 2]));
  });
});

describe('orderedParallel: memory bound', () => {
  it.each([0, -1, 1.5, Number.NaN])('rejects buffer %s, which would leave producers waiting forever', async (buffer) => {
    const tasks = [async function* () { yield 1; }, async function* () { yield 2; }];
    await expect(take(orderedParallel(tasks, 2, buffer))).rejects.toThrow(/buffer/);
  });

  /** Counts items a task has yielded that the consumer has not yet received. */
  function counted(id: number, length: number, gauge: { ahead: number[]; max: number[] }, before?: () => Promise<void>) {
    return async function* (): AsyncGenerator<[number, number]> {
      if (before) await before();
      for (let i = 0; i < length; i++) {
        gauge.ahead[id]!++;
        gauge.max[id] = Math.max(gauge.max[id]!, gauge.ahead[id]!);
        yield [id, i];
      }
    };
  }

  it.each([1, 3, 8])('a fast task waiting behind a slow one runs at most `buffer` (%i) items ahead', async (buffer) => {
    const gauge = { ahead: [0, 0, 0], max: [0, 0, 0] };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tasks = [counted(0, 3, gauge, () => gate), counted(1, 10_000, gauge), counted(2, 10_000, gauge)];
    const out: [number, number][] = [];
    const run = (async () => {
      for await (const item of orderedParallel(tasks, 3, buffer)) {
        gauge.ahead[item[0]]!--;
        out.push(item);
      }
    })();
    // Give the fast tasks every chance to run ahead while the first one is stuck.
    await sleep(50);
    expect(gauge.max[1]).toBeLessThanOrEqual(buffer);
    expect(gauge.max[2]).toBeLessThanOrEqual(buffer);
    expect(gauge.max[1]).toBeGreaterThan(0); // they did run concurrently
    release();
    await run;
    expect(out).toHaveLength(20_003);
    expect(gauge.max[1]).toBeLessThanOrEqual(buffer);
    expect(gauge.max[2]).toBeLessThanOrEqual(buffer);
  });

  it('the task being consumed runs at most `buffer` items ahead of a slow consumer', async () => {
    const buffer = 5;
    const gauge = { ahead: [0, 0], max: [0, 0] };
    const tasks = [counted(0, 200, gauge), counted(1, 200, gauge)];
    let n = 0;
    for await (const item of orderedParallel(tasks, 2, buffer)) {
      gauge.ahead[item[0]]!--;
      // A slow consumer: every few items it yields to the event loop, letting producers run.
      if (++n % 7 === 0) await sleep(1);
    }
    expect(n).toBe(400);
    expect(gauge.max[0]).toBeLessThanOrEqual(buffer);
    expect(gauge.max[1]).toBeLessThanOrEqual(buffer);
  });
});
