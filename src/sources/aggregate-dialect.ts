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
