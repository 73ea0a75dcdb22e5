/**
 * pg_comparator (Debian package `postgresql-comparator`) as a second contender for the PG↔PG
 * pairing: a Perl client that builds per-row checksums in the server, folds them into summary
 * tables level by level, and fetches only the keys under differing checksums. It prints one line
 * per difference, `INSERT|UPDATE|DELETE <key>`, meant to turn the second table into the first:
 * INSERT = only in the first (left_only), DELETE = only in the second (right_only), UPDATE =
 * changed.
 *
 * Setup: the package installs the command and, for the cluster's major version, the `pgcmp`
 * extension (the xor aggregates and the `ck`/`fnv` checksum functions its default checksum uses),
 * which `CREATE EXTENSION pgcmp` loads into the database. When the command is missing and the
 * bench runs as root, it is installed with apt-get; when that or the extension fails, the bench
 * goes on without it and says why.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEMA, SELECT_COLUMNS } from './generate.ts';
import type { Side } from './measure.ts';

/**
 * The mode the bench runs it in, picked by measurement (1M rows, 0.1 % drift, 2 cores, 3 runs
 * each, seconds): default options 2.70; --use-key 2.17; --folding-factor=4 alone 2.04;
 * --use-key with --folding-factor 3 / 4 / 5: 1.94 / 1.83 / 1.87; adding --max-levels=3 1.81
 * (no gain). So: --no-lock (a comparison needs no table lock), --use-key (the integer key `id`
 * spreads rows across branches itself, saving the key hash of every row), --folding-factor=4
 * (16-row folds instead of 128: less to fetch under each differing summary). --max-ratio=2.0 only
 * lifts the cap on reported differences, so a high --drift is never cut short; it costs nothing
 * when differences are few.
 */
export const PGC_OPTIONS = ['--no-lock', '--use-key', '--folding-factor=4', '--max-ratio=2.0'];

export interface PgcAvailability {
  available: boolean;
  /** Why not, or how it was set up. */
  note: string;
  version?: string;
}

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  const text = (e.stderr ? e.stderr.toString() : '') || e.message || String(err);
  return text.trim().split('\n').filter(Boolean).pop() ?? 'unknown error';
}

/** Makes sure the command exists (installing it when root) and the pgcmp extension is in the database. */
export function ensurePgComparator(pgUrl: string, log: (s: string) => void): PgcAvailability {
  const notes: string[] = [];
  if (!which('pg_comparator')) {
    if (process.getuid?.() !== 0) return { available: false, note: 'pg_comparator is not installed and the bench is not root (apt-get install postgresql-comparator)' };
    log('pg_comparator missing: apt-get install -y postgresql-comparator…');
    try {
      execFileSync('apt-get', ['install', '-y', 'postgresql-comparator'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (err) {
      return { available: false, note: `apt-get install postgresql-comparator failed: ${firstLine(err)}` };
    }
    if (!which('pg_comparator')) return { available: false, note: 'postgresql-comparator installed but no pg_comparator command' };
    notes.push('installed with apt-get');
  }
  let version = 'unknown';
  try {
    version = /version is (\S+(?: \(r\d+\))?)/.exec(execFileSync('pg_comparator', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))?.[1] ?? version;
  } catch {
    // --version is informational only.
  }
  try {
    // The extension's files are for the package's PostgreSQL major only; another server version fails here.
    execFileSync('psql', [pgUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'CREATE EXTENSION IF NOT EXISTS pgcmp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    return { available: false, version, note: `CREATE EXTENSION pgcmp failed: ${firstLine(err)}` };
  }
  notes.push('extension pgcmp in the database');
  return { available: true, version, note: notes.join('; ') };
}

/** reckon's postgres:// URL and a table to pg_comparator's pgsql://user@host:port/db/schema.table?key:cols. */
export function pgcUrl(side: Side): { url: string; password: string } {
  const u = new URL(side.url);
  const user = decodeURIComponent(u.username || 'postgres');
  const host = u.hostname || '127.0.0.1';
  const port = u.port || '5432';
  const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  const cols = SELECT_COLUMNS.filter((c) => c !== 'id');
  return { url: `pgsql://${user}@${host}:${port}/${db}/${SCHEMA}.${side.table}?id:${cols.join(',')}`, password: decodeURIComponent(u.password) };
}

export interface PgcResult {
  wall: number;
  /** Peak RSS of the Perl client only; the checksums are computed by the server backends. */
  rssMb: number;
  /** User + system CPU of the client. */
  cpu: number;
  inserts: number;
  updates: number;
  deletes: number;
  exitCode: number;
}

/** Runs one comparison under /usr/bin/time and counts the difference lines it prints. */
export async function measurePgComparator(left: Side, right: Side): Promise<PgcResult> {
  const dir = await mkdtemp(join(tmpdir(), 'reckon-bench-pgc-'));
  const timeFile = join(dir, 'time');
  const l = pgcUrl(left);
  const r = pgcUrl(right);
  const env: NodeJS.ProcessEnv = { ...process.env };
  const args = ['-f', '%e %M %U %S', '-o', timeFile, 'pg_comparator', ...PGC_OPTIONS];
  if (l.password || r.password) {
    // --env-pass=V reads V1 / V2 (or V), so no password shows in a process listing.
    env.RECKON_PGC_PASS1 = l.password;
    env.RECKON_PGC_PASS2 = r.password;
    args.push('--env-pass=RECKON_PGC_PASS');
  }
  args.push(l.url, r.url);
  try {
    const counts = { INSERT: 0, UPDATE: 0, DELETE: 0 };
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('/usr/bin/time', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let tail = '';
      const err: Buffer[] = [];
      // Counted as it streams: a large drift prints one line per difference.
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (tail + chunk).split('\n');
        tail = lines.pop()!;
        for (const line of lines) {
          const op = line.slice(0, line.indexOf(' ')) as keyof typeof counts;
          if (op in counts) counts[op]++;
        }
      });
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (c) => {
        const op = tail.slice(0, tail.indexOf(' ')) as keyof typeof counts;
        if (op in counts) counts[op]++;
        resolve({ code: c, stderr: Buffer.concat(err).toString('utf8') });
      });
    });
    if (code !== 0) throw new Error(`pg_comparator exited ${code}: ${stderr.trim().slice(-2000)}`);
    const timeText = (await readFile(timeFile, 'utf8')).trim().split('\n').pop() ?? '';
    const [wall, kb, user, sys] = timeText.split(/\s+/).map(Number);
    if (![wall, kb, user, sys].every(Number.isFinite)) throw new Error(`cannot read /usr/bin/time output: ${timeText}`);
    return { wall: wall!, rssMb: kb! / 1024, cpu: user! + sys!, inserts: counts.INSERT, updates: counts.UPDATE, deletes: counts.DELETE, exitCode: code };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
