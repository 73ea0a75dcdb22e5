import { diffTables, type DiffOptions } from '../../src/index.ts';
import type { DiffEvent, DiffSummary } from '../../src/types.ts';

/** Runs a diff to the end and returns every event and the summary (tests only: small tables). */
export async function collectDiff(opts: DiffOptions): Promise<{ events: DiffEvent[]; summary: DiffSummary }> {
  const run = diffTables(opts);
  const events: DiffEvent[] = [];
  for await (const e of run) events.push(e);
  if (!run.summary) throw new Error('diff finished without a summary');
  return { events, summary: run.summary };
}
