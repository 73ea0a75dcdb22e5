/**
 * Checkpoints and the audit log of a backfill. The checkpoint of a `sql` or `copy` batch is
 * written to a state table in the target inside the batch's own transaction, so a batch and its
 * checkpoint commit together: a crash can never leave a written batch unrecorded (redone on resume)
 * or a recorded batch unwritten (skipped). A `command` batch commits on its own, so its checkpoint
 * follows its verification.
 */
import { appendFile } from 'node:fs/promises';
import { qualifiedTable, parseTableName, type Engine } from '../sources/dialect.ts';
import type { TargetTx } from '../targets/target.ts';
import type { BatchWindow } from './batches.ts';

export const DEFAULT_STATE_TABLE = 'reckon_backfill_state';

function table(engine: Engine, name: string): string {
  const ref = parseTableName(name);
  if (!ref) throw new Error(`not a table name: ${name}`);
  return qualifiedTable(engine, ref);
}

export function stateDdl(engine: Engine, name: string): string {
  const t = table(engine, name);
  return engine === 'postgres'
    ? `CREATE TABLE IF NOT EXISTS ${t} (job text NOT NULL, batch_start text NOT NULL, batch_end text NOT NULL, rows_written bigint NOT NULL, finished_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (job, batch_start))`
    : `CREATE TABLE IF NOT EXISTS ${t} (job varchar(255) NOT NULL, batch_start varchar(32) NOT NULL, batch_end varchar(32) NOT NULL, rows_written bigint NOT NULL, finished_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (job, batch_start))`;
}

function ph(engine: Engine, n: number): string {
  return engine === 'postgres' ? `$${n}` : '?';
}

/** Batch starts already done for this job. */
export async function completedBatches(tx: TargetTx, engine: Engine, name: string, job: string): Promise<Map<string, string>> {
  const rows = await tx.query(`SELECT batch_start, batch_end FROM ${table(engine, name)} WHERE job = ${ph(engine, 1)}`, [job]);
  return new Map(rows.map((r) => [String(r[0]), String(r[1])]));
}

export async function recordBatch(tx: TargetTx, engine: Engine, name: string, job: string, w: BatchWindow, rows: number): Promise<void> {
  await tx.exec(
    `INSERT INTO ${table(engine, name)} (job, batch_start, batch_end, rows_written) VALUES (${ph(engine, 1)}, ${ph(engine, 2)}, ${ph(engine, 3)}, ${ph(engine, 4)})`,
    [job, w.start, w.end, rows],
  );
}

/** One line of the audit log. */
export interface AuditRecord {
  time: string;
  job: string;
  window: { start: string; end: string };
  action: string;
  status: 'done' | 'failed' | 'skipped';
  rows_written: number;
  duration_ms: number;
  attempt: number;
  verification?: { ok: boolean; detail: string };
  error?: string;
}

export async function appendAudit(file: string, record: AuditRecord): Promise<void> {
  await appendFile(file, JSON.stringify(record) + '\n');
}

export function auditDdl(engine: Engine, name: string): string {
  const t = table(engine, name);
  return engine === 'postgres'
    ? `CREATE TABLE IF NOT EXISTS ${t} (time timestamptz NOT NULL, job text NOT NULL, batch_start text NOT NULL, batch_end text NOT NULL, status text NOT NULL, attempt integer NOT NULL, rows_written bigint NOT NULL, duration_ms integer NOT NULL, verification text, error text)`
    : `CREATE TABLE IF NOT EXISTS ${t} (time datetime(6) NOT NULL, job varchar(255) NOT NULL, batch_start varchar(32) NOT NULL, batch_end varchar(32) NOT NULL, status varchar(8) NOT NULL, attempt int NOT NULL, rows_written bigint NOT NULL, duration_ms int NOT NULL, verification text, error text)`;
}

/** One audit record as a row of the audit table (written outside the batch's transaction, so failures stay). */
export async function insertAudit(tx: TargetTx, engine: Engine, name: string, r: AuditRecord): Promise<void> {
  const values = [
    r.time.replace('T', ' ').replace('Z', ''),
    r.job,
    r.window.start,
    r.window.end,
    r.status,
    r.attempt,
    r.rows_written,
    r.duration_ms,
    r.verification ? `${r.verification.ok ? 'ok' : 'failed'}: ${r.verification.detail}` : null,
    r.error ?? null,
  ];
  const marks = values.map((_, i) => ph(engine, i + 1)).join(', ');
  await tx.exec(
    `INSERT INTO ${table(engine, name)} (time, job, batch_start, batch_end, status, attempt, rows_written, duration_ms, verification, error) VALUES (${marks})`,
    values,
  );
}
