/**
 * `npm run bench:check`: a per-day count check over a year of rows, PostgreSQL against MariaDB,
 * timed next to its floor measured in the same run: the bare GROUP BY queries, run by the engines'
 * own clients at the same time (reckon also queries both sides at once).
 *
 *   node --import tsx bench/check-bench.ts [--rows 5000000] [--days 365] [--repeat 3] [--regenerate]
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { BENCH_MYSQL_URL, BENCH_PG_URL, benchArgs, timed } from './cli-args.ts';

const args = benchArgs();
const ROWS = Number(args.get('rows') ?? 5_000_000);
const DAYS = Number(args.get('days') ?? 365);
const REPEAT = Number(args.get('repeat') ?? 3);
const PG_URL = BENCH_PG_URL;
const MY_URL = BENCH_MYSQL_URL;
const TABLE = `check_events_${ROWS}_${DAYS}`;
const FROM = '2024-01-01';
const TO = new Date(Date.UTC(2024, 0, 1 + DAYS)).toISOString().slice(0, 10);

const log = (s: string) => process.stderr.write(`${s}\n`);

async function ensurePg(): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query('CREATE SCHEMA IF NOT EXISTS reckon_bench');
    const exists = await c.query(`SELECT to_regclass('reckon_bench.${TABLE}') IS NOT NULL AS e`);
    if (exists.rows[0].e && args.get('regenerate') !== 'true') return;
    log(`generating ${ROWS.toLocaleString()} rows in PostgreSQL…`);
    await c.query(`DROP TABLE IF EXISTS reckon_bench.${TABLE}`);
    await c.query(`CREATE TABLE reckon_bench.${TABLE} (id bigint PRIMARY KEY, ts timestamptz NOT NULL, amount numeric(12,2) NOT NULL)`);
    await c.query(
      `INSERT INTO reckon_bench.${TABLE} SELECT g, timestamptz '${FROM} 00:00:00+00' + (g % ${DAYS}) * interval '1 day' + (g % 86400) * interval '1 second', (g % 1000) / 100.0 FROM generate_series(1, ${ROWS}) g`,
    );
    await c.query(`ANALYZE reckon_bench.${TABLE}`);
  } finally {
    await c.end();
  }
}

async function ensureMy(): Promise<void> {
  const u = new URL(MY_URL);
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || 'root', password: decodeURIComponent(u.password) });
  try {
    await c.query('CREATE DATABASE IF NOT EXISTS reckon_bench');
    // The sequence engine's seq_1_to_N tables resolve in the current database.
    await c.query('USE reckon_bench');
    const [rows] = await c.query(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'reckon_bench' AND TABLE_NAME = ?`, [TABLE]);
    if ((rows as { n: number }[])[0]!.n > 0 && args.get('regenerate') !== 'true') return;
    log(`generating ${ROWS.toLocaleString()} rows in MariaDB…`);
    await c.query(`DROP TABLE IF EXISTS reckon_bench.${TABLE}`);
    await c.query(`CREATE TABLE reckon_bench.${TABLE} (id bigint PRIMARY KEY, ts datetime(6) NOT NULL, amount decimal(12,2) NOT NULL)`);
    await c.query(
      `INSERT INTO reckon_bench.${TABLE} SELECT seq, TIMESTAMP('${FROM} 00:00:00') + INTERVAL (seq % ${DAYS}) DAY + INTERVAL (seq % 86400) SECOND, (seq % 1000) / 100 FROM seq_1_to_${ROWS}`,
    );
  } finally {
    await c.end();
  }
}

async function floor(): Promise<number> {
  const t0 = performance.now();
  const pgSql = `SELECT date_trunc('day', ts), count(*) FROM reckon_bench.${TABLE} WHERE ts >= '${FROM}' AND ts < '${TO}' GROUP BY 1`;
  const mySql = `SELECT DATE(ts), COUNT(*) FROM reckon_bench.${TABLE} WHERE ts >= '${FROM}' AND ts < '${TO}' GROUP BY 1`;
  const my = new URL(MY_URL);
  const [a, b] = await Promise.all([
    timed('psql', [PG_URL, '-X', '-q', '-At', '-c', pgSql]),
    timed('mariadb', ['-h', my.hostname, '-P', my.port || '3306', '-u', my.username || 'root', '--batch', '-e', mySql]),
  ]);
  if (a.code !== 0 || b.code !== 0) throw new Error('floor query failed');
  if (a.stdout.trim().split('\n').length !== DAYS) throw new Error(`PostgreSQL GROUP BY returned ${a.stdout.trim().split('\n').length} days`);
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  await Promise.all([ensurePg(), ensureMy()]);
  const dir = await mkdtemp(join(tmpdir(), 'reckon-check-bench-'));
  const config = join(dir, 'check.yaml');
  await writeFile(
    config,
    `connections:\n  pg: ${PG_URL}\n  maria: ${MY_URL.replace(/\/[^/]*$/, '/reckon_bench')}\n` +
      `checks:\n  - name: per_day_count\n    kind: count\n    left: { connection: pg, table: reckon_bench.${TABLE} }\n` +
      `    right: { connection: maria, table: ${TABLE} }\n    partition: { column: ts, grain: day, from: ${FROM}, to: ${TO} }\n`,
  );
  const floors: number[] = [];
  const runs: { seconds: number; rssKb: number }[] = [];
  for (let i = 0; i < REPEAT; i++) {
    floors.push(await floor());
    const r = await timed(process.execPath, ['bin/reckon.js', 'check', '--config', config, '--format', 'json']);
    if (r.code !== 0) throw new Error(`reckon check exited ${r.code}: ${r.stdout.slice(0, 500)}`);
    const result = JSON.parse(r.stdout) as { checks: { rows: unknown[] }[] };
    if (result.checks[0]!.rows.length !== DAYS) throw new Error(`reckon reported ${result.checks[0]!.rows.length} partitions, expected ${DAYS}`);
    runs.push(r);
    log(`run ${i + 1}: floor ${floors[i]!.toFixed(2)} s, reckon ${r.seconds.toFixed(2)} s`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = median(floors);
  const w = median(runs.map((r) => r.seconds));
  const rss = Math.max(...runs.map((r) => r.rssKb)) / 1024;
  const line = `| per-day count check, PG ↔ MariaDB | ${ROWS.toLocaleString()} rows × 2 | ${DAYS} days | ${w.toFixed(2)} s | ${f.toFixed(2)} s | ${(w / f).toFixed(2)}× | ${Math.round((2 * ROWS) / w).toLocaleString()} rows/s | ${rss.toFixed(0)} MB | yes |`;
  process.stdout.write(
    `| check | rows | partitions | reckon wall (median of ${REPEAT}) | bare GROUP BY, both engines at once | ratio | rows/s | peak RSS | correct |\n|---|---|---|---|---|---|---|---|---|\n${line}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`check bench failed: ${(err as Error).message}\n`);
  process.exit(2);
});
