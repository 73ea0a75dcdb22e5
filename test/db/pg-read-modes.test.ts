import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from './harness.ts';
import { collectDiff } from './collect.ts';

/** Values that COPY's text format must escape, read through COPY (default) and a cursor. */
const TRICKY = [
  [1, 'tab\there', 'x'],
  [2, 'new\nline', 'y'],
  [3, 'back\\slash', null],
  [4, '\\N', ''],
  [5, 'carriage\rreturn', 'é😀中'],
  [6, '', '\\x00'],
] as const;

let pg: TestDb;
let maria: TestDb;

beforeAll(async () => {
  [pg, maria] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  await pg.exec('CREATE TABLE t (id int PRIMARY KEY, a text, b text, c bytea)');
  await maria.exec('CREATE TABLE t (id int PRIMARY KEY, a varchar(40), b varchar(40), c varbinary(10))');
  for (const [id, a, b] of TRICKY) {
    const lit = (v: string | null, e: 'pg' | 'my') =>
      v === null ? 'NULL' : e === 'pg' ? `'${v.replace(/'/g, "''")}'` : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
    await pg.exec(`INSERT INTO t VALUES (${id}, ${lit(a, 'pg')}, ${lit(b, 'pg')}, '\\x00ff09'::bytea)`);
    await maria.exec(`INSERT INTO t VALUES (${id}, ${lit(a, 'my')}, ${lit(b, 'my')}, UNHEX('00FF09'))`);
  }
});

afterAll(async () => {
  await Promise.all([pg?.drop(), maria?.drop()]);
});

describe('PostgreSQL read modes', () => {
  for (const mode of ['copy', 'cursor'] as const) {
    it(`reads escaped text, NULL and bytes exactly through ${mode}, equal to MariaDB`, async () => {
      const url = `${pg.url}${pg.url.includes('?') ? '&' : '?'}reckon_read=${mode}`;
      const { events, summary } = await collectDiff({ left: { url, table: pg.table('t') }, right: { url: maria.url, table: maria.table('t') } });
      expect(events).toEqual([]);
      expect(summary).toMatchObject({ left_rows: TRICKY.length, right_rows: TRICKY.length, identical: true });
    });

    it(`reports a one-character difference in an escaped value through ${mode}`, async () => {
      await maria.exec(`UPDATE t SET a = 'tab\\there!' WHERE id = 1`);
      try {
        const url = `${pg.url}${pg.url.includes('?') ? '&' : '?'}reckon_read=${mode}`;
        const { events } = await collectDiff({ left: { url, table: pg.table('t') }, right: { url: maria.url, table: maria.table('t') } });
        expect(events).toEqual([{ type: 'changed', key: { id: 1 }, columns: ['a'], left: { a: 'tab\there' }, right: { a: 'tab\there!' } }]);
      } finally {
        await maria.exec(`UPDATE t SET a = 'tab\\there' WHERE id = 1`);
      }
    });
  }
});

describe('COPY rows larger than a network chunk', () => {
  it('reassembles rows split across many socket reads, and still finds a one-character change', async () => {
    const db = await createTestDb('postgres');
    try {
      await db.exec('CREATE TABLE big (id int PRIMARY KEY, body text, tail text)');
      await db.exec("INSERT INTO big SELECT g, repeat(md5(g::text), 6000) || 'é😀', 'x' || g FROM generate_series(1, 40) g");
      await db.exec('CREATE TABLE big2 AS SELECT * FROM big');
      await db.exec('ALTER TABLE big2 ADD PRIMARY KEY (id)');
      const same = await collectDiff({ left: { url: db.url, table: db.table('big') }, right: { url: db.url, table: db.table('big2') } });
      expect(same.summary).toMatchObject({ left_rows: 40, right_rows: 40, identical: true });
      await db.exec("UPDATE big2 SET body = overlay(body placing 'Z' from 100000 for 1) WHERE id = 17");
      const changed = await collectDiff({ left: { url: db.url, table: db.table('big') }, right: { url: db.url, table: db.table('big2') }, chunkSize: 3 });
      expect(changed.events.map((e) => [e.type, e.key, e.type === 'changed' ? e.columns : []])).toEqual([['changed', { id: 17 }, ['body']]]);
    } finally {
      await db.drop();
    }
  });
});
