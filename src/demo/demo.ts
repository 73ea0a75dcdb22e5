/**
 * `npm start`: a real diff with nothing to install. Two in-memory PostgreSQL databases (PGlite
 * behind pglite-socket) get the same generated `orders` table, the right one with seeded drift;
 * then the CLI itself diffs them over the wire protocol and the demo checks its counts against the
 * drift it planted.
 *
 * Exit codes: 0 when reckon found exactly the planted differences, 2 when it did not or anything
 * failed. `reckon diff` itself exits 1 here (differences found); passing that on would make npm
 * print an error banner under a demo that worked.
 *
 * Environment: RECKON_DEMO_ROWS (default 200,000; PGlite needs about 1.2 GB at that size) and
 * RECKON_DEMO_SEED (default 42), which picks the drift.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.ts';
import { MIN_ROWS, mismatches, planDrift, truthOf, type Found, type Truth, type UpdateKind } from './drift.ts';
import { createDatabase, serve, type EmbeddedPostgres } from './embedded-postgres.ts';
import { applyDrift, createOrders, ORDERS_TABLE } from './orders.ts';
import { groupDigits } from '../group-digits.ts';

export const DEFAULT_ROWS = 200_000;
export const DEFAULT_SEED = 42;
/** Past this PGlite's memory (about 1 GB per million rows per copy) outgrows a laptop demo. */
const MAX_ROWS = 2_000_000;

const EXIT_OK = 0;
const EXIT_FAILED = 2;

const UPDATE_LABEL: Record<UpdateKind, string> = {
  amount: 'amount + 0.01',
  placed_at: 'placed_at + 1 µs',
  paid: 'paid flipped',
  customer: 'customer + trailing space',
  note: 'note gains a key',
  'amount+paid': 'amount and paid',
};

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

class DemoConfigError extends Error {}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!/^[\d_]+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new DemoConfigError(`${name} must be a whole number from ${groupDigits(min)} to ${groupDigits(max)}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Reads the totals from the text report of `reckon diff`; undefined when a line is missing. */
export function countsFromReport(report: string): Found | undefined {
  const num = (re: RegExp) => {
    const m = re.exec(report);
    return m ? Number(m[1]!.replaceAll(',', '')) : undefined;
  };
  const found = {
    leftRows: num(/^left\s.*: ([\d,]+) rows$/m),
    rightRows: num(/^right\s.*: ([\d,]+) rows$/m),
    leftOnly: num(/^only in left:\s+([\d,]+)$/m),
    rightOnly: num(/^only in right:\s+([\d,]+)$/m),
    changed: num(/^changed:\s+([\d,]+)$/m),
  };
  return Object.values(found).every((v) => v !== undefined) ? (found as Found) : undefined;
}

function describeTruth(t: Truth): string {
  return `${groupDigits(t.leftOnly)} only in left, ${groupDigits(t.rightOnly)} only in right, ${groupDigits(t.changed)} changed`;
}

/** Runs the demo, writing narration to stderr and reckon's report to stdout; returns the exit code. */
export async function runDemo(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const say = (s = '') => process.stderr.write(`${s}\n`);
  const servers: EmbeddedPostgres[] = [];
  let reportDir: string | undefined;
  try {
    const rows = intFromEnv(env, 'RECKON_DEMO_ROWS', DEFAULT_ROWS, MIN_ROWS, MAX_ROWS);
    const seed = intFromEnv(env, 'RECKON_DEMO_SEED', DEFAULT_SEED, 0, 2 ** 32 - 1);
    say('reckon demo: two in-memory PostgreSQL databases (PGlite), nothing to install.');
    say();

    let t = Date.now();
    process.stderr.write('Starting PostgreSQL in WebAssembly (PGlite) … ');
    const leftDb = await createDatabase();
    servers.push(await serve(leftDb));
    say(`${secs(Date.now() - t)}`);

    t = Date.now();
    process.stderr.write(`Generating ${ORDERS_TABLE} on the left: ${groupDigits(rows)} rows … `);
    await createOrders(leftDb, rows);
    const loadMs = Date.now() - t;
    say(`${secs(loadMs)} (${groupDigits(Math.round(rows / (Math.max(1, loadMs) / 1000)))} rows/s)`);
    say('  (id bigint primary key, customer text, amount numeric(12,2), placed_at timestamptz, paid boolean, note jsonb)');

    t = Date.now();
    process.stderr.write(`Copying it to the right and planting drift (seed ${seed}) … `);
    // Restoring the left's data directory skips a second initdb and a second generation: it
    // takes about half the time of building the right side from scratch.
    const rightDb = await createDatabase(await leftDb.dumpDataDir('none'));
    servers.push(await serve(rightDb));
    const plan = planDrift(rows, seed);
    await applyDrift(rightDb, plan);
    const truth = truthOf(plan);
    say(`${secs(Date.now() - t)}`);
    say(`  deleted on the right:  ${groupDigits(truth.leftOnly).padStart(7)} rows`);
    say(`  inserted on the right: ${groupDigits(truth.rightOnly).padStart(7)} rows`);
    const kinds = [...plan.updated].map(([k, ids]) => `${UPDATE_LABEL[k]}: ${groupDigits(ids.length)}`).join(', ');
    say(`  updated on the right:  ${groupDigits(truth.changed).padStart(7)} rows (${kinds})`);
    say();

    const [left, right] = servers as [EmbeddedPostgres, EmbeddedPostgres];
    reportDir = await mkdtemp(join(tmpdir(), 'reckon-demo-'));
    const reportFile = join(reportDir, 'report.txt');
    const args = ['diff', left.url, ORDERS_TABLE, right.url, ORDERS_TABLE, '--progress'];
    // Quoted as a shell would need them: the URLs carry a `?`.
    say(`Running: reckon ${args.map((a) => (/^[\w./@:-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`);
    t = Date.now();
    // The report goes to a file first so the demo can read reckon's totals back; it is shown
    // unchanged on stdout right after.
    const code = await main([...args, '--output', reportFile]);
    const diffMs = Date.now() - t;
    const report = await readFile(reportFile, 'utf8').catch(() => '');
    process.stdout.write(report);
    say();
    if (code === EXIT_FAILED) {
      say('reckon diff failed (exit 2); the demo did not finish.');
      return EXIT_FAILED;
    }
    const found = countsFromReport(report);
    if (!found) {
      say(`reckon diff exited ${code} but its report has no totals to check against the drift.`);
      return EXIT_FAILED;
    }
    const wrong = mismatches(truth, found);
    if (code !== 1 || wrong.length > 0) {
      say(`MISMATCH: reckon found ${describeTruth(found)}, but the planted drift is ${describeTruth(truth)}`);
      if (wrong.length > 0) say(`  differing counts: ${wrong.join(', ')}`);
      return EXIT_FAILED;
    }
    const rate = Math.round((found.leftRows + found.rightRows) / (diffMs / 1000));
    say(`reckon found ${describeTruth(found)}: matches the generated drift.`);
    say(`Diffed ${groupDigits(found.leftRows + found.rightRows)} rows in ${secs(diffMs)} (${groupDigits(rate)} rows/s over two wire-protocol connections).`);
    say(`reckon diff exited 1 (differences found); the demo exits 0 because they are exactly the planted ones.`);
    return EXIT_OK;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    say(`${err instanceof DemoConfigError ? '' : '\n'}reckon demo: ${message}`);
    return EXIT_FAILED;
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  }
}
