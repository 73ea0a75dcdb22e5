/**
 * `reckon backfill --copy` across engines, through the real CLI: after the copy the target's
 * per-day counts (read with each engine's own SQL) and a row diff by the diff engine both match
 * the source, for a table of varied types; rows outside the range stay where they are; a stale
 * row is overwritten; concurrency changes nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { collectDiff } from './collect.ts';
import { createTestDb, type EngineName, type TestDb } from './harness.ts';
import { ITEMS_DDL, createItems, dayCounts, itemRows, readAudit, rowCount, stateRows } from './backfill-data.ts';

const tmp = mkdtempSync(join(tmpdir(), 'reckon-backfill-copy-'));
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-11'];
const IN_RANGE = "at >= '2024-01-01' AND at < '2024-01-11'";
/** Varied per-day counts, and one day with no rows at all. */
const perDay = (day: number) => (day === 4 ? 0 : 40 + ((day * 7) % 23));

describe.each([
  ['postgres', 'mariadb'],
  ['mariadb', 'postgres'],
] as [EngineName, EngineName][])('copy %s → %s', (sourceEngine, targetEngine) => {
  let source: TestDb;
  let target: TestDb;
  const rows = itemRows(1, 10, perDay);

  beforeAll(async () => {
    [source, target] = await Promise.all([createTestDb(sourceEngine), createTestDb(targetEngine)]);
    await createItems(source, 'items', rows);
    // The target holds a stale copy of one in-range row (to be overwritten) and one row outside
    // the range (to be left alone).
    const stale = rows[5]!.map((v, i) => (i === 3 ? 'stale' : v));
    const outside = [1n, '1.5', '2023-06-01 00:00:00.000001', 'outside', 1, 1];
    await createItems(target, 'items', [stale, outside]);
    await createItems(target, 'items_c2', []);
    // One label too long for the target, in the second chunk (of 1,000) of the first day.
    await createItems(source, 'narrow', itemRows(1, 2, () => 2500).map((r, i) => r.map((v, j) => (j === 3 ? (i === 1500 ? 'far too long for ten' : 'short') : v))));
    await target.exec(`CREATE TABLE narrow (${ITEMS_DDL[targetEngine].replace(/label (text|varchar\(200\))/, 'label varchar(10)')})`);
  });
  afterAll(async () => {
    await Promise.all([source?.drop(), target?.drop()]);
  });

  const copy = (table: string, ...extra: string[]) =>
    runCli([
      'backfill', target.url, target.table(table), '--copy', '--source', source.url, source.table('items'),
      '--column', 'at', ...RANGE, '--batch', '3', '--state-table', target.table('bf_state'), ...extra,
    ]);

  it('copies the range: per-day counts and a row diff match the source', async () => {
    const audit = join(tmp, `${sourceEngine}-${targetEngine}.jsonl`);
    const r = await copy('items', '--audit', audit, '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.batches.map((b: { start: string; end: string }) => `${b.start}..${b.end}`)).toEqual([
      '2024-01-01 00:00:00..2024-01-04 00:00:00',
      '2024-01-04 00:00:00..2024-01-07 00:00:00',
      '2024-01-07 00:00:00..2024-01-10 00:00:00',
      '2024-01-10 00:00:00..2024-01-11 00:00:00',
    ]);
    const inRange = rows.length - 2;
    expect(result).toMatchObject({ done: 4, skipped: 0, rows: inRange });
    expect(result.failure).toBeUndefined();

    const want = await dayCounts(source, source.table('items'), 'at', IN_RANGE);
    expect(Object.keys(want)).toHaveLength(9);
    expect(await dayCounts(target, target.table('items'), 'at', IN_RANGE)).toEqual(want);

    const { events, summary } = await collectDiff({
      left: { url: source.url, table: source.table('items') },
      right: { url: target.url, table: target.table('items') },
      where: IN_RANGE,
    });
    expect(events).toEqual([]);
    expect(summary).toMatchObject({ left_rows: inRange, right_rows: inRange, identical: true });

    // The rows just outside [from, to) were not copied; the target's own outside row is untouched.
    const whole = await collectDiff({
      left: { url: source.url, table: source.table('items') },
      right: { url: target.url, table: target.table('items') },
    });
    expect(whole.events.map((e) => `${e.type} ${'row' in e ? e.row.at : ''}`)).toEqual([
      'right_only 2023-06-01 00:00:00.000001',
      'left_only 2023-12-31 23:59:59.999999',
      'left_only 2024-01-11 00:00:00.000000',
    ]);

    const state = await stateRows(target, target.table('bf_state'));
    expect(state.map((s) => [s.start, s.rows])).toEqual([
      ['2024-01-01 00:00:00', want['2024-01-01']! + want['2024-01-02']! + want['2024-01-03']!],
      ['2024-01-04 00:00:00', want['2024-01-05']! + want['2024-01-06']!],
      ['2024-01-07 00:00:00', want['2024-01-07']! + want['2024-01-08']! + want['2024-01-09']!],
      ['2024-01-10 00:00:00', want['2024-01-10']!],
    ]);
    const records = readAudit(audit);
    expect(records.map((x) => [x.status, x.window.start, x.verification?.ok])).toEqual(state.map((s) => ['done', s.start, true]));
  });

  it('exits 2 and rolls the whole batch back when a write fails mid-batch, starting nothing after it', async () => {
    const audit = join(tmp, `narrow-${sourceEngine}-${targetEngine}.jsonl`);
    const r = await runCli([
      'backfill', target.url, target.table('narrow'), '--copy', '--source', source.url, source.table('narrow'),
      '--column', 'at', '--from', '2024-01-01', '--to', '2024-01-03', '--state-table', target.table('bf_state'), '--audit', audit,
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/FAILED at 2024-01-01 00:00:00 \.\. 2024-01-02 00:00:00 \(error\): .*(too long|Data too long)/i);
    expect(r.stderr).not.toMatch(/unhandled|unexpected/i);
    // The first chunk of the batch was written before the failing one: it is gone with the batch.
    expect(await rowCount(target, target.table('narrow'))).toBe(0);
    expect(readAudit(audit).map((a) => [a.status, a.window.start])).toEqual([['failed', '2024-01-01 00:00:00']]);
    expect((await stateRows(target, target.table('bf_state'))).filter((s) => s.job === readAudit(audit)[0]!.job)).toEqual([]);
  });

  it('fills the same with --concurrency 2 as sequentially', async () => {
    const r = await copy('items_c2', '--concurrency', '2', '--audit', join(tmp, `c2-${sourceEngine}-${targetEngine}.jsonl`));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/4 batches filled and verified/);
    const { events } = await collectDiff({
      left: { url: source.url, table: source.table('items') },
      right: { url: target.url, table: target.table('items_c2') },
      where: IN_RANGE,
    });
    expect(events).toEqual([]);
    const seq = await collectDiff({
      left: { url: target.url, table: target.table('items') },
      right: { url: target.url, table: target.table('items_c2') },
      where: IN_RANGE,
    });
    expect(seq.summary).toMatchObject({ identical: true, left_rows: rows.length - 2 });
    const state = await stateRows(target, target.table('bf_state'));
    const jobs = new Map<string, string[]>();
    for (const s of state) jobs.set(s.job, [...(jobs.get(s.job) ?? []), s.start]);
    // Two jobs (sequential and concurrent), each with every batch exactly once.
    expect([...jobs.values()]).toEqual([
      ['2024-01-01 00:00:00', '2024-01-04 00:00:00', '2024-01-07 00:00:00', '2024-01-10 00:00:00'],
      ['2024-01-01 00:00:00', '2024-01-04 00:00:00', '2024-01-07 00:00:00', '2024-01-10 00:00:00'],
    ]);
  });
});
