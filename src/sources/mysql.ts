/**
 * MySQL and MariaDB behind the Source contract, through mysql2.
 *
 * The driver is told to hand over decimals, big integers and dates as strings; bytes, JSON and
 * FLOAT are selected as text by dialect.ts. Each scan is one streamed query in its own
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`, session time zone UTC, utf8mb4. Its rows
 * are gathered into chunks as they arrive, and the connection is paused while two chunks wait
 * (mysql-result-chunks.ts), so the consumer sets the pace.
 */
import type { Socket } from 'node:net';
import type mysql from 'mysql2';
import type { Pool, PoolConnection, PoolOptions } from 'mysql2';
import { ReckonError, isConnectionLost, redactUrl, scrubSecrets } from '../errors.ts';
import { lazyRequire } from '../lazy-require.ts';
import type { ColumnInfo, LogicalType, RawRow, TableInfo, TableRef } from '../types.ts';
import { buildScanQuery, qualifiedTable, type BuiltQuery } from './dialect.ts';
import { ByteCounter } from './byte-counter.ts';
import { ResultChunks } from './mysql-result-chunks.ts';
import { keysAtEvenOffsets } from './sample-keys.ts';
import type { ScanRequest, Source, SourceOptions } from './source.ts';

const TYPE_MAP: Record<string, LogicalType> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  year: 'integer',
  // A number of n bits; mysql2 hands it over as big-endian bytes, which normalize/ reads as such.
  bit: 'integer',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float4',
  double: 'float8',
  real: 'float8',
  char: 'char',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  enum: 'text',
  set: 'text',
  uuid: 'uuid',
  date: 'date',
  time: 'time',
  datetime: 'timestamp',
  timestamp: 'timestamptz',
  json: 'json',
  binary: 'bytes',
  varbinary: 'bytes',
  tinyblob: 'bytes',
  blob: 'bytes',
  mediumblob: 'bytes',
  longblob: 'bytes',
  // Selected as HEX of the stored SRID + WKB: exact, where the driver would parse a geometry into
  // an object that drops the SRID.
  geometry: 'bytes',
  point: 'bytes',
  linestring: 'bytes',
  polygon: 'bytes',
  multipoint: 'bytes',
  multilinestring: 'bytes',
  multipolygon: 'bytes',
  geometrycollection: 'bytes',
  geomcollection: 'bytes',
};

const loadMysql = lazyRequire<typeof mysql>('mysql2');

/** Version number and product from VERSION(): `10.11.19-MariaDB-0+deb12u1`, `8.0.36`. */
export function serverIdentity(version: string): Pick<TableInfo, 'serverVersion' | 'serverProduct'> {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  const product = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  return m ? { serverVersion: Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]), serverProduct: product } : { serverProduct: product };
}

export class MySqlSource implements Source {
  readonly engine = 'mysql' as const;
  readonly label: string;
  readonly maxConnections: number;
  /** A scan holds its connection to the end: with one connection, nothing else may read meanwhile. */
  readonly overlappingReads: boolean;
  private readonly url: string;
  private readonly pool: Pool;
  private readonly defaultDatabase: string | null;
  private closed = false;
  private readonly bytes = new ByteCounter();

  constructor(url: string, options: SourceOptions = {}) {
    this.url = url;
    this.label = redactUrl(url);
    this.maxConnections = Math.max(1, options.maxConnections ?? 10);
    this.overlappingReads = this.maxConnections > 1;
    const u = new URL(url);
    this.defaultDatabase = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : null;
    const config: PoolOptions = {
      host: u.hostname || '127.0.0.1',
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
      database: this.defaultDatabase ?? undefined,
      connectionLimit: this.maxConnections,
      charset: 'utf8mb4',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      multipleStatements: false,
      connectTimeout: options.connectTimeoutMs ?? 30_000,
    };
    const socket = u.searchParams.get('socket');
    if (socket) config.socketPath = socket;
    this.pool = loadMysql().createPool(config);
    const timeout = options.statementTimeoutMs ?? 0;
    this.pool.on('connection', (conn) => {
      this.bytes.track((conn as unknown as { stream?: Socket }).stream);
      // Queued before any query of ours on this connection.
      conn.query("SET time_zone = '+00:00', NAMES utf8mb4");
      // Sources are only ever read: every transaction on the session is read-only.
      conn.query('SET SESSION TRANSACTION READ ONLY');
      if (timeout > 0) conn.query(`SET SESSION max_statement_time = ${timeout / 1000}`, () => {});
    });
  }

  private wrap(err: unknown, what: string): ReckonError {
    if (err instanceof ReckonError) return err;
    const e = err as { code?: string; message?: string; errno?: number };
    const msg = scrubSecrets(e?.message ?? String(err), [this.url]);
    if (e?.code === 'ER_ACCESS_DENIED_ERROR' || e?.code === 'ER_DBACCESS_DENIED_ERROR') {
      return new ReckonError('AUTH', `MySQL at ${this.label} refused the credentials: ${msg}`, { cause: err });
    }
    if (e?.code === 'ER_BAD_DB_ERROR') return new ReckonError('CONNECTION', `MySQL at ${this.label}: ${msg}`, { cause: err });
    if (isConnectionLost(err)) {
      return new ReckonError('CONNECTION', `cannot reach MySQL at ${this.label} (${what}): ${msg}`, { cause: err });
    }
    if (e?.code === 'ER_NO_SUCH_TABLE' || e?.code === 'ER_BAD_FIELD_ERROR') {
      return new ReckonError('SCHEMA', `MySQL at ${this.label} (${what}): ${msg}`, { cause: err });
    }
    return new ReckonError('QUERY', `MySQL at ${this.label} (${what}): ${msg}`, { cause: err });
  }

  private connection(): Promise<PoolConnection> {
    if (this.closed) return Promise.reject(new ReckonError('CONNECTION', `source ${this.label} is closed`));
    return new Promise((resolve, reject) => {
      this.pool.getConnection((err, conn) => (err ? reject(this.wrap(err, 'connect')) : resolve(conn)));
    });
  }

  private async run(q: BuiltQuery | string, what: string): Promise<RawRow[]> {
    const conn = await this.connection();
    const query = typeof q === 'string' ? { text: q, values: [] } : q;
    try {
      const rows = await new Promise<RawRow[]>((resolve, reject) => {
        conn.query({ sql: query.text, values: query.values, rowsAsArray: true }, (err, rows) =>
          err ? reject(err) : resolve(rows as unknown as RawRow[]),
        );
      });
      conn.release();
      return rows;
    } catch (err) {
      if (isConnectionLost(err)) conn.destroy();
      else conn.release();
      throw this.wrap(err, what);
    }
  }

  async describe(table: TableRef): Promise<TableInfo> {
    const schema = table.schema ?? this.defaultDatabase;
    if (!schema) {
      throw new ReckonError('CONFIG', `no database for table ${table.name}: name it as db.table or put the database in the URL ${this.label}`);
    }
    const cols = await this.run(
      {
        text: `SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, COLLATION_NAME, IS_NULLABLE, VERSION()
                 FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
                ORDER BY ORDINAL_POSITION`,
        values: [schema, table.name],
      },
      'describe',
    );
    if (cols.length === 0) {
      throw new ReckonError('SCHEMA', `table ${schema}.${table.name} does not exist in MySQL at ${this.label}`);
    }
    // MariaDB's JSON is LONGTEXT with a json_valid() check; the check is how to recognise it.
    const checks = await this.run(
      {
        text: `SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
                WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`,
        values: [schema, table.name],
      },
      'describe checks',
    ).catch(() => [] as RawRow[]);
    const jsonColumns = new Set(
      checks
        .map((r) => /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(String(r[0]))?.[1]?.replace(/``/g, '`'))
        .filter((x): x is string => typeof x === 'string'),
    );
    const columns: ColumnInfo[] = cols.map(([name, columnType, dataType, collation, isNullable]) => {
      const n = String(name);
      const ct = String(columnType).toLowerCase();
      let logical: LogicalType = TYPE_MAP[String(dataType).toLowerCase()] ?? 'other';
      if (ct === 'tinyint(1)' || ct === 'bit(1)') logical = 'boolean';
      if (jsonColumns.has(n)) logical = 'json';
      return { name: n, nativeType: ct, logicalType: logical, collation: collation === null ? null : String(collation), nullable: isNullable !== 'NO' };
    });
    const pk = await this.run(
      {
        text: `SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
                WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'
                ORDER BY ORDINAL_POSITION`,
        values: [schema, table.name],
      },
      'describe primary key',
    );
    return { table: { schema, name: table.name }, columns, primaryKey: pk.map((r) => String(r[0])), ...serverIdentity(String(cols[0]![5])) };
  }

  async query(q: BuiltQuery): Promise<RawRow[]> {
    return this.run(q, 'query');
  }

  async estimateRows(table: TableRef): Promise<number | null> {
    const rows = await this.run(
      {
        text: `SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
        values: [table.schema ?? this.defaultDatabase ?? '', table.name],
      },
      'estimate rows',
    );
    const v = rows[0]?.[0];
    return v === null || v === undefined ? null : Number(v);
  }

  bytesReceived(): number {
    return this.bytes.total;
  }

  sampleBoundaries(req: Omit<ScanRequest, 'columns' | 'range' | 'chunkSize'>, parts: number): Promise<RawRow[]> {
    return keysAtEvenOffsets(this, req, parts);
  }

  async *scan(req: ScanRequest): AsyncGenerator<RawRow[]> {
    const conn = await this.connection();
    let finished = false;
    let healthy = true;
    // mysql2 tells only the connection, not a streamed query (one without a callback), when the
    // connection is lost, so the stream would wait forever; end it with that error instead, so
    // the scan fails and is retried.
    let reading: ResultChunks | undefined;
    const onLost = (err: Error) => reading?.fail(err);
    conn.on('error', onLost);
    try {
      await this.exec(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const q = buildScanQuery('mysql', req);
      reading = new ResultChunks(conn, conn.query({ sql: q.text, values: q.values, rowsAsArray: true }), req.chunkSize);
      yield* reading.chunks();
      await this.exec(conn, 'COMMIT');
      finished = true;
    } catch (err) {
      healthy = false;
      throw this.wrap(err, `scan ${qualifiedTable('mysql', req.table)}`);
    } finally {
      conn.off('error', onLost);
      // A half-read result set cannot be abandoned on a MySQL connection; dropping the
      // connection is the prompt way to release it (and its snapshot) on the server.
      if (finished && healthy) conn.release();
      else conn.destroy();
    }
  }

  private exec(conn: PoolConnection, sql: string): Promise<void> {
    return new Promise((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }
}
