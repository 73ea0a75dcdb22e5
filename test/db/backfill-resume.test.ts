/**
 * A copy backfill killed with SIGKILL in the middle of a batch resumes when rerun and ends with
 * no duplicate and no missing row; a rerun after completion changes nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { collectDiff } from './collect.ts';
import { createTestDb, type EngineName, type TestDb } from './harness.ts';
import { createItems, dayCounts, itemRows, readAudit, rowCount, stateRows } from './backfill-data.ts';

const BIN = fileURLToPath(new URL('../../bin/reckon.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'reckon-backfill-resume-'));
const DAYS = 6;
/** Three source chunks (of 1,000) per one-day batch, so a batch is open across several writes. */
const PER_DAY = 2500;
const IN_RANGE = "at >= '2024-01-01' AND at < '2024-01-07'";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Rows the killed process's open transaction has written to the target but not committed, or 0
 * when it has none. MariaDB counts them; PostgreSQL only shows that the backend holds the
 * table's insert lock inside a transaction, so 1 stands for "some".
 */
async function uncommittedWrites(target: TestDb, table: string): Promise<number> {
  if (target.engine === 'mariadb') {
    const rows = await target.query(
      `SELECT t.trx_rows_modified FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.ID = t.trx_mysql_thread_id
       WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID()`,
    );
    return rows.reduce((s: number, r) => s + Number(r[0]), 0);
  }
  const rows = await target.query(
    `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.relation = '${table}'::regclass AND l.mode = 'RowExclusiveLock' AND a.application_name = 'reckon-backfill' AND a.xact_start IS NOT NULL`,
  );
  return rows.length;
}

describe.each([
  ['postgres', 'mariadb'],
  ['mariadb', 'postgres'],
] as [EngineName, EngineName][])('killed copy %s → %s', (sourceEngine, targetEngine) => {
  let source: TestDb;
  let target: TestDb;
  const rows = itemRows(1, DAYS, () => PER_DAY);
  const audit = join(tmp, `${sourceEngine}-${targetEngine}.jsonl`);
  const args = () => [
    'backfill', target.url, target.table('items'), '--copy', '--source', source.url, source.table('items'),
    '--column', 'at', '--from', '2024-01-01', '--to', '2024-01-07', '--batch', '1',
    '--state-table', target.table('bf_state'), '--audit', audit,
  ];

  beforeAll(async () => {
    [source, target] = await Promise.all([createTestDb(sourceEngine), createTestDb(targetEngine)]);
    await createItems(source, 'items', rows);
    await createItems(target, 'items', []);
  });
  afterAll(async () => {
    await Promise.all([source?.drop(), target?.drop()]);
  });

  it('resumes after SIGKILL mid-batch: each batch recorded once, no duplicate, no missing row', async () => {
    // 4,000 rows/s: a 2,500-row batch takes over half a second, written in three chunks.
    const child = spawn(process.execPath, [BIN, ...args(), '--max-rows-per-second', '4000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    let doneBefore = 0;
    let openWrites = 0;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`no batch finished in time; stderr: ${stderr}`);
      if (child.exitCode !== null) throw new Error(`the backfill ended before it could be killed (exit ${child.exitCode}): ${stderr}`);
      doneBefore = readAudit(audit).filter((r) => r.status === 'done').length;
      if (doneBefore >= 1) {
        openWrites = await uncommittedWrites(target, target.table('items'));
        // On MariaDB, fewer rows than a whole batch means more chunks are still to come, so the
        // kill cannot race the commit.
        const midBatch = targetEngine === 'mariadb' ? openWrites > 0 && openWrites < PER_DAY : openWrites > 0;
        if (midBatch) break;
      }
      // InnoDB refreshes innodb_trx only when it was not read in the last 100 ms: polling faster
      // would freeze it.
      await sleep(150);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(doneBefore).toBeLessThan(DAYS);

    // The open batch was rolled back by the server: the target holds exactly the recorded batches.
    await sleep(200);
    const state = await stateRows(target, target.table('bf_state'));
    expect(state.length).toBeGreaterThanOrEqual(doneBefore);
    expect(state.length).toBeLessThan(DAYS);
    if (targetEngine === 'mariadb') expect(state.length).toBe(doneBefore);
    const counts = await dayCounts(target, target.table('items'));
    expect(Object.keys(counts).sort()).toEqual(state.map((s) => s.start.slice(0, 10)));
    expect(Object.values(counts).every((n) => n === PER_DAY)).toBe(true);
    expect(state.every((s) => s.rows === PER_DAY)).toBe(true);
    const auditBefore = readAudit(audit);

    const rerun = await runCli(args());
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`${DAYS - state.length} batches filled and verified, ${((DAYS - state.length) * PER_DAY).toLocaleString('en-US')} rows written, ${state.length} already done before`);

    expect(await dayCounts(target, target.table('items'))).toEqual(await dayCounts(source, source.table('items'), 'at', IN_RANGE));
    expect(await rowCount(target, target.table('items'))).toBe(DAYS * PER_DAY);
    const diff = await collectDiff({
      left: { url: source.url, table: source.table('items') },
      right: { url: target.url, table: target.table('items') },
      where: IN_RANGE,
    });
    expect(diff.events).toEqual([]);
    expect(diff.summary).toMatchObject({ left_rows: DAYS * PER_DAY, right_rows: DAYS * PER_DAY, identical: true });

    const after = await stateRows(target, target.table('bf_state'));
    expect(after.map((s) => s.start)).toEqual(Array.from({ length: DAYS }, (_, i) => `2024-01-0${i + 1} 00:00:00`));
    expect(new Set(after.map((s) => s.job)).size).toBe(1);
    // The first run's batches were kept, not redone.
    expect(after.filter((s) => state.some((b) => b.start === s.start))).toEqual(state);
    const done = readAudit(audit).filter((r) => r.status === 'done');
    const windows = done.map((r) => r.window.start);
    expect(new Set(windows).size).toBe(windows.length);
    expect(readAudit(audit).slice(0, auditBefore.length)).toEqual(auditBefore);
  });

  it('changes nothing when rerun after completion', async () => {
    const before = readFileSync(audit, 'utf8');
    const state = await target.query(`SELECT job, batch_start, batch_end, rows_written, finished_at FROM ${target.table('bf_state')} ORDER BY batch_start`);
    const r = await runCli(args());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^nothing to do: all 6 batches of job .* are already done and verified\n$/);
    expect(readFileSync(audit, 'utf8')).toBe(before);
    expect(await target.query(`SELECT job, batch_start, batch_end, rows_written, finished_at FROM ${target.table('bf_state')} ORDER BY batch_start`)).toEqual(state);
    const diff = await collectDiff({
      left: { url: source.url, table: source.table('items') },
      right: { url: target.url, table: target.table('items') },
      where: IN_RANGE,
    });
    expect(diff.summary).toMatchObject({ right_rows: DAYS * PER_DAY, identical: true });
    expect(await rowCount(target, target.table('items'))).toBe(DAYS * PER_DAY);
  });
});
