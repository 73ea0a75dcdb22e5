/**
 * count and sum checks: one GROUP BY per side, merged by partition label, each measure compared
 * exactly as a decimal within the check's tolerance.
 */
import { buildAggregateQuery, type AggregateRequest } from '../sources/aggregate-dialect.ts';
import { parseTableName } from '../sources/dialect.ts';
import type { Source } from '../sources/source.ts';
import { normalizerFor } from '../normalize/values.ts';
import { ReckonError } from '../errors.ts';
import type { LogicalType, RawRow } from '../types.ts';
import type { CheckSide, CheckSpec, Measure } from './config.ts';
import { decText, divide, mul, parseDec, sub, type Dec } from './exact.ts';
import type { PartitionRow } from './results.ts';
import { withinTolerance, type Tolerance } from './tolerance.ts';
import type { Window } from './window.ts';

const NULL_PARTITION = '(null)';

function measureLabel(m: Measure): string {
  if (m.aggregate === 'count' && m.column === null) return 'count';
  return `${m.aggregate}(${m.column})`;
}

/** Output columns each measure takes in the query's result (avg takes sum and count). */
function widths(measures: readonly Measure[]): number[] {
  return measures.map((m) => (m.aggregate === 'avg' ? 2 : 1));
}

/** Reads one side's aggregate rows into partition label -> raw measure columns. */
async function readSide(
  source: Source,
  side: CheckSide,
  spec: CheckSpec,
  window: Window | undefined,
): Promise<Map<string, RawRow>> {
  const table = side.table ? parseTableName(side.table) : null;
  if (side.table && !table) throw new ReckonError('CONFIG', `not a table name: ${side.table}`);
  const where = [spec.where, side.where].filter((w): w is string => !!w && w.trim() !== '').map((w) => `(${w})`).join(' AND ');
  const req: AggregateRequest = {
    relation: table ? { table } : { query: side.query },
    measures: spec.measures,
    partition: spec.partition ? { column: spec.partition.column, grain: spec.partition.grain } : undefined,
    window,
    where: where || undefined,
  };
  const rows = await source.query(buildAggregateQuery(source.engine, req));
  const out = new Map<string, RawRow>();
  for (const row of rows) {
    if (spec.partition) {
      const label = row[0] === null ? NULL_PARTITION : String(row[0]);
      out.set(label, row.slice(1));
    } else out.set('', row);
  }
  return out;
}

/** Types of the measured columns, so min/max of timestamps or text compare canonically. */
async function columnTypes(source: Source, side: CheckSide): Promise<Map<string, LogicalType>> {
  const types = new Map<string, LogicalType>();
  const table = side.table ? parseTableName(side.table) : null;
  if (!table) return types;
  const info = await source.describe(table);
  for (const c of info.columns) types.set(c.name.toLowerCase(), c.logicalType);
  return types;
}

function asDec(v: RawRow[number] | undefined | number): Dec | null {
  if (v === null || v === undefined) return null;
  return parseDec(String(v));
}

/** Compares the two sides' aggregates partition by partition. */
export async function runAggregateCheck(
  spec: CheckSpec,
  left: Source,
  right: Source,
  window: Window | undefined,
): Promise<PartitionRow[]> {
  const [l, r, lt, rt] = await Promise.all([
    readSide(left, spec.left, spec, window),
    readSide(right, spec.right, spec, window),
    columnTypes(left, spec.left),
    columnTypes(right, spec.right),
  ]);
  const labels = [...new Set([...l.keys(), ...r.keys()])].sort();
  if (labels.length === 0 && !spec.partition) labels.push('');
  const w = widths(spec.measures);
  const rows: PartitionRow[] = [];
  for (const label of labels) {
    const lr = l.get(label);
    const rr = r.get(label);
    let offset = 0;
    spec.measures.forEach((m, mi) => {
      const at = offset;
      offset += w[mi]!;
      const partition = spec.partition ? label : null;
      const measure = measureLabel(m);
      if (!lr || !rr) {
        // A partition with rows on one side only is a failure whatever the tolerance.
        const present = (lr ?? rr)!;
        const value = m.aggregate === 'avg' ? avgText(present[at], present[at + 1]) : textOf(present[at]);
        rows.push({
          partition,
          measure,
          left: lr ? value : null,
          right: rr ? value : null,
          difference: null,
          status: 'fail',
          note: lr ? 'missing on right' : 'missing on left',
        });
        return;
      }
      rows.push(compareMeasure(spec, m, partition, measure, lr, rr, at, lt, rt));
    });
  }
  return rows;
}

function textOf(v: RawRow[number] | undefined | number): string | null {
  if (v === null || v === undefined) return null;
  const d = asDec(v);
  return d ? decText(d) : String(v);
}

/** Decimals an average is shown with: 10, or 4 past the sum's scale (MySQL's AVG rule) when more. */
function avgPlaces(sum: Dec): number {
  return Math.max(10, sum.scale + 4);
}

function avgText(sum: RawRow[number] | undefined, count: RawRow[number] | undefined): string | null {
  const s = asDec(sum);
  const c = asDec(count);
  if (!s || !c || c.n === 0n) return null;
  return decText(divide(s, c, avgPlaces(s)));
}

/**
 * |ls/lc - rs/rc| within tolerance, exactly: both averages multiplied by lc*rc (counts are
 * positive), which scales an absolute tolerance by the same factor and leaves a relative one as is.
 */
function averagesWithin(ls: Dec, lc: Dec, rs: Dec, rc: Dec, tol: Tolerance): boolean {
  const scaled: Tolerance = tol.kind === 'absolute' ? { ...tol, amount: mul(mul(tol.amount, lc), rc) } : tol;
  return withinTolerance(mul(ls, rc), mul(rs, lc), scaled);
}

function compareMeasure(
  spec: CheckSpec,
  m: Measure,
  partition: string | null,
  measure: string,
  lr: RawRow,
  rr: RawRow,
  at: number,
  lt: Map<string, LogicalType>,
  rt: Map<string, LogicalType>,
): PartitionRow {
  if (m.aggregate === 'avg') {
    const ls = asDec(lr[at]);
    const lc = asDec(lr[at + 1]);
    const rs = asDec(rr[at]);
    const rc = asDec(rr[at + 1]);
    const left = avgText(lr[at], lr[at + 1]);
    const right = avgText(rr[at], rr[at + 1]);
    if (!ls || !lc || !rs || !rc || lc.n === 0n || rc.n === 0n) {
      const same = left === right;
      return { partition, measure, left, right, difference: null, status: same ? 'pass' : 'fail' };
    }
    // Compared as exact fractions, never as rounded quotients: rounding at any fixed number of
    // decimals makes 1e-24 and 2e-24 (both storable at scale 30) equal.
    const ok = averagesWithin(ls, lc, rs, rc, spec.tolerance);
    const places = Math.max(avgPlaces(ls), avgPlaces(rs));
    const difference = decText(divide(sub(mul(ls, rc), mul(rs, lc)), mul(lc, rc), places));
    return { partition, measure, left, right, difference, status: ok ? 'pass' : 'fail' };
  }
  const lv = lr[at];
  const rv = rr[at];
  const ld = asDec(lv);
  const rd = asDec(rv);
  const numeric = m.aggregate === 'sum' || m.aggregate === 'count' || m.aggregate === 'count_distinct';
  // A query side has no catalog types: it takes the other side's, and with neither known, min/max
  // compare as text, since reading text such as '010' and '10' as numbers would pass them as equal.
  const lType = typeOf(lt, m) ?? typeOf(rt, m);
  const rType = typeOf(rt, m) ?? typeOf(lt, m);
  if (ld && rd && (numeric || (isNumericType(lType) && isNumericType(rType)))) {
    const ok = withinTolerance(ld, rd, spec.tolerance);
    return { partition, measure, left: decText(ld), right: decText(rd), difference: decText(sub(ld, rd)), status: ok ? 'pass' : 'fail' };
  }
  // min/max of non-numbers (timestamps, text): canonical equality, no tolerance.
  const left = canonical(lv, lType);
  const right = canonical(rv, rType);
  return { partition, measure, left, right, difference: null, status: left === right ? 'pass' : 'fail' };
}

function typeOf(types: Map<string, LogicalType>, m: Measure): LogicalType | undefined {
  return m.column ? types.get(m.column.toLowerCase()) : undefined;
}

function isNumericType(t: LogicalType | undefined): boolean {
  return t === 'integer' || t === 'decimal' || t === 'float4' || t === 'float8';
}

function canonical(v: RawRow[number] | undefined, t: LogicalType | undefined): string | null {
  if (v === null || v === undefined) return null;
  // Untyped (query sides): timestamps still compare canonically ('…10+00' is '…10.000000');
  // the timestamp normaliser leaves any other text as it is.
  return normalizerFor(t ?? 'timestamptz')(v);
}
