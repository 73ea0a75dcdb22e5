/**
 * `reckon backfill --command` on PostgreSQL (psql) and MariaDB (the mariadb client), through the
 * real CLI: {start} and {end} reach the command, its output stays off reckon's stdout, a non-zero
 * exit fails the batch (exit 2, later batches not started), and a command that fills too little
 * fails verification (exit 1) without reckon claiming to have undone its writes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { ENGINES, createTestDb, type TestDb } from './harness.ts';
import { createItems, dayCounts, itemRows, readAudit, stateRows } from './backfill-data.ts';

const tmp = mkdtempSync(join(tmpdir(), 'reckon-backfill-command-'));
const perDay = (day: number) => 20 + ((day * 5) % 11);
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-13', '--batch', '3'];
const BATCHES = ['2024-01-01 00:00:00', '2024-01-04 00:00:00', '2024-01-07 00:00:00', '2024-01-10 00:00:00'];

/** A shell command running one SQL statement with the engine's own client. */
function client(db: TestDb, sql: string): string {
  if (db.engine === 'postgres') return `PGTZ=UTC psql -X -q -v ON_ERROR_STOP=1 '${db.url}' -c "${sql}"`;
  const u = new URL(db.url);
  return `mariadb -h ${u.hostname} -P ${u.port || 3306} -u ${u.username || 'root'} ${u.pathname.slice(1)} -e "${sql}"`;
}

describe.each(ENGINES)('command backfill on %s', (engine) => {
  let db: TestDb;
  const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2024-01-${String(from + i).padStart(2, '0')}`);

  beforeAll(async () => {
    db = await createTestDb(engine);
    await createItems(db, 'raw', itemRows(1, 12, perDay));
    for (const t of ['daily_ok', 'daily_fail', 'daily_half']) await createItems(db, t, []);
  });
  afterAll(async () => {
    await db?.drop();
  });

  // {start} and {end} arrive shell-quoted ('2024-01-01 00:00:00'); inside the double-quoted SQL
  // the quotes are literal and make SQL string literals.
  const insert = (table: string, extra = '') =>
    client(db, `INSERT INTO ${db.table(table)} SELECT * FROM ${db.table('raw')} WHERE at >= {start} AND at < {end}${extra}`);
  const backfill = (table: string, command: string, ...extra: string[]) =>
    runCli([
      'backfill', db.url, db.table(table), '--column', 'at', ...RANGE, '--command', command,
      '--source', db.url, db.table('raw'), '--state-table', db.table('bf_state'), ...extra,
    ]);

  it('fills each window and verifies it; the command output goes to stderr, never into the JSON report', async () => {
    const audit = join(tmp, `${engine}-ok.jsonl`);
    const r = await backfill('daily_ok', `echo window {start} to {end} && ${insert('daily_ok')}`, '--format', 'json', '--audit', audit);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ done: 4, skipped: 0 });
    expect(report.failure).toBeUndefined();
    expect(r.stderr).toContain('window 2024-01-01 00:00:00 to 2024-01-04 00:00:00\n');
    expect(r.stderr).toContain('window 2024-01-10 00:00:00 to 2024-01-13 00:00:00\n');
    const source = await dayCounts(db, db.table('raw'));
    expect(await dayCounts(db, db.table('daily_ok'))).toEqual(Object.fromEntries(days(1, 12).map((d) => [d, source[d]])));
    expect(readAudit(audit).map((a) => [a.status, a.window.start, a.verification?.ok])).toEqual(BATCHES.map((b) => ['done', b, true]));
  });

  it('fails the batch on a non-zero exit: exit 2, earlier batches recorded, later ones not started', async () => {
    const audit = join(tmp, `${engine}-fail.jsonl`);
    const command = `case {start} in 2024-01-07*) echo 'boom: no data for {start}' >&2; exit 3;; esac; ${insert('daily_fail')}`;
    const r = await backfill('daily_fail', command, '--audit', audit);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("FAILED at 2024-01-07 00:00:00 .. 2024-01-10 00:00:00 (error): the command exited with code 3: boom: no data for 2024-01-07 00:00:00\n");
    expect(r.stderr).toContain('boom: no data for 2024-01-07 00:00:00');
    expect(Object.keys(await dayCounts(db, db.table('daily_fail')))).toEqual(days(1, 6));
    const records = readAudit(audit);
    expect(records.map((a) => [a.status, a.window.start])).toEqual([
      ['done', BATCHES[0]],
      ['done', BATCHES[1]],
      ['failed', BATCHES[2]],
    ]);
    expect(records[2]!.error).toMatch(/exited with code 3/);
    expect((await stateRows(db, db.table('bf_state'))).filter((s) => s.job === records[0]!.job).map((s) => s.start)).toEqual(BATCHES.slice(0, 2));
  });

  it('stops with exit 1 when the command fills too little, and says its writes were not undone', async () => {
    const audit = join(tmp, `${engine}-half.jsonl`);
    const r = await backfill('daily_half', insert('daily_half', ' AND id % 2 = 0'), '--audit', audit);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED at 2024-01-01 00:00:00 \.\. 2024-01-04 00:00:00 \(verification\): counts differ from the source/);
    expect(r.stdout).not.toMatch(/rolled back/);
    expect(r.stdout).toMatch(/whatever the command wrote for it stays/);
    // The command committed on its own: its half-filled days are there, and are not recorded.
    expect(Object.keys(await dayCounts(db, db.table('daily_half')))).toEqual(days(1, 3));
    expect(readAudit(audit).map((a) => a.status)).toEqual(['failed']);
    expect((await stateRows(db, db.table('bf_state'))).filter((s) => s.job === readAudit(audit)[0]!.job)).toEqual([]);
  });
});
