/**
 * Output formats of `reckon diff`. Each reporter receives events as they stream and the summary
 * at the end; none keeps more than a bounded sample of events.
 */
import type { DiffEvent, DiffSummary } from '../types.ts';
import type { Output } from './output.ts';
import { groupDigits } from '../group-digits.ts';

/** A reporter given each event as an object. */
export interface EventReporter {
  /** A promise only when the output had to wait; most events are only buffered. */
  event(e: DiffEvent): Promise<void> | void;
  finish(summary: DiffSummary): Promise<void>;
}

/** A reporter that only writes events out, given each batch as their JSON text (DiffRun.jsonBatches). */
export interface JsonReporter {
  eventsJson(events: string[]): Promise<void> | void;
  finish(summary: DiffSummary): Promise<void>;
}

export type Reporter = EventReporter | JsonReporter;

export interface ReportContext {
  left: string;
  right: string;
}

/** The summary line as the CLI contract defines it; one-side columns only when there are some. */
export function summaryRecord(s: DiffSummary): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'summary',
    left_rows: s.left_rows,
    right_rows: s.right_rows,
    left_only: s.left_only,
    right_only: s.right_only,
    changed: s.changed,
    identical: s.identical,
    elapsed_ms: s.elapsed_ms,
    algorithm: s.algorithm,
    bytes_received: s.bytes_received,
  };
  if (s.left_only_columns.length > 0) out.left_only_columns = s.left_only_columns;
  if (s.right_only_columns.length > 0) out.right_only_columns = s.right_only_columns;
  return out;
}

/** One JSON object per line: the events, then the summary. */
export function jsonlReporter(out: Output): JsonReporter {
  return {
    eventsJson: (events) => out.write(`${events.join('\n')}\n`),
    finish: async (s) => out.write(`${JSON.stringify(summaryRecord(s))}\n`),
  };
}

/** One JSON document `{"events":[…],"summary":{…}}`, written incrementally. */
export function jsonReporter(out: Output): JsonReporter {
  let first = true;
  const opening = () => {
    const text = first ? '{"events":[\n' : ',\n';
    first = false;
    return text;
  };
  return {
    eventsJson: (events) => (events.length > 0 ? out.write(`${opening()}${events.join(',\n')}`) : undefined),
    async finish(s) {
      await out.write(`${first ? '{"events":[' : '\n'}],"summary":${JSON.stringify(summaryRecord(s))}}\n`);
    },
  };
}

const SAMPLE = 20;

function keyText(key: Record<string, string | number>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function valueText(v: string | null | undefined): string {
  return v === null || v === undefined ? 'NULL' : JSON.stringify(v);
}

/** How the summary's algorithm read the rows, for the text report. */
const COMPARED_BY: Record<DiffSummary['algorithm'], string> = {
  stream: 'streaming every row',
  digest: 'row hashes in the databases, differing rows read',
  hash: 'range hashes in the databases, differing ranges streamed',
};

/** A readable report: the first differences as they are found, then the totals. */
export function textReporter(out: Output, ctx: ReportContext): EventReporter {
  let shown = 0;
  let total = 0;
  return {
    async event(e) {
      total++;
      if (shown >= SAMPLE) return;
      if (shown === 0) await out.write(`First differences:\n`);
      shown++;
      if (e.type === 'changed') {
        const cols = e.columns.map((c) => `${c}: ${valueText(e.left[c])} -> ${valueText(e.right[c])}`).join('; ');
        await out.write(`  ~ changed     ${keyText(e.key)}  ${cols}\n`);
      } else {
        await out.write(`  ${e.type === 'left_only' ? '-' : '+'} ${e.type.padEnd(11)} ${keyText(e.key)}\n`);
      }
    },
    async finish(s) {
      if (total > shown) await out.write(`  … and ${groupDigits(total - shown)} more (use --format jsonl for all)\n`);
      if (total > 0) await out.write('\n');
      const lines = [
        `left   ${ctx.left}: ${groupDigits(s.left_rows)} rows`,
        `right  ${ctx.right}: ${groupDigits(s.right_rows)} rows`,
        `only in left:  ${groupDigits(s.left_only)}`,
        `only in right: ${groupDigits(s.right_only)}`,
        `changed:       ${groupDigits(s.changed)}`,
      ];
      if (s.left_only_columns.length) lines.push(`columns only in left (not compared):  ${s.left_only_columns.join(', ')}`);
      if (s.right_only_columns.length) lines.push(`columns only in right (not compared): ${s.right_only_columns.join(', ')}`);
      const mb = (n: number) => (n / 1e6).toFixed(n < 1e7 ? 2 : 0);
      lines.push(
        `compared by:   ${COMPARED_BY[s.algorithm]}` +
          ` (received ${mb(s.bytes_received.left)} MB left, ${mb(s.bytes_received.right)} MB right)`,
      );
      const secs = s.elapsed_ms / 1000;
      const rate = secs > 0 ? Math.round((s.left_rows + s.right_rows) / secs) : 0;
      lines.push(
        s.identical
          ? `IDENTICAL (${secs.toFixed(1)} s, ${groupDigits(rate)} rows/s)`
          : `DIFFERENT: ${groupDigits(s.left_only + s.right_only + s.changed)} differences (${secs.toFixed(1)} s, ${groupDigits(rate)} rows/s)`,
      );
      await out.write(lines.join('\n') + '\n');
    },
  };
}
