/**
 * Hash mode's buckets, statement by statement: both engines sum the same bucket of keys alike, a
 * changed row changes exactly its bucket, and a scan of a list of key intervals (KeyRange.parts)
 * reads each row inside them once, in key order, on both engines and in both of PostgreSQL's forms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashColumns } from '../../src/diff/choose-algorithm.ts';
import { parseTableName } from '../../src/sources/dialect.ts';
import { buildBucketHashQuery, parseBucketRows, rowHashExpression, unsigned64, type BucketPiece } from '../../src/sources/hash-dialect.ts';
import { openSource } from '../../src/sources/connect.ts';
import type { Source } from '../../src/sources/source.ts';
import type { KeyRange } from '../../src/types.ts';
import { createTestDb, ENGINES, type EngineName, type TestDb } from './harness.ts';

const N = 2000;

describe('bucket hashes and key interval scans', () => {
  const dbs = {} as Record<EngineName, TestDb>;
  const sources = {} as Record<EngineName, Source>;

  beforeAll(async () => {
    [dbs.postgres, dbs.mariadb] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
    await dbs.postgres.exec(`CREATE TABLE t (id bigint PRIMARY KEY, v int, s text);
      INSERT INTO t SELECT g, g % 97, 'row ' || g FROM generate_series(1, ${N}) g;
      CREATE TABLE u (id bigint PRIMARY KEY, v int, s text);
      INSERT INTO u SELECT g, CASE WHEN g % 200 = 0 THEN -1 ELSE g % 97 END, 'row ' || g FROM generate_series(1, ${N}) g WHERE g <> 777`);
    await dbs.mariadb.exec(`CREATE TABLE t (id bigint PRIMARY KEY, v int, s text);
      INSERT INTO t SELECT seq, seq % 97, CONCAT('row ', seq) FROM seq_1_to_${N};
      CREATE TABLE u (id bigint PRIMARY KEY, v int, s text);
      INSERT INTO u SELECT seq, IF(seq % 200 = 0, -1, seq % 97), CONCAT('row ', seq) FROM seq_1_to_${N} WHERE seq <> 777`);
    for (const e of ENGINES) sources[e] = openSource(dbs[e].url);
  });
  afterAll(async () => {
    await Promise.all(ENGINES.map((e) => sources[e]?.close()));
    await Promise.all(ENGINES.map((e) => dbs[e]?.drop()));
  });

  /** Each bucket's count and sum (unsigned, as compared) of one table on one engine, summed as the other engine would. */
  async function buckets(engine: EngineName, table: string, piece: BucketPiece, peer: EngineName) {
    const source = sources[engine];
    const info = await source.describe(parseTableName(dbs[engine].table(table))!);
    const col = (name: string) => info.columns.find((c) => c.name === name)!;
    const pairs = ['id', 'v', 's'].map((name) => ({ name, left: col(name), right: col(name) }));
    const cols = hashColumns(pairs, source.engine, sources[peer].engine).left;
    const row = rowHashExpression(source.engine, cols, sources[peer].engine);
    const req = { table: info.table, keyColumns: [{ name: 'id', type: 'integer' as const, collation: null }], hash: { aggregate: 'sum' as const, row } };
    const rows = await source.query(buildBucketHashQuery(source.engine, req, piece));
    return new Map(parseBucketRows(source.engine, rows).map((b) => [b.b, `${b.rows}:${unsigned64(b.sum || '0')}`]));
  }

  const piece: BucketPiece = { range: { from: ['1'], to: [String(N + 1)] }, lo: 1n, width: 16n, openLow: false };

  it('sums equal buckets alike on both engines', async () => {
    const [pg, maria] = await Promise.all([buckets('postgres', 't', piece, 'mariadb'), buckets('mariadb', 't', piece, 'postgres')]);
    expect(pg.size).toBe(Math.ceil(N / 16));
    expect(maria).toEqual(pg);
    expect(pg.get(0)).toMatch(/^16:\d+$/);
  });

  it('a changed or missing row changes its own bucket and no other', async () => {
    for (const [a, b] of [
      ['postgres', 'mariadb'],
      ['mariadb', 'postgres'],
    ] as const) {
      const [base, changed] = await Promise.all([buckets(a, 't', piece, b), buckets(b, 'u', piece, a)]);
      const differing = [...base.keys()].filter((k) => base.get(k) !== changed.get(k));
      const expected = [...new Set([...Array.from({ length: N / 200 }, (_, i) => (i + 1) * 200), 777].map((id) => Math.floor((id - 1) / 16)))];
      expect(differing.sort((x, y) => x - y)).toEqual(expected.sort((x, y) => x - y));
    }
  });

  it('without a lower bound, puts the keys below the piece in bucket -1', async () => {
    const open: BucketPiece = { range: { to: ['1001'] }, lo: 501n, width: 16n, openLow: true };
    for (const e of ENGINES) {
      const b = await buckets(e, 't', open, e);
      expect(b.get(-1)).toMatch(/^500:/);
      expect([...b.keys()].filter((k) => k >= 0)).toHaveLength(Math.ceil(500 / 16));
    }
  });

  async function scanKeys(engine: EngineName, range: KeyRange): Promise<number[]> {
    const source = sources[engine];
    const info = await source.describe(parseTableName(dbs[engine].table('t'))!);
    const keys: number[] = [];
    const req = { table: info.table, keyColumns: [{ name: 'id', type: 'integer' as const, collation: null }], columns: [{ name: 'v', type: 'integer' as const }], range, chunkSize: 100 };
    for await (const chunk of source.scan(req)) for (const row of chunk) keys.push(Number(row[0]));
    return keys;
  }

  it.each(ENGINES)('%s: a scan of key intervals reads each row in them once, in key order', async (engine) => {
    const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    // Closed intervals (PostgreSQL joins to the list), and one open at the top (ORed conditions).
    const closed = { parts: [{ to: ['4'] }, { from: ['100'], to: ['103'] }, { from: ['103'], to: ['105'] }, { from: ['1500'], to: ['1502'] }] };
    expect(await scanKeys(engine, closed)).toEqual([...ids(1, 4), ...ids(100, 105), ...ids(1500, 1502)]);
    const open = { parts: [{ from: ['10'], to: ['12'] }, { from: ['1998'] }] };
    expect(await scanKeys(engine, open)).toEqual([10, 11, 1998, 1999, 2000]);
    // With the range's own bounds and a resume point on top.
    expect(await scanKeys(engine, { ...closed, after: ['101'], to: ['1501'] })).toEqual([102, 103, 104, 1500]);
    expect(await scanKeys(engine, { parts: [] })).toEqual([]);
  });
});
