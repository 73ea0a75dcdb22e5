/** PostgreSQL as a backfill target, through pg. */
import type pg from 'pg';
import { ReckonError, isConnectionLost, redactUrl, scrubSecrets } from '../errors.ts';
import { lazyRequirePg } from '../lazy-require.ts';
import { qualifiedTable, quoteIdent } from '../sources/dialect.ts';
import type { RawRow, TableRef } from '../types.ts';
import type { Target, TargetTx, WriteColumn } from './target.ts';

const RAW_TEXT = { getTypeParser: () => (value: string) => value };
/** PostgreSQL accepts at most 65,535 bind parameters per statement. */
const MAX_PARAMS = 60_000;

const loadPg = lazyRequirePg<typeof pg>();

export class PostgresTarget implements Target {
  readonly engine = 'postgres' as const;
  readonly label: string;
  private readonly pool: pg.Pool;

  constructor(
    private readonly url: string,
    options: { maxConnections?: number; statementTimeoutMs?: number } = {},
  ) {
    this.label = redactUrl(url);
    this.pool = new (loadPg().Pool)({
      connectionString: url,
      max: options.maxConnections ?? 4,
      types: RAW_TEXT,
      application_name: 'reckon-backfill',
      connectionTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs && options.statementTimeoutMs > 0 ? options.statementTimeoutMs : undefined,
    });
    this.pool.on('error', () => {});
  }

  private wrap(err: unknown): unknown {
    if (err instanceof ReckonError) return err;
    const e = err as { message?: string; code?: string };
    const msg = scrubSecrets(e?.message ?? String(err), [this.url]);
    if (isConnectionLost(err)) return new ReckonError('CONNECTION', `target PostgreSQL at ${this.label}: ${msg}`, { cause: err });
    if (e?.code === '28P01' || e?.code === '28000') return new ReckonError('AUTH', `target PostgreSQL at ${this.label} refused the credentials: ${msg}`, { cause: err });
    // Keep the driver error's code reachable (retry decisions read it) while hiding secrets.
    return Object.assign(new ReckonError('QUERY', `target PostgreSQL at ${this.label}: ${msg}`, { cause: err }), { sqlState: e?.code });
  }

  async transaction<T>(fn: (tx: TargetTx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.wrap(err);
    }
    let broken: Error | undefined;
    const q = async (sql: string, values?: readonly unknown[]) => {
      try {
        return await client.query({ text: sql, values: values as unknown[] | undefined, rowMode: 'array' });
      } catch (err) {
        if (isConnectionLost(err)) broken = err as Error;
        throw this.wrap(err);
      }
    };
    const tx: TargetTx = {
      exec: async (sql, values) => (await q(sql, values)).rowCount ?? 0,
      query: async (sql, values) => (await q(sql, values)).rows as RawRow[],
      upsert: (table, columns, key, rows) => this.upsert(q, table, columns, key, rows),
    };
    try {
      await q("BEGIN; SET LOCAL TIME ZONE 'UTC'");
      const out = await fn(tx);
      await q('COMMIT');
      return out;
    } catch (err) {
      if (!broken) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async upsert(
    q: (sql: string, values?: readonly unknown[]) => Promise<pg.QueryResult>,
    table: TableRef,
    columns: readonly WriteColumn[],
    key: readonly string[],
    rows: readonly (string | null)[][],
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const names = columns.map((c) => quoteIdent('postgres', c.name)).join(', ');
    const keySet = new Set(key);
    const updates = columns.filter((c) => !keySet.has(c.name)).map((c) => `${quoteIdent('postgres', c.name)} = EXCLUDED.${quoteIdent('postgres', c.name)}`);
    const conflict = `ON CONFLICT (${key.map((k) => quoteIdent('postgres', k)).join(', ')}) ${updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'}`;
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
    for (let i = 0; i < rows.length; i += perStatement) {
      const slice = rows.slice(i, i + perStatement);
      const values: (string | null)[] = [];
      const tuples = slice.map((row) => {
        const ph = columns.map((c, j) => {
          values.push(row[j] ?? null);
          return c.type === 'bytes' ? `decode($${values.length}, 'hex')` : `$${values.length}`;
        });
        return `(${ph.join(', ')})`;
      });
      await q(`INSERT INTO ${qualifiedTable('postgres', table)} (${names}) VALUES ${tuples.join(', ')} ${conflict}`, values);
    }
    return rows.length;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
