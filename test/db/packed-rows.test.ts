/**
 * Rows read packed (PostgreSQL COPY lines, MySQL CONCAT_WS of escaped values) beside each other:
 * many types in one row, NULLs and escapable text, so that equal rows must compare equal as whole
 * strings and a change in any one column must still be found and named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from './harness.ts';
import { collectDiff } from './collect.ts';

const PG_DDL = `CREATE TABLE t (id bigint PRIMARY KEY, i int, d numeric(12,3), f double precision, ts timestamptz, dt date,
  tm time, s text, c char(4), j jsonb, b boolean, u uuid)`;
const MY_DDL = `CREATE TABLE t (id bigint PRIMARY KEY, i int, d decimal(14,4), f double, ts datetime(6), dt date,
  tm time(6), s varchar(40), c char(4), j json, b tinyint(1), u uuid)`;

type Row = [number, string, string, string, string, string, string, string | null, string, string, boolean, string];
const ROWS: Row[] = [
  [1, '7', '10.5', '0.1', '2024-01-02 03:04:05.123456', '2024-01-02', '10:11:12.5', 'plain', 'ab', '{"a":1}', true, '0e4f6c1a-0000-4000-8000-000000000001'],
  [2, '-8', '0', '1e20', '2024-01-02 03:04:05.1', '1999-12-31', '00:00:00', 'tab\there', 'x', '{"b":[1,2]}', false, '0e4f6c1a-0000-4000-8000-000000000002'],
  [3, '9', '-1.25', '-2.5', '2024-01-02 03:04:05', '2024-02-29', '23:59:59', 'back\\slash', 'abcd', '[]', true, '0e4f6c1a-0000-4000-8000-000000000003'],
  [4, '0', '3', '3', '2030-06-01 00:00:00.000001', '2030-06-01', '01:02:03', null, '', '{}', false, '0e4f6c1a-0000-4000-8000-000000000004'],
  [5, '1', '2', '2', '2001-01-01 00:00:00', '2001-01-01', '01:00:00', 'new\nline é😀', 'é', '"s"', true, '0e4f6c1a-0000-4000-8000-000000000005'],
];

function pgLit(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `'${String(v).replace(/'/g, "''")}'`;
}
function myLit(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? '1' : '0';
  return `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

let pg: TestDb;
let my: TestDb;

async function load(rows: Row[]): Promise<void> {
  await pg.exec('DROP TABLE IF EXISTS t');
  await my.exec('DROP TABLE IF EXISTS t');
  await pg.exec(PG_DDL);
  await my.exec(MY_DDL);
  await pg.exec(`INSERT INTO t VALUES ${rows.map((r) => `(${r.map((v, i) => (i === 4 ? `${pgLit(v)}::timestamptz` : pgLit(v))).join(', ')})`).join(', ')}`);
  await my.exec(`INSERT INTO t VALUES ${rows.map((r) => `(${r.map(myLit).join(', ')})`).join(', ')}`);
}

beforeAll(async () => {
  [pg, my] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  await pg.exec("SET TIME ZONE 'UTC'");
});
afterAll(async () => {
  await Promise.all([pg?.drop(), my?.drop()]);
});

describe('packed rows across PostgreSQL and MariaDB', () => {
  it('finds equal rows of many types identical, both ways', async () => {
    await load(ROWS);
    for (const [l, r] of [[pg, my], [my, pg]] as const) {
      const { events, summary } = await collectDiff({ left: { url: l.url, table: l.table('t') }, right: { url: r.url, table: r.table('t') } });
      expect(events).toEqual([]);
      expect(summary).toMatchObject({ left_rows: 5, right_rows: 5, identical: true });
    }
  });

  const columns = ['i', 'd', 'f', 'ts', 'dt', 'tm', 's', 'c', 'j', 'b', 'u'];
  const near: Record<string, (r: Row) => Row> = {
    i: (r) => ((r[1] = String(Number(r[1]) + 1)), r),
    d: (r) => ((r[2] = `${r[2]}1`.replace(/^(-?\d+)1$/, '$1.001')), r),
    f: (r) => ((r[3] = '0.30000000000000004'), r),
    ts: (r) => ((r[4] = '2024-01-02 03:04:05.123457'), r),
    dt: (r) => ((r[5] = '2024-01-03'), r),
    tm: (r) => ((r[6] = '10:11:12.6'), r),
    s: (r) => ((r[7] = 'plain\t'), r),
    c: (r) => ((r[8] = 'ac'), r),
    j: (r) => ((r[9] = '{"a":2}'), r),
    b: (r) => ((r[10] = !r[10]), r),
    u: (r) => ((r[11] = '0e4f6c1a-0000-4000-8000-0000000000ff'), r),
  };
  for (const col of columns) {
    it(`names a change in ${col} alone`, async () => {
      await load(ROWS);
      const changed = near[col]!([...ROWS[0]!] as Row);
      await my.exec(`DELETE FROM t WHERE id = 1`);
      await my.exec(`INSERT INTO t VALUES (${changed.map(myLit).join(', ')})`);
      const { events } = await collectDiff({ left: { url: pg.url, table: pg.table('t') }, right: { url: my.url, table: my.table('t') } });
      expect(events.map((e) => [e.type, e.key, e.type === 'changed' ? e.columns : []])).toEqual([['changed', { id: 1 }, [col]]]);
    });
  }
});

describe('packed text from MariaDB columns in other character sets', () => {
  it('reads latin1, utf8mb3 and utf8mb4 text beside PostgreSQL exactly, NOT NULL or not, and names a change', async () => {
    await pg.exec('DROP TABLE IF EXISTS cs');
    await my.exec('DROP TABLE IF EXISTS cs');
    await pg.exec('CREATE TABLE cs (id int PRIMARY KEY, l text, m text NOT NULL, u text, n int NOT NULL)');
    await my.exec(
      'CREATE TABLE cs (id int PRIMARY KEY, l varchar(20) CHARACTER SET latin1, m varchar(20) CHARACTER SET utf8mb3 NOT NULL, u varchar(20) CHARACTER SET utf8mb4, n int NOT NULL)',
    );
    // Tabs, newlines and backslashes are escaped in packed text; '\N' is how NULL is written.
    const rows: [number, string | null, string, string | null, number][] = [
      [1, 'café\tx', 'tab\there', 'é😀\\', 1],
      [2, null, 'a\nb\rc', null, 2],
      [3, '\\N', '\\N', '\\N', 3],
      [4, 'ÿþ', '', '', 4],
    ];
    await pg.exec(`INSERT INTO cs VALUES ${rows.map((r) => `(${r.map(pgLit).join(', ')})`).join(', ')}`);
    await my.exec(`INSERT INTO cs VALUES ${rows.map((r) => `(${r.map(myLit).join(', ')})`).join(', ')}`);
    for (const [l, r] of [[pg, my], [my, pg]] as const) {
      const same = await collectDiff({ left: { url: l.url, table: l.table('cs') }, right: { url: r.url, table: r.table('cs') } });
      expect(same.events).toEqual([]);
      expect(same.summary).toMatchObject({ left_rows: 4, right_rows: 4, identical: true });
    }
    await my.exec(`UPDATE cs SET l = ${myLit('café\ty')}, m = ${myLit('\\N ')} WHERE id IN (1, 3)`);
    await my.exec(`UPDATE cs SET u = NULL WHERE id = 4`);
    const changed = await collectDiff({ left: { url: pg.url, table: pg.table('cs') }, right: { url: my.url, table: my.table('cs') } });
    expect(changed.events).toEqual([
      { type: 'changed', key: { id: 1 }, columns: ['l', 'm'], left: { l: 'café\tx', m: 'tab\there' }, right: { l: 'café\ty', m: '\\N ' } },
      { type: 'changed', key: { id: 3 }, columns: ['l', 'm'], left: { l: '\\N', m: '\\N' }, right: { l: 'café\ty', m: '\\N ' } },
      { type: 'changed', key: { id: 4 }, columns: ['u'], left: { u: '' }, right: { u: null } },
    ]);
  });
});

describe('packed rows between two MariaDB tables', () => {
  it('reads JSON beside other columns, NULL or not, and names a change in it', async () => {
    const a = await createTestDb('mariadb');
    const b = await createTestDb('mariadb');
    try {
      for (const db of [a, b]) {
        await db.exec(`CREATE TABLE j (id int PRIMARY KEY, doc json, req json NOT NULL, n int)`);
        await db.exec(`INSERT INTO j VALUES (1, '{"a": 1, "t": "é x"}', '[1, 2]', 3), (2, NULL, '{}', NULL), (3, '"ÿþ"', 'null', 4)`);
      }
      const same = await collectDiff({ left: { url: a.url, table: 'j' }, right: { url: b.url, table: 'j' } });
      expect(same.summary).toMatchObject({ identical: true, left_rows: 3, right_rows: 3 });
      await b.exec(`UPDATE j SET req = '[1, 3]' WHERE id = 1; UPDATE j SET doc = '{}' WHERE id = 2`);
      const changed = await collectDiff({ left: { url: a.url, table: 'j' }, right: { url: b.url, table: 'j' } });
      expect(changed.events.map((e) => [e.type, e.key.id, e.type === 'changed' ? e.columns : []])).toEqual([
        ['changed', 1, ['req']],
        ['changed', 2, ['doc']],
      ]);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('reads latin1 and utf8mb4 text with tabs, backslashes and NULLs exactly, and names a change', async () => {
    const a = await createTestDb('mariadb');
    const b = await createTestDb('mariadb');
    try {
      for (const db of [a, b]) {
        await db.exec(`CREATE TABLE t (id int PRIMARY KEY, l varchar(20) CHARACTER SET latin1, u varchar(20), n int, d datetime(6))`);
        await db.exec(
          // latin1 ÿ and þ are the bytes 0xFF and 0xFE, the separator and NULL mark of rows
          // packed as bytes, and must reach the comparison as the text they are.
          `INSERT INTO t VALUES (1, 'café\\tx', 'é😀\\\\', NULL, '2024-01-01 00:00:00.5'), (2, NULL, 'a\\nb', 5, NULL), (3, '€uro', '\\\\N', 0, '2024-01-01 00:00:00'),
             (4, 'ÿþ', '', NULL, NULL), (5, 'þ', 'ÿ', 1, NULL)`,
        );
      }
      const same = await collectDiff({ left: { url: a.url, table: 't' }, right: { url: b.url, table: 't' } });
      expect(same.events).toEqual([]);
      await b.exec(`UPDATE t SET l = 'café\\ty' WHERE id = 1`);
      const changed = await collectDiff({ left: { url: a.url, table: 't' }, right: { url: b.url, table: 't' } });
      expect(changed.events).toEqual([{ type: 'changed', key: { id: 1 }, columns: ['l'], left: { l: 'café\tx' }, right: { l: 'café\ty' } }]);
      await b.exec(`UPDATE t SET l = 'café\\tx' WHERE id = 1; UPDATE t SET u = NULL WHERE id = 4; UPDATE t SET l = 'ÿ' WHERE id = 5`);
      const nulls = await collectDiff({ left: { url: a.url, table: 't' }, right: { url: b.url, table: 't' } });
      expect(nulls.events).toEqual([
        { type: 'changed', key: { id: 4 }, columns: ['u'], left: { u: '' }, right: { u: null } },
        { type: 'changed', key: { id: 5 }, columns: ['l'], left: { l: 'þ' }, right: { l: 'ÿ' } },
      ]);
      const filtered = await collectDiff({ left: { url: a.url, table: 't' }, right: { url: b.url, table: 't' }, where: 'id = 3' });
      expect(filtered.events).toEqual([]);
      expect(filtered.summary.left_rows).toBe(1);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });
});
