/**
 * The benchmark's library runner: the same diff as `reckon diff … --format jsonl`, through
 * `diffTables` directly, so the bench can measure the engine without the CLI (`--via library`)
 * and profile it with `node --cpu-prof`.
 *
 * usage: node --import tsx bench/run-diff.ts <left-url> <left-table> <right-url> <right-table>
 *          [--concurrency N] [--chunk-size N] [--stage scan|normalize|diff]
 * Prints every event as one JSON line, then the summary line, like the CLI's jsonl format.
 *
 * --stage cuts the pipeline short to see what each part costs in wall time: `scan` only reads both
 * sides through the sources (driver parsing and chunking), `normalize` also normalises every value,
 * `diff` (the default) is the whole diff. The partial stages print a summary with row counts only.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { diffTables, normalizerFor, openSource, type ScanRequest, type Source } from '../src/index.ts';
import { parseTableName } from '../src/sources/dialect.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { concurrency: { type: 'string' }, 'chunk-size': { type: 'string' }, stage: { type: 'string', default: 'diff' } },
});
if (positionals.length !== 4 || !['scan', 'normalize', 'diff'].includes(values.stage)) {
  process.stderr.write(
    'usage: run-diff.ts <left-url> <left-table> <right-url> <right-table> [--concurrency N] [--chunk-size N] [--stage scan|normalize|diff]\n',
  );
  process.exit(2);
}
const [leftUrl, leftTable, rightUrl, rightTable] = positionals as [string, string, string, string];
const chunkSize = values['chunk-size'] ? Number(values['chunk-size']) : 1000;

// Respect stdout backpressure like the CLI's reporters, so the runner never buffers events.
const write = async (s: string) => {
  if (!process.stdout.write(s)) await once(process.stdout, 'drain');
};

/** Reads one side through its Source as the diff does, optionally normalising; returns the row count. */
async function readSide(source: Source, table: string, normalize: boolean): Promise<number> {
  const info = await source.describe(parseTableName(table)!);
  const keys = info.primaryKey.map((k) => info.columns.find((c) => c.name === k)!);
  const rest = info.columns.filter((c) => !info.primaryKey.includes(c.name));
  const req: ScanRequest = {
    table: info.table,
    keyColumns: keys.map((k) => ({ name: k.name, type: k.logicalType, collation: k.collation })),
    columns: rest.map((c) => ({ name: c.name, type: c.logicalType })),
    range: {},
    chunkSize,
  };
  const norms = [...keys, ...rest].map((c) => normalizerFor(c.logicalType));
  let n = 0;
  for await (const chunk of source.scan(req)) {
    if (normalize) {
      for (const row of chunk) for (let i = 0; i < norms.length; i++) row[i] = norms[i]!(row[i] ?? null);
    }
    n += chunk.length;
  }
  return n;
}

if (values.stage === 'diff') {
  const run = diffTables({
    left: { url: leftUrl, table: leftTable },
    right: { url: rightUrl, table: rightTable },
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    chunkSize,
  });
  for await (const e of run) await write(`${JSON.stringify(e)}\n`);
  await write(`${JSON.stringify(run.summary)}\n`);
} else {
  const t0 = Date.now();
  const left = openSource(leftUrl, { maxConnections: 2 });
  const right = openSource(rightUrl, { maxConnections: 2 });
  try {
    // Both sides at once, as the merge-join reads them.
    const normalize = values.stage === 'normalize';
    const [l, r] = await Promise.all([readSide(left, leftTable, normalize), readSide(right, rightTable, normalize)]);
    await write(
      `${JSON.stringify({ type: 'summary', stage: values.stage, left_rows: l, right_rows: r, left_only: 0, right_only: 0, changed: 0, elapsed_ms: Date.now() - t0 })}\n`,
    );
  } finally {
    await Promise.all([left.close(), right.close()]);
  }
}
