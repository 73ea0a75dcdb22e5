/**
 * Gap detection: which periods of a date/timestamp column hold no rows (or fewer than a source
 * holds, or fewer than a floor). Counting happens in the database over a generated calendar; only
 * one row per period reaches Node, never the table's rows.
 */
import { ReckonError } from '../errors.ts';
import { buildCalendarCountQuery, MAX_PERIODS, type Grain } from '../sources/aggregate-dialect.ts';
import { parseTableName } from '../sources/dialect.ts';
import type { Source } from '../sources/source.ts';
import { addPeriods, periodStart, sqlTimestamp } from '../checks/window.ts';

export type PeriodStatus = 'ok' | 'missing' | 'short' | 'thin';

export interface PeriodCount {
  period: string;
  /** Inclusive start and exclusive end of the period, `YYYY-MM-DD HH:MM:SS` (UTC). */
  start: string;
  end: string;
  rows: number;
  /** Rows in the source for this period, when compared against one. */
  sourceRows?: number;
  status: PeriodStatus;
}

/** Consecutive periods with the same problem. */
export interface GapRun {
  first: string;
  last: string;
  start: string;
  end: string;
  periods: number;
  status: Exclude<PeriodStatus, 'ok'>;
}

export interface TableSide {
  source: Source;
  table: string;
  where?: string;
}

export interface GapsOptions extends TableSide {
  column: string;
  grain: Grain;
  /** Inclusive start and exclusive end (dates or timestamps); widened to whole periods. */
  from: string;
  to: string;
  /** Compare per-period counts with this table: fewer rows than it has is `short`. */
  against?: TableSide;
  /** Periods with rows but fewer than this are `thin`. */
  minRows?: number;
}

export interface GapsResult {
  grain: Grain;
  from: string;
  to: string;
  periods: PeriodCount[];
  runs: GapRun[];
}

function parseInstant(text: string, what: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) throw new ReckonError('CONFIG', `${what}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], got ${text}`);
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
  if (Number.isNaN(d.getTime())) throw new ReckonError('CONFIG', `${what}: not a valid date: ${text}`);
  return d;
}

/** The whole periods covering [from, to): their starts, and the end of the last. */
export function periodsBetween(from: string, to: string, grain: Grain): { starts: Date[]; end: Date } {
  const a = periodStart(parseInstant(from, '--from'), grain);
  const toDate = parseInstant(to, '--to');
  if (toDate.getTime() <= a.getTime()) throw new ReckonError('CONFIG', `--to (${to}) must be after --from (${from})`);
  const starts: Date[] = [];
  let t = a;
  while (t.getTime() < toDate.getTime()) {
    starts.push(t);
    if (starts.length > MAX_PERIODS) throw new ReckonError('CONFIG', `the range holds more than ${MAX_PERIODS} ${grain}s; use a coarser --grain`);
    t = addPeriods(t, grain, 1);
  }
  return { starts, end: t };
}

async function countsPerPeriod(side: TableSide, column: string, grain: Grain, from: Date, periods: number): Promise<Map<string, number>> {
  const ref = parseTableName(side.table);
  if (!ref) throw new ReckonError('CONFIG', `not a table name: ${side.table}`);
  // Checking the table first gives "unknown table/column" errors that name them.
  const info = await side.source.describe(ref);
  if (!info.columns.some((c) => c.name === column)) {
    throw new ReckonError('SCHEMA', `column ${column} does not exist in ${side.table} (${side.source.label})`);
  }
  const rows = await side.source.query(
    buildCalendarCountQuery(side.source.engine, info.table, column, grain, sqlTimestamp(from), periods, side.where),
  );
  const out = new Map<string, number>();
  for (const r of rows) out.set(String(r[0]), Number(r[1]));
  return out;
}

/** Collapses consecutive non-ok periods of the same status into runs. */
export function collapseRuns(periods: readonly PeriodCount[]): GapRun[] {
  const runs: GapRun[] = [];
  for (const p of periods) {
    if (p.status === 'ok') continue;
    const last = runs[runs.length - 1];
    if (last && last.status === p.status && last.end === p.start) {
      last.last = p.period;
      last.end = p.end;
      last.periods++;
    } else {
      runs.push({ first: p.period, last: p.period, start: p.start, end: p.end, periods: 1, status: p.status });
    }
  }
  return runs;
}

export async function findGaps(o: GapsOptions): Promise<GapsResult> {
  const { starts, end } = periodsBetween(o.from, o.to, o.grain);
  const first = starts[0]!;
  const [target, source] = await Promise.all([
    countsPerPeriod(o, o.column, o.grain, first, starts.length),
    o.against ? countsPerPeriod(o.against, o.column, o.grain, first, starts.length) : Promise.resolve(undefined),
  ]);
  const labels = [...target.keys()];
  if (labels.length !== starts.length) {
    throw new ReckonError('QUERY', `the calendar returned ${labels.length} periods, expected ${starts.length}`);
  }
  const periods: PeriodCount[] = starts.map((s, i) => {
    const period = labels[i]!;
    const rows = target.get(period) ?? 0;
    const sourceRows = source?.get(period);
    let status: PeriodStatus = 'ok';
    if (source) {
      if (rows < (sourceRows ?? 0)) status = rows === 0 ? 'missing' : 'short';
    } else if (rows === 0) status = 'missing';
    if (status === 'ok' && o.minRows !== undefined && rows < o.minRows) status = rows === 0 ? 'missing' : 'thin';
    const next = starts[i + 1] ?? end;
    return { period, start: sqlTimestamp(s), end: sqlTimestamp(next), rows, ...(source ? { sourceRows: sourceRows ?? 0 } : {}), status };
  });
  return { grain: o.grain, from: sqlTimestamp(first), to: sqlTimestamp(end), periods, runs: collapseRuns(periods) };
}

/** `2024-01-03 .. 2024-01-05 (3 days)` */
export function describeRun(r: GapRun, grain: Grain): string {
  const unit = `${grain}${r.periods === 1 ? '' : 's'}`;
  return r.periods === 1 ? `${r.first} (1 ${unit})` : `${r.first} .. ${r.last} (${r.periods} ${unit})`;
}
