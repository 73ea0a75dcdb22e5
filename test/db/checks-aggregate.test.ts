/**
 * count and sum checks against real PostgreSQL and MariaDB: per-partition counts with a missing,
 * an extra and an off-by-one day; sums inside and outside absolute and relative tolerances; exact
 * decimals; hour/week/month grains with labels that match between engines; `last: N` windows;
 * query sides; min/max of timestamps; averages compared exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/checks/config.ts';
import type { CheckResult, PartitionRow } from '../../src/checks/results.ts';
import { runChecks } from '../../src/checks/run-checks.ts';
import { createTestDb, type TestDb } from './harness.ts';

/** One check between the PG and MariaDB test databases, run through the library entry point. */
async function runCheck(pg: TestDb, my: TestDb, check: Record<string, unknown>, opts: { now?: Date; swap?: boolean } = {}): Promise<CheckResult> {
  const sides = { pg: { connection: 'pg' }, my: { connection: 'my' } };
  const doc = {
    connections: { pg: pg.url, my: my.url },
    checks: [{ name: 'c', ...check, left: { ...sides.pg, ...(check.left as object) }, right: { ...sides.my, ...(check.right as object) } }],
  };
  if (opts.swap) {
    const c = doc.checks[0]!;
    [c.left, c.right] = [c.right, c.left];
  }
  const run = await runChecks(validateConfig(doc, {}), { now: opts.now });
  expect(run.checks).toHaveLength(1);
  return run.checks[0]!;
}

const T = (db: TestDb, name: string) => ({ table: db.table(name) });
const slim = (rows: PartitionRow[]) => rows.map(({ partition, measure, left, right, difference, status, note }) => ({ partition, measure, left, right, difference, status, ...(note ? { note } : {}) }));

let pg: TestDb;
let my: TestDb;

beforeAll(async () => {
  [pg, my] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  // events: 300 rows over 2024-01-01..10, 30 a day. The MariaDB copy lacks 2024-01-04, lacks one
  // row of 2024-01-06 (id 6) and has 5 rows on 2024-01-15 that PostgreSQL does not.
  await pg.exec(`
    CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, day date NOT NULL, amount numeric(12,2) NOT NULL);
    INSERT INTO events
      SELECT g, timestamptz '2024-01-01 00:00:00+00' + ((g - 1) % 10) * interval '1 day' + (g % 24) * interval '1 hour' + g * interval '1 second',
             date '2024-01-01' + (g - 1) % 10, (g % 100) + 0.25
      FROM generate_series(1, 300) g;`);
  await my.exec(`
    CREATE TABLE events (id bigint PRIMARY KEY, created_at datetime(6) NOT NULL, day date NOT NULL, amount decimal(12,2) NOT NULL);
    INSERT INTO events
      SELECT seq, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ((seq - 1) % 10) DAY + INTERVAL (seq % 24) HOUR + INTERVAL seq SECOND,
             DATE '2024-01-01' + INTERVAL ((seq - 1) % 10) DAY, (seq % 100) + 0.25
      FROM seq_1_to_300;
    DELETE FROM events WHERE day = '2024-01-04' OR id = 6;
    INSERT INTO events SELECT 1000 + seq, TIMESTAMP '2024-01-15 08:00:00' + INTERVAL seq MINUTE, DATE '2024-01-15', 1.00 FROM seq_1_to_5;`);
});

afterAll(async () => {
  await Promise.all([pg?.drop(), my?.drop()]);
});

const EXPECTED_DAYS = [
  { partition: '2024-01-01', measure: 'count', left: '30', right: '30', difference: '0', status: 'pass' },
  { partition: '2024-01-02', measure: 'count', left: '30', right: '30', difference: '0', status: 'pass' },
  { partition: '2024-01-03', measure: 'count', left: '30', right: '30', difference: '0', status: 'pass' },
  { partition: '2024-01-04', measure: 'count', left: '30', right: null, difference: null, status: 'fail', note: 'missing on right' },
  { partition: '2024-01-05', measure: 'count', left: '30', right: '30', difference: '0', status: 'pass' },
  { partition: '2024-01-06', measure: 'count', left: '30', right: '29', difference: '1', status: 'fail' },
  { partition: '2024-01-07', measure: 'count', left: '30', right: '30', difference: '0', status: 'pass' },
  { partition: '2024-01-08', measure: 'count', left: '30', right: '30', difference: '0', status: 'pass' },
  { partition: '2024-01-09', measure: 'count', left: '30', right: '30', difference: '0', status: 'pass' },
  { partition: '2024-01-10', measure: 'count', left: '30', right: '30', difference: '0', status: 'pass' },
  { partition: '2024-01-15', measure: 'count', left: null, right: '5', difference: null, status: 'fail', note: 'missing on left' },
];

describe('count per day, PostgreSQL vs MariaDB', () => {
  it('finds the missing day, the extra day and the day off by one row', async () => {
    const r = await runCheck(pg, my, { kind: 'count', left: T(pg, 'events'), right: T(my, 'events'), partition: { column: 'created_at', grain: 'day' } });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('fail');
    expect(slim(r.rows)).toEqual(EXPECTED_DAYS);
  });

  it('gives the same answer with the sides swapped (MariaDB on the left)', async () => {
    const r = await runCheck(pg, my, { kind: 'count', left: T(pg, 'events'), right: T(my, 'events'), partition: { column: 'created_at', grain: 'day' } }, { swap: true });
    const swapped = EXPECTED_DAYS.map((row) => ({
      ...row,
      left: row.right,
      right: row.left,
      difference: row.difference === '1' ? '-1' : row.difference,
      ...(row.note ? { note: row.note === 'missing on right' ? 'missing on left' : 'missing on right' } : {}),
    }));
    expect(slim(r.rows)).toEqual(swapped);
  });

  it('partitions a date column the same way', async () => {
    const r = await runCheck(pg, my, { kind: 'count', left: T(pg, 'events'), right: T(my, 'events'), partition: { column: 'day', grain: 'day' } });
    expect(slim(r.rows)).toEqual(EXPECTED_DAYS);
  });

  it('a count tolerance of 1 lets the off-by-one day pass, never a day missing on one side', async () => {
    const r = await runCheck(pg, my, { kind: 'count', tolerance: 1, left: T(pg, 'events'), right: T(my, 'events'), partition: { column: 'created_at', grain: 'day' } });
    expect(r.rows.filter((x) => x.status === 'fail').map((x) => x.partition)).toEqual(['2024-01-04', '2024-01-15']);
    expect(r.status).toBe('fail');
  });

  it('passes when the days agree (where on each side)', async () => {
    const r = await runCheck(pg, my, {
      kind: 'count',
      where: "day <> '2024-01-04' AND day <> '2024-01-15'",
      left: { ...T(pg, 'events'), where: 'id <> 6' },
      right: T(my, 'events'),
      partition: { column: 'created_at', grain: 'day' },
    });
    expect(r.rows).toHaveLength(9);
    expect(r.rows.every((x) => x.status === 'pass')).toBe(true);
    expect(r.status).toBe('pass');
  });

  it('an unpartitioned count compares the totals', async () => {
    const r = await runCheck(pg, my, { kind: 'count', left: T(pg, 'events'), right: T(my, 'events') });
    expect(slim(r.rows)).toEqual([{ partition: null, measure: 'count', left: '300', right: '274', difference: '26', status: 'fail' }]);
  });
});

describe('last: N windows, computed from a fixed now', () => {
  const check = (last: number) => ({ kind: 'count', left: T(pg, 'events'), right: T(my, 'events'), partition: { column: 'created_at', grain: 'day', last } });

  it('the last 3 days up to 2024-01-10 12:00 are 01-08..01-10, all equal', async () => {
    const r = await runCheck(pg, my, check(3), { now: new Date('2024-01-10T12:00:00Z') });
    expect(r.rows.map((x) => x.partition)).toEqual(['2024-01-08', '2024-01-09', '2024-01-10']);
    expect(r.status).toBe('pass');
  });

  it('the last 3 days up to 2024-01-06 00:00 include the missing and the short day', async () => {
    const r = await runCheck(pg, my, check(3), { now: new Date('2024-01-06T00:00:00Z') });
    expect(slim(r.rows)).toEqual(EXPECTED_DAYS.filter((x) => ['2024-01-04', '2024-01-05', '2024-01-06'].includes(x.partition)));
    expect(r.status).toBe('fail');
  });

  it('a window that ends before the extra day leaves it out; one that reaches it fails', async () => {
    const before = await runCheck(pg, my, check(2), { now: new Date('2024-01-14T23:59:59Z') });
    expect(before.rows.map((x) => x.partition)).toEqual([]);
    const on = await runCheck(pg, my, check(2), { now: new Date('2024-01-15T00:00:00Z') });
    expect(slim(on.rows)).toEqual([EXPECTED_DAYS.at(-1)]);
  });

  it('a where holding a literal ? or $1 does not disturb the window bounds', async () => {
    const r = await runCheck(
      pg,
      my,
      { ...check(3), where: "'?' <> 'x' AND '$1' <> 'x'" },
      { now: new Date('2024-01-06T00:00:00Z') },
    );
    expect(r.error).toBeUndefined();
    expect(slim(r.rows)).toEqual(EXPECTED_DAYS.filter((x) => ['2024-01-04', '2024-01-05', '2024-01-06'].includes(x.partition)));
  });

  it('last: 1 hour takes only the current UTC hour', async () => {
    // Rows of 2024-01-10 have ids 10, 20, …, 300 at hour id % 24; 10:00 holds ids 10, 130 and 250.
    const r = await runCheck(
      pg,
      my,
      { kind: 'count', left: T(pg, 'events'), right: T(my, 'events'), partition: { column: 'created_at', grain: 'hour', last: 1 } },
      { now: new Date('2024-01-10T10:59:00Z') },
    );
    expect(slim(r.rows)).toEqual([{ partition: '2024-01-10 10:00', measure: 'count', left: '3', right: '3', difference: '0', status: 'pass' }]);
  });
});

describe('sum within and outside a tolerance', () => {
  beforeAll(async () => {
    // ledger: 100 rows of 10.00 = 1000.00; the MariaDB copy has one row of 20.00: 1010.00.
    await pg.exec(`CREATE TABLE ledger (id int PRIMARY KEY, amount numeric(14,2) NOT NULL);
      INSERT INTO ledger SELECT g, 10.00 FROM generate_series(1, 100) g;`);
    await my.exec(`CREATE TABLE ledger (id int PRIMARY KEY, amount decimal(14,2) NOT NULL);
      INSERT INTO ledger SELECT seq, IF(seq = 42, 20.00, 10.00) FROM seq_1_to_100;`);
  });
  const sum = (tolerance: unknown) => ({ kind: 'sum', columns: ['amount'], tolerance, left: T(pg, 'ledger'), right: T(my, 'ledger') });

  it.each([
    [0, 'fail'],
    [9.99, 'fail'],
    ['9.999999', 'fail'],
    [10, 'pass'],
    [10.01, 'pass'],
    ['0.99%', 'fail'],
    ['0.999999%', 'fail'],
    ['1%', 'pass'],
    ['2%', 'pass'],
  ])('left 1000.00, right 1010.00, tolerance %j: %s', async (tolerance, status) => {
    const r = await runCheck(pg, my, sum(tolerance));
    expect(slim(r.rows)).toEqual([{ partition: null, measure: 'sum(amount)', left: '1000', right: '1010', difference: '-10', status }]);
    expect(r.status).toBe(status);
  });

  it('a relative tolerance is a share of the left side, not of the right', async () => {
    // 0.995% of 1010 is 10.0495 (pass); 0.995% of 1000 is 9.95 (fail).
    const swapped = await runCheck(pg, my, sum('0.995%'), { swap: true });
    expect(swapped.rows[0]).toMatchObject({ left: '1010', right: '1000', difference: '10', status: 'pass' });
    const straight = await runCheck(pg, my, sum('0.995%'));
    expect(straight.rows[0]).toMatchObject({ left: '1000', right: '1010', difference: '-10', status: 'fail' });
  });

  it('relative with 0 on the left fails against a non-zero right and passes against 0', async () => {
    const zeroVsTen = await runCheck(pg, my, { ...sum('50%'), left: { ...T(pg, 'ledger'), where: 'id = 0' }, right: { ...T(my, 'ledger'), where: 'id = 1' }, aggregate: 'count', columns: ['id'] });
    expect(zeroVsTen.rows[0]).toMatchObject({ left: '0', right: '1', status: 'fail' });
    const zeroVsZero = await runCheck(pg, my, { ...sum('50%'), left: { ...T(pg, 'ledger'), where: 'id = 0' }, right: { ...T(my, 'ledger'), where: 'id = 0' }, aggregate: 'count', columns: ['id'] });
    expect(zeroVsZero.rows[0]).toMatchObject({ left: '0', right: '0', status: 'pass' });
  });
});

describe('exact decimals', () => {
  beforeAll(async () => {
    await pg.exec(`CREATE TABLE tenths (id int PRIMARY KEY, v numeric(10,2) NOT NULL, f double precision NOT NULL);
      INSERT INTO tenths SELECT g, 0.1, 0.1 FROM generate_series(1, 100000) g;`);
    await my.exec(`CREATE TABLE tenths (id int PRIMARY KEY, v decimal(10,2) NOT NULL, f double NOT NULL);
      INSERT INTO tenths SELECT seq, 0.1, 0.1 FROM seq_1_to_100000;`);
  });

  it('100,000 rows of 0.1 sum to exactly 10000 on both engines and pass with tolerance 0', async () => {
    const r = await runCheck(pg, my, { kind: 'sum', columns: ['v'], tolerance: 0, left: T(pg, 'tenths'), right: T(my, 'tenths') });
    expect(slim(r.rows)).toEqual([{ partition: null, measure: 'sum(v)', left: '10000', right: '10000', difference: '0', status: 'pass' }]);
    // The same values as doubles do not add up to 10000: the decimals above were never floats.
    expect(String(Array.from({ length: 100_000 }, () => 0.1).reduce((a, b) => a + b, 0))).not.toBe('10000');
  });

  it('a difference of 0.01 in one row fails with tolerance 0 and passes with 0.01', async () => {
    await my.exec('UPDATE tenths SET v = 0.11 WHERE id = 77777');
    try {
      const exact = await runCheck(pg, my, { kind: 'sum', columns: ['v'], tolerance: 0, left: T(pg, 'tenths'), right: T(my, 'tenths') });
      expect(slim(exact.rows)).toEqual([{ partition: null, measure: 'sum(v)', left: '10000', right: '10000.01', difference: '-0.01', status: 'fail' }]);
      const loose = await runCheck(pg, my, { kind: 'sum', columns: ['v'], tolerance: 0.01, left: T(pg, 'tenths'), right: T(my, 'tenths') });
      expect(loose.rows[0]).toMatchObject({ right: '10000.01', status: 'pass' });
      const tighter = await runCheck(pg, my, { kind: 'sum', columns: ['v'], tolerance: '0.009', left: T(pg, 'tenths'), right: T(my, 'tenths') });
      expect(tighter.rows[0]!.status).toBe('fail');
    } finally {
      await my.exec('UPDATE tenths SET v = 0.1 WHERE id = 77777');
    }
  });
});

describe('grains: hour, week, month', () => {
  // Rows every 5h07m from Sunday 2024-02-25 22:00 for 400 rows (to mid-May), plus rows on the
  // edges of a week (Sunday 23:59:59.999999 / Monday 00:00), a leap day and a month. MariaDB lacks
  // the last microsecond of Sunday 2024-03-10, which belongs to the week of Monday 2024-03-04.
  const EDGES = ['2024-03-10 23:59:59.999999', '2024-03-11 00:00:00', '2024-02-29 23:59:59.999999', '2024-03-01 00:00:00'];
  const times: string[] = [];
  beforeAll(async () => {
    const start = Date.parse('2024-02-25T22:00:00Z');
    for (let i = 1; i <= 400; i++) times.push(new Date(start + i * (5 * 60 + 7) * 60_000).toISOString().replace('T', ' ').replace('Z', ''));
    times.push(...EDGES);
    await pg.exec(`CREATE TABLE ticks (id int PRIMARY KEY, at timestamptz NOT NULL);
      INSERT INTO ticks SELECT g, timestamptz '2024-02-25 22:00:00+00' + g * interval '5 hours 7 minutes' FROM generate_series(1, 400) g;
      INSERT INTO ticks VALUES ${EDGES.map((t, i) => `(${1001 + i}, '${t}+00')`).join(', ')};`);
    await my.exec(`CREATE TABLE ticks (id int PRIMARY KEY, at datetime(6) NOT NULL);
      INSERT INTO ticks SELECT seq, TIMESTAMP '2024-02-25 22:00:00' + INTERVAL (seq * 307) MINUTE FROM seq_1_to_400;
      INSERT INTO ticks VALUES ${EDGES.slice(1).map((t, i) => `(${1002 + i}, '${t}')`).join(', ')};`);
  });

  /** Expected labels and counts, computed here from the same timestamps without any database. */
  function expected(grain: 'hour' | 'week' | 'month', omit: string[] = []): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of times) {
      if (omit.includes(t)) continue;
      let label: string;
      if (grain === 'hour') label = `${t.slice(0, 13)}:00`;
      else if (grain === 'month') label = t.slice(0, 7);
      else {
        const d = new Date(`${t.slice(0, 10)}T00:00:00Z`);
        d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
        label = d.toISOString().slice(0, 10);
      }
      out.set(label, (out.get(label) ?? 0) + 1);
    }
    return out;
  }

  it.each(['hour', 'week', 'month'] as const)('%s labels and counts match between engines and a computation in JS', async (grain) => {
    const r = await runCheck(pg, my, { kind: 'count', left: T(pg, 'ticks'), right: T(my, 'ticks'), partition: { column: 'at', grain } });
    const left = expected(grain);
    const right = expected(grain, [EDGES[0]!]);
    const labels = [...new Set([...left.keys(), ...right.keys()])].sort();
    expect(r.rows.map((x) => x.partition)).toEqual(labels);
    for (const row of r.rows) {
      expect(row.left).toBe(String(left.get(row.partition!)));
      expect(row.right).toBe(String(right.get(row.partition!)));
    }
    // Exactly one partition differs: the one holding Sunday 2024-03-10 23:59:59.999999.
    const failing = { hour: '2024-03-10 23:00', week: '2024-03-04', month: '2024-03' }[grain];
    expect(r.rows.filter((x) => x.status === 'fail').map((x) => x.partition)).toEqual([failing]);
    if (grain === 'week') {
      expect(r.rows.every((x) => new Date(`${x.partition}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
      expect(r.rows[0]!.partition).toBe('2024-02-26');
      expect(r.rows.find((x) => x.partition === '2024-03-11')).toMatchObject({ status: 'pass' });
    }
    if (grain === 'month') {
      expect(r.rows.find((x) => x.partition === '2024-02')).toMatchObject({ left: String(left.get('2024-02')), status: 'pass' });
    }
  });

  it('week labels agree with MariaDB on the left too', async () => {
    const r = await runCheck(pg, my, { kind: 'count', left: T(pg, 'ticks'), right: T(my, 'ticks'), partition: { column: 'at', grain: 'week' } }, { swap: true });
    expect(r.rows.filter((x) => x.status === 'fail')).toEqual([
      { partition: '2024-03-04', measure: 'count', left: String(expected('week', [EDGES[0]!]).get('2024-03-04')), right: String(expected('week').get('2024-03-04')), difference: '-1', status: 'fail' },
    ]);
  });

  it('min and max of a timestamp column compare canonically across engines', async () => {
    const r = await runCheck(pg, my, { kind: 'sum', aggregate: 'max', columns: ['at'], left: T(pg, 'ticks'), right: T(my, 'ticks'), partition: { column: 'at', grain: 'week' } });
    const failing = r.rows.filter((x) => x.status === 'fail');
    expect(failing).toEqual([
      { partition: '2024-03-04', measure: 'max(at)', left: '2024-03-10 23:59:59.999999', right: expect.stringMatching(/^2024-03-10 /), difference: null, status: 'fail' },
    ]);
    expect(r.rows.length).toBeGreaterThan(5);
    const min = await runCheck(pg, my, { kind: 'sum', aggregate: 'min', columns: ['at'], left: T(pg, 'ticks'), right: T(my, 'ticks') });
    expect(slim(min.rows)).toEqual([{ partition: null, measure: 'min(at)', left: '2024-02-26 03:07:00.000000', right: '2024-02-26 03:07:00.000000', difference: null, status: 'pass' }]);
    const max = await runCheck(pg, my, { kind: 'sum', aggregate: 'max', columns: ['at'], left: { ...T(pg, 'ticks'), where: 'id < 1000' }, right: { ...T(my, 'ticks'), where: 'id < 1000' } });
    expect(max.rows[0]).toMatchObject({ left: max.rows[0]!.right, status: 'pass' });
  });

  it('a microsecond apart is a failing min', async () => {
    const r = await runCheck(pg, my, {
      kind: 'sum',
      aggregate: 'min',
      columns: ['at'],
      left: { ...T(pg, 'ticks'), where: 'id = 1001' },
      right: { ...T(my, 'ticks'), where: 'id = 1002' },
    });
    expect(slim(r.rows)).toEqual([{ partition: null, measure: 'min(at)', left: '2024-03-10 23:59:59.999999', right: '2024-03-11 00:00:00.000000', difference: null, status: 'fail' }]);
  });
});

describe('a query side instead of a table', () => {
  it('counts per day from a query on the right match the table check', async () => {
    const r = await runCheck(pg, my, {
      kind: 'count',
      left: T(pg, 'events'),
      right: { query: 'SELECT id, created_at FROM events WHERE amount > 0' },
      partition: { column: 'created_at', grain: 'day' },
    });
    expect(slim(r.rows)).toEqual(EXPECTED_DAYS);
  });

  it('sums per day from queries on both sides, within a window', async () => {
    const r = await runCheck(pg, my, {
      kind: 'sum',
      columns: ['amount'],
      left: { query: `SELECT created_at, amount FROM ${pg.table('events')} WHERE id <> 6` },
      right: { query: 'SELECT created_at, amount AS amount FROM events' },
      partition: { column: 'created_at', grain: 'day', from: '2024-01-05', to: '2024-01-08' },
    });
    expect(r.rows.map((x) => [x.partition, x.status])).toEqual([
      ['2024-01-05', 'pass'],
      ['2024-01-06', 'pass'],
      ['2024-01-07', 'pass'],
    ]);
    // Independently: the sum of amounts of 2024-01-06 without id 6 (ids 6, 16, …, 296).
    let total = 0;
    for (let id = 16; id <= 296; id += 10) total += (id % 100) * 100 + 25;
    expect(r.rows[1]!.left).toBe(String(total / 100));
  });

  it('a query side that does not change the data still sees a changed amount', async () => {
    const r = await runCheck(pg, my, {
      kind: 'sum',
      columns: ['amount'],
      left: { query: `SELECT created_at, amount FROM ${pg.table('events')}` },
      right: { query: 'SELECT created_at, CASE WHEN id = 7 THEN amount + 0.01 ELSE amount END AS amount FROM events' },
      partition: { column: 'created_at', grain: 'day', from: '2024-01-07', to: '2024-01-08' },
    });
    expect(slim(r.rows)).toEqual([{ partition: '2024-01-07', measure: 'sum(amount)', left: r.rows[0]!.left, right: expect.any(String), difference: '-0.01', status: 'fail' }]);
  });
});

describe('several measures and query-side min/max', () => {
  it('compares each column of a multi-column sum on its own row', async () => {
    const r = await runCheck(pg, my, {
      kind: 'sum',
      columns: ['amount', 'id'],
      left: T(pg, 'events'),
      right: { ...T(my, 'events'), where: 'id <> 6' },
      partition: { column: 'created_at', grain: 'day', from: '2024-01-05', to: '2024-01-07' },
    });
    expect(r.rows.map((x) => [x.partition, x.measure, x.difference, x.status])).toEqual([
      ['2024-01-05', 'sum(amount)', '0', 'pass'],
      ['2024-01-05', 'sum(id)', '0', 'pass'],
      ['2024-01-06', 'sum(amount)', '6.25', 'fail'],
      ['2024-01-06', 'sum(id)', '6', 'fail'],
    ]);
  });

  it('min/max of a timestamp from query sides compare canonically across engines', async () => {
    const q = (db: TestDb) => ({ query: `SELECT id, created_at FROM ${db.table('events')} WHERE id <= 10` });
    const r = await runCheck(pg, my, { kind: 'sum', aggregate: 'max', columns: ['created_at'], left: q(pg), right: q(my) });
    expect(slim(r.rows)).toEqual([{ partition: null, measure: 'max(created_at)', left: '2024-01-10 10:00:10.000000', right: '2024-01-10 10:00:10.000000', difference: null, status: 'pass' }]);
    const off = await runCheck(pg, my, {
      kind: 'sum',
      aggregate: 'max',
      columns: ['created_at'],
      left: q(pg),
      right: { query: 'SELECT id, created_at + INTERVAL 1 MICROSECOND AS created_at FROM events WHERE id <= 10' },
    });
    expect(off.rows[0]).toMatchObject({ left: '2024-01-10 10:00:10.000000', right: '2024-01-10 10:00:10.000001', status: 'fail' });
  });

  it('min/max of text from query sides compare as text, never as numbers', async () => {
    const r = await runCheck(pg, my, {
      kind: 'sum',
      aggregate: 'min',
      columns: ['code'],
      left: { query: "SELECT '010' AS code" },
      right: { query: "SELECT '10' AS code" },
    });
    expect(r.rows[0]).toMatchObject({ left: '010', right: '10', status: 'fail' });
  });
});

describe('avg is compared exactly from sum and count', () => {
  beforeAll(async () => {
    await pg.exec(`CREATE TABLE thirds (id int PRIMARY KEY, v numeric(12,2) NOT NULL, tiny numeric(40,30) NOT NULL);
      INSERT INTO thirds VALUES (1, 1.00, 0.000000000000000000000001), (2, 1.00, 0), (3, 2.00, 0), (4, 1.00, 0), (5, 1.00, 0), (6, 2.01, 0);`);
    await my.exec(`CREATE TABLE thirds (id int PRIMARY KEY, v decimal(12,2) NOT NULL, tiny decimal(40,30) NOT NULL);
      INSERT INTO thirds VALUES (1, 1.00, 0.000000000000000000000002), (2, 1.00, 0), (3, 2.00, 0), (4, 1.00, 0), (5, 1.00, 0), (6, 2.00, 0);`);
  });
  const avg = (column: string, where: string, tolerance: unknown = 0) => ({
    kind: 'sum',
    aggregate: 'avg',
    columns: [column],
    tolerance,
    left: { ...T(pg, 'thirds'), where },
    right: { ...T(my, 'thirds'), where },
  });

  it('4/3 passes exactly although the engines round AVG differently', async () => {
    const [[pgAvg]] = (await pg.query('SELECT AVG(v)::text FROM thirds WHERE id <= 3')) as [[string]];
    const [[myAvg]] = (await my.query('SELECT CAST(AVG(v) AS CHAR) FROM thirds WHERE id <= 3')) as [[string]];
    expect(pgAvg).not.toBe(myAvg);
    const r = await runCheck(pg, my, avg('v', 'id <= 3'));
    expect(r.rows[0]).toMatchObject({ measure: 'avg(v)', left: '1.3333333333', right: '1.3333333333', status: 'pass' });
  });

  it('an average off by 0.01/3 fails with tolerance 0 and passes with 0.01', async () => {
    const r = await runCheck(pg, my, avg('v', 'id >= 4'));
    expect(r.rows[0]).toMatchObject({ left: '1.3366666667', right: '1.3333333333', status: 'fail' });
    const loose = await runCheck(pg, my, avg('v', 'id >= 4', 0.01));
    expect(loose.rows[0]!.status).toBe('pass');
    const tight = await runCheck(pg, my, avg('v', 'id >= 4', 0.003));
    expect(tight.rows[0]!.status).toBe('fail');
  });

  it('a relative tolerance on an average is a share of the left average (0.01/4.01 = 0.2494%)', async () => {
    expect((await runCheck(pg, my, avg('v', 'id >= 4', '0.25%'))).status).toBe('pass');
    expect((await runCheck(pg, my, avg('v', 'id >= 4', '0.249%'))).status).toBe('fail');
  });

  it('averages that differ only beyond the 20th decimal still fail', async () => {
    // 1e-24 against 2e-24: both sides store them exactly (scale 30).
    const r = await runCheck(pg, my, avg('tiny', 'id = 1'));
    expect(r.status).toBe('fail');
    expect(r.rows[0]).toMatchObject({ left: '0.000000000000000000000001', right: '0.000000000000000000000002', difference: '-0.000000000000000000000001' });
    const sum = await runCheck(pg, my, { ...avg('tiny', 'id = 1'), aggregate: 'sum' });
    expect(sum.rows[0]).toMatchObject({ left: '0.000000000000000000000001', right: '0.000000000000000000000002', status: 'fail' });
  });
});
