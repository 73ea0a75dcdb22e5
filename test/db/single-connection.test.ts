/**
 * The PostgreSQL source on one shared connection (`reckon_connections=1`), the mode for servers
 * that serve one backend: PGlite behind pglite-socket (the `npm start` demo), and real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, serve, type EmbeddedPostgres } from '../../src/demo/embedded-postgres.ts';
import { planDrift, truthOf } from '../../src/demo/drift.ts';
import { applyDrift, createOrders } from '../../src/demo/orders.ts';
import { collectDiff } from './collect.ts';
import { createTestDb, type TestDb } from './harness.ts';

function singleConnection(url: string): string {
  const u = new URL(url);
  u.searchParams.set('reckon_connections', '1');
  return u.toString();
}

describe('PGlite behind pglite-socket', () => {
  const ROWS = 3_000;
  let left: EmbeddedPostgres;
  let right: EmbeddedPostgres;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);

  beforeAll(async () => {
    const leftDb = await createDatabase();
    await createOrders(leftDb, ROWS);
    const rightDb = await createDatabase(await leftDb.dumpDataDir('none'));
    await applyDrift(rightDb, planDrift(ROWS, 1));
    [left, right] = await Promise.all([serve(leftDb), serve(rightDb)]);
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await Promise.all([left?.stop(), right?.stop()]);
  });

  it('diffs several ranges at once over one connection, each query in turn', async () => {
    const opts = { left: { url: left.url, table: 'public.orders' }, right: { url: right.url, table: 'public.orders' }, chunkSize: 100 };
    const serial = await collectDiff(opts);
    const parallel = await collectDiff({ ...opts, concurrency: 3 });
    const truth = truthOf(planDrift(ROWS, 1));
    expect(serial.summary).toMatchObject({ left_rows: truth.leftRows, right_rows: truth.rightRows, left_only: truth.leftOnly, right_only: truth.rightOnly, changed: truth.changed });
    expect(parallel.events).toEqual(serial.events);
    // pg queues overlapping queries on one client only with a deprecation warning.
    expect(warnings).toEqual([]);
  });

  it('leaves the one backend session as it found it: writable, in its own time zone, no open transaction', async () => {
    const before = (await left.db.query<{ TimeZone: string }>('SHOW TimeZone')).rows[0]?.TimeZone;
    await collectDiff({ left: { url: left.url, table: 'public.orders' }, right: { url: right.url, table: 'public.orders' } });
    expect(left.db.isInTransaction()).toBe(false);
    expect((await left.db.query<{ TimeZone: string }>('SHOW TimeZone')).rows[0]?.TimeZone).toBe(before);
    await left.db.exec('CREATE TABLE after_diff (id int); DROP TABLE after_diff');
  });
});

describe('real PostgreSQL', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb('postgres');
    await db.exec(`CREATE TABLE l (id bigint PRIMARY KEY, v text, at timestamptz);
      CREATE TABLE r (id bigint PRIMARY KEY, v text, at timestamptz);
      INSERT INTO l SELECT i, 'v' || i, timestamptz '2024-03-01 12:00:00.5+02' + i * interval '1 hour' FROM generate_series(1, 500) i;
      INSERT INTO r SELECT i, CASE WHEN i % 50 = 0 THEN 'w' ELSE 'v' END || i, timestamptz '2024-03-01 12:00:00.5+02' + i * interval '1 hour'
        FROM generate_series(3, 505) i`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('reports the same events on one connection as with a pool, with the same session settings', async () => {
    const side = (url: string, t: string) => ({ url, table: db.table(t) });
    const pooled = await collectDiff({ left: side(db.url, 'l'), right: side(db.url, 'r'), concurrency: 3, chunkSize: 64 });
    const single = await collectDiff({
      left: side(singleConnection(db.url), 'l'),
      right: side(singleConnection(db.url), 'r'),
      concurrency: 3,
      chunkSize: 64,
    });
    expect(pooled.summary).toMatchObject({ left_only: 2, right_only: 5, changed: 10 });
    expect(single.events).toEqual(pooled.events);
  });
});
