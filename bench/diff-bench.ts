/**
 * `npm run bench`: reckon's diff against a floor measured in the same run.
 *
 * For each table size and pairing it streams both tables to /dev/null with the engines' own
 * clients in parallel (the floor: what reading the rows costs at all), then runs reckon as a
 * child process under /usr/bin/time, alternating the two `--repeat` times, and reports medians,
 * the ratio, rows/s, peak RSS and whether the summary matched the generated truth. The ratio is
 * the number that means something on a shared, noisy machine; seconds alone do not.
 *
 *   npm run bench -- --rows 1000000 --drift 0.1% --pairings pg-pg,pg-maria,maria-maria --repeat 3
 *   npm run bench -- --rows 1000000,3000000 --pairings pg-maria        # memory flatness sweep
 *   npm run bench -- --rows 1000000 --profile                           # + CPU profile summary
 *
 * Options: --via cli|library (default cli when bin/reckon.js exists), --concurrency N and
 * --chunk-size N (passed to reckon), --regenerate, --warmup N (unmeasured floor runs first,
 * default 1), --stages (also time a read-only run, to split the wall time into reading and the
 * rest), --rev COMMIT (run reckon from an exported snapshot of that commit instead of the working
 * tree), --profile (CPU profile of one run per pairing, summarised by part), --pg-url,
 * --maria-url (or RECKON_BENCH_PG / RECKON_BENCH_MARIA), --out FILE, --results FILE (the same
 * report, default bench/RESULTS.md).
 *
 * --with-pg-comparator (default on; --without-pg-comparator turns it off): for pg-pg, a
 * pg_comparator run is interleaved with each floor and reckon run, timed the same way and checked
 * against the truth; see bench/pg-comparator.ts for the set-up and the mode it runs in. When it
 * cannot be installed or set up, the bench goes on without it and the report says why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { driftStep, ensureTables, tableNames, truthFor, type Truth } from './generate.ts';
import { measureBaselineRss, measureFloor, measureReckon, type ReckonInvocation, type ReckonResult, type Side } from './measure.ts';
import { ensurePgComparator, measurePgComparator, PGC_OPTIONS, type PgcAvailability, type PgcResult } from './pg-comparator.ts';
import { formatSummary, summariseFile } from './profile-summary.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Targets from the issue; the report marks each figure against them. */
const TARGET_RATIO = 2;
const TARGET_RSS_MB = 200;
const TARGET_RSS_GROWTH = 0.2;

const PAIRINGS = {
  'pg-pg': ['postgres', 'postgres'],
  'maria-maria': ['mysql', 'mysql'],
  'pg-maria': ['postgres', 'mysql'],
  'maria-pg': ['mysql', 'postgres'],
} as const;
type Pairing = keyof typeof PAIRINGS;

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

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    drift: { type: 'string', default: '0.1%' },
    pairings: { type: 'string', default: 'pg-pg,pg-maria,maria-maria' },
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
    'with-pg-comparator': { type: 'boolean', default: true },
    'without-pg-comparator': { type: 'boolean', default: false },
    rev: { type: 'string' },
  },
});

const sizes = values.rows.split(',').map(parseRows);
const driftText = values.drift;
const drift = parseDrift(driftText);
let step: number;
try {
  step = driftStep(drift);
} catch (err) {
  fail((err as Error).message);
}
const pairings = values.pairings.split(',').map((p) => p.trim()) as Pairing[];
for (const p of pairings) if (!(p in PAIRINGS)) fail(`--pairings: unknown pairing ${p} (known: ${Object.keys(PAIRINGS).join(', ')})`);
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
  return { dir, revision: `${sha.slice(0, 7)} (snapshot in ${dir})` };
}

const tree = reckonTree();
const cliExists = existsSync(join(tree.dir, 'bin/reckon.js')) && existsSync(join(tree.dir, 'src/cli/main.ts'));
const via = (values.via ?? (cliExists ? 'cli' : 'library')) as 'cli' | 'library';
if (via !== 'cli' && via !== 'library') fail(`--via must be cli or library, got ${values.via}`);
if (via === 'cli' && !cliExists) fail('--via cli: bin/reckon.js is missing; use --via library');
const urls = { postgres: values['pg-url'], mysql: values['maria-url'] } as const;

const log = (s: string) => process.stderr.write(`${s}\n`);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

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

function sidesOf(pairing: Pairing, rows: number): { left: Side; right: Side } {
  const [le, re] = PAIRINGS[pairing];
  const t = tableNames(rows, step);
  return { left: { engine: le, url: urls[le], table: t.left }, right: { engine: re, url: urls[re], table: t.right } };
}

interface Row {
  pairing: Pairing;
  rows: number;
  truth: Truth;
  floors: number[];
  floorSides: number[][];
  runs: ReckonResult[];
  /** pg-pg with --with-pg-comparator: pg_comparator runs, interleaved with the rest. */
  pgc: PgcResult[];
  pgcCorrect: boolean;
  pgcMismatches: string[];
  /** With --stages: runs that only read both sides through the sources, interleaved with the rest. */
  scans: ReckonResult[];
  correct: boolean;
  mismatches: string[];
  load: [number, number];
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

const fmt = (n: number, d = 2) => n.toFixed(d);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function tableOf(rows: Row[]): string {
  const withPgc = rows.some((r) => r.pgc.length);
  const lines = [
    '| pairing | rows | drift | reckon wall s | floor s | ratio | rows/s | peak RSS MB | correct |' +
      (withPgc ? ' pg_comparator wall s | pg_comparator / floor | reckon / pg_comparator | pg_comparator correct |' : ''),
    '|---|---:|---:|---:|---:|---:|---:|---:|---|' + (withPgc ? '---:|---:|---:|---|' : ''),
  ];
  for (const r of rows) {
    const wall = median(r.runs.map((x) => x.wall));
    const floor = median(r.floors);
    const ratio = wall / floor;
    const rss = Math.max(...r.runs.map((x) => x.rssMb));
    const rate = (r.truth.left_rows + r.truth.right_rows) / wall;
    let pgc = '';
    if (withPgc && r.pgc.length) {
      const pw = median(r.pgc.map((x) => x.wall));
      pgc = ` ${fmt(pw)} | ${fmt(pw / floor)} | ${fmt(wall / pw)} | ${r.pgcCorrect ? 'yes' : `NO: ${r.pgcMismatches[0]}`} |`;
    } else if (withPgc) pgc = ' – | – | – | – |';
    lines.push(
      `| ${r.pairing} | ${int(r.rows)} | ${driftText} | ${fmt(wall)} | ${fmt(floor)} | ${fmt(ratio)}${ratio > TARGET_RATIO ? ' ✗' : ' ✓'} | ${int(rate)} | ${fmt(rss, 0)}${rss > TARGET_RSS_MB ? ' ✗' : ' ✓'} | ${r.correct ? 'yes' : `NO: ${r.mismatches[0]}`} |${pgc}`,
    );
  }
  return lines.join('\n') + '\n';
}

function flatnessOf(rows: Row[]): string {
  if (sizes.length < 2) return '';
  const lines = ['| pairing | ' + sizes.map((n) => `RSS MB @ ${int(n)}`).join(' | ') + ' | last / first |', '|---|' + sizes.map(() => '---:|').join('') + '---:|'];
  for (const p of pairings) {
    const rss = sizes.map((n) => {
      const r = rows.find((x) => x.pairing === p && x.rows === n);
      return r ? Math.max(...r.runs.map((x) => x.rssMb)) : NaN;
    });
    const ratio = rss[rss.length - 1]! / rss[0]!;
    const ok = Math.abs(ratio - 1) <= TARGET_RSS_GROWTH;
    lines.push(`| ${p} | ${rss.map((x) => fmt(x, 0)).join(' | ')} | ${fmt(ratio)}${ok ? ' ✓' : ' ✗'} |`);
  }
  return lines.join('\n') + '\n';
}

function stagesOf(rows: Row[]): string {
  if (!values.stages) return '';
  const lines = [
    '| pairing | rows | floor s | read only s (CPU s) | full diff s (CPU s) | read share | normalise + merge + rest share |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const m = (xs: ReckonResult[], k: 'wall' | 'cpu') => median(xs.map((x) => x[k]));
    const [sw, dw, sc, dc] = [m(r.scans, 'wall'), m(r.runs, 'wall'), m(r.scans, 'cpu'), m(r.runs, 'cpu')];
    const share = (x: number) => `${Math.round((100 * x) / dw)}%`;
    lines.push(`| ${r.pairing} | ${int(r.rows)} | ${fmt(median(r.floors))} | ${fmt(sw)} (${fmt(sc)}) | ${fmt(dw)} (${fmt(dc)}) | ${share(sw)} | ${share(dw - sw)} |`);
  }
  lines.push(
    '',
    'read only = bench/run-diff.ts --stage scan: both sides read through reckon\'s sources in turn (driver parsing, chunking), nothing compared; ' +
      'it includes process start-up (~0.4 s). The CPU profile (--profile) splits the rest into normalisation, merge-join and the others.',
  );
  return lines.join('\n') + '\n';
}

function detailsOf(rows: Row[]): string {
  const withPgc = rows.some((r) => r.pgc.length);
  const lines = [
    '| pairing | rows | run | floor s (left / right client) | reckon wall s | reckon CPU s | reckon engine s | RSS MB | exit |' +
      (withPgc ? ' pg_comparator wall s | pg_comparator client CPU s | pg_comparator client RSS MB | INSERT / DELETE / UPDATE lines |' : ''),
    '|---|---:|---:|---|---:|---:|---:|---:|---:|' + (withPgc ? '---:|---:|---:|---|' : ''),
  ];
  for (const r of rows) {
    r.runs.forEach((x, i) => {
      const sides = r.floorSides[i]!.map((s) => fmt(s)).join(' / ');
      const p = r.pgc[i];
      const pgc = !withPgc ? '' : p ? ` ${fmt(p.wall)} | ${fmt(p.cpu)} | ${fmt(p.rssMb, 0)} | ${p.inserts} / ${p.deletes} / ${p.updates} |` : ' – | – | – | – |';
      lines.push(
        `| ${r.pairing} | ${int(r.rows)} | ${i + 1} | ${fmt(r.floors[i]!)} (${sides}) | ${fmt(x.wall)} | ${fmt(x.cpu)} | ${fmt(x.summary.elapsed_ms / 1000)} | ${fmt(x.rssMb, 0)} | ${x.exitCode} |${pgc}`,
      );
    });
  }
  lines.push(
    '',
    'reckon CPU s = user + system time of the reckon process; close to its wall time means the Node process, not the databases, sets the pace. ' +
      'reckon engine s = elapsed_ms of the summary (after start-up and connection).',
  );
  lines.push('', 'Load average (1 min) before / after each pairing: ' + rows.map((r) => `${r.pairing}@${int(r.rows)} ${fmt(r.load[0])}/${fmt(r.load[1])}`).join(', '));
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const started = new Date();
  const info = machine();
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  log(`reckon diff bench: rows ${sizes.map(int).join(', ')}, drift ${driftText} (step ${step || 'none'}), pairings ${pairings.join(', ')}, repeat ${repeat}, via ${via}`);
  log(`machine: ${info.cores} cores, ${info.memory}, PostgreSQL ${info.PostgreSQL}, MariaDB ${info.MariaDB}, load ${os.loadavg().map((l) => fmt(l)).join(' ')}`);

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
    // The two servers are independent; generating both at once halves the wait.
    await Promise.all([...engines].map((e) => ensureTables(e, urls[e], n, step, values.regenerate, log)));
  }

  const results: Row[] = [];
  for (const n of sizes) {
    const truth = truthFor(n, step);
    for (const p of pairings) {
      const { left, right } = sidesOf(p, n);
      const inv: ReckonInvocation = { via, left, right, concurrency, chunkSize, cwd: tree.dir };
      const row: Row = { pairing: p, rows: n, truth, floors: [], floorSides: [], runs: [], pgc: [], pgcCorrect: true, pgcMismatches: [], scans: [], correct: true, mismatches: [], load: [os.loadavg()[0]!, 0] };
      // Unmeasured reads first, so the first measured floor does not pay for a cold cache alone.
      for (let i = 0; i < warmup; i++) await measureFloor([left, right]);
      for (let i = 0; i < repeat; i++) {
        // Interleaved, so a burst of load from elsewhere hits floor and reckon alike.
        const f = await measureFloor([left, right]);
        const r = await measureReckon(inv);
        let pgcLine = '';
        if (withPgc && p === 'pg-pg') {
          const pc = await measurePgComparator(left, right);
          row.pgc.push(pc);
          const badPgc = checkPgc(truth, pc);
          if (badPgc) {
            row.pgcCorrect = false;
            row.pgcMismatches.push(badPgc);
          }
          pgcLine = `, pg_comparator ${fmt(pc.wall)} s (ratio ${fmt(pc.wall / f.wall)}, client RSS ${fmt(pc.rssMb, 0)} MB${badPgc ? `, WRONG: ${badPgc}` : ''})`;
        }
        if (values.stages) {
          const sc = await measureReckon({ ...inv, stage: 'scan' });
          row.scans.push(sc);
          log(`    scan only: ${fmt(sc.wall)} s (CPU ${fmt(sc.cpu)} s)`);
        }
        row.floors.push(f.wall);
        row.floorSides.push(f.sides);
        row.runs.push(r);
        const bad = check(truth, r);
        if (bad) {
          row.correct = false;
          row.mismatches.push(bad);
        }
        log(
          `  ${p} ${int(n)} run ${i + 1}/${repeat}: floor ${fmt(f.wall)} s, reckon ${fmt(r.wall)} s (CPU ${fmt(r.cpu)} s, ratio ${fmt(r.wall / f.wall)}), RSS ${fmt(r.rssMb, 0)} MB${bad ? `, WRONG: ${bad}` : ''}${pgcLine}`,
        );
      }
      row.load[1] = os.loadavg()[0]!;
      results.push(row);
    }
  }

  let profileText = '';
  if (values.profile) {
    const n = sizes[0]!;
    for (const p of pairings) {
      const dir = join(ROOT, 'bench/out/profiles', `${p}-${n}`);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const { left, right } = sidesOf(p, n);
      log(`  profiling ${p} ${int(n)} (node --cpu-prof)…`);
      const r = await measureReckon({ via, left, right, concurrency, chunkSize, cwd: tree.dir, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
      // One profile per thread; thread 0 is the main thread, where reckon runs (thread 1 is
      // tsx's module-loader worker, idle after start-up).
      const files = (await readdir(dir)).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
      if (!files[0]) continue;
      const summary = await summariseFile(join(dir, files[0]), 15);
      profileText += formatSummary(summary, `${p}, ${int(n)} rows, profiled run wall ${fmt(r.wall)} s`) + '\n';
    }
  }

  const table = tableOf(results);
  const flat = flatnessOf(results);
  const stages = stagesOf(results);
  const pgcText = !pgcInfo
    ? ''
    : pgcInfo.available
      ? `pg_comparator ${pgcInfo.version} (pg-pg only): \`pg_comparator ${PGC_OPTIONS.join(' ')} <left> <right>\`, one run interleaved after each floor and reckon run; ` +
        'its wall time includes the checksum work in the server backends; its RSS is the Perl client\'s only. Correct = its INSERT / DELETE / UPDATE lines equal left_only / right_only / changed.'
      : `pg_comparator: skipped (${pgcInfo.note}).`;
  process.stdout.write(`\n${table}\nbaseline RSS (process that diffs nothing): ${fmt(baselineRss, 0)} MB\n`);
  if (pgcText) process.stdout.write(`${pgcText}\n`);
  if (flat) process.stdout.write(`\nPeak RSS across sizes (target: within ${TARGET_RSS_GROWTH * 100}%):\n\n${flat}`);
  if (stages) process.stdout.write(`\nWhere the wall time goes:\n\n${stages}`);
  if (profileText) process.stdout.write(`\n${profileText}`);

  const md = [
    `# reckon diff benchmark`,
    '',
    `${started.toISOString()} · \`${command}\``,
    '',
    `Machine: ${info.cores} cores (${info.cpu}), ${info.memory}; PostgreSQL ${info.PostgreSQL}; MariaDB ${info.MariaDB}; Node ${info.node}; commit ${info.commit}.`,
    `reckon via ${via}${concurrency ? `, --concurrency ${concurrency}` : ''}${chunkSize ? `, --chunk-size ${chunkSize}` : ''}; repeat ${repeat}, warm-up ${warmup}.`,
    '',
    table,
    `Medians of ${repeat} interleaved runs; ratio = median reckon wall / median floor; peak RSS = highest of the runs.`,
    `Floor = both tables streamed to /dev/null in parallel by \`psql \\copy\` / \`mariadb --quick\`. reckon wall includes process start.`,
    `Targets: ratio ≤ ${TARGET_RATIO}, peak RSS ≤ ${TARGET_RSS_MB} MB. Baseline RSS of the same process diffing nothing: ${fmt(baselineRss, 0)} MB.`,
    pgcText ? `\n${pgcText}` : '',
    '',
    flat ? `## Memory across sizes (target: within ${TARGET_RSS_GROWTH * 100}%)\n\n${flat}` : '',
    stages ? `## Where the wall time goes\n\n${stages}` : '',
    `## Runs\n\n${detailsOf(results)}`,
    profileText ? `## CPU profile (self time)\n\n${profileText}` : '',
  ].join('\n');
  for (const file of new Set([values.out, values.results])) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, md);
    log(`\nwritten to ${file}`);
  }
}

await main();
