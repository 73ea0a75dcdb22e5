/** What the bench scripts share: their arguments, the servers they use, and timing a command. */
import { spawn } from 'node:child_process';

export function benchArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      args.set(a.slice(2), next);
      i++;
    } else args.set(a.slice(2), 'true');
  }
  return args;
}

export const BENCH_PG_URL = process.env.RECKON_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_MYSQL_URL = process.env.RECKON_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Runs a command under /usr/bin/time: its wall seconds, peak RSS (KB), exit code and output. */
export function timed(
  cmd: string,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ seconds: number; rssKb: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = err.trim().split('\n').pop() ?? '';
      const [s, m] = last.split(' ');
      resolve({ seconds: Number(s), rssKb: Number(m), code, stdout: out, stderr: err });
    });
  });
}
