/**
 * `npm run bench:backfill`: a `copy` backfill of generated rows from PostgreSQL into MariaDB,
 * timed next to a floor measured in the same run: the engines' own bulk paths piped together,
 * `psql \copy (SELECT …) TO STDOUT | mariadb -e "LOAD DATA LOCAL INFILE '/dev/stdin' …"`. The
 * floor neither upserts nor verifies nor checkpoints, and streams COPY text straight into the
 * loader, so it is the fastest honest way to move these rows between the two servers; reckon
 * adds conversion to canonical values, multi-row upserts in one transaction per batch, per-day
 * count verification against the source and a checkpoint per batch.
 *
 *   node --import tsx bench/backfill-bench.ts [--rows 1000000] [--days 28] [--batch 7] [--repeat 1]
 *                                             [--regenerate] [--profile]
 *
 * After each reckon run the target is checked against the source (per-day counts and a full
 * `reckon diff`), outside the timing; a wrong copy fails the benchmark.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { BENCH_MYSQL_URL, BENCH_PG_URL, benchArgs, timed } from './cli-args.ts';

const args = benchArgs();
const ROWS = Number(args.get('rows') ?? 1_000_000);
const DAYS = Number(args.get('days') ?? 28);
const BATCH = Number(args.get('batch') ?? 7);
const REPEAT = Number(args.get('repeat') ?? 1);
const PROFILE = args.get('profile') === 'true';
const PG_URL = BENCH_PG_URL;
const MY_URL = BENCH_MYSQL_URL;
const SOURCE = `backfill_src_${ROWS}_${DAYS}`;
const FROM = '2024-01-01';
const TO = new Date(Date.UTC(2024, 0, 1 + DAYS)).toISOString().slice(0, 10);
const MY_DDL = '(id bigint PRIMARY KEY, ts datetime(6) NOT NULL, amount decimal(12,2), label varchar(100), flag tinyint(1), qty int)';

const log = (s: string) => process.stderr.write(`${s}\n`);
const my = new URL(MY_URL);
const myBench = new URL(MY_URL);
myBench.pathname = '/reckon_bench';

async function ensureSource(): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query('CREATE SCHEMA IF NOT EXISTS reckon_bench');
    const exists = await c.query(`SELECT to_regclass('reckon_bench.${SOURCE}') IS NOT NULL AS e`);
    if (exists.rows[0].e && args.get('regenerate') !== 'true') return;
    log(`generating ${ROWS.toLocaleString()} rows in PostgreSQL…`);
    await c.query(`DROP TABLE IF EXISTS reckon_bench.${SOURCE}`);
    await c.query(
      `CREATE TABLE reckon_bench.${SOURCE} (id bigint PRIMARY KEY, ts timestamptz NOT NULL, amount numeric(12,2), label text, flag boolean, qty integer)`,
    );
    // Microsecond timestamps, non-ASCII text and a few NULLs, so the copy converts real values.
    await c.query(
      `INSERT INTO reckon_bench.${SOURCE} SELECT g,
         timestamptz '${FROM} 00:00:00+00' + (g % ${DAYS}) * interval '1 day' + ((g::bigint * 7919) % 86400000000) * interval '1 microsecond',
         CASE WHEN g % 101 = 0 THEN NULL ELSE ((g % 1000000) / 100.0)::numeric(12,2) END,
         CASE WHEN g % 97 = 0 THEN NULL ELSE 'naïve café – ' || g END,
         CASE WHEN g % 13 = 0 THEN NULL ELSE g % 2 = 0 END,
         g % 1000
       FROM generate_series(1, ${ROWS}) g`,
    );
    await c.query(`ANALYZE reckon_bench.${SOURCE}`);
  } finally {
    await c.end();
  }
}

async function myQuery(sql: string): Promise<unknown[][]> {
  const c = await mysql.createConnection({ host: my.hostname, port: Number(my.port || 3306), user: my.username || 'root', password: decodeURIComponent(my.password) });
  try {
    return (await c.query({ sql, rowsAsArray: true }))[0] as unknown[][];
  } finally {
    await c.end();
  }
}

/** Empties (recreates) a MariaDB target table, and the checkpoints of the bench job. */
async function resetTarget(table: string): Promise<void> {
  await myQuery('CREATE DATABASE IF NOT EXISTS reckon_bench');
  await myQuery(`DROP TABLE IF EXISTS reckon_bench.${table}`);
  await myQuery(`CREATE TABLE reckon_bench.${table} ${MY_DDL}`);
  await myQuery('DROP TABLE IF EXISTS reckon_bench.bench_backfill_state');
}

/** The engines' own bulk path, piped: COPY text out of psql straight into LOAD DATA. */
async function floor(): Promise<number> {
  await resetTarget('backfill_floor');
  const select =
    `SELECT id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), amount, label, flag::int, qty ` +
    `FROM reckon_bench.${SOURCE} WHERE ts >= '${FROM} 00:00:00+00' AND ts < '${TO} 00:00:00+00'`;
  const load = `LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE reckon_bench.backfill_floor CHARACTER SET utf8mb4 (id, ts, amount, label, flag, qty)`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const pipeline =
    `set -o pipefail; psql ${q(PG_URL)} -X -q -v ON_ERROR_STOP=1 -c ${q(`\\copy (${select}) TO STDOUT`)} | ` +
    `mariadb --local-infile=1 -h ${my.hostname} -P ${my.port || 3306} -u ${my.username || 'root'} -e ${q(load)}`;
  const r = await timed('/bin/bash', ['-c', pipeline], { ...process.env, MYSQL_PWD: decodeURIComponent(my.password) });
  if (r.code !== 0) throw new Error(`floor pipeline failed (${r.code}): ${r.stderr.trim()}`);
  const n = Number((await myQuery('SELECT COUNT(*) FROM reckon_bench.backfill_floor'))[0]![0]);
  if (n !== ROWS) throw new Error(`the floor loaded ${n} rows, expected ${ROWS}`);
  return r.seconds;
}

/**
 * A second floor, closer to what a batched upsert can use: the same rows as 1,000-row multi-row
 * INSERTs written by PostgreSQL itself and run by the mariadb client in one transaction. LOAD
 * DATA into an empty table takes InnoDB's bulk path; a resumable backfill, one transaction per
 * batch into a table that is no longer empty, cannot.
 */
async function insertFloor(): Promise<number> {
  await resetTarget('backfill_ins');
  const statements =
    `SELECT 'INSERT INTO reckon_bench.backfill_ins (id, ts, amount, label, flag, qty) VALUES ' || ` +
    `string_agg(format('(%s,%L,%s,%L,%s,%s)', id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), ` +
    `coalesce(amount::text, 'NULL'), label, coalesce(flag::int::text, 'NULL'), qty), ',' ORDER BY id) || ';' ` +
    `FROM reckon_bench.${SOURCE} WHERE ts >= '${FROM} 00:00:00+00' AND ts < '${TO} 00:00:00+00' GROUP BY (id - 1) / 1000 ORDER BY (id - 1) / 1000`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const pipeline =
    `set -o pipefail; (echo 'SET autocommit = 0;'; psql ${q(PG_URL)} -X -q -At -v ON_ERROR_STOP=1 -c ${q(statements)}; echo 'COMMIT;') | ` +
    `mariadb -h ${my.hostname} -P ${my.port || 3306} -u ${my.username || 'root'} --default-character-set=utf8mb4`;
  const r = await timed('/bin/bash', ['-c', pipeline], { ...process.env, MYSQL_PWD: decodeURIComponent(my.password) });
  if (r.code !== 0) throw new Error(`INSERT floor pipeline failed (${r.code}): ${r.stderr.trim().slice(0, 500)}`);
  const n = Number((await myQuery('SELECT COUNT(*) FROM reckon_bench.backfill_ins'))[0]![0]);
  if (n !== ROWS) throw new Error(`the INSERT floor loaded ${n} rows, expected ${ROWS}`);
  return r.seconds;
}

async function reckon(dir: string, run: number): Promise<{ seconds: number; rssKb: number }> {
  await resetTarget('backfill_dst');
  const node = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(dir, 'profiles')] : [];
  const r = await timed(process.execPath, [
    ...node, 'bin/reckon.js', 'backfill', myBench.toString(), 'backfill_dst', '--copy', '--source', PG_URL, `reckon_bench.${SOURCE}`,
    '--column', 'ts', '--from', FROM, '--to', TO, '--batch', String(BATCH), '--job', 'bench', '--state-table', 'bench_backfill_state',
    '--audit', join(dir, `audit-${run}.jsonl`), '--format', 'json', '--no-progress',
  ]);
  if (r.code !== 0) throw new Error(`reckon backfill exited ${r.code}: ${r.stdout.slice(0, 500)} ${r.stderr.slice(-500)}`);
  const result = JSON.parse(r.stdout) as { rows: number; done: number };
  if (result.rows !== ROWS) throw new Error(`reckon wrote ${result.rows} rows, expected ${ROWS}`);
  return r;
}

/** The copy must be right, not just fast: per-day counts and a full row diff against the source. */
async function check(): Promise<void> {
  const d = await timed(process.execPath, ['bin/reckon.js', 'diff', PG_URL, `reckon_bench.${SOURCE}`, myBench.toString(), 'backfill_dst', '--no-progress']);
  if (d.code !== 0) throw new Error(`reckon diff of the copy exited ${d.code}: ${d.stdout.slice(-500)}`);
  log(`  diff: identical (${d.seconds.toFixed(1)} s)`);
}

async function main(): Promise<void> {
  await ensureSource();
  const dir = await mkdtemp(join(tmpdir(), 'reckon-backfill-bench-'));
  const floors: number[] = [];
  const inserts: number[] = [];
  const runs: { seconds: number; rssKb: number }[] = [];
  for (let i = 0; i < REPEAT; i++) {
    floors.push(await floor());
    inserts.push(await insertFloor());
    runs.push(await reckon(dir, i));
    log(
      `run ${i + 1}: LOAD DATA floor ${floors[i]!.toFixed(2)} s, INSERT floor ${inserts[i]!.toFixed(2)} s, ` +
        `reckon ${runs[i]!.seconds.toFixed(2)} s, peak RSS ${(runs[i]!.rssKb / 1024).toFixed(0)} MB`,
    );
    await check();
  }
  if (PROFILE) log(`profiles in ${join(dir, 'profiles')} (summarise with: node --import tsx bench/profile-summary.ts <file>)`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = median(floors);
  const ins = median(inserts);
  const w = median(runs.map((r) => r.seconds));
  const rss = Math.max(...runs.map((r) => r.rssKb)) / 1024;
  const rate = (s: number) => Math.round(ROWS / s).toLocaleString('en-US');
  process.stdout.write(
    `| backfill | rows | batches | reckon wall (median of ${REPEAT}) | reckon rows/s | peak RSS | floor: psql \\copy → LOAD DATA | ratio | floor: multi-row INSERTs via mariadb | ratio | verified |\n` +
      `|---|---|---|---|---|---|---|---|---|---|---|\n` +
      `| copy PG → MariaDB | ${ROWS.toLocaleString('en-US')} | ${Math.ceil(DAYS / BATCH)} × ${BATCH} days | ${w.toFixed(2)} s | ${rate(w)} | ${rss.toFixed(0)} MB | ` +
      `${f.toFixed(2)} s (${rate(f)} rows/s) | ${(w / f).toFixed(2)}× | ${ins.toFixed(2)} s (${rate(ins)} rows/s) | ${(w / ins).toFixed(2)}× | diff identical |\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`backfill bench failed: ${(err as Error).message}\n`);
  process.exit(2);
});
