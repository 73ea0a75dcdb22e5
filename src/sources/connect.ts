/** URL scheme to Source: the one place that knows which engines exist. */
import { ReckonError, redactUrl } from '../errors.ts';
import { MySqlSource } from './mysql.ts';
import { PostgresSource } from './postgres.ts';
import type { Source, SourceOptions } from './source.ts';

/**
 * Opens a source for a connection URL. Besides the driver's own parameters the URL may carry
 * `reckon_connections=N`, the most connections reckon opens to that server (1 for servers that
 * serve a single backend, such as PGlite behind pglite-socket).
 */
export function openSource(url: string, options: SourceOptions = {}): Source {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ReckonError('CONFIG', `not a connection URL: ${redactUrl(url)} (expected postgres://… or mysql://…)`);
  }
  const limit = parsed.searchParams.get('reckon_connections');
  const opts: SourceOptions = { ...options };
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1) throw new ReckonError('CONFIG', `reckon_connections must be a positive integer in ${redactUrl(url)}`);
    opts.maxConnections = n;
    parsed.searchParams.delete('reckon_connections');
  }
  // libpq's connect_timeout (seconds), honoured for both engines: a server that accepts the TCP
  // connection and never answers must fail a batch job, not hang it.
  const connectTimeout = parsed.searchParams.get('connect_timeout');
  if (connectTimeout !== null) {
    const secs = Number(connectTimeout);
    if (!Number.isFinite(secs) || secs <= 0) throw new ReckonError('CONFIG', `connect_timeout must be a positive number of seconds in ${redactUrl(url)}`);
    opts.connectTimeoutMs = secs * 1000;
    parsed.searchParams.delete('connect_timeout');
  }
  const read = parsed.searchParams.get('reckon_read');
  if (read !== null) {
    if (read !== 'copy' && read !== 'cursor') throw new ReckonError('CONFIG', `reckon_read must be copy or cursor in ${redactUrl(url)}`);
    opts.pgRead = read;
    parsed.searchParams.delete('reckon_read');
  }
  const clean = parsed.toString();
  switch (parsed.protocol) {
    case 'postgres:':
    case 'postgresql:':
      return new PostgresSource(clean, opts);
    case 'mysql:':
    case 'mariadb:':
      return new MySqlSource(clean, opts);
    default:
      throw new ReckonError(
        'CONFIG',
        `unsupported URL scheme ${parsed.protocol} in ${redactUrl(url)}: use postgres://, postgresql://, mysql:// or mariadb://`,
      );
  }
}
