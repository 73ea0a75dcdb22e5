/** MySQL / MariaDB as a backfill target, through mysql2. */
import type mysql from 'mysql2/promise';
import { ReckonError, isConnectionLost, redactUrl, scrubSecrets } from '../errors.ts';
import { lazyRequire } from '../lazy-require.ts';
import { qualifiedTable, quoteIdent } from '../sources/dialect.ts';
import type { RawRow, TableRef } from '../types.ts';
import type { Target, TargetTx, WriteColumn } from './target.ts';

/** Keeps one INSERT well below max_allowed_packet's common 16-64 MB defaults. */
const MAX_VALUES = 50_000;

const loadMysql = lazyRequire<typeof mysql>('mysql2/promise');

export class MySqlTarget implements Target {
  readonly engine = 'mysql' as const;
  readonly label: string;
  private readonly pool: mysql.Pool;

  constructor(
    private readonly url: string,
    options: { maxConnections?: number; statementTimeoutMs?: number } = {},
  ) {
    this.label = redactUrl(url);
    const u = new URL(url);
    this.pool = loadMysql().createPool({
      host: u.hostname || '127.0.0.1',
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
      database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
      connectionLimit: options.maxConnections ?? 4,
      charset: 'utf8mb4',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      timezone: 'Z',
    });
    const timeout = options.statementTimeoutMs ?? 0;
    this.pool.pool.on('connection', (conn) => {
      conn.query("SET time_zone = '+00:00'");
      if (timeout > 0) conn.query(`SET SESSION max_statement_time = ${timeout / 1000}`, () => {});
    });
  }

  private wrap(err: unknown): unknown {
    if (err instanceof ReckonError) return err;
    const e = err as { message?: string; code?: string };
    const msg = scrubSecrets(e?.message ?? String(err), [this.url]);
    if (isConnectionLost(err)) return new ReckonError('CONNECTION', `target MySQL at ${this.label}: ${msg}`, { cause: err });
    if (e?.code === 'ER_ACCESS_DENIED_ERROR') return new ReckonError('AUTH', `target MySQL at ${this.label} refused the credentials: ${msg}`, { cause: err });
    return Object.assign(new ReckonError('QUERY', `target MySQL at ${this.label}: ${msg}`, { cause: err }), { sqlState: e?.code });
  }

  async transaction<T>(fn: (tx: TargetTx) => Promise<T>): Promise<T> {
    let conn: mysql.PoolConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      throw this.wrap(err);
    }
    let broken = false;
    const q = async (sql: string, values?: readonly unknown[]) => {
      try {
        return await conn.query({ sql, values: values as unknown[] | undefined, rowsAsArray: true });
      } catch (err) {
        if (isConnectionLost(err)) broken = true;
        throw this.wrap(err);
      }
    };
    const tx: TargetTx = {
      exec: async (sql, values) => {
        const [res] = await q(sql, values);
        return (res as mysql.ResultSetHeader).affectedRows ?? 0;
      },
      query: async (sql, values) => (await q(sql, values))[0] as RawRow[],
      upsert: (table, columns, key, rows) => this.upsert(q, table, columns, key, rows),
    };
    try {
      await q('START TRANSACTION');
      const out = await fn(tx);
      await q('COMMIT');
      return out;
    } catch (err) {
      if (!broken) await conn.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  private async upsert(
    q: (sql: string, values?: readonly unknown[]) => Promise<unknown>,
    table: TableRef,
    columns: readonly WriteColumn[],
    key: readonly string[],
    rows: readonly (string | null)[][],
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const names = columns.map((c) => quoteIdent('mysql', c.name)).join(', ');
    const keySet = new Set(key);
    const nonKey = columns.filter((c) => !keySet.has(c.name));
    const update = nonKey.length
      ? nonKey.map((c) => `${quoteIdent('mysql', c.name)} = VALUES(${quoteIdent('mysql', c.name)})`).join(', ')
      : `${quoteIdent('mysql', key[0]!)} = ${quoteIdent('mysql', key[0]!)}`;
    const tuple = `(${columns.map((c) => (c.type === 'bytes' ? 'UNHEX(?)' : '?')).join(', ')})`;
    const perStatement = Math.max(1, Math.floor(MAX_VALUES / columns.length));
    for (let i = 0; i < rows.length; i += perStatement) {
      const slice = rows.slice(i, i + perStatement);
      const values: (string | null)[] = [];
      for (const row of slice) for (let j = 0; j < columns.length; j++) values.push(row[j] ?? null);
      await q(
        `INSERT INTO ${qualifiedTable('mysql', table)} (${names}) VALUES ${slice.map(() => tuple).join(', ')} ON DUPLICATE KEY UPDATE ${update}`,
        values,
      );
    }
    return rows.length;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
