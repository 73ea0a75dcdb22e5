/** What a check run produces: one result per check, one row per partition and measure. */

export type Status = 'pass' | 'fail' | 'error';

export interface PartitionRow {
  /** Partition label (`2024-01-03`), or null for an unpartitioned check. */
  partition: string | null;
  /** What was compared: `count`, `sum(amount)`, `missing keys`, `differences`. */
  measure: string;
  left: string | null;
  right: string | null;
  /** left - right, when both are numbers. */
  difference: string | null;
  status: 'pass' | 'fail';
  /** Why a row failed beyond its numbers, e.g. `missing on right`. */
  note?: string;
}

export interface CheckResult {
  name: string;
  kind: string;
  status: Status;
  startedAt: string;
  durationMs: number;
  /** Every partition row compared (bounded by the number of partitions in the window). */
  rows: PartitionRow[];
  /** Key samples for keys checks, difference samples for diff checks. */
  samples?: { leftOnly?: unknown[]; rightOnly?: unknown[]; differences?: unknown[] };
  error?: string;
}

export interface RunResult {
  runId: string;
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
  status: Status;
  alert?: { delivered: boolean; attempts: number; error?: string };
}

/** 0 when every check passed, 1 when any failed, 2 when any could not run. */
export function exitCodeOf(status: Status): number {
  return status === 'pass' ? 0 : status === 'fail' ? 1 : 2;
}

export function overallStatus(checks: readonly CheckResult[]): Status {
  if (checks.some((c) => c.status === 'error')) return 'error';
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  return 'pass';
}
