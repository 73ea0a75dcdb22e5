/**
 * What a batch does to fill its window: run a SQL template in the target's transaction, run a
 * shell command, or copy the window's rows from a source table with an upsert.
 */
import { spawn } from 'node:child_process';
import { ReckonError } from '../errors.ts';
import { normalizerFor } from '../normalize/values.ts';
import { windowFilterText } from '../sources/aggregate-dialect.ts';
import type { Source } from '../sources/source.ts';
import type { TargetTx, WriteColumn } from '../targets/target.ts';
import type { TableInfo } from '../types.ts';
import type { BatchWindow } from './batches.ts';

export type Action = { kind: 'sql'; sql: string } | { kind: 'command'; command: string } | { kind: 'copy' };

export function describeAction(a: Action): string {
  return a.kind === 'sql' ? `sql: ${a.sql}` : a.kind === 'command' ? `command: ${a.command}` : 'copy';
}

/**
 * Binds `:start` and `:end` in a SQL template as parameters (never pasted into the text), in the
 * placeholder style of the engine.
 */
export function bindWindow(engine: 'postgres' | 'mysql', template: string, w: BatchWindow): { text: string; values: string[] } {
  const values: string[] = [];
  const text = template.replace(/(?<!:):(start|end)\b/g, (_, name: 'start' | 'end') => {
    values.push(name === 'start' ? w.start : w.end);
    return engine === 'postgres' ? `$${values.length}` : '?';
  });
  if (values.length === 0) throw new ReckonError('CONFIG', 'the sql template must use :start and/or :end to select its window');
  return { text, values };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs a command template with {start} and {end} filled in; a non-zero exit fails the batch. */
export function runCommand(template: string, w: BatchWindow, timeoutMs: number): Promise<void> {
  const command = template.replace(/\{start\}/g, shellQuote(w.start)).replace(/\{end\}/g, shellQuote(w.end));
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      // The command's stdout goes to our stderr: reckon's stdout carries the report (JSON with
      // --format json), which a chatty command (psql's "INSERT 0 24") would corrupt.
      stdio: ['ignore', 2, 'pipe'],
      env: { ...process.env, RECKON_START: w.start, RECKON_END: w.end },
      timeout: timeoutMs > 0 ? timeoutMs : undefined,
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
      process.stderr.write(d);
    });
    child.on('error', (err) => reject(new ReckonError('CONFIG', `cannot run the command: ${err.message}`, { cause: err })));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new ReckonError('QUERY', `the command exited with ${signal ? `signal ${signal}` : `code ${code}`}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    });
  });
}

/** Shares a rows-per-second budget between concurrent batches. */
export class RateLimiter {
  private next = 0;
  constructor(private readonly rowsPerSecond: number | undefined) {}

  async take(rows: number): Promise<void> {
    if (!this.rowsPerSecond) return;
    const now = Date.now();
    const start = Math.max(now, this.next);
    this.next = start + (rows / this.rowsPerSecond) * 1000;
    if (start > now) await new Promise((r) => setTimeout(r, start - now));
  }
}

export interface CopyPlan {
  source: Source;
  sourceInfo: TableInfo;
  sourceWhere?: string;
  targetInfo: TableInfo;
  column: string;
  /** Target columns written, with the source column each comes from. */
  columns: { target: WriteColumn; sourceName: string; sourceType: WriteColumn['type'] }[];
  key: string[];
  chunkSize: number;
}

/** Matches target columns to source columns by name; the key must exist on both. */
export function planCopy(source: Source, sourceInfo: TableInfo, targetInfo: TableInfo, column: string, sourceWhere: string | undefined, chunkSize: number): CopyPlan {
  if (targetInfo.primaryKey.length === 0) {
    throw new ReckonError('SCHEMA', `target table ${targetInfo.table.name} has no primary key: copy upserts by key, so it needs one`);
  }
  const columns: CopyPlan['columns'] = [];
  for (const t of targetInfo.columns) {
    const s = sourceInfo.columns.find((c) => c.name === t.name) ?? sourceInfo.columns.find((c) => c.name.toLowerCase() === t.name.toLowerCase());
    if (s) columns.push({ target: { name: t.name, type: t.logicalType }, sourceName: s.name, sourceType: s.logicalType });
  }
  for (const k of targetInfo.primaryKey) {
    if (!columns.some((c) => c.target.name === k)) {
      throw new ReckonError('SCHEMA', `key column ${k} of the target does not exist in the source table ${sourceInfo.table.name}`);
    }
  }
  if (!columns.some((c) => c.target.name.toLowerCase() === column.toLowerCase())) {
    throw new ReckonError('SCHEMA', `column ${column} must exist in both the source and the target`);
  }
  return { source, sourceInfo, sourceWhere, targetInfo, column, columns, key: targetInfo.primaryKey, chunkSize };
}

/** Streams the window's rows from the source into the target transaction; returns rows written. */
export async function copyWindow(plan: CopyPlan, tx: TargetTx, w: BatchWindow, limiter: RateLimiter): Promise<number> {
  const sourceColumn = plan.columns.find((c) => c.target.name.toLowerCase() === plan.column.toLowerCase())!.sourceName;
  const filter = [plan.sourceWhere, windowFilterText(plan.source.engine, sourceColumn, { from: w.start, to: w.end })].filter(Boolean).map((x) => `(${x})`).join(' AND ');
  const keyCols = plan.key.map((k) => plan.columns.find((c) => c.target.name === k)!);
  const rest = plan.columns.filter((c) => !plan.key.includes(c.target.name));
  const ordered = [...keyCols, ...rest];
  const normalizers = ordered.map((c) => normalizerFor(c.sourceType));
  const sourceKeys = keyCols.map((c) => plan.sourceInfo.columns.find((s) => s.name === c.sourceName)!);
  const columns = ordered.map((c) => c.target);
  let written = 0;
  // One upsert stays in flight while the next chunk is read and converted, so the target
  // inserting and reckon preparing overlap instead of taking turns; statements still run one at
  // a time, in order, on the batch's transaction, and at most one converted chunk waits.
  let inFlight: Promise<number> = Promise.resolve(0);
  try {
    for await (const chunk of plan.source.scan({
      table: plan.sourceInfo.table,
      keyColumns: sourceKeys.map((c) => ({ name: c.name, type: c.logicalType, collation: c.collation })),
      columns: rest.map((c) => ({ name: c.sourceName, type: c.sourceType })),
      where: filter,
      range: {},
      chunkSize: plan.chunkSize,
    })) {
      const rows = chunk.map((raw) => raw.map((v, i) => normalizers[i]!(v as string | null)));
      await limiter.take(rows.length);
      written += await inFlight;
      inFlight = tx.upsert(plan.targetInfo.table, columns, plan.key, rows);
      // Its failure is taken by the next await; this keeps it from counting as unhandled while
      // the loop waits on the source.
      inFlight.catch(() => {});
    }
    written += await inFlight;
  } catch (err) {
    // The connection must be idle before the transaction rolls back.
    await inFlight.catch(() => {});
    throw err;
  }
  return written;
}
