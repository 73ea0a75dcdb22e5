import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAIRINGS, createTestDb, type EngineName, type TestDb } from './harness.ts';
import { collectDiff } from './collect.ts';

const DDL: Record<EngineName, string> = {
  postgres: 'CREATE TABLE orders (id bigint PRIMARY KEY, customer text, amount numeric(12,2), placed timestamptz)',
  mariadb: 'CREATE TABLE orders (id bigint PRIMARY KEY, customer varchar(40), amount decimal(12,2), placed datetime(6))',
};

async function load(db: TestDb, rows: [number, string, string, string][]): Promise<void> {
  await db.exec(DDL[db.engine]);
  if (rows.length === 0) return;
  const values = rows.map(([id, c, a, p]) => `(${id}, '${c}', ${a}, '${p}')`).join(', ');
  await db.exec(`INSERT INTO orders VALUES ${values}`);
}

describe.each(PAIRINGS)('%s ↔ %s', (leftEngine, rightEngine) => {
  let left: TestDb;
  let right: TestDb;
  beforeAll(async () => {
    [left, right] = await Promise.all([createTestDb(leftEngine), createTestDb(rightEngine)]);
    const base: [number, string, string, string][] = [];
    for (let i = 1; i <= 50; i++) base.push([i, `c${i % 7}`, `${i}.50`, `2024-01-${String((i % 28) + 1).padStart(2, '0')} 10:00:00.123456`]);
    await load(left, base.filter(([id]) => id !== 40));
    await load(
      right,
      [...base.filter(([id]) => id !== 7), [51, 'c51', '1.00', '2024-02-01 00:00:00'] as (typeof base)[number]].map((r) =>
        r[0] === 20 ? ([20, r[1], '20.51', r[3]] as typeof r) : r[0] === 30 ? ([30, r[1], r[2], '2024-01-03 10:00:00.123457'] as typeof r) : r,
      ),
    );
  });
  afterAll(async () => {
    await Promise.all([left?.drop(), right?.drop()]);
  });

  it('reports each kind of difference and names the changed columns', async () => {
    const { events, summary } = await collectDiff({
      left: { url: left.url, table: left.table('orders') },
      right: { url: right.url, table: right.table('orders') },
    });
    expect(events).toEqual([
      { type: 'left_only', key: { id: 7 }, row: { id: '7', customer: 'c0', amount: '7.5', placed: '2024-01-08 10:00:00.123456' } },
      { type: 'changed', key: { id: 20 }, columns: ['amount'], left: { amount: '20.5' }, right: { amount: '20.51' } },
      {
        type: 'changed',
        key: { id: 30 },
        columns: ['placed'],
        left: { placed: '2024-01-03 10:00:00.123456' },
        right: { placed: '2024-01-03 10:00:00.123457' },
      },
      { type: 'right_only', key: { id: 40 }, row: { id: '40', customer: 'c5', amount: '40.5', placed: '2024-01-13 10:00:00.123456' } },
      { type: 'right_only', key: { id: 51 }, row: { id: '51', customer: 'c51', amount: '1', placed: '2024-02-01 00:00:00.000000' } },
    ]);
    expect(summary).toMatchObject({ left_rows: 49, right_rows: 50, left_only: 1, right_only: 2, changed: 2, identical: false });
  });

  it('finds identical tables identical', async () => {
    const { events, summary } = await collectDiff({
      left: { url: left.url, table: left.table('orders') },
      right: { url: right.url, table: right.table('orders') },
      where: 'id < 7',
    });
    expect(events).toEqual([]);
    expect(summary).toMatchObject({ left_rows: 6, right_rows: 6, identical: true });
  });
});
