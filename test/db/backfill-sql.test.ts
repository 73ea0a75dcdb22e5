/**
 * `reckon backfill --sql` on PostgreSQL and MariaDB, through the real CLI: a template that fills
 * only part of each day fails verification (against a source, or --min-rows), stops with exit 1,
 * rolls the failing batch back and keeps the earlier ones; a fixed template resumes under the same
 * --job; a failing statement exits 2; --dry-run writes nothing at all.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { collectDiff } from './collect.ts';
import { ENGINES, createTestDb, type TestDb } from './harness.ts';
import { createItems, dayCounts, itemRows, readAudit, rowCount, stateRows, tableExists } from './backfill-data.ts';

const tmp = mkdtempSync(join(tmpdir(), 'reckon-backfill-sql-'));
const perDay = (day: number) => 40 + ((day * 7) % 23);
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-13', '--batch', '3'];
const BATCHES = ['2024-01-01 00:00:00', '2024-01-04 00:00:00', '2024-01-07 00:00:00', '2024-01-10 00:00:00'];

describe.each(ENGINES)('sql backfill on %s', (engine) => {
  let db: TestDb;
  const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2024-01-${String(from + i).padStart(2, '0')}`);
  const pick = (counts: Record<string, number>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, counts[k]]));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await createItems(db, 'raw', itemRows(1, 12, perDay));
    for (const t of ['daily_v', 'daily_m', 'daily_e', 'daily_d', 'daily_s']) await createItems(db, t, []);
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Copies the window from raw, but only every other row from `halfFrom` on. */
  const template = (table: string, halfFrom: string, keep = 'id % 2 = 0') =>
    `INSERT INTO ${db.table(table)} SELECT * FROM ${db.table('raw')} WHERE at >= :start AND at < :end AND (at < '${halfFrom}' OR ${keep})`;
  const backfill = (table: string, ...extra: string[]) =>
    runCli(['backfill', db.url, db.table(table), '--column', 'at', ...RANGE, '--state-table', db.table('bf_state'), ...extra]);

  it('stops with exit 1 at a batch that fails verification against a source, rolls it back and keeps the earlier ones', async () => {
    const audit = join(tmp, `${engine}-v.jsonl`);
    const args = ['--sql', template('daily_v', '2024-01-07'), '--source', db.url, db.table('raw'), '--audit', audit, '--job', `half-${engine}`];
    const r = await backfill('daily_v', ...args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const source = await dayCounts(db, db.table('raw'));
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`job half-${engine}: 2 batches filled and verified, ${source['2024-01-01']! + source['2024-01-02']! + source['2024-01-03']! + source['2024-01-04']! + source['2024-01-05']! + source['2024-01-06']!} rows written`);
    expect(lines[1]).toMatch(/^FAILED at 2024-01-07 00:00:00 \.\. 2024-01-10 00:00:00 \(verification\): counts differ from the source: 2024-01-07: target \d+, source \d+; 2024-01-08: /);
    expect(lines[2]).toMatch(/that batch was rolled back/);

    // Days 1-6 filled exactly; nothing of the failed batch (7-9) or the one after it (10-12).
    expect(await dayCounts(db, db.table('daily_v'))).toEqual(pick(source, days(1, 6)));
    const state = await stateRows(db, db.table('bf_state'));
    expect(state.filter((s) => s.job === `half-${engine}`).map((s) => s.start)).toEqual(BATCHES.slice(0, 2));
    expect(readAudit(audit).map((a) => [a.status, a.window.start, a.verification?.ok])).toEqual([
      ['done', BATCHES[0], true],
      ['done', BATCHES[1], true],
      ['failed', BATCHES[2], false],
    ]);

    // The plan of the same job now shows the two recorded batches as done, and writes nothing.
    const dry = await backfill('daily_v', ...args, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n').slice(1, 5).map((l) => l.trim().slice(0, 7).trim())).toEqual(['done', 'done', 'to fill', 'to fill']);
    expect(readAudit(audit)).toHaveLength(3);

    // The fixed template, under the same job, resumes at the failed batch.
    const fixed = await backfill('daily_v', '--sql', template('daily_v', '2099-01-01'), '--source', db.url, db.table('raw'), '--audit', audit, '--job', `half-${engine}`);
    expect(fixed.stderr).toBe('');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/: 2 batches filled and verified, [\d,]+ rows written, 2 already done before\n$/);
    const whole = await collectDiff({
      left: { url: db.url, table: db.table('raw') },
      right: { url: db.url, table: db.table('daily_v') },
      where: "at >= '2024-01-01' AND at < '2024-01-13'",
    });
    expect(whole.events).toEqual([]);
    expect(whole.summary.right_rows).toBe(Object.values(source).reduce((a, b) => a + b, 0) - 2);
  });

  it('stops with exit 1 when a period stays below --min-rows, without a source', async () => {
    const audit = join(tmp, `${engine}-m.jsonl`);
    const r = await backfill('daily_m', '--sql', template('daily_m', '2024-01-04', 'id % 10 = 0'), '--min-rows', '10', '--audit', audit);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED at 2024-01-04 00:00:00 \.\. 2024-01-07 00:00:00 \(verification\): periods still below 10 row\(s\): 2024-01-04: \d rows/);
    expect(Object.keys(await dayCounts(db, db.table('daily_m')))).toEqual(days(1, 3));
    expect(readAudit(audit).map((a) => a.status)).toEqual(['done', 'failed']);
    const job = readAudit(audit)[0]!.job;
    expect((await stateRows(db, db.table('bf_state'))).filter((s) => s.job === job).map((s) => s.start)).toEqual(BATCHES.slice(0, 1));
  });

  it('exits 2 when the statement fails, and records nothing', async () => {
    const audit = join(tmp, `${engine}-e.jsonl`);
    const r = await backfill('daily_e', '--sql', `INSERT INTO ${db.table('daily_e')} SELECT * FROM ${db.table('raw')} WHERE no_such_column >= :start AND at < :end`, '--audit', audit);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/FAILED at 2024-01-01 00:00:00 \.\. 2024-01-04 00:00:00 \(error\): .*no_such_column/);
    expect(await rowCount(db, db.table('daily_e'))).toBe(0);
    const records = readAudit(audit);
    expect(records.map((a) => [a.status, a.window.start])).toEqual([['failed', BATCHES[0]]]);
    expect((await stateRows(db, db.table('bf_state'))).filter((s) => s.job === records[0]!.job)).toEqual([]);
  });

  it('keeps its checkpoints next to the target table by default', async () => {
    const r = await runCli(['backfill', db.url, db.table('daily_s'), '--column', 'at', '--from', '2024-01-01', '--to', '2024-01-03',
      '--sql', template('daily_s', '2099-01-01'), '--audit', join(tmp, `${engine}-s.jsonl`)]);
    expect(r.code).toBe(0);
    expect(await tableExists(db, 'reckon_backfill_state')).toBe(true);
    expect((await stateRows(db, db.table('reckon_backfill_state'))).map((s) => s.start)).toEqual(['2024-01-01 00:00:00', '2024-01-02 00:00:00']);
  });

  it('--dry-run prints the plan with estimated rows and writes nothing: no state table, no audit file, target unchanged', async () => {
    const audit = join(tmp, `${engine}-d.jsonl`);
    const r = await backfill('daily_d', '--sql', template('daily_d', '2099-01-01'), '--source', db.url, db.table('raw'), '--audit', audit, '--dry-run', '--state-table', db.table('bf_dry_state'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const source = await dayCounts(db, db.table('raw'));
    const sum = (ds: string[]) => ds.reduce((s, d) => s + source[d]!, 0).toLocaleString('en-US');
    expect(r.stdout).toMatch(/^plan for job .* \(dry run: nothing was written\)\n/);
    expect(r.stdout).toContain(`  to fill  2024-01-01 00:00:00 .. 2024-01-04 00:00:00  (3 days)  ~${sum(days(1, 3))} rows\n`);
    expect(r.stdout).toContain(`  to fill  2024-01-10 00:00:00 .. 2024-01-13 00:00:00  (3 days)  ~${sum(days(10, 12))} rows\n`);
    expect(r.stdout).toMatch(/4 batches to run, 0 already done; action: sql\n$/);
    expect(await tableExists(db, 'bf_dry_state')).toBe(false);
    expect(existsSync(audit)).toBe(false);
    expect(await rowCount(db, db.table('daily_d'))).toBe(0);

    const json = await backfill('daily_d', '--sql', template('daily_d', '2099-01-01'), '--audit', audit, '--dry-run', '--state-table', db.table('bf_dry_state'), '--format', 'json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, done: 0, rows: 0 });
    expect(await tableExists(db, 'bf_dry_state')).toBe(false);
    expect(existsSync(audit)).toBe(false);
  });
});
