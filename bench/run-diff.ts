/**
 * The benchmark's library runner: the same diff as `reckon diff … --format jsonl`, through
 * `diffTables` directly, so the bench can measure the engine without the CLI (`--via library`)
 * and profile it with `node --cpu-prof`.
 *
 * usage: node --import tsx bench/run-diff.ts <left-url> <left-table> <right-url> <right-table>
 *          [--concurrency N] [--chunk-size N]
 * Prints every event as one JSON line, then the summary line, like the CLI's jsonl format.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { diffTables } from '../src/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { concurrency: { type: 'string' }, 'chunk-size': { type: 'string' } },
});
if (positionals.length !== 4) {
  process.stderr.write('usage: run-diff.ts <left-url> <left-table> <right-url> <right-table> [--concurrency N] [--chunk-size N]\n');
  process.exit(2);
}
const [leftUrl, leftTable, rightUrl, rightTable] = positionals as [string, string, string, string];

const run = diffTables({
  left: { url: leftUrl, table: leftTable },
  right: { url: rightUrl, table: rightTable },
  concurrency: values.concurrency ? Number(values.concurrency) : undefined,
  chunkSize: values['chunk-size'] ? Number(values['chunk-size']) : undefined,
});

// Respect stdout backpressure like the CLI's reporters, so the runner never buffers events.
const write = async (s: string) => {
  if (!process.stdout.write(s)) await once(process.stdout, 'drain');
};
for await (const e of run) await write(`${JSON.stringify(e)}\n`);
await write(`${JSON.stringify(run.summary)}\n`);
