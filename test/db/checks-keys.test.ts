/**
 * keys and diff checks between PostgreSQL and MariaDB: keys missing from one side are attributed to
 * the partition their row is in, only the first N keys of each side are listed, and the tolerance
 * counts differing keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/checks/config.ts';
import type { CheckResult } from '../../src/checks/results.ts';
import { runChecks } from '../../src/checks/run-checks.ts';
import { createTestDb, type TestDb } from './harness.ts';

let pg: TestDb;
let my: TestDb;

async function runCheck(check: Record<string, unknown>): Promise<CheckResult> {
  const doc = {
    connections: { pg: pg.url, my: my.url },
    checks: [{ name: 'k', left: { connection: 'pg', table: pg.table('orders') }, right: { connection: 'my', table: my.table('orders') }, ...check }],
  };
  const run = await runChecks(validateConfig(doc, {}));
  return run.checks[0]!;
}

// 200 orders, 40 a day over 2024-01-01..05 (day = (id - 1) % 5). MariaDB lacks ids 13 (01-03),
// 57 (01-02), 58 (01-03), 59 (01-04) and 60 (01-05); it has 201..203 on 2024-01-07, which
// PostgreSQL does not; id 100 (01-05 in PostgreSQL) is on 2024-01-06 in MariaDB; and id 21 is an
// hour later in MariaDB, on the same day (a row difference, not a key difference).
beforeAll(async () => {
  [pg, my] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  await pg.exec(`
    CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, note text);
    INSERT INTO orders SELECT g, timestamptz '2024-01-01 09:00:00+00' + ((g - 1) % 5) * interval '1 day' + g * interval '1 minute', 'n' || g
      FROM generate_series(1, 200) g;`);
  await my.exec(`
    CREATE TABLE orders (id bigint PRIMARY KEY, created_at datetime(6) NOT NULL, note varchar(20));
    INSERT INTO orders SELECT seq, TIMESTAMP '2024-01-01 09:00:00' + INTERVAL ((seq - 1) % 5) DAY + INTERVAL seq MINUTE, CONCAT('n', seq)
      FROM seq_1_to_200;
    DELETE FROM orders WHERE id IN (13, 57, 58, 59, 60);
    INSERT INTO orders VALUES (201, '2024-01-07 01:00:00', 'x'), (202, '2024-01-07 02:00:00', 'x'), (203, '2024-01-07 03:00:00', 'x');
    UPDATE orders SET created_at = '2024-01-06 12:00:00' WHERE id = 100;
    UPDATE orders SET created_at = created_at + INTERVAL 1 HOUR WHERE id = 21;`);
});

afterAll(async () => {
  await Promise.all([pg?.drop(), my?.drop()]);
});

describe('keys per partition', () => {
  it('attributes each missing key to its day and lists the first N keys of each side in key order', async () => {
    const r = await runCheck({ kind: 'keys', key: ['id'], sample: 3, partition: { column: 'created_at', grain: 'day' } });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('fail');
    expect(r.rows.map(({ partition, measure, left, right, status }) => [partition, measure, left, right, status])).toEqual([
      ['2024-01-02', 'keys only in left', '1', '0', 'fail'],
      ['2024-01-03', 'keys only in left', '2', '0', 'fail'],
      ['2024-01-04', 'keys only in left', '1', '0', 'fail'],
      ['2024-01-05', 'keys only in left', '1', '0', 'fail'],
      ['2024-01-05', 'keys in another day', '1', '1', 'fail'],
      ['2024-01-07', 'keys only in right', '0', '3', 'fail'],
    ]);
    expect(r.samples?.leftOnly?.map((k) => String((k as { id: unknown }).id))).toEqual(['13', '57', '58']);
    expect(r.samples?.rightOnly?.map((k) => String((k as { id: unknown }).id))).toEqual(['201', '202', '203']);
  });

  it('lists at most `sample` keys however many are missing', async () => {
    const r = await runCheck({ kind: 'keys', sample: 1, partition: { column: 'created_at', grain: 'day' } });
    expect(r.samples?.leftOnly).toHaveLength(1);
    expect(r.samples?.rightOnly).toHaveLength(1);
    expect(r.rows.filter((x) => x.measure === 'keys only in left').reduce((n, x) => n + Number(x.left), 0)).toBe(5);
  });

  it('inside a window, a key moved out of it counts as missing on the right', async () => {
    const r = await runCheck({ kind: 'keys', partition: { column: 'created_at', grain: 'day', from: '2024-01-04', to: '2024-01-06' } });
    expect(r.rows.map(({ partition, measure, left }) => [partition, measure, left])).toEqual([
      ['2024-01-04', 'keys only in left', '1'],
      ['2024-01-05', 'keys only in left', '2'],
    ]);
    expect(r.samples?.leftOnly?.map((k) => String((k as { id: unknown }).id))).toEqual(['59', '60', '100']);
  });

  it('groups missing keys by week too', async () => {
    const r = await runCheck({ kind: 'keys', partition: { column: 'created_at', grain: 'week' } });
    // 2024-01-01 is a Monday: every row is in that week, so id 100 moving to 01-06 stays in it.
    expect(r.rows.map(({ partition, measure, left, right }) => [partition, measure, left, right])).toEqual([
      ['2024-01-01', 'keys only in left', '5', '0'],
      ['2024-01-01', 'keys only in right', '0', '3'],
    ]);
  });

  it('passes on equal key sets, and the tolerance counts differing keys', async () => {
    const equal = await runCheck({ kind: 'keys', where: 'id <= 12' });
    expect(equal.status).toBe('pass');
    expect(equal.rows).toEqual([{ partition: null, measure: 'keys', left: '12', right: '12', difference: '0', status: 'pass' }]);
    // 9 differing keys in all: 5 only left, 3 only right, 1 moved to another day (id 21 is not one).
    expect((await runCheck({ kind: 'keys', tolerance: 9, partition: { column: 'created_at', grain: 'day' } })).status).toBe('pass');
    expect((await runCheck({ kind: 'keys', tolerance: 8, partition: { column: 'created_at', grain: 'day' } })).status).toBe('fail');
    // 9 of 200 left rows is 4.5%.
    expect((await runCheck({ kind: 'keys', tolerance: '4.5%', partition: { column: 'created_at', grain: 'day' } })).status).toBe('pass');
    expect((await runCheck({ kind: 'keys', tolerance: '4.4%', partition: { column: 'created_at', grain: 'day' } })).status).toBe('fail');
  });
});

describe('diff check', () => {
  it('counts rows only on each side and changed rows in the window', async () => {
    const r = await runCheck({ kind: 'diff', columns: ['created_at', 'note'], sample: 2, partition: { column: 'created_at', grain: 'day', from: '2024-01-05', to: '2024-01-08' } });
    expect(r.status).toBe('fail');
    // Window 01-05..01-07: left has the 40 rows of 01-05 (60 missing on the right, 100 moved to
    // 01-06 but still in the window); right has 38 of them plus 100 and 201..203.
    expect(r.rows).toEqual([
      { partition: null, measure: 'rows', left: '40', right: '42', difference: '-2', status: 'fail' },
      { partition: null, measure: 'differences', left: '1 only here', right: '3 only here', difference: '1 changed', status: 'fail' },
    ]);
    expect(r.samples?.differences).toHaveLength(2);
  });

  it.each(['stream', 'digest', 'hash'])('gives the same rows with algorithm: %s', async (algorithm) => {
    const check = { kind: 'diff', columns: ['created_at', 'note'], partition: { column: 'created_at', grain: 'day', from: '2024-01-05', to: '2024-01-08' } };
    expect((await runCheck({ ...check, algorithm })).rows).toEqual((await runCheck(check)).rows);
    const keys = { kind: 'keys', partition: { column: 'created_at', grain: 'day' } };
    expect((await runCheck({ ...keys, algorithm })).rows).toEqual((await runCheck(keys)).rows);
  });

  it('passes when the rows agree', async () => {
    const r = await runCheck({ kind: 'diff', where: 'id < 13' });
    expect(r.status).toBe('pass');
    expect(r.rows[1]).toMatchObject({ left: '0 only here', right: '0 only here', difference: '0 changed' });
  });
});
