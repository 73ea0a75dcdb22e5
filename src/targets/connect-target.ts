/** URL scheme to Target, the write-side twin of sources/connect.ts. */
import { ReckonError, redactUrl } from '../errors.ts';
import { MySqlTarget } from './mysql-target.ts';
import { PostgresTarget } from './postgres-target.ts';
import type { Target } from './target.ts';

export function openTarget(url: string, options: { maxConnections?: number; statementTimeoutMs?: number } = {}): Target {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new ReckonError('CONFIG', `not a connection URL: ${redactUrl(url)}`);
  }
  if (protocol === 'postgres:' || protocol === 'postgresql:') return new PostgresTarget(url, options);
  if (protocol === 'mysql:' || protocol === 'mariadb:') return new MySqlTarget(url, options);
  throw new ReckonError('CONFIG', `unsupported URL scheme ${protocol} in ${redactUrl(url)}`);
}
