/** Splitting a range (or the gaps found in it) into batch windows of whole periods. */
import type { Grain } from '../sources/aggregate-dialect.ts';
import { addPeriods, sqlTimestamp } from '../checks/window.ts';
import type { GapRun } from './gaps.ts';

/** One batch: rows with start <= column < end. */
export interface BatchWindow {
  start: string;
  end: string;
  periods: number;
}

function parse(ts: string): Date {
  return new Date(`${ts.replace(' ', 'T')}Z`);
}

/** Cuts [start, end) into windows of at most `size` periods, in order. */
export function cutWindows(start: string, end: string, grain: Grain, size: number): BatchWindow[] {
  const out: BatchWindow[] = [];
  let t = parse(start);
  const stop = parse(end).getTime();
  while (t.getTime() < stop) {
    let next = t;
    let periods = 0;
    while (periods < size && next.getTime() < stop) {
      next = addPeriods(next, grain, 1);
      periods++;
    }
    const e = next.getTime() > stop ? new Date(stop) : next;
    out.push({ start: sqlTimestamp(t), end: sqlTimestamp(e), periods });
    t = e;
  }
  return out;
}

/** Batch windows over gap runs: each run cut separately, so no batch spans healthy periods. */
export function windowsForRuns(runs: readonly GapRun[], grain: Grain, size: number): BatchWindow[] {
  return runs.flatMap((r) => cutWindows(r.start, r.end, grain, size));
}
