/**
 * The benchmark's library runner: the same diff as `reckon diff … --format jsonl`, through
 * `diffTables` directly, so the bench can measure the engine without the CLI (`--via library`)
 * and profile it with `node --cpu-prof`.
 *
 * usage: node --import tsx bench/run-diff.ts <left-url> <left-table> <right-url> <right-table>
 *          [--concurrency N] [--chunk-size N] [--algorithm auto|stream|hash] [--stage scan|diff]
 * Prints every event as one JSON line, then the summary line, like the CLI's jsonl format.
 *
 * --stage scan only reads both sides through the sources (driver parsing and chunking), in turn
 * as the merge-join does, and prints a summary with row counts only; `diff` (the default) is the
 * whole diff. A third stage, read + normalise, was tried and dropped: on PG↔PG it spent five times
 * the real diff's GC time (heap promotions the diff does not have), so its figure misled; the CPU
 * profile splits normalisation from merging instead.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { diffTables, openSource, type ScanRequest, type Source } from '../src/index.ts';
import { parseTableName } from '../src/sources/dialect.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string' },
    'chunk-size': { type: 'string' },
    algorithm: { type: 'string' },
    stage: { type: 'string', default: 'diff' },
  },
});
const ALGORITHMS = ['auto', 'stream', 'digest', 'hash'] as const;
type Algorithm = (typeof ALGORITHMS)[number];
const algorithm = values.algorithm as Algorithm | undefined;
if (positionals.length !== 4 || !['scan', 'diff'].includes(values.stage) || (algorithm !== undefined && !ALGORITHMS.includes(algorithm))) {
  process.stderr.write(
    'usage: run-diff.ts <left-url> <left-table> <right-url> <right-table> [--concurrency N] [--chunk-size N] [--algorithm auto|stream|hash] [--stage scan|diff]\n',
  );
  process.exit(2);
}
const [leftUrl, leftTable, rightUrl, rightTable] = positionals as [string, string, string, string];
const chunkSize = values['chunk-size'] ? Number(values['chunk-size']) : 1000;

// Respect stdout backpressure like the CLI's reporters, so the runner never buffers events.
const write = async (s: string) => {
  if (!process.stdout.write(s)) await once(process.stdout, 'drain');
};

/** The scan of one side as the diff makes it. */
async function* sideChunks(source: Source, table: string): AsyncGenerator<unknown[][]> {
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
  yield* source.scan(req);
}

/** Reads both sides chunk by chunk in turn, as the merge-join does when the sides keep pace. */
async function readBoth(left: Source, right: Source): Promise<[number, number]> {
  const l = sideChunks(left, leftTable);
  const r = sideChunks(right, rightTable);
  let [nl, nr] = [0, 0];
  let [ldone, rdone] = [false, false];
  while (!ldone || !rdone) {
    if (!ldone) {
      const x = await l.next();
      if (x.done) ldone = true;
      else nl += x.value.length;
    }
    if (!rdone) {
      const x = await r.next();
      if (x.done) rdone = true;
      else nr += x.value.length;
    }
  }
  return [nl, nr];
}

if (values.stage === 'diff') {
  const run = diffTables({
    left: { url: leftUrl, table: leftTable },
    right: { url: rightUrl, table: rightTable },
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    chunkSize,
    // Spread, so this type-checks against engines from before DiffOptions had the option too.
    ...(algorithm ? { algorithm } : {}),
  });
  for await (const e of run) await write(`${JSON.stringify(e)}\n`);
  await write(`${JSON.stringify(run.summary)}\n`);
} else {
  const t0 = Date.now();
  const left = openSource(leftUrl, { maxConnections: 2 });
  const right = openSource(rightUrl, { maxConnections: 2 });
  try {
    const [l, r] = await readBoth(left, right);
    await write(
      `${JSON.stringify({ type: 'summary', stage: values.stage, left_rows: l, right_rows: r, left_only: 0, right_only: 0, changed: 0, elapsed_ms: Date.now() - t0 })}\n`,
    );
  } finally {
    await Promise.all([left.close(), right.close()]);
  }
}
