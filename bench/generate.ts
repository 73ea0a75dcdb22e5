/**
 * Benchmark data: an `orders`-like table, left and right, in PostgreSQL and MariaDB, generated
 * inside each server from a row number `i` with integer arithmetic and md5 only, so both engines
 * produce the same logical values and the cross-engine pairing has the same truth as the
 * same-engine ones. Nothing here goes through JS values: 3M rows load in seconds.
 *
 * Drift with step s = round(1 / drift) over i = 1..N (left id = i * 10, so ids have gaps):
 *   i % s = 1  deleted on the right                      -> left_only
 *   i % s = 3  an extra right row with id i * 10 + 5     -> right_only (interleaved, not at the end)
 *   i % s = u  (u = floor(s / 2)) one column changed,    -> changed
 *              the column rotating with floor(i / s) % 6, so every column type must detect it
 * `--differences N` uses the same pattern with step round(3 * N_rows / N): about N/3 rows of each
 * kind, N in all, scattered evenly over the table.
 * Tables are named orders_<rows>_d<step>_l / _r. A marker table records (rows, step, version) per
 * pair, written last, so a half-built pair is never reused.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

/** Bump when any generated value changes, so stale tables are rebuilt. */
export const GENERATOR_VERSION = 1;

export const SCHEMA = 'reckon_bench';

export interface Truth {
  rows: number;
  step: number;
  left_rows: number;
  right_rows: number;
  left_only: number;
  right_only: number;
  changed: number;
}

/** Count of i in 1..n with i % step === r (1 <= r < step). */
function residueCount(n: number, step: number, r: number): number {
  return n >= r ? Math.floor((n - r) / step) + 1 : 0;
}

/** Drift as a fraction ("0.1%" or "0.001") to the step between drifted rows; 0 means none. */
export function driftStep(drift: number): number {
  if (drift === 0) return 0;
  const step = Math.round(1 / drift);
  // Residues 1, 3 and floor(s/2) must be distinct.
  if (!(step >= 4)) throw new Error(`drift ${drift} is too large: at most 25%`);
  return step;
}

/** About `n` differences in all (a third of each kind) in a table of `rows` to the step; 0 means none. */
export function differencesStep(rows: number, n: number): number {
  if (n === 0) return 0;
  const step = Math.round((3 * rows) / n);
  if (!(step >= 4)) throw new Error(`${n} differences in ${rows} rows are too many: at most ${Math.floor(0.75 * rows)}`);
  return step;
}

export function truthFor(rows: number, step: number): Truth {
  if (step === 0) return { rows, step, left_rows: rows, right_rows: rows, left_only: 0, right_only: 0, changed: 0 };
  const deleted = residueCount(rows, step, 1);
  const inserted = residueCount(rows, step, 3);
  const changed = residueCount(rows, step, Math.floor(step / 2));
  return { rows, step, left_rows: rows, right_rows: rows - deleted + inserted, left_only: deleted, right_only: inserted, changed };
}

/** The pair's base name; size and drift step are in it, so several pairs can be kept for reuse. */
export function pairName(rows: number, step: number): string {
  return `orders_${rows}_d${step}`;
}

export function tableNames(rows: number, step: number): { left: string; right: string } {
  const base = pairName(rows, step);
  return { left: `${base}_l`, right: `${base}_r` };
}

type Engine = 'postgres' | 'mysql';

const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'];

/**
 * Column expressions of row number `i` (an SQL expression), in table order after id. Equal in
 * both engines: integer arithmetic only (bigint on PostgreSQL, where i*104729 overflows int4),
 * md5 of the decimal text, and timestamps as a base plus whole microseconds.
 */
function valueExpressions(engine: Engine, i: string): string[] {
  const pgStatus = `(ARRAY[${STATUSES.map((s) => `'${s}'`).join(',')}])[1 + (${i}) % 6]`;
  const myStatus = `ELT(1 + (${i}) % 6, ${STATUSES.map((s) => `'${s}'`).join(',')})`;
  const placedMicros = `((${i}) * 37 * 1000000 + ((${i}) * 7919) % 1000000)`;
  const updatedMicros = `(((${i}) * 37 + ((${i}) * 13) % 86400) * 1000000 + ((${i}) * 104729) % 1000000)`;
  if (engine === 'postgres') {
    return [
      `(1 + ((${i}) * 7919) % 50000)::int`,
      pgStatus,
      `(((${i}) * 104729) % 10000000)::numeric / 100`,
      `timestamptz '2020-01-01 00:00:00+00' + ${placedMicros} * interval '1 microsecond'`,
      `CASE WHEN (${i}) % 10 = 0 THEN NULL ELSE 'order ' || (${i}) || ' ' || left(md5((${i})::text), 16) END`,
      `timestamp '2020-01-01 00:00:00' + ${updatedMicros} * interval '1 microsecond'`,
    ];
  }
  return [
    `1 + ((${i}) * 7919) % 50000`,
    myStatus,
    `(((${i}) * 104729) % 10000000) / 100`,
    `TIMESTAMP '2020-01-01 00:00:00' + INTERVAL ${placedMicros} MICROSECOND`,
    `IF((${i}) % 10 = 0, NULL, CONCAT('order ', (${i}), ' ', LEFT(MD5(${i}), 16)))`,
    `TIMESTAMP '2020-01-01 00:00:00' + INTERVAL ${updatedMicros} MICROSECOND`,
  ];
}

/** The change made to column k (0..5) of an updated row, as an expression over its base value. */
function changedExpression(engine: Engine, k: number, base: string): string {
  const pgForms = [
    `${base} + 1`,
    `'disputed'`,
    `${base} + 0.01`,
    `${base} + interval '1 microsecond'`,
    `coalesce(${base}, '') || '!'`,
    `${base} + interval '1 second'`,
  ];
  const myForms = [
    `${base} + 1`,
    `'disputed'`,
    `${base} + 0.01`,
    `${base} + INTERVAL 1 MICROSECOND`,
    `CONCAT(COALESCE(${base}, ''), '!')`,
    `${base} + INTERVAL 1 SECOND`,
  ];
  return (engine === 'postgres' ? pgForms : myForms)[k]!;
}

const COLUMNS = ['id', 'customer_id', 'status', 'amount', 'placed_at', 'note', 'updated_at'];

/** The column list every reader (reckon, the floor clients) selects, in key-then-catalog order. */
export const SELECT_COLUMNS = COLUMNS;

function createTable(engine: Engine, name: string): string {
  if (engine === 'postgres') {
    // The primary key is added after the load: building the index once is much faster.
    return `CREATE TABLE ${SCHEMA}.${name} (
      id bigint NOT NULL, customer_id int NOT NULL, status varchar(16) NOT NULL, amount numeric(12,2) NOT NULL,
      placed_at timestamptz NOT NULL, note text, updated_at timestamp NOT NULL)`;
  }
  // InnoDB clusters on the primary key, so it must exist before the load (rows arrive in key order).
  return `CREATE TABLE ${SCHEMA}.${name} (
    id bigint NOT NULL PRIMARY KEY, customer_id int NOT NULL, status varchar(16) NOT NULL, amount decimal(12,2) NOT NULL,
    placed_at DATETIME(6) NOT NULL, note varchar(64), updated_at DATETIME(6) NOT NULL) ENGINE=InnoDB`;
}

/** INSERT … SELECT statements that fill the left and right tables from a row-number series. */
function loadStatements(engine: Engine, rows: number, step: number): { left: string[]; right: string[] } {
  const { left, right } = tableNames(rows, step);
  const i = engine === 'postgres' ? 'i' : 'seq';
  const series = engine === 'postgres' ? `generate_series(1::bigint, ${rows}::bigint) AS g(i)` : `${SCHEMA}.seq_1_to_${rows}`;
  const cols = COLUMNS.join(', ');
  const base = valueExpressions(engine, i);
  const leftSql = `INSERT INTO ${SCHEMA}.${left} (${cols}) SELECT ${i} * 10, ${base.join(', ')} FROM ${series}`;
  if (step === 0) {
    return { left: [leftSql], right: [`INSERT INTO ${SCHEMA}.${right} (${cols}) SELECT ${i} * 10, ${base.join(', ')} FROM ${series}`] };
  }
  const u = Math.floor(step / 2);
  const div = engine === 'postgres' ? `(${i} / ${step})` : `(${i} DIV ${step})`;
  const drifted = base.map((expr, k) => `CASE WHEN ${i} % ${step} = ${u} AND ${div} % 6 = ${k} THEN ${changedExpression(engine, k, expr)} ELSE ${expr} END`);
  const kept = `INSERT INTO ${SCHEMA}.${right} (${cols}) SELECT ${i} * 10, ${drifted.join(', ')} FROM ${series} WHERE ${i} % ${step} <> 1`;
  // Values of inserted rows come from a row number outside 1..N, so they match no left row.
  const extra = valueExpressions(engine, `${i} + ${7 * rows}`);
  const inserted = `INSERT INTO ${SCHEMA}.${right} (${cols}) SELECT ${i} * 10 + 5, ${extra.join(', ')} FROM ${series} WHERE ${i} % ${step} = 3`;
  return { left: [leftSql], right: [kept, inserted] };
}

const MARKER = 'bench_marker';

interface Marker {
  rows: number;
  step: number;
  version: number;
}

/** Connection to one engine for setup, with the few statements the generator needs. */
interface Admin {
  engine: Engine;
  exec(sql: string): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<unknown[][]>;
  close(): Promise<void>;
}

async function pgAdmin(url: string): Promise<Admin> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Generation writes about 1 GB of WAL at 3M rows; waiting for each commit's flush buys nothing here.
  await client.query('SET synchronous_commit = off');
  return {
    engine: 'postgres',
    exec: async (sql) => void (await client.query(sql)),
    query: async (sql, values) => (await client.query({ text: sql, values: values ?? [], rowMode: 'array' })).rows as unknown[][],
    close: () => client.end(),
  };
}

async function myAdmin(url: string): Promise<Admin> {
  const u = new URL(url);
  const conn = await mysql.createConnection({
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    rowsAsArray: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  return {
    engine: 'mysql',
    exec: async (sql) => void (await conn.query(sql)),
    query: async (sql, values) => (await conn.query(sql, values ?? []))[0] as unknown[][],
    close: () => conn.end(),
  };
}

export function openAdmin(engine: Engine, url: string): Promise<Admin> {
  return engine === 'postgres' ? pgAdmin(url) : myAdmin(url);
}

async function readMarker(a: Admin, rows: number, step: number): Promise<Marker | undefined> {
  const { left, right } = tableNames(rows, step);
  const found = await a.query(
    a.engine === 'postgres'
      ? `SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename IN ($2, $3, $4)`
      : `SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?, ?)`,
    [SCHEMA, left, right, MARKER],
  );
  if (Number(found[0]?.[0]) !== 3) return undefined;
  const r = await a.query(
    `SELECT rows_n, step, version FROM ${SCHEMA}.${MARKER} WHERE name = ${a.engine === 'postgres' ? '$1' : '?'}`,
    [pairName(rows, step)],
  );
  const row = r[0];
  return row ? { rows: Number(row[0]), step: Number(row[1]), version: Number(row[2]) } : undefined;
}

/** Row counts by id residue, read back from the database, to prove the generator's truth. */
async function verify(a: Admin, rows: number, step: number, truth: Truth): Promise<void> {
  const { left, right } = tableNames(rows, step);
  const [l] = await a.query(`SELECT count(*) FROM ${SCHEMA}.${left}`);
  const [r] = await a.query(`SELECT count(*) FROM ${SCHEMA}.${right}`);
  if (Number(l?.[0]) !== truth.left_rows || Number(r?.[0]) !== truth.right_rows) {
    throw new Error(
      `${a.engine}: generated ${l?.[0]}/${r?.[0]} rows, expected ${truth.left_rows}/${truth.right_rows}`,
    );
  }
}

export interface EnsureResult {
  engine: Engine;
  generated: boolean;
  seconds: number;
}

/**
 * Makes sure the table pair for `rows` and `step` exists in one engine, reusing it when the
 * marker matches; `force` rebuilds it. Returns whether it generated and how long that took.
 */
export async function ensureTables(engine: Engine, url: string, rows: number, step: number, force: boolean, log: (s: string) => void): Promise<EnsureResult> {
  const t0 = performance.now();
  const a = await openAdmin(engine, url);
  try {
    await a.exec(engine === 'postgres' ? `CREATE SCHEMA IF NOT EXISTS ${SCHEMA}` : `CREATE DATABASE IF NOT EXISTS ${SCHEMA}`);
    await a.exec(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${MARKER} (name varchar(64) PRIMARY KEY, rows_n bigint NOT NULL, step int NOT NULL, version int NOT NULL, created_at varchar(40) NOT NULL)`,
    );
    const marker = await readMarker(a, rows, step);
    if (!force && marker && marker.rows === rows && marker.step === step && marker.version === GENERATOR_VERSION) {
      return { engine, generated: false, seconds: 0 };
    }
    const truth = truthFor(rows, step);
    const { left, right } = tableNames(rows, step);
    log(`generating ${engine} ${SCHEMA}.${left} / ${right} (${rows.toLocaleString('en-US')} rows, drift step ${step || 'none'})…`);
    const p = (n: number) => (engine === 'postgres' ? `$${n}` : '?');
    await a.query(`DELETE FROM ${SCHEMA}.${MARKER} WHERE name = ${p(1)}`, [pairName(rows, step)]);
    for (const t of [left, right]) {
      await a.exec(`DROP TABLE IF EXISTS ${SCHEMA}.${t}`);
      await a.exec(createTable(engine, t));
    }
    const load = loadStatements(engine, rows, step);
    // Loading both tables in parallel would only fight over the 2 cores; one at a time.
    for (const sql of [...load.left, ...load.right]) await a.exec(sql);
    if (engine === 'postgres') {
      for (const t of [left, right]) await a.exec(`ALTER TABLE ${SCHEMA}.${t} ADD PRIMARY KEY (id)`);
      // VACUUM sets hint bits and the visibility map now, so the first timed scan does not pay
      // for writing them and the floor and reckon read the same settled pages.
      for (const t of [left, right]) await a.exec(`VACUUM (ANALYZE) ${SCHEMA}.${t}`);
    } else {
      for (const t of [left, right]) await a.query(`ANALYZE TABLE ${SCHEMA}.${t}`);
    }
    await verify(a, rows, step, truth);
    await a.query(
      `INSERT INTO ${SCHEMA}.${MARKER} (name, rows_n, step, version, created_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})`,
      [pairName(rows, step), rows, step, GENERATOR_VERSION, new Date().toISOString()],
    );
    const seconds = (performance.now() - t0) / 1000;
    log(`  ${engine} done in ${seconds.toFixed(1)} s`);
    return { engine, generated: true, seconds };
  } finally {
    await a.close();
  }
}
