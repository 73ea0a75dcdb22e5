/**
 * Partition windows in UTC: "the last 7 days" means the current day and the six before it,
 * whatever the machine's time zone, so a job scheduled at 06:00 anywhere checks the same days.
 */
import type { Grain, PartitionSpec } from './config.ts';

export interface Window {
  from?: string;
  to?: string;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** `YYYY-MM-DD HH:MM:SS` of a UTC instant. */
export function sqlTimestamp(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

/** The start of the period of `grain` that contains `d` (weeks start on Monday). */
export function periodStart(d: Date, grain: Grain): Date {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), grain === 'month' ? 1 : d.getUTCDate(), grain === 'hour' ? d.getUTCHours() : 0));
  if (grain === 'week') t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7));
  return t;
}

/** `d` moved by `n` periods of `grain`. */
export function addPeriods(d: Date, grain: Grain, n: number): Date {
  const t = new Date(d.getTime());
  if (grain === 'hour') t.setUTCHours(t.getUTCHours() + n);
  else if (grain === 'day') t.setUTCDate(t.getUTCDate() + n);
  else if (grain === 'week') t.setUTCDate(t.getUTCDate() + 7 * n);
  else t.setUTCMonth(t.getUTCMonth() + n);
  return t;
}

function normalizeBound(text: string): string {
  return text.length === 10 ? `${text} 00:00:00` : text.replace('T', ' ').padEnd(19, ':00').slice(0, 19);
}

/** The window a partition spec selects, evaluated at `now`. */
export function windowFor(spec: PartitionSpec, now: Date = new Date()): Window {
  if (spec.last !== undefined) {
    const end = addPeriods(periodStart(now, spec.grain), spec.grain, 1);
    return { from: sqlTimestamp(addPeriods(end, spec.grain, -spec.last)), to: sqlTimestamp(end) };
  }
  return { from: spec.from ? normalizeBound(spec.from) : undefined, to: spec.to ? normalizeBound(spec.to) : undefined };
}

/** The partition label of a canonical date or timestamp text, as the databases format it. */
export function labelOf(canonical: string, grain: Grain): string {
  switch (grain) {
    case 'hour':
      return `${canonical.slice(0, 13)}:00`;
    case 'day':
      return canonical.slice(0, 10);
    case 'month':
      return canonical.slice(0, 7);
    case 'week': {
      const d = new Date(`${canonical.slice(0, 10)}T00:00:00Z`);
      return sqlTimestamp(periodStart(d, 'week')).slice(0, 10);
    }
  }
}
