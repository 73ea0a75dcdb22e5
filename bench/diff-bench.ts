/**
 * `npm run bench`: reckon's diff against a floor measured in the same run.
 *
 * For each table size, drift and pairing it streams both tables to /dev/null with the engines'
 * own clients in parallel (the floor: what reading the rows costs at all), then runs reckon as a
 * child process under /usr/bin/time, once per --algorithms entry, alternating with the floor
 * `--repeat` times, and reports medians, the ratio, rows/s, peak RSS, the bytes reckon received
 * and whether the summary matched the generated truth. The ratio is the number that means
 * something on a shared, noisy machine; seconds alone do not.
 *
 *   npm run bench -- --rows 1000000 --drift 0.1% --pairings pg-pg,pg-maria,maria-maria --repeat 3
 *   npm run bench -- --rows 1000000,3000000 --pairings pg-maria        # memory flatness sweep
 *   npm run bench -- --rows 1000000 --profile                           # + CPU profile summary
 *   npm run bench -- --rows 10000000 --pairings pg-maria --drift 0 --differences 100 --algorithms stream,auto
 *   npm run bench -- --rows 1000000 --pairings pg-maria --throttle 100mbit
 *
 * What differs: --drift LIST (fractions or percentages, e.g. 0.1%,10%; 0 = identical tables;
 * default 0.1% unless --differences is given) and --differences LIST (about N scattered
 * differences in all, e.g. 100); every entry of both is measured. See bench/generate.ts.
 *
 * --algorithms LIST (auto, stream, digest, hash; default auto): each is passed to reckon as --algorithm
 * and gets its own row; where a stream row stands beside a hash or auto row, the report gives
 * the bytes received as a share of the stream run's (reckon's summary reports bytes_received).
 *
 * --throttle LIST (none, or rates such as 100mbit, 20mbit; default none): the whole set of runs
 * once per entry, the databases behind a link of that rate (tc netem when it can, else a
 * userspace proxy: bench/throttle.ts), each link a table of its own.
 *
 * Options: --via cli|library (default cli when bin/reckon.js exists), --concurrency N and
 * --chunk-size N (passed to reckon), --regenerate, --warmup N (unmeasured floor runs first,
 * default 1), --stages (also time a read-only run, to split the wall time into reading and the
 * rest), --rev COMMIT (run reckon from an exported snapshot of that commit instead of the working
 * tree), --profile (CPU profile of one run per pairing, summarised by part), --pg-url,
 * --maria-url (or RECKON_BENCH_PG / RECKON_BENCH_MARIA), --out FILE (this run's report, default
 * bench/out/latest.md), --results FILE (default bench/RESULTS.md: this run's rows merged with the
 * earlier runs' kept in FILE's .json twin, see bench/diff-report.ts; --fresh-results forgets them).
 *
 * --with-pg-comparator (default on; --without-pg-comparator turns it off): for pg-pg, a
 * pg_comparator run is interleaved with each floor and reckon run, timed the same way and checked
 * against the truth; see bench/pg-comparator.ts for the set-up and the mode it runs in. When it
 * cannot be installed or set up, the bench goes on without it and the report says why. On the
 * MariaDB pairings the report uses pg_comparator's ratios to the floor measured in issue 5.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ALGORITHMS,
  fmt,
  int,
  loadStore,
  mergeRun,
  PAIRINGS,
  patternLabel,
  render,
  saveStore,
  storePath,
  type Algorithm,
  type Pairing,
  type Pattern,
  type Row,
  type RunInfo,
} from './diff-report.ts';
import { differencesStep, driftStep, ensureTables, tableNames, truthFor, type Truth } from './generate.ts';
import { measureBaselineRss, measureFloor, measureReckon, type Engine, type ReckonInvocation, type ReckonResult, type Side } from './measure.ts';
import { ensurePgComparator, measurePgComparator, PGC_OPTIONS, type PgcAvailability, type PgcResult } from './pg-comparator.ts';
import { formatSummary, summariseFile } from './profile-summary.ts';
import { openLink, type NetLink } from './throttle.ts';
import { parseRate } from './throttle-proxy.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

/** "1000000", "1m", "3M", "500k", "1e6" to a row count. */
function parseRows(text: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) fail(`--rows: not a row count: ${text}`);
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1);
  if (!Number.isSafeInteger(n) || n < 10) fail(`--rows: need a whole number of at least 10, got ${text}`);
  return n;
}

/** "0.1%" or "0.001" to a fraction. */
function parseDrift(text: string): number {
  const pct = text.trim().endsWith('%');
  const n = Number(pct ? text.trim().slice(0, -1) : text);
  if (!Number.isFinite(n) || n < 0) fail(`--drift: not a fraction or percentage: ${text}`);
  return pct ? n / 100 : n;
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) fail(`--${name} must be a positive integer, got ${text}`);
  return n;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    drift: { type: 'string' },
    differences: { type: 'string' },
    pairings: { type: 'string', default: 'pg-pg,pg-maria,maria-maria' },
    algorithms: { type: 'string', default: 'auto' },
    throttle: { type: 'string', default: 'none' },
    repeat: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    via: { type: 'string' },
    concurrency: { type: 'string' },
    'chunk-size': { type: 'string' },
    regenerate: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    stages: { type: 'boolean', default: false },
    'pg-url': { type: 'string', default: process.env.RECKON_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'maria-url': { type: 'string', default: process.env.RECKON_BENCH_MARIA ?? 'mysql://root@127.0.0.1:3306/test' },
    out: { type: 'string', default: join(ROOT, 'bench/out/latest.md') },
    results: { type: 'string', default: join(ROOT, 'bench/RESULTS.md') },
    'fresh-results': { type: 'boolean', default: false },
    'with-pg-comparator': { type: 'boolean', default: true },
    'without-pg-comparator': { type: 'boolean', default: false },
    rev: { type: 'string' },
  },
});

const sizes = list(values.rows).map(parseRows);

/** --drift and --differences entries; 0.1% drift when neither is given. */
function parsePatterns(): Pattern[] {
  const drifts = values.drift ?? (values.differences === undefined ? '0.1%' : '');
  const out: Pattern[] = list(drifts).map((t) => ({ kind: 'drift', fraction: parseDrift(t) }));
  for (const t of list(values.differences ?? '')) {
    const n = Number(t);
    if (!Number.isSafeInteger(n) || n < 0) fail(`--differences: not a whole number: ${t}`);
    out.push({ kind: 'differences', n });
  }
  if (!out.length) fail('--drift / --differences: nothing to measure');
  return out;
}
const patterns = parsePatterns();

/** The generator's step for a pattern at a size (they name the tables, so equal steps share them). */
function stepFor(p: Pattern, rows: number): number {
  try {
    return p.kind === 'drift' ? driftStep(p.fraction) : differencesStep(rows, p.n);
  } catch (err) {
    fail(`${p.kind === 'drift' ? '--drift' : '--differences'}: ${(err as Error).message}`);
  }
}
for (const n of sizes) for (const p of patterns) stepFor(p, n);

const pairings = list(values.pairings) as Pairing[];
for (const p of pairings) if (!(p in PAIRINGS)) fail(`--pairings: unknown pairing ${p} (known: ${Object.keys(PAIRINGS).join(', ')})`);
const algorithms = [...new Set(list(values.algorithms))] as Algorithm[];
for (const a of algorithms) if (!ALGORITHMS.includes(a)) fail(`--algorithms: unknown algorithm ${a} (known: ${ALGORITHMS.join(', ')})`);
if (!algorithms.length) fail('--algorithms: none given');
const throttles = [...new Set(list(values.throttle))];
for (const t of throttles) {
  if (t === 'none') continue;
  try {
    parseRate(t);
  } catch (err) {
    fail(`--throttle: ${(err as Error).message}`);
  }
}
const repeat = positiveInt('repeat', values.repeat)!;
const warmup = Number(values.warmup);
if (!Number.isSafeInteger(warmup) || warmup < 0) fail(`--warmup must be a whole number, got ${values.warmup}`);
const concurrency = positiveInt('concurrency', values.concurrency);
const chunkSize = positiveInt('chunk-size', values['chunk-size']);

/**
 * The tree reckon runs from. By default this checkout, uncommitted edits included; with --rev, an
 * exported snapshot of that commit, so edits others make in the checkout during a long run cannot
 * change what is measured half-way.
 */
function reckonTree(): { dir: string; revision: string } {
  const dirty = () => (sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'bin']) ? ' + uncommitted changes in src/bin' : '');
  if (!values.rev) return { dir: ROOT, revision: `${sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}${dirty()} (working tree)` };
  const sha = sh('git', ['-C', ROOT, 'rev-parse', '--verify', `${values.rev}^{commit}`]);
  if (!/^[0-9a-f]{40}$/.test(sha)) fail(`--rev: not a commit: ${values.rev}`);
  const dir = join(tmpdir(), `reckon-bench-${sha.slice(0, 12)}`);
  if (!existsSync(join(dir, 'package.json'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git -C "${ROOT}" archive ${sha} | tar -x -C "${dir}"`]);
    // Dependencies are not part of a commit; the checkout's own are the ones installed.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  }
  // The bundle, as `npm ci` builds it: without it bin/reckon.js runs the sources through tsx, which
  // costs about 45 MB and a slower start, and the snapshot's figures would not be the product's.
  if (!existsSync(join(dir, 'dist/reckon.js')) && existsSync(join(dir, 'scripts/build.mjs'))) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'ignore' });
  }
  return { dir, revision: `${sha.slice(0, 7)} (snapshot in ${dir})` };
}

const tree = reckonTree();
const cliExists = existsSync(join(tree.dir, 'bin/reckon.js')) && existsSync(join(tree.dir, 'src/cli/main.ts'));
const via = (values.via ?? (cliExists ? 'cli' : 'library')) as 'cli' | 'library';
if (via !== 'cli' && via !== 'library') fail(`--via must be cli or library, got ${values.via}`);
if (via === 'cli' && !cliExists) fail('--via cli: bin/reckon.js is missing; use --via library');
const urls = { postgres: values['pg-url'], mysql: values['maria-url'] } as const;

const log = (s: string) => process.stderr.write(`${s}\n`);

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine(): Record<string, string> {
  const my = new URL(urls.mysql);
  return {
    cores: String(os.cpus().length),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    PostgreSQL: sh('psql', [urls.postgres, '-X', '-Atc', 'SHOW server_version']),
    MariaDB: sh('mariadb', ['-h', my.hostname, '-P', my.port || '3306', '-u', decodeURIComponent(my.username || 'root'), '-N', '-e', 'SELECT VERSION()'], {
      ...process.env,
      MYSQL_PWD: decodeURIComponent(my.password),
    }),
    commit: tree.revision,
  };
}

function sidesOf(at: Record<Engine, string>, pairing: Pairing, rows: number, step: number): { left: Side; right: Side } {
  const [le, re] = PAIRINGS[pairing];
  const t = tableNames(rows, step);
  return { left: { engine: le, url: at[le], table: t.left }, right: { engine: re, url: at[re], table: t.right } };
}

function check(truth: Truth, r: ReckonResult): string | undefined {
  const s = r.summary;
  const wrong = (['left_rows', 'right_rows', 'left_only', 'right_only', 'changed'] as const).filter((k) => s[k] !== truth[k]);
  return wrong.length ? wrong.map((k) => `${k} ${s[k]} ≠ ${truth[k]}`).join(', ') : undefined;
}

/** pg_comparator's INSERT / DELETE / UPDATE lines against the truth's left_only / right_only / changed. */
function checkPgc(truth: Truth, r: PgcResult): string | undefined {
  const got = { left_only: r.inserts, right_only: r.deletes, changed: r.updates } as const;
  const wrong = (['left_only', 'right_only', 'changed'] as const).filter((k) => got[k] !== truth[k]);
  return wrong.length ? wrong.map((k) => `${k} ${got[k]} ≠ ${truth[k]}`).join(', ') : undefined;
}

/** One reckon run for the progress log: time, CPU, ratio, RSS, bytes, what ran. */
function runText(r: ReckonResult, algorithm: Algorithm, floor: number, bad: string | undefined): string {
  const b = r.summary.bytes_received;
  const ran = r.summary.algorithm && r.summary.algorithm !== algorithm ? `→${r.summary.algorithm}` : '';
  return (
    `reckon ${algorithm}${ran} ${fmt(r.wall)} s (CPU ${fmt(r.cpu)} s, ratio ${fmt(r.wall / floor)}, RSS ${fmt(r.rssMb, 0)} MB` +
    `${b ? `, ${fmt((b.left + b.right) / 1e6, 3)} MB received` : ''})${bad ? `, WRONG: ${bad}` : ''}`
  );
}

/**
 * One pairing × size × drift on one link: a row per algorithm. Each repetition runs the floor,
 * then reckon once per algorithm, then pg_comparator (pg-pg), so a burst of load from elsewhere
 * hits them alike; the floor, pg_comparator and scan runs are shared by the algorithms' rows.
 */
async function measureGroup(net: NetLink, p: Pairing, n: number, pattern: Pattern, withPgc: boolean): Promise<Omit<Row, 'run'>[]> {
  const step = stepFor(pattern, n);
  const truth = truthFor(n, step);
  const { left, right } = sidesOf(net.urls, p, n, step);
  const inv: ReckonInvocation = { via, left, right, concurrency, chunkSize, cwd: tree.dir };
  const shared = { floors: [] as number[], floorSides: [] as number[][], pgc: [] as PgcResult[], scans: [] as ReckonResult[], load: [os.loadavg()[0]!, 0] as [number, number] };
  const rows: Omit<Row, 'run'>[] = algorithms.map((algorithm, i) => ({
    link: net.label,
    pairing: p,
    rows: n,
    pattern,
    algorithm,
    primary: i === 0,
    truth,
    ...shared,
    runs: [],
    pgcCorrect: true,
    pgcMismatches: [],
    correct: true,
    mismatches: [],
  }));
  const label = `${net.label === 'loopback' ? '' : `[${net.label}] `}${p} ${int(n)} drift ${patternLabel(pattern)}`;
  // Unmeasured reads first, so the first measured floor does not pay for a cold cache alone.
  for (let i = 0; i < warmup; i++) await measureFloor([left, right]);
  for (let i = 0; i < repeat; i++) {
    const f = await measureFloor([left, right]);
    shared.floors.push(f.wall);
    shared.floorSides.push(f.sides);
    const parts = [`floor ${fmt(f.wall)} s`];
    for (const row of rows) {
      const r = await measureReckon({ ...inv, algorithm: row.algorithm });
      row.runs.push(r);
      const bad = check(truth, r);
      if (bad) {
        row.correct = false;
        row.mismatches.push(bad);
      }
      parts.push(runText(r, row.algorithm, f.wall, bad));
    }
    if (withPgc) {
      const pc = await measurePgComparator(left, right);
      shared.pgc.push(pc);
      const badPgc = checkPgc(truth, pc);
      if (badPgc) {
        for (const row of rows) {
          row.pgcCorrect = false;
          row.pgcMismatches.push(badPgc);
        }
      }
      parts.push(`pg_comparator ${fmt(pc.wall)} s (ratio ${fmt(pc.wall / f.wall)}, client RSS ${fmt(pc.rssMb, 0)} MB${badPgc ? `, WRONG: ${badPgc}` : ''})`);
    }
    if (values.stages) {
      const sc = await measureReckon({ ...inv, stage: 'scan' });
      shared.scans.push(sc);
      parts.push(`scan only ${fmt(sc.wall)} s (CPU ${fmt(sc.cpu)} s)`);
    }
    log(`  ${label} run ${i + 1}/${repeat}: ${parts.join(', ')}`);
  }
  shared.load[1] = os.loadavg()[0]!;
  return rows;
}

/** CPU profile of one run per pairing: the first size, drift and algorithm, on loopback (it is about CPU, not the link). */
async function profileRuns(): Promise<string> {
  const n = sizes[0]!;
  const pattern = patterns[0]!;
  const algorithm = algorithms[0]!;
  let text = '';
  for (const p of pairings) {
    const dir = join(ROOT, 'bench/out/profiles', `${p}-${n}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const { left, right } = sidesOf(urls, p, n, stepFor(pattern, n));
    log(`  profiling ${p} ${int(n)} (node --cpu-prof)…`);
    const r = await measureReckon({ via, left, right, concurrency, chunkSize, algorithm, cwd: tree.dir, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    // One profile per thread; thread 0 is the main thread, where reckon runs (thread 1 is
    // tsx's module-loader worker, idle after start-up).
    const files = (await readdir(dir)).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    if (!files[0]) continue;
    const summary = await summariseFile(join(dir, files[0]), 15);
    text += formatSummary(summary, `${p}, ${int(n)} rows, drift ${patternLabel(pattern)}, --algorithm ${algorithm}, profiled run wall ${fmt(r.wall)} s`) + '\n';
  }
  return text;
}

function pgcNote(info: PgcAvailability | undefined): string {
  if (!info) return 'pg_comparator: no pg-pg pairing';
  if (!info.available) return `pg_comparator: skipped (${info.note})`;
  return `pg_comparator ${info.version} on pg-pg: \`pg_comparator ${PGC_OPTIONS.join(' ')} <left> <right>\``;
}

async function main(): Promise<void> {
  const started = new Date();
  const info = machine();
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  log(
    `reckon diff bench: rows ${sizes.map(int).join(', ')}, drift ${patterns.map(patternLabel).join(', ')}, pairings ${pairings.join(', ')}, ` +
      `algorithms ${algorithms.join(', ')}, links ${throttles.join(', ')}, repeat ${repeat}, via ${via}`,
  );
  log(`machine: ${info.cores} cores, ${info.memory}, PostgreSQL ${info.PostgreSQL}, MariaDB ${info.MariaDB}, load ${os.loadavg().map((l) => fmt(l)).join(' ')}`);
  // Read now, so a damaged store stops the bench before the runs rather than after them.
  const resultsStore = storePath(values.results);
  const previous = values['fresh-results'] ? { version: 1 as const, runs: [], rows: [] } : await loadStore(resultsStore);

  let pgcInfo: PgcAvailability | undefined;
  if (pairings.includes('pg-pg')) {
    if (values['without-pg-comparator'] || !values['with-pg-comparator']) pgcInfo = { available: false, note: 'turned off (--without-pg-comparator)' };
    else pgcInfo = ensurePgComparator(urls.postgres, log);
    log(`pg_comparator: ${pgcInfo.available ? `${pgcInfo.version}, ${PGC_OPTIONS.join(' ')} (${pgcInfo.note})` : `skipped: ${pgcInfo.note}`}`);
  }
  const withPgc = pgcInfo?.available === true;

  const baselineRss = await measureBaselineRss(via, tree.dir);
  log(`reckon process baseline (loads, diffs nothing): ${fmt(baselineRss, 0)} MB RSS`);

  const engines = new Set(pairings.flatMap((p) => PAIRINGS[p]));
  for (const n of sizes) {
    for (const step of new Set(patterns.map((p) => stepFor(p, n)))) {
      // The two servers are independent; generating both at once halves the wait. Directly, not
      // through a throttled link: generation is not measured.
      await Promise.all([...engines].map((e) => ensureTables(e, urls[e], n, step, values.regenerate, log)));
    }
  }

  const measured: Omit<Row, 'run'>[] = [];
  const links: Record<string, string> = {};
  for (const t of throttles) {
    const net = await openLink(t, urls, log);
    links[net.label] = net.method;
    try {
      for (const n of sizes) for (const pattern of patterns) for (const p of pairings) measured.push(...(await measureGroup(net, p, n, pattern, withPgc && p === 'pg-pg')));
    } finally {
      await net.close();
    }
  }

  const profileText = values.profile ? await profileRuns() : '';
  const run: Omit<RunInfo, 'id'> = {
    started: started.toISOString(),
    command,
    machine: info,
    settings: `reckon via ${via}${concurrency ? `, --concurrency ${concurrency}` : ''}${chunkSize ? `, --chunk-size ${chunkSize}` : ''}; repeat ${repeat}, warm-up ${warmup}`,
    baselineRssMb: baselineRss,
    pgc: pgcNote(pgcInfo),
    links,
  };
  const { store, current } = mergeRun(previous, run, measured);
  const now = render(current, profileText);
  process.stdout.write(`\n${now.console}`);
  // This run alone, then every run kept (when both are one file, the latter).
  const outputs = new Map([
    [values.out, now.markdown],
    [values.results, render(store, profileText).markdown],
  ]);
  for (const [file, md] of outputs) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, md);
    log(`written to ${file}`);
  }
  await saveStore(resultsStore, store);
  log(`rows kept for the next runs' ${values.results}: ${resultsStore} (${store.rows.length} rows from ${store.runs.length} runs)`);
}

await main();
