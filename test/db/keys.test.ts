/**
 * Key handling across engines: text keys under collations that are not byte order, composite,
 * UUID, sparse and huge integer keys, empty sides, and the options that choose keys, columns and
 * rows. Each diff is also rerun with parallel ranges and tiny chunks, which must not change it.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffOptions, SideSpec } from '../../src/index.ts';
import type { DiffEvent } from '../../src/types.ts';
import { collectDiff } from './collect.ts';
import { PAIRINGS, createTestDb, type EngineName, type TestDb } from './harness.ts';
import { byteOrder, createTable, type Literal } from './rows.ts';

/** Text key column types per engine: the default plus a collation that is not byte order. */
const TEXT_KEY_TYPES: Record<EngineName, string[]> = {
  postgres: ['text', 'text COLLATE "en-x-icu"'],
  mariadb: ['varchar(20) COLLATE utf8mb4_general_ci', 'varchar(20) COLLATE utf8mb4_unicode_ci'],
};

const UUID_KEY_TYPES: Record<EngineName, string[]> = {
  postgres: ['uuid'],
  mariadb: ['uuid', 'char(36)'],
};

/** A deterministic version-4 UUID, so the test data (and a failure) is reproducible. */
function uuid(i: number): string {
  const h = createHash('sha1').update(`reckon-${i}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

describe.each(PAIRINGS)('%s ↔ %s', (leftEngine, rightEngine) => {
  let left: TestDb;
  let right: TestDb;
  let seq = 0;
  /** A fresh table name per test, the same on both sides. */
  const fresh = (base: string) => `${base}_${++seq}`;

  beforeAll(async () => {
    [left, right] = await Promise.all([createTestDb(leftEngine), createTestDb(rightEngine)]);
  });
  afterAll(async () => {
    await Promise.all([left?.drop(), right?.drop()]);
  });

  /** Options beyond the two tables; a side's where goes in `left`/`right`. */
  type Extra = Omit<Partial<DiffOptions>, 'left' | 'right'> & { left?: Partial<SideSpec>; right?: Partial<SideSpec> };

  function opts(name: string, extra: Extra = {}): DiffOptions {
    const { left: l, right: r, ...rest } = extra;
    return {
      left: { url: left.url, table: left.table(name), ...l },
      right: { url: right.url, table: right.table(name), ...r },
      ...rest,
    };
  }

  /**
   * Diffs `name`, checks that parallel ranges with one-row chunks, and hash mode cut down to
   * single rows (every key type through range bounds, sampling and narrowing), give the same
   * events; returns the result.
   */
  async function diffBothWays(name: string, extra: Extra = {}) {
    const serial = await collectDiff(opts(name, { ...extra, algorithm: 'stream' }));
    const parallel = await collectDiff(opts(name, { ...extra, concurrency: 3, chunkSize: 1, algorithm: 'stream' }));
    const hashed = await collectDiff(opts(name, { ...extra, algorithm: 'hash', hashRanges: { topRows: 3, leafRows: 1 } }));
    expect(parallel.events).toEqual(serial.events);
    expect(hashed.events, 'hash mode').toEqual(serial.events);
    const settled = { elapsed_ms: 0, bytes_received: { left: 0, right: 0 }, algorithm: 'stream' };
    expect({ ...parallel.summary, ...settled }).toEqual({ ...serial.summary, ...settled });
    expect({ ...hashed.summary, ...settled }, 'hash mode').toEqual({ ...serial.summary, ...settled });
    expect(hashed.summary.algorithm).toBe('hash');
    return serial;
  }

  describe('text keys compare in UTF-8 byte order whatever the collation', () => {
    const UNICODE = ['', 'B', 'ab', 'b2', 'x y', 'ß', 'é', 'Ω', '😀', '~'];
    // latin1 (cp1252 in MariaDB) holds '€' at byte 0x80, below 'é' (0xE9), while in UTF-8 it
    // sorts above: the bytes compared must be the UTF-8 ones.
    const LATIN1 = ['', 'B', 'ab', 'b2', 'x y', 'ß', 'é', '€', 'Ä', '~'];
    const value = (side: 'left' | 'right', k: string) => (k === 'é' && side === 'right' ? 99 : k.length);

    const combos: [string, string, string[]][] = [];
    for (const l of TEXT_KEY_TYPES[leftEngine]) for (const r of TEXT_KEY_TYPES[rightEngine]) combos.push([l, r, UNICODE]);
    if (leftEngine === 'mariadb' || rightEngine === 'mariadb') {
      const latin1 = 'varchar(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci';
      const pick = (e: EngineName) => (e === 'mariadb' ? latin1 : TEXT_KEY_TYPES[e][0]!);
      combos.push([pick(leftEngine), pick(rightEngine), LATIN1]);
    }

    it.each(combos)('%s vs %s', async (leftType, rightType, common) => {
      const leftKeys = [...common, 'Z', 'a'];
      const rightKeys = [...common, 'z', 'a '];
      const name = fresh('tk');
      await Promise.all([
        createTable(left, name, `k ${leftType} PRIMARY KEY, v int`, leftKeys.map((k) => [k, value('left', k)])),
        createTable(right, name, `k ${rightType} PRIMARY KEY, v int`, rightKeys.map((k) => [k, value('right', k)])),
      ]);
      const { events, summary } = await diffBothWays(name);

      // The oracle: the union of keys in byte order, each classified by set membership.
      const all = [...new Set([...leftKeys, ...rightKeys])].sort(byteOrder);
      const expected: DiffEvent[] = [];
      for (const k of all) {
        const inL = leftKeys.includes(k);
        const inR = rightKeys.includes(k);
        if (inL && !inR) expected.push({ type: 'left_only', key: { k }, row: { k, v: String(value('left', k)) } });
        else if (!inL && inR) expected.push({ type: 'right_only', key: { k }, row: { k, v: String(value('right', k)) } });
        else if (value('left', k) !== value('right', k)) {
          expected.push({ type: 'changed', key: { k }, columns: ['v'], left: { v: String(value('left', k)) }, right: { v: '99' } });
        }
      }
      expect(events).toEqual(expected);
      // Byte order, spelled out: upper case before lower case, 'a' before 'a '.
      expect(events.map((e) => e.key.k)).toEqual(['Z', 'a', 'a ', 'z', 'é']);
      expect(summary).toMatchObject({
        left_rows: leftKeys.length,
        right_rows: rightKeys.length,
        left_only: 2,
        right_only: 2,
        changed: 1,
        identical: false,
      });
    });
  });

  it('composite (int, text) keys', async () => {
    const name = fresh('ck');
    const rows: [number, string, string][] = [];
    for (const a of [-1, 1, 2, 3, 4, 10]) for (const b of ['X', 'a', 'b', 'é']) rows.push([a, b, `${a}${b}`]);
    const ddl = { postgres: 'a int, b text, v text, PRIMARY KEY (a, b)', mariadb: 'a int, b varchar(10), v varchar(10), PRIMARY KEY (a, b)' };
    await Promise.all([
      createTable(left, name, ddl[leftEngine], rows.filter(([a, b]) => !(a === 2 && b === 'a'))),
      createTable(
        right,
        name,
        ddl[rightEngine],
        rows.filter(([a, b]) => !(a === 3 && b === 'X')).map(([a, b, v]) => [a, b, a === 4 && b === 'b' ? 'changed' : v]),
      ),
    ]);
    const { events, summary } = await diffBothWays(name);
    expect(events).toEqual([
      { type: 'right_only', key: { a: 2, b: 'a' }, row: { a: '2', b: 'a', v: '2a' } },
      { type: 'left_only', key: { a: 3, b: 'X' }, row: { a: '3', b: 'X', v: '3X' } },
      { type: 'changed', key: { a: 4, b: 'b' }, columns: ['v'], left: { v: '4b' }, right: { v: 'changed' } },
    ]);
    expect(summary).toMatchObject({ left_rows: 23, right_rows: 23, left_only: 1, right_only: 1, changed: 1 });
  });

  describe('UUID keys', () => {
    const combos: [string, string][] = [];
    for (const l of UUID_KEY_TYPES[leftEngine]) for (const r of UUID_KEY_TYPES[rightEngine]) combos.push([l, r]);
    const ids = Array.from({ length: 40 }, (_, i) => uuid(i));
    ids.push('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff');

    it.each(combos)('%s vs %s', async (leftType, rightType) => {
      const name = fresh('uk');
      const [gone, added, changed] = [ids[5]!, ids[17]!, ids[23]!];
      await Promise.all([
        createTable(left, name, `id ${leftType} PRIMARY KEY, v int`, ids.filter((u) => u !== added).map((u, i) => [u, i])),
        createTable(
          right,
          name,
          `id ${rightType} PRIMARY KEY, v int`,
          ids.filter((u) => u !== gone).map((u) => [u, u === changed ? -1 : ids.filter((x) => x !== added).indexOf(u)]),
        ),
      ]);
      const { events, summary } = await diffBothWays(name);
      const expected = [
        { type: 'left_only', key: gone },
        { type: 'right_only', key: added },
        { type: 'changed', key: changed },
      ].sort((x, y) => byteOrder(x.key, y.key));
      expect(events.map((e) => ({ type: e.type, key: e.key.id }))).toEqual(expected);
      expect(summary).toMatchObject({ left_rows: 41, right_rows: 41, left_only: 1, right_only: 1, changed: 1 });
    });
  });

  it('a MySQL ZEROFILL key, sent with leading zeros, matches the same number', async () => {
    const name = fresh('zf');
    const ddl = (engine: EngineName) => (engine === 'mariadb' ? 'id bigint(20) unsigned zerofill PRIMARY KEY, v int' : 'id bigint PRIMARY KEY, v int');
    await Promise.all([
      createTable(left, name, ddl(leftEngine), [[1n, 1], [7n, 7], [12n, 12], [2n ** 40n, 40]]),
      createTable(right, name, ddl(rightEngine), [[1n, 1], [7n, 8], [12n, 12], [2n ** 40n, 40], [13n, 13]]),
    ]);
    const { events, summary } = await diffBothWays(name);
    expect(events).toEqual([
      { type: 'changed', key: { id: 7 }, columns: ['v'], left: { v: '7' }, right: { v: '8' } },
      { type: 'right_only', key: { id: 13 }, row: { id: '13', v: '13' } },
    ]);
    expect(summary).toMatchObject({ left_rows: 4, right_rows: 5, left_only: 0, right_only: 1, changed: 1 });
  });

  it('negative, sparse and 64-bit integer keys; JSON keys are numbers only within ±2^53', async () => {
    const name = fresh('ik');
    const keys = [
      -(2n ** 63n),
      -(2n ** 62n),
      -(2n ** 53n) - 1n,
      -5n,
      0n,
      7n,
      10n ** 15n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 62n,
      2n ** 63n - 1n,
    ];
    const ddl = 'id bigint PRIMARY KEY, v bigint';
    await Promise.all([
      createTable(left, name, ddl, keys.filter((k) => k !== 2n ** 53n + 1n).map((k) => [k, k])),
      createTable(
        right,
        name,
        ddl,
        keys.filter((k) => k !== -5n).map((k) => [k, k === 2n ** 62n ? k + 1n : k === -(2n ** 63n) ? 0n : k]),
      ),
    ]);
    const { events, summary } = await diffBothWays(name);
    expect(events).toEqual([
      { type: 'changed', key: { id: '-9223372036854775808' }, columns: ['v'], left: { v: '-9223372036854775808' }, right: { v: '0' } },
      { type: 'left_only', key: { id: -5 }, row: { id: '-5', v: '-5' } },
      { type: 'right_only', key: { id: '9007199254740993' }, row: { id: '9007199254740993', v: '9007199254740993' } },
      { type: 'changed', key: { id: '4611686018427387904' }, columns: ['v'], left: { v: '4611686018427387904' }, right: { v: '4611686018427387905' } },
    ]);
    expect(summary).toMatchObject({ left_rows: 11, right_rows: 11, left_only: 1, right_only: 1, changed: 2 });

    // The same keys with nothing different except where the keys sit: 2^53 - 1 is still a number.
    const near = await collectDiff(opts(name, { where: 'id = 9007199254740991 OR id = -9007199254740993', columns: ['v'] }));
    expect(near.events).toEqual([]);
    const leftOnlyNear = await collectDiff(opts(name, { right: { where: 'id <> 9007199254740991' } }));
    expect(leftOnlyNear.events.filter((e) => e.type === 'left_only').map((e) => e.key.id)).toEqual([-5, 9007199254740991]);
  });

  it('an integer key beside a decimal key with fractions orders as numbers, both ways', async () => {
    // Integer keys compare as integers only when both sides are integers: 1.5 sorts between 1
    // and 2, and 10 after 9.5, never by length.
    const name = fresh('nk');
    const dec = { postgres: 'numeric(6,2)', mariadb: 'decimal(6,2)' };
    const intKeys = [1, 2, 9, 10, 100];
    const decKeys = ['1', '1.5', '2', '9.5', '10', '100.25'];
    await Promise.all([
      createTable(left, name, 'id int PRIMARY KEY, v int', intKeys.map((k) => [k, 1])),
      createTable(right, name, `id ${dec[rightEngine]} PRIMARY KEY, v int`, decKeys.map((k) => [k, 1])),
    ]);
    const r = await collectDiff(opts(name, { algorithm: 'stream', chunkSize: 2 }));
    expect(r.events.map((e) => [e.type, String(e.key.id)])).toEqual([
      ['right_only', '1.5'],
      ['left_only', '9'],
      ['right_only', '9.5'],
      ['left_only', '100'],
      ['right_only', '100.25'],
    ]);
    const mirrored = await collectDiff({ ...opts(name, { algorithm: 'stream' }), left: { url: right.url, table: right.table(name) }, right: { url: left.url, table: left.table(name) } });
    expect(mirrored.events.map((e) => [e.type, String(e.key.id)])).toEqual([
      ['left_only', '1.5'],
      ['right_only', '9'],
      ['left_only', '9.5'],
      ['right_only', '100'],
      ['left_only', '100.25'],
    ]);
  });

  describe('empty sides', () => {
    const cases: [string, number, number][] = [
      ['empty left', 0, 3],
      ['empty right', 3, 0],
      ['both empty', 0, 0],
    ];
    it.each(cases)('%s', async (_label, leftCount, rightCount) => {
      const name = fresh('ek');
      const rows = (n: number) => Array.from({ length: n }, (_, i) => [i + 1, `r${i + 1}`] as Literal[]);
      const ddl = { postgres: 'id int PRIMARY KEY, v text', mariadb: 'id int PRIMARY KEY, v varchar(10)' };
      await Promise.all([
        createTable(left, name, ddl[leftEngine], rows(leftCount)),
        createTable(right, name, ddl[rightEngine], rows(rightCount)),
      ]);
      const { events, summary } = await diffBothWays(name);
      const type = leftCount > 0 ? 'left_only' : 'right_only';
      expect(events).toEqual(rows(Math.max(leftCount, rightCount)).map(([id, v]) => ({ type, key: { id }, row: { id: String(id), v } })));
      expect(summary).toMatchObject({
        left_rows: leftCount,
        right_rows: rightCount,
        left_only: leftCount,
        right_only: rightCount,
        changed: 0,
        identical: leftCount + rightCount === 0,
      });
    });
  });

  it('`key` may name a unique column that is not the primary key', async () => {
    const name = fresh('kk');
    const ddl = {
      postgres: 'id int PRIMARY KEY, code text NOT NULL UNIQUE, v int',
      mariadb: 'id int PRIMARY KEY, code varchar(10) NOT NULL UNIQUE, v int',
    };
    await Promise.all([
      createTable(left, name, ddl[leftEngine], [[1, 'e', 10], [2, 'd', 20], [3, 'c', 30], [4, 'b', 40], [5, 'a', 50]]),
      createTable(right, name, ddl[rightEngine], [[1, 'e', 10], [2, 'd', 20], [3, 'c', 31], [4, 'b', 40], [6, 'f', 60]]),
    ]);
    const { events, summary } = await diffBothWays(name, { key: ['code'] });
    // Ordered by code, not by id.
    expect(events).toEqual([
      { type: 'left_only', key: { code: 'a' }, row: { code: 'a', id: '5', v: '50' } },
      { type: 'changed', key: { code: 'c' }, columns: ['v'], left: { v: '30' }, right: { v: '31' } },
      { type: 'right_only', key: { code: 'f' }, row: { code: 'f', id: '6', v: '60' } },
    ]);
    expect(summary).toMatchObject({ left_rows: 5, right_rows: 5, left_only: 1, right_only: 1, changed: 1 });
  });

  it('`columns` restricts the compared columns', async () => {
    const name = fresh('cc');
    const ddl = 'id int PRIMARY KEY, a int, b int, c int';
    await Promise.all([
      createTable(left, name, ddl, [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3], [4, 4, 4, 4]]),
      createTable(right, name, ddl, [[1, 9, 1, 1], [2, 2, 9, 2], [3, 3, 3, 9]]),
    ]);
    const { events, summary } = await diffBothWays(name, { columns: ['c', 'a'] });
    expect(events).toEqual([
      { type: 'changed', key: { id: 1 }, columns: ['a'], left: { a: '1' }, right: { a: '9' } },
      { type: 'changed', key: { id: 3 }, columns: ['c'], left: { c: '3' }, right: { c: '9' } },
      { type: 'left_only', key: { id: 4 }, row: { id: '4', c: '4', a: '4' } },
    ]);
    expect(summary).toMatchObject({ changed: 2, left_only: 1, right_only: 0, identical: false });
    // Restricted to a column that matches everywhere, only the missing row remains.
    const onlyB = await collectDiff(opts(name, { columns: ['c'], where: 'id <> 3 AND id <> 4' }));
    expect(onlyB.events).toEqual([]);
    expect(onlyB.summary.identical).toBe(true);
  });

  it('a column on one side only is reported in the summary and not compared', async () => {
    const name = fresh('oc');
    const [lt, rt] = [leftEngine, rightEngine].map((e) => (e === 'postgres' ? 'text' : 'varchar(20)'));
    await Promise.all([
      createTable(left, name, `id int PRIMARY KEY, v int, note ${lt}`, [[1, 1, 'x'], [2, 2, 'y'], [3, 3, 'z']]),
      createTable(right, name, `id int PRIMARY KEY, extra ${rt}, v int`, [[1, 'p', 1], [2, 'q', 20], [3, 'r', 3]]),
    ]);
    const { events, summary } = await diffBothWays(name);
    expect(events).toEqual([{ type: 'changed', key: { id: 2 }, columns: ['v'], left: { v: '2' }, right: { v: '20' } }]);
    expect(summary).toMatchObject({ left_only_columns: ['note'], right_only_columns: ['extra'], changed: 1, identical: false });
  });

  it('`where` filters both sides; a side-specific where filters that side only', async () => {
    const name = fresh('wk');
    const ddl = 'id int PRIMARY KEY, grp int, v int, deleted int';
    const base: Literal[][] = Array.from({ length: 10 }, (_, i) => [i + 1, (i + 1) % 2, i + 1, 0]);
    await Promise.all([
      createTable(left, name, ddl, base),
      createTable(right, name, ddl, [...base.map((r) => (r[0] === 5 ? [5, 1, 50, 0] : r)), [11, 1, 11, 1], [12, 0, 12, 1]]),
    ]);
    const keysOf = (events: DiffEvent[]) => events.map((e) => `${e.type}:${e.key.id}`);

    expect(keysOf((await diffBothWays(name)).events)).toEqual(['changed:5', 'right_only:11', 'right_only:12']);
    expect(keysOf((await diffBothWays(name, { right: { where: 'deleted = 0' } })).events)).toEqual(['changed:5']);
    const even = await diffBothWays(name, { where: 'grp = 0', right: { where: 'deleted = 0' } });
    expect(even.events).toEqual([]);
    expect(even.summary).toMatchObject({ left_rows: 5, right_rows: 5, identical: true });
    const odd = await diffBothWays(name, { where: 'grp = 1', right: { where: 'deleted = 0' } });
    expect(keysOf(odd.events)).toEqual(['changed:5']);
    expect(odd.summary).toMatchObject({ left_rows: 5, right_rows: 5 });
    const leftOnly = await diffBothWays(name, { left: { where: 'id > 2' } });
    expect(keysOf(leftOnly.events)).toEqual(['right_only:1', 'right_only:2', 'changed:5', 'right_only:11', 'right_only:12']);
    expect(leftOnly.summary).toMatchObject({ left_rows: 8, right_rows: 12 });
  });
});
