/**
 * keys and diff checks: both run the streaming diff engine over the check's window. A keys check
 * compares key columns only (plus the partition column, to attribute each key to its partition);
 * a diff check compares rows. Only counts and the first N samples are kept.
 */
import { diffTables } from '../diff/diff-tables.ts';
import { windowFilterText } from '../sources/aggregate-dialect.ts';
import type { Source } from '../sources/source.ts';
import type { DiffEvent } from '../types.ts';
import type { CheckSide, CheckSpec } from './config.ts';
import { fromInt } from './exact.ts';
import type { CheckResult, PartitionRow } from './results.ts';
import { withinTolerance } from './tolerance.ts';
import { labelOf, type Window } from './window.ts';

function sideWhere(source: Source, side: CheckSide, spec: CheckSpec, window: Window | undefined): string | undefined {
  const parts = [spec.where, side.where];
  if (spec.partition && window) parts.push(windowFilterText(source.engine, spec.partition.column, window));
  const present = parts.filter((w): w is string => !!w && w.trim() !== '');
  return present.length ? present.map((w) => `(${w})`).join(' AND ') : undefined;
}

function withinCountTolerance(spec: CheckSpec, differences: number, leftRows: number): boolean {
  // Tolerance on a keys/diff check is the number (or share of left rows) of differing keys.
  if (spec.tolerance.kind === 'absolute') return withinTolerance(fromInt(0), fromInt(differences), spec.tolerance);
  return withinTolerance(fromInt(leftRows), fromInt(leftRows + differences), spec.tolerance);
}

export async function runKeysCheck(
  spec: CheckSpec,
  left: Source,
  right: Source,
  window: Window | undefined,
): Promise<Pick<CheckResult, 'rows' | 'samples'>> {
  const partitionColumn = spec.partition?.column;
  const run = diffTables({
    left: { source: left, table: spec.left.table!, where: sideWhere(left, spec.left, spec, window) },
    right: { source: right, table: spec.right.table!, where: sideWhere(right, spec.right, spec, window) },
    key: spec.key,
    columns: partitionColumn ? [partitionColumn] : [],
    algorithm: spec.algorithm,
  });
  const perPartition = new Map<string, { leftOnly: number; rightOnly: number; moved: number }>();
  const leftOnly: unknown[] = [];
  const rightOnly: unknown[] = [];
  const labelIn = (row: Record<string, string | null>): string => {
    if (!spec.partition || !partitionColumn) return '';
    const v = Object.entries(row).find(([k]) => k.toLowerCase() === partitionColumn.toLowerCase())?.[1];
    return v ? labelOf(v, spec.partition.grain) : '(null)';
  };
  let total = 0;
  for await (const e of run) {
    const b = labelIn(e.type === 'changed' ? e.left : e.row);
    // A partition column that changed within its partition leaves the key where it was: that is
    // a row difference for a diff check, not a key difference.
    if (e.type === 'changed' && labelIn(e.right) === b) continue;
    const counts = perPartition.get(b) ?? { leftOnly: 0, rightOnly: 0, moved: 0 };
    perPartition.set(b, counts);
    if (e.type === 'left_only') {
      counts.leftOnly++;
      if (leftOnly.length < spec.sample) leftOnly.push(e.key);
    } else if (e.type === 'right_only') {
      counts.rightOnly++;
      if (rightOnly.length < spec.sample) rightOnly.push(e.key);
    } else counts.moved++;
    total++;
  }
  const summary = run.summary!;
  const rows: PartitionRow[] = [];
  const ok = withinCountTolerance(spec, total, summary.left_rows);
  for (const [label, c] of [...perPartition.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const partition = spec.partition ? label : null;
    const status = ok ? 'pass' : 'fail';
    if (c.leftOnly) rows.push({ partition, measure: 'keys only in left', left: String(c.leftOnly), right: '0', difference: String(c.leftOnly), status });
    if (c.rightOnly) rows.push({ partition, measure: 'keys only in right', left: '0', right: String(c.rightOnly), difference: String(-c.rightOnly), status });
    if (c.moved) rows.push({ partition, measure: `keys in another ${spec.partition?.grain ?? 'partition'}`, left: String(c.moved), right: String(c.moved), difference: null, status, note: `${partitionColumn} differs` });
  }
  if (rows.length === 0) {
    rows.push({ partition: null, measure: 'keys', left: String(summary.left_rows), right: String(summary.right_rows), difference: '0', status: 'pass' });
  }
  return { rows, samples: { leftOnly, rightOnly } };
}

export async function runDiffCheck(
  spec: CheckSpec,
  left: Source,
  right: Source,
  window: Window | undefined,
): Promise<Pick<CheckResult, 'rows' | 'samples'>> {
  const run = diffTables({
    left: { source: left, table: spec.left.table!, where: sideWhere(left, spec.left, spec, window) },
    right: { source: right, table: spec.right.table!, where: sideWhere(right, spec.right, spec, window) },
    key: spec.key,
    columns: spec.columns,
    algorithm: spec.algorithm,
  });
  const differences: DiffEvent[] = [];
  for await (const e of run) if (differences.length < spec.sample) differences.push(e);
  const s = run.summary!;
  const total = s.left_only + s.right_only + s.changed;
  const status = withinCountTolerance(spec, total, s.left_rows) ? 'pass' : 'fail';
  const rows: PartitionRow[] = [
    { partition: null, measure: 'rows', left: String(s.left_rows), right: String(s.right_rows), difference: String(s.left_rows - s.right_rows), status },
    { partition: null, measure: 'differences', left: `${s.left_only} only here`, right: `${s.right_only} only here`, difference: `${s.changed} changed`, status },
  ];
  return { rows, samples: { differences } };
}
