/** `reckon gaps`: missing (or short, or thin) periods of a table, collapsed into runs. */
import { describeRun, findGaps, type GapsResult } from '../backfill/gaps.ts';
import type { Grain } from '../sources/aggregate-dialect.ts';
import { openSource } from '../sources/connect.ts';
import type { Source } from '../sources/source.ts';
import { openOutput } from './output.ts';

export interface GapsCommandOptions {
  url: string;
  table: string;
  column: string;
  from: string;
  to: string;
  grain: Grain;
  where?: string;
  against?: [string, string];
  minRows?: number;
  format: 'text' | 'json';
  output?: string;
}

function textReport(r: GapsResult, o: GapsCommandOptions): string {
  const lines: string[] = [];
  for (const run of r.runs) {
    const inRun = r.periods.filter((p) => p.start >= run.start && p.end <= run.end);
    const rows = inRun.reduce((s, p) => s + p.rows, 0);
    const sourceRows = inRun.reduce((s, p) => s + (p.sourceRows ?? 0), 0);
    const counted = `${rows} row${rows === 1 ? '' : 's'}`;
    const detail =
      run.status === 'short' ? `: ${counted}, the source has ${sourceRows}` : run.status === 'thin' ? `: ${counted}, fewer than ${o.minRows} a ${r.grain}` : '';
    lines.push(`${run.status.padEnd(7)}  ${describeRun(run, r.grain)}${detail}`);
  }
  const bad = r.periods.filter((p) => p.status !== 'ok').length;
  lines.push(
    bad === 0
      ? `no gaps: all ${r.periods.length} ${r.grain}s from ${r.from} to ${r.to} hold rows`
      : `${bad} of ${r.periods.length} ${r.grain}s need attention, in ${r.runs.length} run${r.runs.length === 1 ? '' : 's'} (${r.from} to ${r.to})`,
  );
  return lines.join('\n') + '\n';
}

/** Exit 0 no gaps, 1 gaps found. */
export async function gapsCommand(o: GapsCommandOptions): Promise<number> {
  const opened: Source[] = [];
  const open = (url: string) => {
    const s = openSource(url, { maxConnections: 2 });
    opened.push(s);
    return s;
  };
  try {
    const result = await findGaps({
      source: open(o.url),
      table: o.table,
      where: o.where,
      column: o.column,
      grain: o.grain,
      from: o.from,
      to: o.to,
      minRows: o.minRows,
      against: o.against ? { source: open(o.against[0]), table: o.against[1], where: o.where } : undefined,
    });
    const out = await openOutput(o.output);
    try {
      await out.write(o.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : textReport(result, o));
    } finally {
      await out.close();
    }
    return result.runs.length === 0 ? 0 : 1;
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}
