import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { createTestDb, ENGINES, type TestDb } from './harness.ts';

describe.each(ENGINES)('backfill audit table on %s', (engine) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(engine);
    await db.exec('CREATE TABLE src (id int PRIMARY KEY, d date NOT NULL)');
    await db.exec('CREATE TABLE dst (id int PRIMARY KEY, d date NOT NULL)');
    // Three days of source rows; the third day has none, so its batch cannot verify.
    await db.exec("INSERT INTO src VALUES (1, '2024-01-01'), (2, '2024-01-02')");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('records done and failed batches in the table, the failure with its verification', async () => {
    const audit = join(mkdtempSync(join(tmpdir(), 'reckon-audit-')), 'audit.jsonl');
    const r = await runCli([
      'backfill', db.url, db.table('dst'), '--column', 'd', '--from', '2024-01-01', '--to', '2024-01-04',
      '--sql', `INSERT INTO ${db.table('dst')} SELECT id, d FROM ${db.table('src')} WHERE d >= :start AND d < :end`,
      '--audit', audit, '--audit-table', db.table('reckon_audit'), '--job', 'audit-test',
    ]);
    expect(r.code).toBe(1);
    const rows = await db.query(`SELECT batch_start, status, rows_written, verification FROM ${db.table('reckon_audit')} ORDER BY batch_start, status`);
    expect(rows.map((x) => [String(x[0]).slice(0, 10), x[1], Number(x[2])])).toEqual([
      ['2024-01-01', 'done', 1],
      ['2024-01-02', 'done', 1],
      ['2024-01-03', 'failed', 0],
    ]);
    expect(String(rows[2]![3])).toMatch(/^failed: periods still below 1 row/);
  });

  it('takes the report format from the config file unless a flag says otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reckon-bfcfg-'));
    const config = join(dir, 'backfill.yaml');
    writeFileSync(
      config,
      `backfill:\n  target: { url: "${db.url}", table: "${db.table('dst')}" }\n  column: d\n  from: 2024-01-01\n  to: 2024-01-03\n` +
        `  sql: "INSERT INTO ${db.table('dst')} SELECT id, d FROM ${db.table('src')} WHERE d >= :start AND d < :end"\n  dry_run: true\n  format: json\n`,
    );
    const asJson = await runCli(['backfill', '--config', config, '--audit', join(dir, 'a.jsonl')]);
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ dryRun: true });
    const asText = await runCli(['backfill', '--config', config, '--format', 'text', '--audit', join(dir, 'a.jsonl')]);
    expect(asText.stdout).toMatch(/^plan for job/);
  });
});
