/**
 * The two timed things of the benchmark: the floor (each engine's own client streaming the same
 * rows to /dev/null, both sides at once) and one reckon run as a child process under
 * /usr/bin/time, which reports the child's wall time and peak RSS from the kernel's accounting.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEMA, SELECT_COLUMNS } from './generate.ts';

export type Engine = 'postgres' | 'mysql';

/** One side of a pairing: where the table lives. */
export interface Side {
  engine: Engine;
  url: string;
  table: string;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const STDOUT_TAIL = 1 << 20;

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; captureStdout: boolean; cwd?: string }): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      // 'ignore' gives the child /dev/null: the floor clients write their rows there directly.
      stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    // Only the end of stdout is kept: it holds the summary, and a run with millions of
    // differences writes more than a JS string can hold.
    const out: Buffer[] = [];
    let outBytes = 0;
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => {
      out.push(b);
      outBytes += b.length;
      while (out.length > 1 && outBytes - out[0]!.length >= STDOUT_TAIL) outBytes -= out.shift()!.length;
    });
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

function selectSql(engine: Engine, table: string): string {
  const q = (s: string) => (engine === 'postgres' ? `"${s}"` : `\`${s}\``);
  return `SELECT ${SELECT_COLUMNS.map(q).join(', ')} FROM ${q(SCHEMA)}.${q(table)} ORDER BY ${q('id')}`;
}

/** The client command that streams one side's rows to /dev/null. */
function floorCommand(side: Side): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (side.engine === 'postgres') {
    // \copy streams COPY text out through psql itself, the cheapest way the client can read rows.
    return {
      cmd: 'psql',
      args: [side.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy (${selectSql('postgres', side.table)}) TO '/dev/null'`],
      env: process.env,
    };
  }
  const u = new URL(side.url);
  const args = ['--quick', '--batch', '--skip-column-names', '-h', u.hostname || '127.0.0.1', '-P', u.port || '3306'];
  args.push('-u', decodeURIComponent(u.username || 'root'));
  args.push('-e', selectSql('mysql', side.table));
  // The password goes through the environment so it never shows in a process listing.
  return { cmd: 'mariadb', args, env: { ...process.env, MYSQL_PWD: decodeURIComponent(u.password) } };
}

export interface FloorResult {
  /** Wall seconds until both clients finished. */
  wall: number;
  /** Wall seconds of each side's client. */
  sides: number[];
}

/** Streams both sides to /dev/null with the engines' own clients, in parallel. */
export async function measureFloor(sides: readonly Side[]): Promise<FloorResult> {
  const t0 = performance.now();
  const each = await Promise.all(
    sides.map(async (s) => {
      const c = floorCommand(s);
      const e = await run(c.cmd, c.args, { env: c.env, captureStdout: false });
      if (e.code !== 0) throw new Error(`floor client ${c.cmd} for ${s.table} failed (${e.code ?? e.signal}): ${e.stderr.trim()}`);
      return (performance.now() - t0) / 1000;
    }),
  );
  return { wall: (performance.now() - t0) / 1000, sides: each };
}

/** Summary fields the bench checks against the truth. */
export interface Summary {
  left_rows: number;
  right_rows: number;
  left_only: number;
  right_only: number;
  changed: number;
  elapsed_ms: number;
  /** What ran ('stream' or 'hash'; auto picks one). Optional: reckon versions before issue 5 lack it. */
  algorithm?: string;
  /** Bytes read from each side's database sockets. Optional like `algorithm`. */
  bytes_received?: { left: number; right: number };
}

export interface ReckonResult {
  /** Wall seconds of the whole child process, startup included, from /usr/bin/time. */
  wall: number;
  /** Peak resident set of the child, in MiB, from /usr/bin/time (%M, KiB). */
  rssMb: number;
  /** User + system CPU seconds of the child: near `wall` means reckon itself is the bottleneck. */
  cpu: number;
  summary: Summary;
  exitCode: number;
}

export interface ReckonInvocation {
  via: 'cli' | 'library';
  left: Side;
  right: Side;
  concurrency?: number;
  chunkSize?: number;
  /** `--algorithm` for reckon (auto, stream or hash); none passes no flag. */
  algorithm?: string;
  /** Stop the pipeline after the sources (library runner only): read both sides, nothing more. */
  stage?: 'scan';
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  cwd: string;
}

/** The node argument list that runs one diff through the CLI or the library runner. */
export function reckonArgs(inv: ReckonInvocation): string[] {
  const tables = [inv.left.url, `${SCHEMA}.${inv.left.table}`, inv.right.url, `${SCHEMA}.${inv.right.table}`];
  const tuning: string[] = [];
  if (inv.concurrency !== undefined) tuning.push('--concurrency', String(inv.concurrency));
  if (inv.chunkSize !== undefined) tuning.push('--chunk-size', String(inv.chunkSize));
  const flags = inv.nodeFlags ?? [];
  // A scan reads both sides whole, whatever the algorithm: it takes no --algorithm.
  if (inv.stage) return [...flags, '--import', 'tsx', 'bench/run-diff.ts', ...tables, ...tuning, '--stage', inv.stage];
  if (inv.algorithm !== undefined) tuning.push('--algorithm', inv.algorithm);
  if (inv.via === 'cli') return [...flags, 'bin/reckon.js', 'diff', ...tables, '--format', 'json', '--no-progress', ...tuning];
  return [...flags, '--import', 'tsx', 'bench/run-diff.ts', ...tables, ...tuning];
}

/** Finds the summary in the CLI's json document or in the runner's jsonl lines. */
function parseSummary(stdout: string): Summary | undefined {
  const trimmed = stdout.trim();
  try {
    const doc = JSON.parse(trimmed) as { summary?: Summary; type?: string };
    if (doc.summary) return doc.summary;
    if (doc.type === 'summary') return doc as Summary;
  } catch {
    // Not one document: jsonl, summary last.
  }
  // --format json ends with `],"summary":{…}}`; the tail may have cut the document's start.
  const at = trimmed.lastIndexOf('"summary":');
  if (at >= 0 && trimmed.endsWith('}}')) {
    try {
      return JSON.parse(trimmed.slice(at + '"summary":'.length, -1)) as Summary;
    } catch {
      // Not that shape either.
    }
  }
  const last = trimmed.slice(trimmed.lastIndexOf('\n') + 1);
  try {
    const line = JSON.parse(last) as Summary & { type?: string };
    return line.type === 'summary' ? line : undefined;
  } catch {
    return undefined;
  }
}

/** The last `bytes` of a file (the summary ends a report), or '' when there is no file. */
async function tail(file: string, bytes: number): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Runs reckon once under /usr/bin/time and returns its wall time, peak RSS and summary. */
export async function measureReckon(inv: ReckonInvocation): Promise<ReckonResult> {
  const dir = await mkdtemp(join(tmpdir(), 'reckon-bench-'));
  const timeFile = join(dir, 'time');
  // The CLI writes its report to a file, as a batch job would, rather than into a pipe: reading
  // a pipe, the bench itself would compete with reckon for the cores, more the more differences
  // there are (64 MB of report per 1M rows at 10% drift), while the floor's clients write to
  // /dev/null.
  const report = join(dir, 'report.json');
  const args = inv.via === 'cli' ? [...reckonArgs(inv), '-o', report] : reckonArgs(inv);
  try {
    // -o keeps time's own line apart from the child's stderr.
    const e = await run('/usr/bin/time', ['-f', '%e %M %U %S', '-o', timeFile, process.execPath, ...args], {
      captureStdout: true,
      cwd: inv.cwd,
    });
    if (inv.via === 'cli') e.stdout = await tail(report, 1 << 20);
    // Exit 1 means "differences found", the expected outcome with drift.
    if (e.code !== 0 && e.code !== 1) {
      throw new Error(`reckon (${inv.via}) exited ${e.code ?? e.signal}: ${e.stderr.trim().slice(-2000)}`);
    }
    const summary = parseSummary(e.stdout);
    if (!summary) throw new Error(`reckon (${inv.via}) printed no summary; stderr: ${e.stderr.trim().slice(-2000)}`);
    const timeText = (await readFile(timeFile, 'utf8')).trim().split('\n').pop() ?? '';
    const [wall, kb, user, sys] = timeText.split(/\s+/).map(Number);
    if (![wall, kb, user, sys].every(Number.isFinite)) throw new Error(`cannot read /usr/bin/time output: ${timeText}`);
    return { wall: wall!, rssMb: kb! / 1024, cpu: user! + sys!, summary, exitCode: e.code };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Peak RSS of a reckon process that loads everything and diffs nothing (`--help`, or the runner
 * without arguments): the part of the peak that Node, tsx and the modules cost whatever the size.
 */
export async function measureBaselineRss(via: 'cli' | 'library', cwd: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'reckon-bench-'));
  const timeFile = join(dir, 'time');
  try {
    const args = via === 'cli' ? ['bin/reckon.js', 'diff', '--help'] : ['--import', 'tsx', 'bench/run-diff.ts'];
    await run('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, process.execPath, ...args], { captureStdout: true, cwd });
    const kb = Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop()?.split(/\s+/)[1]);
    return kb / 1024;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
