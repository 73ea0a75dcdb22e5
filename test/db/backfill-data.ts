/**
 * Shared fixtures of the backfill tests: a table of varied types (so a copy's value conversion is
 * exercised across engines), per-day counts read with each engine's own SQL (not reckon's), the
 * state table and the audit log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createTable } from './rows.ts';
import type { Literal } from './rows.ts';
import type { EngineName, TestDb } from './harness.ts';

/** bigint key beyond 2^53, exact decimal, microsecond timestamp, non-ASCII text, boolean, NULLs. */
export const ITEMS_DDL: Record<EngineName, string> = {
  postgres: 'id bigint PRIMARY KEY, amount numeric(20,6), at timestamptz NOT NULL, label text, active boolean, qty integer',
  mariadb: 'id bigint PRIMARY KEY, amount decimal(20,6), at datetime(6) NOT NULL, label varchar(200), active tinyint(1), qty int',
};

const BASE_ID = 9007199254740993n;
const LABELS = ['Zürich – 東京 ✓', 'naïve café', 'emoji 🙂 ok', "it's fine", 'plain'];

/** A timestamp text `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) for day `day` of January 2024 (1-based). */
function at(day: number, i: number): string {
  const seconds = (i * 7919) % 86400;
  const hh = String(Math.floor(seconds / 3600)).padStart(2, '0');
  const mm = String(Math.floor(seconds / 60) % 60).padStart(2, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  const micros = String((i * 104729) % 1_000_000).padStart(6, '0');
  const d = new Date(Date.UTC(2024, 0, day));
  return `${d.toISOString().slice(0, 10)} ${hh}:${mm}:${ss}.${micros}`;
}

/**
 * `perDay(day)` rows for each day from `firstDay` to `lastDay` of January 2024 (days past 31 run
 * into February), plus one row just before the first day and one exactly at the end: a copy of
 * [first, last] must leave those two out.
 */
export function itemRows(firstDay: number, lastDay: number, perDay: (day: number) => number): Literal[][] {
  const rows: Literal[][] = [];
  let n = 0;
  const push = (ts: string) => {
    n++;
    const id = BASE_ID + BigInt(n) * 3n;
    const amount = n % 11 === 0 ? null : `${n % 2 ? '-' : ''}${(n * 12345) % 99999999}.${String((n * 7) % 1_000_000).padStart(6, '0')}`;
    const label = n % 13 === 0 ? null : `${LABELS[n % LABELS.length]} #${n}`;
    const active = n % 17 === 0 ? null : n % 2;
    rows.push([id, amount, ts, label, active, n % 19 === 0 ? null : n * 3 - 1000]);
  };
  push(`${new Date(Date.UTC(2024, 0, firstDay) - 1).toISOString().slice(0, 10)} 23:59:59.999999`);
  for (let day = firstDay; day <= lastDay; day++) for (let i = 0; i < perDay(day); i++) push(at(day, i + day * 1000));
  push(`${new Date(Date.UTC(2024, 0, lastDay + 1)).toISOString().slice(0, 10)} 00:00:00.000000`);
  return rows;
}

/** Creates `items` with the engine's types; PostgreSQL timestamps are written as UTC. */
export async function createItems(db: TestDb, name: string, rows: readonly (readonly Literal[])[]): Promise<void> {
  const fixed = db.engine === 'postgres' ? rows.map((r) => r.map((v, i) => (i === 2 ? `${v}+00` : i === 4 && v !== null ? (v ? 'true' : 'false') : v))) : rows;
  // Booleans are written as SQL keywords on PostgreSQL, so they cannot go through literal().
  await createTable(db, name, ITEMS_DDL[db.engine], []);
  if (fixed.length === 0) return;
  for (let i = 0; i < fixed.length; i += 2000) {
    const chunk = fixed.slice(i, i + 2000);
    const text = chunk
      .map((r) => `(${r.map((v, j) => (v === null ? 'NULL' : j === 4 || j === 0 || j === 5 ? String(v) : `'${String(v).replace(/'/g, "''")}'`)).join(', ')})`)
      .join(', ');
    await db.exec(`INSERT INTO ${name} VALUES ${text}`);
  }
}

/** Per-day row counts of a timestamp column, read with the engine's own SQL, as `{day: n}`. */
export async function dayCounts(db: TestDb, table: string, column = 'at', where?: string): Promise<Record<string, number>> {
  const day = db.engine === 'postgres' ? `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')` : `DATE_FORMAT(${column}, '%Y-%m-%d')`;
  const rows = await db.query(`SELECT ${day} AS d, COUNT(*) FROM ${table}${where ? ` WHERE ${where}` : ''} GROUP BY 1 ORDER BY 1`);
  return Object.fromEntries(rows.map((r) => [String(r[0]), Number(r[1])]));
}

export async function rowCount(db: TestDb, table: string): Promise<number> {
  return Number((await db.query(`SELECT COUNT(*) FROM ${table}`))[0]![0]);
}

/** Whether a table exists in the test's own schema/database. */
export async function tableExists(db: TestDb, name: string): Promise<boolean> {
  const rows =
    db.engine === 'postgres'
      ? await db.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '${name}'`)
      : await db.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '${name}'`);
  return rows.length > 0;
}

/** The state table's rows for every job: [job, batch_start, batch_end, rows_written]. */
export async function stateRows(db: TestDb, table: string): Promise<{ job: string; start: string; end: string; rows: number }[]> {
  const rows = await db.query(`SELECT job, batch_start, batch_end, rows_written FROM ${table} ORDER BY job, batch_start`);
  return rows.map((r) => ({ job: String(r[0]), start: String(r[1]), end: String(r[2]), rows: Number(r[3]) }));
}

export interface AuditLine {
  job: string;
  window: { start: string; end: string };
  status: 'done' | 'failed' | 'skipped';
  rows_written: number;
  verification?: { ok: boolean; detail: string };
  error?: string;
}

/** The audit log's records, or [] when the file does not exist. */
export function readAudit(file: string): AuditLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AuditLine);
}
