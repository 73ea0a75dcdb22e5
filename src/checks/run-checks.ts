/**
 * Runs the checks of a config with bounded parallelism. A check that cannot run (unreachable
 * server, unknown table, rejected query) is an `error` result naming its connection — never a
 * pass — and does not stop the others.
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { ReckonError } from '../errors.ts';
import { openSource } from '../sources/connect.ts';
import type { Source } from '../sources/source.ts';
import { runAggregateCheck } from './aggregate-check.ts';
import type { CheckConfig, CheckSpec } from './config.ts';
import { runDiffCheck, runKeysCheck } from './diff-checks.ts';
import { overallStatus, type CheckResult, type RunResult } from './results.ts';
import { windowFor } from './window.ts';

export interface RunOptions {
  /** Only the checks with these names (all when empty). */
  only?: string[];
  /** Overrides the config's concurrency. */
  concurrency?: number;
  /** The moment windows are computed from (default: now). */
  now?: Date;
  onCheckDone?: (r: CheckResult) => void;
}

/** Opens one Source per connection name on first use and closes them all at the end. */
class SourcePool {
  private readonly sources = new Map<string, Source>();
  constructor(
    private readonly config: CheckConfig,
    private readonly maxConnections: number,
  ) {}

  get(name: string): Source {
    let s = this.sources.get(name);
    if (!s) {
      const url = this.config.connections[name];
      if (!url) throw new ReckonError('CONFIG', `unknown connection ${name}`);
      try {
        s = openSource(url, { maxConnections: this.maxConnections, statementTimeoutMs: this.config.statementTimeoutMs });
      } catch (err) {
        // No source, so no label for nameIn to find: name the connection here.
        if (err instanceof ReckonError) throw new ReckonError(err.code, `connection ${name}: ${err.message}`, { cause: err });
        throw err;
      }
      this.sources.set(name, s);
    }
    return s;
  }

  /** The connection name whose URL label appears in a message, for errors that name a server. */
  nameIn(message: string): string | undefined {
    for (const [name, s] of this.sources) if (message.includes(s.label)) return name;
    return undefined;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.close().catch(() => {})));
  }
}

async function runOne(spec: CheckSpec, pool: SourcePool, now: Date): Promise<CheckResult> {
  const started = new Date();
  const base = { name: spec.name, kind: spec.kind, startedAt: started.toISOString() };
  try {
    const left = pool.get(spec.left.connection);
    const right = pool.get(spec.right.connection);
    const window = spec.partition ? windowFor(spec.partition, now) : undefined;
    let out: Pick<CheckResult, 'rows' | 'samples'>;
    if (spec.kind === 'count' || spec.kind === 'sum') {
      out = { rows: await runAggregateCheck(spec, left, right, window) };
    } else if (spec.kind === 'keys') {
      out = await runKeysCheck(spec, left, right, window);
    } else {
      out = await runDiffCheck(spec, left, right, window);
    }
    const failed = out.rows.some((r) => r.status === 'fail');
    return { ...base, ...out, status: failed ? 'fail' : 'pass', durationMs: Date.now() - started.getTime() };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const conn = pool.nameIn(message);
    const named = conn && !message.includes(`connection ${conn}`) ? `connection ${conn}: ${message}` : message;
    return { ...base, rows: [], status: 'error', error: named, durationMs: Date.now() - started.getTime() };
  }
}

/** Runs the selected checks and returns every result; never throws for a single check's failure. */
export async function runChecks(config: CheckConfig, opts: RunOptions = {}): Promise<RunResult> {
  const started = new Date();
  const selected = opts.only && opts.only.length > 0 ? config.checks.filter((c) => opts.only!.includes(c.name)) : config.checks;
  if (opts.only) {
    const unknown = opts.only.filter((n) => !config.checks.some((c) => c.name === n));
    if (unknown.length) throw new ReckonError('CONFIG', `no check named ${unknown.join(', ')} in the config`);
  }
  const concurrency = opts.concurrency ?? config.concurrency;
  const pool = new SourcePool(config, concurrency + 1);
  const limit = pLimit(concurrency);
  const now = opts.now ?? new Date();
  try {
    const checks = await Promise.all(
      selected.map((spec) =>
        limit(async () => {
          const r = await runOne(spec, pool, now);
          opts.onCheckDone?.(r);
          return r;
        }),
      ),
    );
    return {
      runId: randomUUID(),
      startedAt: started.toISOString(),
      durationMs: Date.now() - started.getTime(),
      checks,
      status: overallStatus(checks),
    };
  } finally {
    await pool.closeAll();
  }
}
