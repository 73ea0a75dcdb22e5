/**
 * The error family. Every failure a user can act on is a ReckonError with a stable code; the CLI
 * maps all of them to exit code 2 in one place (src/cli/main.ts). Messages name the table, column
 * or key involved and, where there is one, the fix. They never contain a password: URLs are
 * always passed through redactUrl before they reach a message.
 */

export type ErrorCode =
  | 'CONFIG' // bad arguments or configuration
  | 'CONNECTION' // server unreachable or connection lost
  | 'AUTH' // authentication refused
  | 'SCHEMA' // unknown table or column, no key, incompatible key types
  | 'DUPLICATE_KEY' // two rows with the same key on one side
  | 'ORDER' // a stream arrived out of key order
  | 'QUERY'; // the database rejected a query (e.g. a bad --where)

export class ReckonError extends Error {
  readonly code: ErrorCode;
  /** Process exit code for this error; all errors are 2, differences are 1. */
  readonly exitCode = 2;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'ReckonError';
  }
}

/** Replaces the password of a connection URL, so a URL can be shown in any message or log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // pg reads every query parameter as a connection setting, so ?password= is a password too.
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    // Not parseable: hide everything up to the last '@' rather than echo it. An unencoded '/',
    // '?' or '#' in the password is a common reason the URL did not parse, so none may end it.
    return url.replace(/\/\/.*@/s, '//***@');
  }
}

/** Removes every occurrence of the secrets of `urls` from a message from a driver. */
export function scrubSecrets(message: string, urls: readonly string[]): string {
  let out = message;
  for (const url of urls) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      continue;
    }
    // Drivers may echo the password as written or decoded; one whose escapes do not decode is
    // still a password.
    const secrets = new Set([u.password, decodeOrKeep(u.password), u.searchParams.get('password') ?? '']);
    for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  }
  return out;
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED', // MariaDB 1927: KILL CONNECTION reached us as an error packet
  'ER_SERVER_SHUTDOWN', // 1053: the server is going down; a retry may reach it once it is back
  '57P01', // admin_shutdown: the server terminated our backend
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);

/** True when a driver error means the connection is gone, so a retry on a new one may succeed. */
export function isConnectionLost(err: unknown): boolean {
  if (err instanceof ReckonError) return err.code === 'CONNECTION';
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e && typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  const msg = e && typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection is closed|not queryable|Can't add new command when connection is in closed state|server closed the connection/i.test(
    msg,
  );
}
