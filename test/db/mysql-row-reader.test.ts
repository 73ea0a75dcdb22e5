/**
 * Rows read off their packets (mysql-row-reader.ts) must be exactly what mysql2 gives for the same
 * query: every type a scan selects, NULLs, signs, fields long enough for each length encoding, and
 * a consumer slow enough that the connection is paused and resumed mid-result. mysql2's own parse
 * of the same rows, through a query callback, is the oracle.
 */
import { setTimeout as tick } from 'node:timers/promises';
import mysql from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultChunks } from '../../src/sources/mysql-result-chunks.ts';
import { createTestDb, type TestDb } from './harness.ts';

let db: TestDb;
let pool: mysql.Pool;

const DDL = `CREATE TABLE t (
  id bigint PRIMARY KEY, ti tinyint, si smallint, mi mediumint, i int, ui int unsigned, bi bigint, y year,
  d decimal(20,6), dt date, tm time(6), dtm datetime(6), ts timestamp(3) NULL,
  vc varchar(300), tx mediumtext, lat varchar(10) CHARACTER SET latin1, ch char(3), e enum('a','bé'), st set('x','y'),
  vb varbinary(20), bl blob)`;

/** Row n: values that vary in sign, length and NULL-ness with n. */
function insertRow(n: number): string {
  const neg = n % 2 === 0 ? '-' : '';
  const text = n % 7 === 0 ? 'NULL' : `'${'é😀\\t'.repeat(n % 5)}row ${n}'`;
  // 260 bytes needs the 2-byte length, 70,000 the 3-byte one.
  const long = n % 50 === 1 ? `REPEAT('ab', 35000)` : n % 10 === 3 ? `REPEAT('x', 260)` : `'${n}'`;
  return `(${n}, ${neg}${n % 128}, ${neg}${n * 100}, ${neg}${n * 1000}, ${neg}${n * 100000}, ${n * 1000000}, ${neg}${
    BigInt(n) * 123456789012345n
  }, ${1901 + (n % 200)}, ${neg}${n}.${String(n).padStart(6, '0')}, '2024-01-${String((n % 28) + 1).padStart(2, '0')}', '${neg}${
    n % 800
  }:00:01.5', '2024-02-03 04:05:06.${String(n).padStart(6, '0')}', ${n % 3 === 0 ? 'NULL' : `'2024-02-03 04:05:06.7'`}, ${text}, ${long}, ${
    n % 4 === 0 ? 'NULL' : `'ñ${n}'`
  }, 'c${n % 10}', ${n % 2 === 0 ? `'bé'` : `'a'`}, ${n % 3 === 0 ? `''` : `'x,y'`}, ${n % 5 === 0 ? 'NULL' : `X'00FF${(n % 256).toString(16).padStart(2, '0')}'`}, X'${'0a'.repeat(
    n % 9,
  )}')`;
}

beforeAll(async () => {
  db = await createTestDb('mariadb');
  await db.exec(DDL);
  const rows = Array.from({ length: 240 }, (_, i) => insertRow(i + 1));
  await db.exec(`INSERT INTO t VALUES ${rows.join(', ')}`);
  await db.exec(`CREATE TABLE f (id int PRIMARY KEY, x double, j json)`);
  await db.exec(`INSERT INTO f VALUES (1, 0.5, '{"a": 1}'), (2, NULL, '[1]')`);
  const u = new URL(db.url);
  // As MySqlSource configures its pool.
  pool = mysql.createPool({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    connectionLimit: 2,
  });
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => pool?.end(() => resolve()));
  await db?.drop();
});

function connection(from: mysql.Pool = pool): Promise<mysql.PoolConnection> {
  return new Promise((resolve, reject) => from.getConnection((err, conn) => (err ? reject(err) : resolve(conn))));
}

/** mysql2's own rows for the query: the oracle. */
async function parsedByDriver(sql: string, from: mysql.Pool = pool): Promise<unknown[][]> {
  const conn = await connection(from);
  try {
    return await new Promise((resolve, reject) =>
      conn.query({ sql, rowsAsArray: true }, (err, rows) => (err ? reject(err) : resolve(rows as unknown as unknown[][]))),
    );
  } finally {
    conn.release();
  }
}

/** The same query through ResultChunks, taken slowly so the connection pauses between chunks. */
async function readInChunks(sql: string, size: number, from: mysql.Pool = pool): Promise<{ rows: unknown[][]; readsPackets: boolean; chunks: number }> {
  const conn = await connection(from);
  try {
    const reading = new ResultChunks(conn, conn.query({ sql, rowsAsArray: true }), size);
    const rows: unknown[][] = [];
    let chunks = 0;
    for await (const chunk of reading.chunks()) {
      chunks++;
      rows.push(...chunk);
      await tick(2);
    }
    return { rows, readsPackets: reading.readsPackets, chunks };
  } finally {
    conn.release();
  }
}

describe('MySQL rows read off their packets', () => {
  it('match what mysql2 parses, type for type, across pauses', async () => {
    const sql = 'SELECT * FROM t ORDER BY id';
    const expected = await parsedByDriver(sql);
    const got = await readInChunks(sql, 7);
    expect(got.readsPackets).toBe(true);
    expect(got.chunks).toBe(Math.ceil(240 / 7));
    expect(got.rows).toHaveLength(240);
    expect(got.rows).toEqual(expected);
    // The oracle itself is varied: numbers, BIGINT strings, Buffers, NULLs and a 70,000-byte text.
    const first = expected[0]!;
    expect(typeof first[1]).toBe('number');
    expect(typeof first[6]).toBe('string');
    expect(Buffer.isBuffer(first[19])).toBe(true);
    expect(expected.some((r) => r[13] === null)).toBe(true);
    expect(expected.some((r) => typeof r[14] === 'string' && r[14].length === 70_000)).toBe(true);
    expect(expected.some((r) => typeof r[14] === 'string' && r[14].length === 260)).toBe(true);
  });

  it('match on a query with computed columns, as scans select them', async () => {
    const sql = `SELECT id, CONCAT_WS(_utf8mb4 X'09', i, d, dtm, IFNULL(vc, _utf8mb4 X'5C4E')), CAST(CONCAT_WS(X'FF', bi, vb) AS BINARY) FROM t ORDER BY id`;
    const expected = await parsedByDriver(sql);
    const got = await readInChunks(sql, 1000);
    expect(got.readsPackets).toBe(true);
    expect(got.rows).toEqual(expected);
  });

  it('leave to mysql2 a pool that parses otherwise (dates as Date objects), with the same rows', async () => {
    const u = new URL(db.url);
    const plain = mysql.createPool({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.slice(1)),
      connectionLimit: 1,
    });
    try {
      const sql = 'SELECT id, dt, dtm, d FROM t ORDER BY id LIMIT 20';
      const got = await readInChunks(sql, 3, plain);
      expect(got.readsPackets).toBe(false);
      const expected = await parsedByDriver(sql, plain);
      expect(expected[0]![1]).toBeInstanceOf(Date);
      expect(got.rows).toEqual(expected);
    } finally {
      await new Promise<void>((resolve) => plain.end(() => resolve()));
    }
  });

  it('leave to mysql2 the columns it reads another way (double, JSON), with the same rows', async () => {
    const sql = 'SELECT * FROM f ORDER BY id';
    const got = await readInChunks(sql, 1);
    expect(got.readsPackets).toBe(false);
    expect(got.rows).toEqual(await parsedByDriver(sql));
  });
});
