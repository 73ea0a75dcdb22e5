/** `reckon diff`: a plain async function over parsed options; main.ts owns parsing and exit codes. */
import { diffTables } from '../diff/diff-tables.ts';
import { ReckonError, redactUrl } from '../errors.ts';
import type { DiffAlgorithm } from '../types.ts';
import { openOutput } from './output.ts';
import { progressLine } from './progress.ts';
import { jsonReporter, jsonlReporter, textReporter, type Reporter } from './reporters.ts';

export interface DiffCommandOptions {
  leftUrl: string;
  leftTable: string;
  rightUrl: string;
  rightTable: string;
  key?: string[];
  columns?: string[];
  where?: string;
  leftWhere?: string;
  rightWhere?: string;
  format: 'text' | 'jsonl' | 'json';
  output?: string;
  concurrency: number;
  chunkSize: number;
  retries: number;
  algorithm?: DiffAlgorithm;
  /** undefined: only when stderr is a terminal. */
  progress?: boolean;
}

/** Runs the diff and writes the report; returns 0 when identical, 1 when differences were found. */
export async function diffCommand(o: DiffCommandOptions): Promise<number> {
  const showProgress = o.progress ?? process.stderr.isTTY === true;
  const progress = showProgress ? progressLine() : undefined;
  const run = diffTables({
    left: { url: o.leftUrl, table: o.leftTable, where: o.leftWhere },
    right: { url: o.rightUrl, table: o.rightTable, where: o.rightWhere },
    key: o.key,
    columns: o.columns,
    where: o.where,
    concurrency: o.concurrency,
    chunkSize: o.chunkSize,
    retries: o.retries,
    algorithm: o.algorithm,
    onAlgorithm: ({ algorithm, reason }) => {
      if (o.algorithm === 'auto' || o.algorithm === undefined || algorithm !== o.algorithm) {
        const how = algorithm === 'hash' ? 'range hashes' : algorithm === 'digest' ? 'row hashes (reading only rows that differ)' : 'streaming every row';
        if (showProgress) process.stderr.write(`reckon: comparing by ${how}: ${reason}\n`);
      }
    },
    onProgress: progress ? (p) => progress.update(p) : undefined,
    onRetry: ({ side, attempt, error }) => {
      progress?.done();
      process.stderr.write(`reckon: lost the ${side} connection (${error.message}); retry ${attempt}/${o.retries}, resuming after the last key read\n`);
    },
  });
  const out = await openOutput(o.output);
  try {
    const reporter: Reporter =
      o.format === 'jsonl'
        ? jsonlReporter(out)
        : o.format === 'json'
          ? jsonReporter(out)
          : textReporter(out, { left: `${o.leftTable} @ ${redactUrl(o.leftUrl)}`, right: `${o.rightTable} @ ${redactUrl(o.rightUrl)}` });
    if ('eventsJson' in reporter) {
      for await (const batch of run.jsonBatches()) {
        await reporter.eventsJson(batch);
        await out.flush();
      }
    } else {
      for await (const batch of run.batches()) {
        for (const e of batch) {
          // A write only returns a promise when it hands text to the stream; most only buffer.
          const pending = reporter.event(e);
          if (pending) await pending;
        }
        await out.flush();
      }
    }
    progress?.done();
    const summary = run.summary;
    if (!summary) throw new ReckonError('QUERY', 'the diff ended without a summary');
    await reporter.finish(summary);
    return summary.identical ? 0 : 1;
  } finally {
    progress?.done();
    await out.close();
  }
}
