/** The history table on both engines: created if missing, appended per run, read back in order. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendHistoryTable, historyReport, readHistory, recordsOf } from '../../src/checks/history.ts';
import type { CheckResult, RunResult, Status } from '../../src/checks/results.ts';
import { createTestDb, ENGINES, type TestDb } from './harness.ts';

function run(runId: string, startedAt: string, statuses: Record<string, Status>): RunResult {
  const checks: CheckResult[] = Object.entries(statuses).map(([name, status]) => ({
    name,
    kind: 'count',
    status,
    startedAt,
    durationMs: 12,
    rows: [
      { partition: '2024-01-01', measure: 'count', left: '5', right: '5', difference: '0', status: 'pass' },
      { partition: '2024-01-02', measure: 'count', left: '5', right: status === 'fail' ? '4' : '5', difference: status === 'fail' ? '1' : '0', status: status === 'fail' ? 'fail' : 'pass' },
    ],
  }));
  return { runId, startedAt, durationMs: 20, checks, status: 'pass' };
}

describe.each(ENGINES)('history table in %s', (engine) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(engine);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates the table, appends each run and reads the latest records oldest first', async () => {
    const table = db.table('hist');
    await appendHistoryTable(db.url, table, recordsOf(run('r1', '2024-05-01T06:00:00.123Z', { a: 'pass', b: 'pass' })));
    await appendHistoryTable(db.url, table, recordsOf(run('r2', '2024-05-02T06:00:00.456Z', { a: 'fail', b: 'pass' })));
    await appendHistoryTable(db.url, table, recordsOf(run('r3', '2024-05-03T06:00:00.789Z', { a: 'pass', b: 'error' })));

    const all = await readHistory({ url: db.url, table, limit: 50 });
    expect(all.map((r) => [r.run_id, r.check, r.status])).toEqual([
      ['r1', 'a', 'pass'],
      ['r1', 'b', 'pass'],
      ['r2', 'a', 'fail'],
      ['r2', 'b', 'pass'],
      ['r3', 'a', 'pass'],
      ['r3', 'b', 'error'],
    ]);
    expect(all[2]).toMatchObject({ time: '2024-05-02T06:00:00.456Z', partitions: 2, failed_partitions: ['2024-01-02'], duration_ms: 12 });

    // The stored time column is the UTC instant of the record.
    const stored = await db.query(
      engine === 'postgres'
        ? `SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM ${table} WHERE run_id = 'r2' AND check_name = 'a'`
        : `SELECT DATE_FORMAT(time, '%Y-%m-%d %H:%i:%s.%f') FROM ${table} WHERE run_id = 'r2' AND check_name = 'a'`,
    );
    expect(String(stored[0]![0]).slice(0, 23)).toBe('2024-05-02 06:00:00.456');

    const latest = await readHistory({ url: db.url, table, limit: 2 });
    expect(latest.map((r) => r.run_id)).toEqual(['r3', 'r3']);

    const report = historyReport(all);
    const lines = report.trimEnd().split('\n');
    expect(lines.filter((l) => /changed/.test(l))).toEqual([
      expect.stringMatching(/^2024-05-02 06:00:00\s+a\s+FAIL\s+1\s+12 ms\s+changed \(was pass\)$/),
      expect.stringMatching(/^2024-05-03 06:00:00\s+a\s+PASS\s+0\s+12 ms\s+changed \(was fail\)$/),
      expect.stringMatching(/^2024-05-03 06:00:00\s+b\s+ERROR\s+0\s+12 ms\s+changed \(was pass\)$/),
    ]);
  });
});

describe('historyReport', () => {
  it('says so when there is no history', () => {
    expect(historyReport([])).toBe('no history recorded yet\n');
  });
});
