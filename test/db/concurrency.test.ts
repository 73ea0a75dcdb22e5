/**
 * Parallel ranges and chunk sizes are performance knobs only: on a few thousand rows with skewed,
 * sparse keys and differences scattered (some exactly on range boundaries), every concurrency and
 * chunk size must give the events of a serial run, in the same order, and those must match an
 * oracle computed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffOptions } from '../../src/index.ts';
import type { DiffEvent } from '../../src/types.ts';
import { collectDiff } from './collect.ts';
import { PAIRINGS, createTestDb, type EngineName, type TestDb } from './harness.ts';
import { byteOrder, createTable, type Literal } from './rows.ts';

/** Skewed keys: a dense run (even numbers, leaving room for right-only keys), a sparse run, negatives and a tail of huge values up to 2^62. */
function skewedKeys(): bigint[] {
  const keys: bigint[] = [];
  for (let i = 1n; i <= 2000n; i++) keys.push(2n * i);
  for (let i = 0n; i < 500n; i++) keys.push(1_000_000n + i * 7919n);
  for (let i = 1n; i <= 300n; i++) keys.push(-i * 1_000_003n);
  for (let i = 0n; i < 200n; i++) keys.push(2n ** 40n + i * 2n ** 52n);
  keys.push(2n ** 62n, -(2n ** 62n));
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Composite keys whose text part mixes case, so byte order differs from the collation's order. */
function compositeKeys(): [number, string][] {
  const keys: [number, string][] = [];
  for (let a = 0; a < 50; a++) {
    for (let i = 0; i < 60; i++) keys.push([a, `${String.fromCharCode(65 + (i % 26) + (i % 2 ? 32 : 0))}${i}${i % 7 === 0 ? 'é' : ''}`]);
  }
  return keys.sort((x, y) => x[0] - y[0] || byteOrder(x[1], y[1]));
}

/** Positions of the range boundaries a left-sampled plan of `parts` parts would cut at. */
function boundaryPositions(n: number): Set<number> {
  const out = new Set<number>();
  for (const concurrency of [2, 3, 5]) {
    const parts = concurrency * 4;
    for (let j = 1; j < parts; j++) out.add(Math.floor((n * j) / parts));
  }
  return out;
}

interface Fixture<K> {
  left: { key: K; v: string }[];
  right: { key: K; v: string }[];
}

/**
 * Left holds every key; right misses scattered keys and every boundary key, has extra keys placed
 * just before some left keys, and changes the value of scattered others.
 */
function makeFixture<K>(keys: K[], between: (k: K) => K | undefined, compare: (a: K, b: K) => number): Fixture<K> {
  const boundaries = boundaryPositions(keys.length);
  const left = keys.map((key, i) => ({ key, v: `v${i}` }));
  const right: { key: K; v: string }[] = [];
  keys.forEach((key, i) => {
    const extra = i % 173 === 5 ? between(key) : undefined;
    if (extra !== undefined) right.push({ key: extra, v: `x${i}` });
    if (i % 131 === 3 || boundaries.has(i)) return;
    right.push({ key, v: i % 97 === 11 ? `changed${i}` : `v${i}` });
  });
  right.sort((a, b) => compare(a.key, b.key));
  return { left, right };
}

/** The expected events of a fixture, by a plain merge over the sorted arrays. */
function oracle<K>(f: Fixture<K>, compare: (a: K, b: K) => number, keyObject: (k: K) => Record<string, string | number>, rowObject: (k: K, v: string) => Record<string, string>): DiffEvent[] {
  const out: DiffEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < f.left.length || j < f.right.length) {
    const l = f.left[i];
    const r = f.right[j];
    const c = l === undefined ? 1 : r === undefined ? -1 : compare(l.key, r.key);
    if (c < 0) {
      out.push({ type: 'left_only', key: keyObject(l!.key), row: rowObject(l!.key, l!.v) });
      i++;
    } else if (c > 0) {
      out.push({ type: 'right_only', key: keyObject(r!.key), row: rowObject(r!.key, r!.v) });
      j++;
    } else {
      if (l!.v !== r!.v) out.push({ type: 'changed', key: keyObject(l!.key), columns: ['v'], left: { v: l!.v }, right: { v: r!.v } });
      i++;
      j++;
    }
  }
  return out;
}

const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const cmpPair = (x: [number, string], y: [number, string]) => x[0] - y[0] || byteOrder(x[1], y[1]);
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

describe.each(PAIRINGS)('%s ↔ %s', (leftEngine, rightEngine) => {
  let left: TestDb;
  let right: TestDb;
  const ints = skewedKeys();
  const intSet = new Set(ints);
  const intFixture = makeFixture(ints, (k) => (intSet.has(k - 1n) ? undefined : k - 1n), cmpBig);
  const pairs = compositeKeys();
  const pairFixture = makeFixture(pairs, ([a, b]) => [a, `${b}!`] as [number, string], cmpPair);

  beforeAll(async () => {
    [left, right] = await Promise.all([createTestDb(leftEngine), createTestDb(rightEngine)]);
    const intDdl = (e: EngineName) => (e === 'postgres' ? 'id bigint PRIMARY KEY, v text' : 'id bigint PRIMARY KEY, v varchar(20)');
    const pairDdl = (e: EngineName) =>
      e === 'postgres' ? 'a int, b text, v text, PRIMARY KEY (a, b)' : 'a int, b varchar(20) COLLATE utf8mb4_general_ci, v varchar(20), PRIMARY KEY (a, b)';
    const intRows = (rows: { key: bigint; v: string }[]): Literal[][] => rows.map((r) => [r.key, r.v]);
    const pairRows = (rows: { key: [number, string]; v: string }[]): Literal[][] => rows.map((r) => [r.key[0], r.key[1], r.v]);
    await Promise.all([
      createTable(left, 'ints', intDdl(leftEngine), intRows(intFixture.left)),
      createTable(right, 'ints', intDdl(rightEngine), intRows(intFixture.right)),
      createTable(left, 'pairs', pairDdl(leftEngine), pairRows(pairFixture.left)),
      createTable(right, 'pairs', pairDdl(rightEngine), pairRows(pairFixture.right)),
    ]);
  });
  afterAll(async () => {
    await Promise.all([left?.drop(), right?.drop()]);
  });

  const base = (table: string, extra: Partial<DiffOptions> = {}): DiffOptions => ({
    left: { url: left.url, table: left.table(table) },
    right: { url: right.url, table: right.table(table) },
    ...extra,
  });
  const withoutTime = <T extends { elapsed_ms: number }>(s: T) => ({ ...s, elapsed_ms: 0, bytes_received: { left: 0, right: 0 } });

  const TABLES = [
    {
      name: 'ints',
      expected: () =>
        oracle(
          intFixture,
          cmpBig,
          (k) => ({ id: k <= SAFE && k >= -SAFE ? Number(k) : String(k) }),
          (k, v) => ({ id: String(k), v }),
        ),
    },
    {
      name: 'pairs',
      expected: () =>
        oracle(
          pairFixture,
          cmpPair,
          ([a, b]) => ({ a, b }),
          ([a, b], v) => ({ a: String(a), b, v }),
        ),
    },
  ];

  describe.each(TABLES)('$name', ({ name, expected }) => {
    it('a serial run matches the oracle', async () => {
      const { events, summary } = await collectDiff(base(name));
      const want = expected();
      // The fixture really has differences of every kind, some on range boundaries.
      expect(want.filter((e) => e.type === 'left_only').length).toBeGreaterThan(20);
      expect(want.filter((e) => e.type === 'right_only').length).toBeGreaterThan(10);
      expect(want.filter((e) => e.type === 'changed').length).toBeGreaterThan(20);
      expect(events).toEqual(want);
      const fixture = name === 'ints' ? intFixture : pairFixture;
      expect(summary).toMatchObject({ left_rows: fixture.left.length, right_rows: fixture.right.length, identical: false });
    });

    it.each([2, 3, 5])('concurrency %i gives the serial events in the same order', async (concurrency) => {
      const serial = await collectDiff(base(name));
      const parallel = await collectDiff(base(name, { concurrency, chunkSize: 50 }));
      expect(parallel.events).toEqual(serial.events);
      expect(withoutTime(parallel.summary)).toEqual(withoutTime(serial.summary));
    });

    it.each([1, 7, 1000])('chunk size %i gives the serial events', async (chunkSize) => {
      const serial = await collectDiff(base(name));
      const chunked = await collectDiff(base(name, { chunkSize }));
      expect(chunked.events).toEqual(serial.events);
      expect(withoutTime(chunked.summary)).toEqual(withoutTime(serial.summary));
    });
  });
});
