/** `reckon backfill`: fill a range (or its gaps) in verified, checkpointed, rate-limited batches. */
import { readFile } from 'node:fs/promises';
import type { parse } from 'yaml';
import { lazyRequire } from '../lazy-require.ts';
import { parseDuration } from '../checks/config.ts';
import { parseTolerance } from '../checks/tolerance.ts';
import type { Action } from '../backfill/actions.ts';
import { runBackfill, type BackfillOptions, type BackfillResult } from '../backfill/run-backfill.ts';
import { ReckonError } from '../errors.ts';
import type { Grain } from '../sources/aggregate-dialect.ts';
import { openOutput } from './output.ts';
import { groupDigits } from '../group-digits.ts';

const loadYaml = lazyRequire<{ parse: typeof parse }>('yaml');

export interface BackfillCommandOptions {
  targetUrl?: string;
  targetTable?: string;
  config?: string;
  column?: string;
  from?: string;
  to?: string;
  grain?: string;
  batch?: number;
  gaps?: boolean;
  sql?: string;
  command?: string;
  copy?: boolean;
  source?: string[];
  where?: string;
  sourceWhere?: string;
  tolerance?: string;
  minRows?: number;
  concurrency?: number;
  pause?: string;
  maxRowsPerSecond?: number;
  statementTimeout?: string;
  retries?: number;
  job?: string;
  stateTable?: string;
  auditTable?: string;
  audit?: string;
  dryRun?: boolean;
  /** undefined: the config file's, else text. */
  format?: 'text' | 'json';
  output?: string;
  progress?: boolean;
  stderr: (s: string) => void;
}

type Obj = Record<string, unknown>;

/** Keys of a config file's `backfill:` section, in the CLI's spelling (snake_case accepted). */
const CONFIG_KEYS = new Set([
  'target', 'source', 'column', 'from', 'to', 'grain', 'batch', 'gaps', 'sql', 'command', 'copy', 'where', 'sourceWhere',
  'tolerance', 'minRows', 'concurrency', 'pause', 'maxRowsPerSecond', 'statementTimeout', 'retries', 'job', 'stateTable',
  'audit', 'auditTable', 'dryRun', 'format', 'output', 'progress',
]);

function fromConfig(section: Obj): Partial<BackfillCommandOptions> {
  const out: Obj = {};
  for (const [k, v] of Object.entries(section)) {
    const key = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    // A misspelt key (batch_size for batch) would otherwise be dropped and its default used.
    if (!CONFIG_KEYS.has(key)) throw new ReckonError('CONFIG', `unknown key ${k} in the backfill: section; known keys: ${[...CONFIG_KEYS].join(', ')}`);
    out[key] = v;
  }
  const target = out.target as Obj | undefined;
  if (target) {
    out.targetUrl = target.url;
    out.targetTable = target.table;
  }
  const source = out.source as Obj | undefined;
  if (source && !Array.isArray(source)) {
    out.source = [source.url, source.table];
    if (source.where) out.sourceWhere = source.where;
  }
  return out as Partial<BackfillCommandOptions>;
}

/** The backfill to run, and how to report it (flags first, then the config file). */
async function resolveOptions(o: BackfillCommandOptions): Promise<{ opts: BackfillOptions; report: Pick<BackfillCommandOptions, 'format' | 'output' | 'progress'> }> {
  let merged: BackfillCommandOptions = o;
  if (o.config) {
    const text = await readFile(o.config, 'utf8').catch((err: Error) => {
      throw new ReckonError('CONFIG', `cannot read config file ${o.config}: ${err.message}`);
    });
    const doc = (o.config.endsWith('.json') ? JSON.parse(text) : loadYaml().parse(text)) as Obj;
    const section = doc?.backfill;
    if (!section || typeof section !== 'object') throw new ReckonError('CONFIG', `${o.config} has no backfill: section`);
    // Flags given on the command line win over the file.
    const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    merged = { ...fromConfig(section as Obj), ...defined } as BackfillCommandOptions;
    // ${VAR} in URLs, as in check configs.
    for (const key of ['targetUrl'] as const) {
      const v = merged[key];
      if (typeof v === 'string') merged[key] = v.replace(/\$\{([A-Za-z_]\w*)\}/g, (_, n: string) => process.env[n] ?? '');
    }
    if (merged.source) merged.source = merged.source.map((v) => String(v).replace(/\$\{([A-Za-z_]\w*)\}/g, (_, n: string) => process.env[n] ?? ''));
  }
  const problems: string[] = [];
  const need = (v: unknown, name: string) => (v === undefined || v === '' ? problems.push(`${name} is required`) : undefined);
  need(merged.targetUrl, 'the target URL');
  need(merged.targetTable, 'the target table');
  need(merged.column, '--column');
  need(merged.from, '--from');
  need(merged.to, '--to');
  const actions = [merged.sql ? 'sql' : null, merged.command ? 'command' : null, merged.copy ? 'copy' : null].filter(Boolean);
  if (actions.length !== 1) problems.push('give exactly one action: --sql <template>, --command <template> or --copy');
  const grain = (merged.grain ?? 'day') as Grain;
  if (!['hour', 'day', 'week', 'month'].includes(grain)) problems.push('--grain must be hour, day, week or month');
  if (merged.source && merged.source.length !== 2) problems.push('--source takes two values: <url> <table>');
  const tolerance = merged.tolerance === undefined ? undefined : parseTolerance(merged.tolerance);
  if (tolerance === null) problems.push('--tolerance: expected a number or a percentage');
  const pauseMs = merged.pause === undefined ? 0 : parseDuration(merged.pause);
  if (pauseMs === null) problems.push('--pause: expected a duration such as 30s');
  const statementTimeoutMs = merged.statementTimeout === undefined ? 0 : parseDuration(merged.statementTimeout);
  if (statementTimeoutMs === null) problems.push('--statement-timeout: expected a duration such as 10m');
  if (problems.length) throw new ReckonError('CONFIG', `backfill: ${problems.join('; ')}`);
  const action: Action = merged.sql ? { kind: 'sql', sql: merged.sql } : merged.command ? { kind: 'command', command: merged.command } : { kind: 'copy' };
  const opts: BackfillOptions = {
    target: { url: merged.targetUrl!, table: merged.targetTable!, where: merged.where },
    source: merged.source ? { url: merged.source[0]!, table: merged.source[1]!, where: merged.sourceWhere } : undefined,
    column: merged.column!,
    grain,
    from: merged.from!,
    to: merged.to!,
    onlyGaps: merged.gaps,
    batch: Number(merged.batch ?? 1),
    action,
    tolerance: tolerance ?? undefined,
    minRows: merged.minRows,
    concurrency: merged.concurrency,
    pauseMs: pauseMs ?? 0,
    maxRowsPerSecond: merged.maxRowsPerSecond,
    statementTimeoutMs: statementTimeoutMs ?? 0,
    retries: merged.retries,
    job: merged.job,
    stateTable: merged.stateTable,
    auditFile: merged.audit ?? 'reckon-backfill.jsonl',
    auditTable: merged.auditTable,
    dryRun: merged.dryRun,
  };
  if (merged.format !== undefined && merged.format !== 'text' && merged.format !== 'json') {
    throw new ReckonError('CONFIG', 'backfill: format must be text or json');
  }
  return { opts, report: { format: merged.format, output: merged.output, progress: merged.progress } };
}

function textReport(r: BackfillResult, opts: BackfillOptions): string {
  const lines: string[] = [];
  if (r.dryRun) {
    lines.push(`plan for job ${r.job} (dry run: nothing was written)`);
    for (const b of r.batches) {
      lines.push(`  ${b.alreadyDone ? 'done   ' : 'to fill'}  ${b.start} .. ${b.end}  (${b.periods} ${opts.grain}${b.periods === 1 ? '' : 's'})${b.estimatedRows === null ? '' : `  ~${groupDigits(b.estimatedRows)} rows`}`);
    }
    const todo = r.batches.filter((b) => !b.alreadyDone).length;
    lines.push(`${todo} batch${todo === 1 ? '' : 'es'} to run, ${r.skipped} already done; action: ${opts.action.kind}`);
    return lines.join('\n') + '\n';
  }
  if (r.batches.length === 0) return `nothing to fill: no gaps between ${opts.from} and ${opts.to}\n`;
  if (r.skipped === r.batches.length) return `nothing to do: all ${r.batches.length} batches of job ${r.job} are already done and verified\n`;
  lines.push(`job ${r.job}: ${r.done} batch${r.done === 1 ? '' : 'es'} filled and verified, ${groupDigits(r.rows)} rows written${r.skipped ? `, ${r.skipped} already done before` : ''}`);
  if (r.failure) {
    lines.push(`FAILED at ${r.failure.window.start} .. ${r.failure.window.end} (${r.failure.kind}): ${r.failure.message}`);
    // A command commits on its own connections: claiming a rollback would hide rows it left.
    lines.push(
      opts.action.kind === 'command'
        ? "that batch is not recorded, but whatever the command wrote for it stays (reckon cannot roll a command back); earlier batches are recorded, and rerunning the same command runs it again"
        : 'that batch was rolled back; earlier batches are recorded, and rerunning the same command resumes from it',
    );
  }
  return lines.join('\n') + '\n';
}

/** Exit 0 filled (or nothing to do), 1 a batch failed verification, 2 an error. */
export async function backfillCommand(o: BackfillCommandOptions): Promise<number> {
  const { opts, report } = await resolveOptions(o);
  const showProgress = report.progress ?? process.stderr.isTTY === true;
  opts.onProgress = showProgress
    ? (p) => {
        const eta = p.done > 0 ? Math.round(((p.total - p.done) * p.elapsedMs) / p.done / 1000) : 0;
        o.stderr(`${process.stderr.isTTY ? '\r\x1b[K' : ''}backfill: ${p.done}/${p.total} batches, ${groupDigits(p.rows)} rows, ETA ${eta} s${process.stderr.isTTY ? '' : '\n'}`);
      }
    : undefined;
  const result = await runBackfill(opts);
  if (showProgress && process.stderr.isTTY) o.stderr('\r\x1b[K');
  const out = await openOutput(report.output);
  try {
    await out.write(report.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : textReport(result, opts));
  } finally {
    await out.close();
  }
  if (!result.failure) return 0;
  return result.failure.kind === 'verification' ? 1 : 2;
}
