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

/**
 * A MySQL source held to one connection keeps it for the whole of an open scan: nothing may read
 * beside it. Digest mode (rows read while the digest scan is open), auto's timing of digests and
 * hash mode's two ranges at once would each wait for ever on that connection; they stream instead.
 */
describe('MariaDB on one connection', () => {
  const N = 60_000;
  let pg: TestDb;
  let maria: TestDb;
  beforeAll(async () => {
    [pg, maria] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
    await pg.exec(`CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g % 97 FROM generate_series(1, ${N}) g; ANALYZE t`);
    await maria.exec(`CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT seq, IF(seq % 200 = 0, -1, seq % 97) FROM seq_1_to_${N}; ANALYZE TABLE t`);
  });
  afterAll(async () => {
    await Promise.all([pg?.drop(), maria?.drop()]);
  });

  it.each([
    ['digest', {}, 'stream'],
    // Auto would time digests against streaming, as if the link were slow.
    ['auto', { measure: { rows: 5000, busyShare: 1.01 } }, 'stream'],
    ['hash', { hashRanges: { topRows: 2000, leafRows: 400 } }, 'hash'],
  ] as const)('%s gives the streaming answer', async (algorithm, extra, ran) => {
    const sides = { left: { url: pg.url, table: pg.table('t') }, right: { url: singleConnection(maria.url), table: maria.table('t') } };
    const stream = await collectDiff({ ...sides, algorithm: 'stream' });
    expect(stream.summary.changed).toBe(N / 200);
    const seen: string[] = [];
    const r = await collectDiff({ ...sides, algorithm, ...extra, onAlgorithm: (a) => seen.push(`${a.algorithm}: ${a.reason}`) });
    expect(r.events).toEqual(stream.events);
    expect(r.summary).toMatchObject({ algorithm: ran, left_rows: N, right_rows: N });
    if (algorithm === 'digest') expect(seen[0]).toMatch(/^stream: digests need a second connection/);
  });
});
