/** `--name value` and bare `--flag` arguments of a bench script, and the servers it uses. */

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
