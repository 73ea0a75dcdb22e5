/**
 * The backfill loop: find the windows to fill (an explicit range, or the gaps in it), skip those
 * a previous run already finished, fill each in a transaction, verify it, checkpoint it with the
 * same commit, log it, and stop at the first batch that fails.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { ReckonError, isConnectionLost } from '../errors.ts';
import { buildCalendarCountQuery, type Grain } from '../sources/aggregate-dialect.ts';
import { openSource } from '../sources/connect.ts';
import { parseTableName } from '../sources/dialect.ts';
import type { Source } from '../sources/source.ts';
import { openTarget } from '../targets/connect-target.ts';
import type { Target, TargetTx } from '../targets/target.ts';
import type { TableInfo } from '../types.ts';
import { EXACT, withinTolerance, type Tolerance } from '../checks/tolerance.ts';
import { fromInt } from '../checks/exact.ts';
import { bindWindow, copyWindow, describeAction, planCopy, RateLimiter, runCommand, type Action, type CopyPlan } from './actions.ts';
import { cutWindows, windowsForRuns, type BatchWindow } from './batches.ts';
import { findGaps, periodsBetween } from './gaps.ts';
import { appendAudit, auditDdl, completedBatches, insertAudit, DEFAULT_STATE_TABLE, recordBatch, stateDdl, type AuditRecord } from './state.ts';
import { sqlTimestamp } from '../checks/window.ts';

export interface BackfillOptions {
  target: { url: string; table: string; where?: string };
  /** The source of truth: rows to copy, and the counts to verify against. */
  source?: { url: string; table: string; where?: string };
  column: string;
  grain: Grain;
  from: string;
  to: string;
  /** Fill only the periods found missing (or short against the source), not the whole range. */
  onlyGaps?: boolean;
  /** Periods per batch. */
  batch: number;
  action: Action;
  tolerance?: Tolerance;
  /** Without a source, each period must end with at least this many rows (default 1). */
  minRows?: number;
  concurrency?: number;
  pauseMs?: number;
  maxRowsPerSecond?: number;
  statementTimeoutMs?: number;
  retries?: number;
  job?: string;
  stateTable?: string;
  auditFile?: string;
  /** Also record every batch in this table of the target (created if missing). */
  auditTable?: string;
  dryRun?: boolean;
  chunkSize?: number;
  onProgress?: (p: BackfillProgress) => void;
  onBatch?: (r: AuditRecord) => void;
}

export interface BackfillProgress {
  done: number;
  total: number;
  rows: number;
  elapsedMs: number;
}

export interface PlannedBatch extends BatchWindow {
  alreadyDone: boolean;
  estimatedRows: number | null;
}

export interface BackfillResult {
  job: string;
  dryRun: boolean;
  batches: PlannedBatch[];
  done: number;
  skipped: number;
  rows: number;
  /** Set when a batch failed; later batches were not started. */
  failure?: { window: BatchWindow; kind: 'verification' | 'error'; message: string };
}

/** A stable name for this backfill, so rerunning the same command finds its checkpoints. */
export function jobName(o: BackfillOptions): string {
  if (o.job) return o.job;
  const h = createHash('sha256')
    .update(JSON.stringify([o.target.table, o.column, o.grain, o.batch, o.action, o.source?.table ?? null, o.from, o.to, !!o.onlyGaps]))
    .digest('hex')
    .slice(0, 12);
  return `${o.target.table}:${o.column}:${h}`;
}

function isTransient(err: unknown): boolean {
  if (isConnectionLost(err)) return true;
  const code = (err as { sqlState?: string }).sqlState;
  return code === '40001' || code === '40P01' || code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ctx {
  o: BackfillOptions;
  job: string;
  target: Target;
  targetRead: Source;
  targetInfo: TableInfo;
  source?: Source;
  copy?: CopyPlan;
  stateTable: string;
  limiter: RateLimiter;
}

/** Per-period counts of a window, as [label, count] rows; `tx` reads the batch's own writes. */
async function windowCounts(reader: { engine: 'postgres' | 'mysql'; query: (sql: string, values: string[]) => Promise<unknown[][]> }, info: TableInfo, column: string, grain: Grain, w: BatchWindow, where?: string): Promise<Map<string, number>> {
  const q = buildCalendarCountQuery(reader.engine, info.table, column, grain, w.start, w.periods, where);
  const rows = await reader.query(q.text, q.values);
  return new Map(rows.map((r) => [String(r[0]), Number(r[1])]));
}

async function verify(ctx: Ctx, tx: TargetTx, w: BatchWindow): Promise<{ ok: boolean; detail: string }> {
  const { o } = ctx;
  // Both sides are counted at once: on an unindexed column each count scans its table.
  const [target, source] = await Promise.all([
    windowCounts({ engine: ctx.target.engine, query: (s, v) => tx.query(s, v) }, ctx.targetInfo, o.column, o.grain, w, o.target.where),
    ctx.source
      ? (async () => {
          const sourceInfo = ctx.copy?.sourceInfo ?? (await ctx.source!.describe(parseTableName(o.source!.table)!));
          return windowCounts({ engine: ctx.source!.engine, query: (s, v) => ctx.source!.query({ text: s, values: v }) }, sourceInfo, o.column, o.grain, w, o.source?.where);
        })()
      : undefined,
  ]);
  if (source) {
    const bad: string[] = [];
    for (const [period, n] of source) {
      const t = target.get(period) ?? 0;
      if (!withinTolerance(fromInt(n), fromInt(t), o.tolerance ?? EXACT)) bad.push(`${period}: target ${t}, source ${n}`);
    }
    return bad.length ? { ok: false, detail: `counts differ from the source: ${bad.join('; ')}` } : { ok: true, detail: `counts match the source in ${source.size} periods` };
  }
  const min = o.minRows ?? 1;
  const thin = [...target].filter(([, n]) => n < min).map(([p, n]) => `${p}: ${n} rows`);
  return thin.length ? { ok: false, detail: `periods still below ${min} row(s): ${thin.join('; ')}` } : { ok: true, detail: `no gaps in ${target.size} periods` };
}

class VerificationFailed extends Error {}

async function runBatch(ctx: Ctx, w: BatchWindow): Promise<{ rows: number; verification: { ok: boolean; detail: string } }> {
  const { o } = ctx;
  if (o.action.kind === 'command') {
    await runCommand(o.action.command, w, o.statementTimeoutMs ?? 0);
    return ctx.target.transaction(async (tx) => {
      const v = await verify(ctx, tx, w);
      if (!v.ok) throw Object.assign(new VerificationFailed(v.detail), { verification: v });
      await recordBatch(tx, ctx.target.engine, ctx.stateTable, ctx.job, w, 0);
      return { rows: 0, verification: v };
    });
  }
  return ctx.target.transaction(async (tx) => {
    let rows: number;
    if (o.action.kind === 'sql') {
      const q = bindWindow(ctx.target.engine, o.action.sql, w);
      rows = await tx.exec(q.text, q.values);
    } else {
      rows = await copyWindow(ctx.copy!, tx, w, ctx.limiter);
    }
    const v = await verify(ctx, tx, w);
    // Throwing rolls the batch back: a window is either filled and verified, or untouched.
    if (!v.ok) throw Object.assign(new VerificationFailed(v.detail), { verification: v });
    await recordBatch(tx, ctx.target.engine, ctx.stateTable, ctx.job, w, rows);
    return { rows, verification: v };
  });
}

export async function runBackfill(o: BackfillOptions): Promise<BackfillResult> {
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new ReckonError('CONFIG', '--batch must be a positive whole number of periods');
  if (o.action.kind === 'copy' && !o.source) throw new ReckonError('CONFIG', 'a copy backfill needs a source: --source <url> <table>');
  // A template without :start/:end must fail before anything is created, not as a batch failure.
  if (o.action.kind === 'sql') bindWindow('postgres', o.action.sql, { start: '', end: '', periods: 1 });
  const job = jobName(o);
  const concurrency = o.concurrency ?? 1;
  const targetRef = parseTableName(o.target.table);
  if (!targetRef) throw new ReckonError('CONFIG', `not a table name: ${o.target.table}`);
  // By default the checkpoints live next to the table they describe: a role allowed to write
  // analytics.t often may not create tables in public (PostgreSQL 15 revokes that by default).
  const stateTable = o.stateTable ?? (targetRef.schema ? `"${targetRef.schema.replace(/"/g, '""')}".${DEFAULT_STATE_TABLE}` : DEFAULT_STATE_TABLE);
  const targetRead = openSource(o.target.url, { maxConnections: 2 });
  const source = o.source ? openSource(o.source.url, { maxConnections: concurrency + 1, statementTimeoutMs: o.statementTimeoutMs }) : undefined;
  const target = openTarget(o.target.url, { maxConnections: concurrency + 1, statementTimeoutMs: o.statementTimeoutMs });
  try {
    const targetInfo = await targetRead.describe(targetRef);
    if (!targetInfo.columns.some((c) => c.name === o.column)) throw new ReckonError('SCHEMA', `column ${o.column} does not exist in the target table ${o.target.table}`);
    let copy: CopyPlan | undefined;
    if (o.action.kind === 'copy') {
      const sourceRef = parseTableName(o.source!.table);
      if (!sourceRef) throw new ReckonError('CONFIG', `not a table name: ${o.source!.table}`);
      copy = planCopy(source!, await source!.describe(sourceRef), targetInfo, o.column, o.source!.where, o.chunkSize ?? 1000);
    }

    // The windows: the whole range, or only the runs of periods found missing or short.
    let windows: BatchWindow[];
    if (o.onlyGaps) {
      const gaps = await findGaps({
        source: targetRead,
        table: o.target.table,
        where: o.target.where,
        column: o.column,
        grain: o.grain,
        from: o.from,
        to: o.to,
        minRows: o.minRows,
        against: source && o.source ? { source, table: o.source.table, where: o.source.where } : undefined,
      });
      windows = windowsForRuns(gaps.runs, o.grain, o.batch);
    } else {
      const { starts, end } = periodsBetween(o.from, o.to, o.grain);
      windows = cutWindows(sqlTimestamp(starts[0]!), sqlTimestamp(end), o.grain, o.batch);
    }

    // Checkpoints: read without creating anything on a dry run.
    let done = new Map<string, string>();
    if (!o.dryRun) {
      await target.transaction(async (tx) => {
        await tx.exec(stateDdl(target.engine, stateTable));
        if (o.auditTable) await tx.exec(auditDdl(target.engine, o.auditTable));
      });
    }
    done = await target
      .transaction((tx) => completedBatches(tx, target.engine, stateTable, job))
      .catch((err) => {
        if (o.dryRun) return new Map<string, string>();
        throw err;
      });

    const batches: PlannedBatch[] = windows.map((w) => ({ ...w, alreadyDone: done.get(w.start) === w.end, estimatedRows: null }));
    if (o.dryRun) {
      if (source && o.source) {
        const sourceInfo = copy?.sourceInfo ?? (await source.describe(parseTableName(o.source.table)!));
        for (const b of batches) {
          const counts = await windowCounts({ engine: source.engine, query: (s, v) => source.query({ text: s, values: v }) }, sourceInfo, o.column, o.grain, b, o.source.where);
          b.estimatedRows = [...counts.values()].reduce((a, n) => a + n, 0);
        }
      }
      return { job, dryRun: true, batches, done: 0, skipped: batches.filter((b) => b.alreadyDone).length, rows: 0 };
    }

    const ctx: Ctx = { o, job, target, targetRead, targetInfo, source, copy, stateTable, limiter: new RateLimiter(o.maxRowsPerSecond) };
    const result: BackfillResult = { job, dryRun: false, batches, done: 0, skipped: 0, rows: 0 };
    const t0 = Date.now();
    const todo = batches.filter((b) => !b.alreadyDone);
    result.skipped = batches.length - todo.length;
    const limit = pLimit(concurrency);
    let stopped = false;
    let started = 0;
    await Promise.all(
      todo.map((w) =>
        limit(async () => {
          if (stopped) return;
          if (o.pauseMs && started++ > 0) await sleep(o.pauseMs);
          if (stopped) return;
          const retries = o.retries ?? 3;
          for (let attempt = 1; ; attempt++) {
            const b0 = Date.now();
            const base = { time: new Date().toISOString(), job, window: { start: w.start, end: w.end }, action: describeAction(o.action), attempt };
            try {
              const r = await runBatch(ctx, w);
              result.done++;
              result.rows += r.rows;
              const rec: AuditRecord = { ...base, status: 'done', rows_written: r.rows, duration_ms: Date.now() - b0, verification: r.verification };
              await logAudit(o, target, rec);
              o.onProgress?.({ done: result.done, total: todo.length, rows: result.rows, elapsedMs: Date.now() - t0 });
              return;
            } catch (err) {
              const verification = (err as { verification?: { ok: boolean; detail: string } }).verification;
              const message = err instanceof Error ? err.message : String(err);
              const retry = !verification && isTransient(err) && attempt <= retries && !stopped;
              const rec: AuditRecord = { ...base, status: 'failed', rows_written: 0, duration_ms: Date.now() - b0, verification, error: message };
              await logAudit(o, target, rec);
              if (retry) {
                await sleep(Math.min(30_000, 500 * 2 ** (attempt - 1)));
                continue;
              }
              stopped = true;
              result.failure ??= { window: w, kind: verification ? 'verification' : 'error', message };
              return;
            }
          }
        }),
      ),
    );
    return result;
  } finally {
    await Promise.all([targetRead.close(), source?.close(), target.close()]);
  }
}

async function logAudit(o: BackfillOptions, target: Target, rec: AuditRecord): Promise<void> {
  o.onBatch?.(rec);
  if (o.auditFile) await appendAudit(o.auditFile, rec);
  if (o.auditTable) await target.transaction((tx) => insertAudit(tx, target.engine, o.auditTable!, rec));
}
