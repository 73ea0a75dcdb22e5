/**
 * Pure SQL for reconciliation aggregates, per engine: one GROUP BY per side that returns, per
 * partition, the measures a check compares. Partition labels are formatted by the database into
 * the same text on both engines (`YYYY-MM-DD`, `YYYY-MM-DD HH:00`, `YYYY-MM`; weeks start on
 * Monday and are labelled by that day), in UTC since every session runs in UTC.
 */
import type { TableRef } from '../types.ts';
import { qualifiedTable, quoteIdent, type BuiltQuery, type Engine } from './dialect.ts';

export type Grain = 'hour' | 'day' | 'week' | 'month';
export type AggregateFn = 'sum' | 'min' | 'max' | 'avg' | 'count' | 'count_distinct';

/** A relation to aggregate: a table, or a user's SELECT used as a derived table. */
export interface Relation {
  table?: TableRef;
  query?: string;
}

export interface AggregateRequest {
  relation: Relation;
  /** Each measure yields one output column, except avg which yields two: sum and count. */
  measures: readonly { aggregate: AggregateFn; column: string | null }[];
  partition?: { column: string; grain: Grain };
  /** Inclusive start, exclusive end on the partition column, as `YYYY-MM-DD HH:MM:SS`. */
  window?: { from?: string; to?: string };
  where?: string;
}

function relationSql(engine: Engine, rel: Relation): string {
  if (rel.table) return qualifiedTable(engine, rel.table);
  return `(${rel.query}) AS reckon_q`;
}

function measureSql(engine: Engine, m: { aggregate: AggregateFn; column: string | null }): string[] {
  const col = m.column === null ? '*' : quoteIdent(engine, m.column);
  switch (m.aggregate) {
    case 'count':
      return [`COUNT(${col})`];
    case 'count_distinct':
      return [`COUNT(DISTINCT ${col})`];
    case 'avg':
      // The average is computed exactly from these two, never by the engine: PostgreSQL and
      // MySQL round AVG to different scales.
      return [`SUM(${col})`, `COUNT(${col})`];
    default:
      return [`${m.aggregate.toUpperCase()}(${col})`];
  }
}

function bucketSql(engine: Engine, column: string, grain: Grain): string {
  const c = quoteIdent(engine, column);
  if (engine === 'postgres') return `date_trunc('${grain}', ${c})`;
  switch (grain) {
    case 'hour':
      return `DATE_FORMAT(${c}, '%Y-%m-%d %H:00')`;
    case 'day':
      return `DATE(${c})`;
    case 'week':
      return `DATE_SUB(DATE(${c}), INTERVAL WEEKDAY(${c}) DAY)`;
    case 'month':
      return `DATE_FORMAT(${c}, '%Y-%m')`;
  }
}

function labelSql(engine: Engine, grain: Grain): string {
  if (engine === 'mysql') return grain === 'day' || grain === 'week' ? `DATE_FORMAT(p, '%Y-%m-%d')` : 'p';
  const fmt = { hour: 'YYYY-MM-DD HH24:00', day: 'YYYY-MM-DD', week: 'YYYY-MM-DD', month: 'YYYY-MM' }[grain];
  return `to_char(p, '${fmt}')`;
}

/** Conditions on the partition column for a window, with the bounds as parameters. */
export function windowConditions(engine: Engine, column: string, window: { from?: string; to?: string } | undefined, values: string[]): string[] {
  const c = quoteIdent(engine, column);
  const conds: string[] = [];
  const ph = () => (engine === 'postgres' ? `$${values.length}` : '?');
  if (window?.from) {
    values.push(window.from);
    conds.push(`${c} >= ${ph()}`);
  }
  if (window?.to) {
    values.push(window.to);
    conds.push(`${c} < ${ph()}`);
  }
  return conds;
}

/** The same window as literal SQL, for filters handed to the diff engine as text. */
export function windowFilterText(engine: Engine, column: string, window: { from?: string; to?: string }): string | undefined {
  const c = quoteIdent(engine, column);
  const conds: string[] = [];
  // Bounds are validated as YYYY-MM-DD[ HH:MM[:SS]] before they get here, so quoting is enough.
  if (window.from) conds.push(`${c} >= '${window.from}'`);
  if (window.to) conds.push(`${c} < '${window.to}'`);
  return conds.length ? conds.join(' AND ') : undefined;
}

/** One GROUP BY returning [partition label?, ...measure columns], ordered by partition. */
export function buildAggregateQuery(engine: Engine, req: AggregateRequest): BuiltQuery {
  const values: string[] = [];
  const conds: string[] = [];
  if (req.where && req.where.trim()) conds.push(`(${req.where})`);
  if (req.partition) conds.push(...windowConditions(engine, req.partition.column, req.window, values));
  const whereSql = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
  const measures = req.measures.flatMap((m) => measureSql(engine, m));
  const from = relationSql(engine, req.relation);
  if (!req.partition) {
    return { text: `SELECT ${measures.join(', ')} FROM ${from}${whereSql}`, values };
  }
  const inner = measures.map((m, i) => `${m} AS m${i}`).join(', ');
  const outer = measures.map((_, i) => `m${i}`).join(', ');
  const bucket = bucketSql(engine, req.partition.column, req.partition.grain);
  return {
    text:
      `SELECT ${labelSql(engine, req.partition.grain)} AS partition_label, ${outer} FROM ` +
      `(SELECT ${bucket} AS p, ${inner} FROM ${from}${whereSql} GROUP BY ${bucket}) AS reckon_g ` +
      `ORDER BY p`,
    values,
  };
}

/** Periods a calendar may hold: 10^5 covers eleven years of hours. */
export const MAX_PERIODS = 100_000;

function digitsTable(alias: string): string {
  return `(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS ${alias}`;
}

/**
 * Per-period row counts over a generated calendar, computed in the database: the calendar of
 * `periods` periods from `from` is LEFT JOINed to the table grouped by period, so only one row per
 * period comes back, and empty periods come back with 0. Rows: [period label, count].
 */
export function buildCalendarCountQuery(
  engine: Engine,
  table: TableRef,
  column: string,
  grain: Grain,
  from: string,
  periods: number,
  where: string | undefined,
): BuiltQuery {
  if (!Number.isInteger(periods) || periods < 1 || periods > MAX_PERIODS) throw new RangeError(`periods must be 1..${MAX_PERIODS}`);
  const values: string[] = [];
  const end = engine === 'postgres' ? `$1::timestamp + ${periods} * interval '1 ${grain}'` : '';
  const conds = [where && where.trim() ? `(${where})` : ''].filter(Boolean);
  const c = quoteIdent(engine, column);
  const t = qualifiedTable(engine, table);
  if (engine === 'postgres') {
    values.push(from);
    conds.push(`${c} >= $1::timestamp`, `${c} < ${end}`);
    const fmt = { hour: 'YYYY-MM-DD HH24:00', day: 'YYYY-MM-DD', week: 'YYYY-MM-DD', month: 'YYYY-MM' }[grain];
    return {
      text:
        `SELECT to_char(cal.p, '${fmt}'), COALESCE(g.n, 0) FROM ` +
        `generate_series($1::timestamp, ${end} - interval '1 ${grain}', interval '1 ${grain}') AS cal(p) ` +
        `LEFT JOIN (SELECT date_trunc('${grain}', ${c})::timestamp AS p, COUNT(*) AS n FROM ${t} WHERE ${conds.join(' AND ')} GROUP BY 1) AS g ` +
        `ON g.p = cal.p ORDER BY cal.p`,
      values,
    };
  }
  const unit = grain.toUpperCase();
  const n = `(a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d)`;
  const bucket = bucketSql('mysql', column, grain);
  // The calendar's own expression must produce the same text as the bucket: days and weeks as
  // dates, hours and months formatted.
  const calExpr =
    grain === 'hour'
      ? `DATE_FORMAT(TIMESTAMP(?) + INTERVAL ${n} HOUR, '%Y-%m-%d %H:00')`
      : grain === 'month'
        ? `DATE_FORMAT(TIMESTAMP(?) + INTERVAL ${n} MONTH, '%Y-%m')`
        : `DATE(TIMESTAMP(?) + INTERVAL ${n} ${unit})`;
  values.push(from);
  const calendar = `SELECT ${calExpr} AS p, ${n} AS i FROM ${digitsTable('a')}, ${digitsTable('b')}, ${digitsTable('c')}, ${digitsTable('e')}, ${digitsTable('f')} WHERE ${n} < ${periods}`;
  values.push(from, from);
  conds.push(`${c} >= TIMESTAMP(?)`, `${c} < TIMESTAMP(?) + INTERVAL ${periods} ${unit}`);
  const label = grain === 'day' || grain === 'week' ? `DATE_FORMAT(cal.p, '%Y-%m-%d')` : 'cal.p';
  return {
    text:
      `SELECT ${label}, COALESCE(g.n, 0) FROM (${calendar}) AS cal ` +
      `LEFT JOIN (SELECT ${bucket} AS p, COUNT(*) AS n FROM ${t} WHERE ${conds.join(' AND ')} GROUP BY ${bucket}) AS g ` +
      `ON g.p = cal.p ORDER BY cal.i`,
    values,
  };
}
