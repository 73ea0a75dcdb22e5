/**
 * The audit trail: one record per check per run, appended to a JSONL file and/or a table in a
 * database (created if missing). `reckon check --history` reads it back and flags checks whose
 * status changed since their previous run.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { ReckonError, redactUrl, scrubSecrets } from '../errors.ts';
import { openTarget } from '../targets/connect-target.ts';
import { qualifiedTable, parseTableName, type Engine } from '../sources/dialect.ts';
import type { RunResult, Status } from './results.ts';

export interface HistoryRecord {
  run_id: string;
  time: string;
  check: string;
  kind: string;
  status: Status;
  duration_ms: number;
  partitions: number;
  failed_partitions: string[];
  /** The failing rows (or every row when few), with their values. */
  values: unknown[];
  error?: string;
}

export function recordsOf(run: RunResult): HistoryRecord[] {
  return run.checks.map((c) => {
    const failing = c.rows.filter((r) => r.status === 'fail');
    return {
      run_id: run.runId,
      time: c.startedAt,
      check: c.name,
      kind: c.kind,
      status: c.status,
      duration_ms: c.durationMs,
      partitions: new Set(c.rows.map((r) => r.partition)).size,
      failed_partitions: [...new Set(failing.map((r) => r.partition ?? ''))],
      values: (failing.length > 0 ? failing : c.rows).slice(0, 50),
      ...(c.error ? { error: c.error } : {}),
    };
  });
}

export async function appendHistoryFile(file: string, records: readonly HistoryRecord[]): Promise<void> {
  await appendFile(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
}

function engineOf(url: string): Engine {
  return /^(postgres|postgresql):/.test(url) ? 'postgres' : 'mysql';
}

/** Runs fn with a short-lived writable connection to the history database. */
async function withConnection<T>(url: string, fn: (exec: (sql: string, values?: unknown[]) => Promise<unknown[][]>) => Promise<T>): Promise<T> {
  // The history is the one thing reckon check writes: through a Target, like backfill, so no
  // driver is used here directly.
  const target = openTarget(url, { maxConnections: 1 });
  try {
    return await target.transaction((tx) => fn((sql, values) => tx.query(sql, values)));
  } catch (err) {
    if (err instanceof ReckonError) throw err;
    throw new ReckonError('CONNECTION', `history database ${redactUrl(url)}: ${scrubSecrets((err as Error).message, [url])}`, { cause: err });
  } finally {
    await target.close();
  }
}

function ddl(engine: Engine, table: string): string {
  const ref = parseTableName(table);
  if (!ref) throw new ReckonError('CONFIG', `history.table: not a table name: ${table}`);
  const t = qualifiedTable(engine, ref);
  return engine === 'postgres'
    ? `CREATE TABLE IF NOT EXISTS ${t} (run_id text NOT NULL, time timestamptz NOT NULL, check_name text NOT NULL, kind text NOT NULL, status text NOT NULL, duration_ms integer NOT NULL, record jsonb NOT NULL, PRIMARY KEY (run_id, check_name))`
    : `CREATE TABLE IF NOT EXISTS ${t} (run_id varchar(36) NOT NULL, time datetime(6) NOT NULL, check_name varchar(255) NOT NULL, kind varchar(16) NOT NULL, status varchar(8) NOT NULL, duration_ms int NOT NULL, record longtext NOT NULL, PRIMARY KEY (run_id, check_name))`;
}

export async function appendHistoryTable(url: string, table: string, records: readonly HistoryRecord[]): Promise<void> {
  const engine = engineOf(url);
  const t = qualifiedTable(engine, parseTableName(table)!);
  await withConnection(url, async (exec) => {
    await exec(ddl(engine, table));
    for (const r of records) {
      // PostgreSQL reads a timestamptz without a zone in the session's TimeZone, which need not be
      // UTC: keep the Z. MySQL DATETIME holds no zone and rejects one: store the UTC wall time.
      const time = engine === 'postgres' ? r.time : r.time.replace('T', ' ').replace('Z', '');
      const values = [r.run_id, time, r.check, r.kind, r.status, r.duration_ms, JSON.stringify(r)];
      const ph = engine === 'postgres' ? values.map((_, i) => `$${i + 1}`).join(', ') : values.map(() => '?').join(', ');
      await exec(`INSERT INTO ${t} (run_id, time, check_name, kind, status, duration_ms, record) VALUES (${ph})`, values);
    }
  });
}

/** The most recent records, oldest first: from the table when given, else the file. */
export async function readHistory(opts: { file?: string; url?: string; table: string; limit: number }): Promise<HistoryRecord[]> {
  if (opts.url) {
    const engine = engineOf(opts.url);
    const t = qualifiedTable(engine, parseTableName(opts.table)!);
    const rows = await withConnection(opts.url, async (exec) => {
      await exec(ddl(engine, opts.table));
      // check_name breaks ties, so records of one run read back in a stable order.
      return exec(`SELECT record FROM ${t} ORDER BY time DESC, check_name DESC LIMIT ${Math.floor(opts.limit)}`);
    });
    return rows.map((r) => (typeof r[0] === 'string' ? JSON.parse(r[0]) : r[0]) as HistoryRecord).reverse();
  }
  if (!opts.file) throw new ReckonError('CONFIG', 'no history configured: add history.file or history.connection to the config');
  let text: string;
  try {
    text = await readFile(opts.file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ReckonError('CONFIG', `cannot read history file ${opts.file}: ${(err as Error).message}`);
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-opts.limit).map((l) => JSON.parse(l) as HistoryRecord);
}

/** A table of recent results, marking each record whose status differs from its check's previous one. */
export function historyReport(records: readonly HistoryRecord[]): string {
  const previous = new Map<string, Status>();
  const rows = records.map((r) => {
    const prev = previous.get(r.check);
    previous.set(r.check, r.status);
    const changed = prev !== undefined && prev !== r.status ? `changed (was ${prev})` : '';
    return [r.time.slice(0, 19).replace('T', ' '), r.check, r.status.toUpperCase(), String(r.failed_partitions.length), `${r.duration_ms} ms`, changed];
  });
  const header = ['time', 'check', 'status', 'failed partitions', 'duration', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  if (rows.length === 0) return 'no history recorded yet\n';
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
