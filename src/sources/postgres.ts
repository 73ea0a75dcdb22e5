/**
 * PostgreSQL behind the Source contract, through pg: scans as COPY read off the socket
 * (postgres-copy.ts), or through a pg-query-stream cursor where COPY is not available.
 *
 * Values arrive as the server's text (every type parser is the identity): pg's default parsers
 * turn timestamps into millisecond Dates and cost as much as the read itself. Each scan runs in its
 * own REPEATABLE READ READ ONLY transaction with TimeZone UTC.
 *
 * With maxConnections 1 (an embedded or proxied server that serves one backend, such as PGlite
 * behind pglite-socket) every read shares one connection, inside one read-only transaction, and
 * scans page through keys with LIMIT instead of holding a cursor open, so several ranges can
 * interleave on it.
 */
import type { Socket } from 'node:net';
import type pg from 'pg';
import type QueryStream from 'pg-query-stream';
import { ReckonError, isConnectionLost, redactUrl, scrubSecrets } from '../errors.ts';
import { lazyRequire, lazyRequirePg } from '../lazy-require.ts';
import type { ColumnInfo, LogicalType, RawRow, TableInfo, TableRef } from '../types.ts';
import { buildScanQuery, qualifiedTable, type BuiltQuery } from './dialect.ts';
import { ByteCounter } from './byte-counter.ts';
import { binaryKind, binaryTuples, decodeTuple, TUPLE_FRAMING, type BinaryKind } from './copy-binary.ts';
import { copyLines, copyParser, copyScan } from './postgres-copy.ts';
import { readChunks } from './read-chunks.ts';
import { keysAtEvenOffsets } from './sample-keys.ts';
import type { ScanRequest, Source, SourceOptions, TextScan } from './source.ts';

const RAW_TEXT = { getTypeParser: () => (value: string) => value };

const SESSION_SETUP =
  "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'; " +
  // Sources are only ever read: make every transaction on the session read-only, so not even a
  // user's --where can change the data.
  'SET default_transaction_read_only = on; SET standard_conforming_strings = on; ' +
  // reckon's statements are key-ordered scans and small aggregates: JIT compiling their
  // expressions costs the server more than it saves them, and its estimates are the planner's, which
  // a list of key intervals (KeyRange.parts) overstates a thousandfold.
  'SET jit = off';

const loadPg = lazyRequirePg<typeof pg>();
const loadQueryStream = lazyRequire<typeof QueryStream>('pg-query-stream');
let scanStream: typeof QueryStream | undefined;

/**
 * The cursor stream class, made on first use (pg-query-stream loads part of pg).
 *
 * pg-query-stream reports a cursor error only after closing the cursor, which waits for a
 * ReadyForQuery that never comes (a dead connection sends nothing; on a live one the Sync sent on
 * the error was already answered), so a scan whose backend was terminated would hang forever
 * instead of failing and being retried. An errored cursor needs no close: report at once. Any
 * other destroy (a consumer stopping early) still closes the cursor, freeing the connection.
 */
function scanStreamClass(): typeof QueryStream {
  return (scanStream ??= class extends loadQueryStream() {
    override _destroy(err: Error, cb: Function): void {
      if ((this.cursor as { state?: string }).state === 'error') cb(err);
      else super._destroy(err, cb);
    }
  });
}

/** The socket under a pg client (not in pg's types, stable across its versions). */
function socketOf(client: pg.ClientBase): Socket | undefined {
  return (client as unknown as { connection?: { stream?: Socket } }).connection?.stream;
}

/** The slice of a pg client this source uses. */
type Client = pg.PoolClient | pg.Client;

const TYPE_MAP: Record<string, LogicalType> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  oid: 'integer',
  numeric: 'decimal',
  float4: 'float4',
  float8: 'float8',
  bool: 'boolean',
  text: 'text',
  varchar: 'text',
  name: 'text',
  citext: 'text',
  bpchar: 'char',
  uuid: 'uuid',
  date: 'date',
  time: 'time',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytes',
};

export class PostgresSource implements Source {
  readonly engine = 'postgres' as const;
  readonly label: string;
  readonly maxConnections: number;
  /** With one connection, reads take turns page by page (single mode), so they may still overlap. */
  readonly overlappingReads = true;
  private readonly url: string;
  private readonly pool: pg.Pool | undefined;
  private shared: Promise<pg.Client> | undefined;
  /** Settles when the shared connection's current holder releases it (single mode). */
  private sharedTurn: Promise<void> = Promise.resolve();
  private readonly single: boolean;
  private readonly read: 'copy' | 'cursor';
  private readonly connectTimeoutMs: number;
  private closed = false;
  private readonly bytes = new ByteCounter();

  constructor(url: string, options: SourceOptions = {}) {
    this.url = url;
    this.label = redactUrl(url);
    this.maxConnections = Math.max(1, options.maxConnections ?? 10);
    this.single = options.maxConnections === 1;
    this.read = options.pgRead ?? 'copy';
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    const timeout = options.statementTimeoutMs ?? 0;
    const config: pg.PoolConfig = {
      connectionString: url,
      max: this.maxConnections,
      types: RAW_TEXT,
      statement_timeout: timeout > 0 ? timeout : undefined,
      application_name: 'reckon',
      connectionTimeoutMillis: options.connectTimeoutMs ?? 30_000,
    };
    if (!this.single) {
      this.pool = new (loadPg().Pool)(config);
      // An idle client losing its server must not crash the process; the next checkout fails
      // and is reported through the normal error path instead.
      this.pool.on('error', () => {});
      this.pool.on('connect', (client) => this.bytes.track(socketOf(client)));
    }
  }

  private wrap(err: unknown, what: string): ReckonError {
    if (err instanceof ReckonError) return err;
    const e = err as { code?: string; message?: string };
    const msg = scrubSecrets(e?.message ?? String(err), [this.url]);
    if (e?.code === '28P01' || e?.code === '28000') {
      return new ReckonError('AUTH', `PostgreSQL at ${this.label} refused the credentials: ${msg}`, { cause: err });
    }
    if (e?.code === '3D000') return new ReckonError('CONNECTION', `PostgreSQL at ${this.label}: ${msg}`, { cause: err });
    if (isConnectionLost(err)) {
      return new ReckonError('CONNECTION', `cannot reach PostgreSQL at ${this.label} (${what}): ${msg}`, { cause: err });
    }
    if (e?.code === '42P01' || e?.code === '42703' || e?.code === '42883') {
      return new ReckonError('SCHEMA', `PostgreSQL at ${this.label} (${what}): ${msg}`, { cause: err });
    }
    return new ReckonError('QUERY', `PostgreSQL at ${this.label} (${what}): ${msg}`, { cause: err });
  }

  private async connect(): Promise<{ client: Client; release: (err?: Error) => void }> {
    if (this.closed) throw new ReckonError('CONNECTION', `source ${this.label} is closed`);
    if (this.single) {
      // Ranges diffed at once share this connection. pg would queue overlapping queries itself,
      // but warns that it is deprecated (an error from pg 9), so they take turns here.
      const previous = this.sharedTurn;
      let done!: () => void;
      this.sharedTurn = new Promise<void>((resolve) => (done = resolve));
      await previous;
      this.shared ??= (async () => {
        const c = new (loadPg().Client)({ connectionString: this.url, types: RAW_TEXT, application_name: 'reckon', connectionTimeoutMillis: this.connectTimeoutMs });
        c.on('error', () => {});
        await c.connect();
        this.bytes.track(socketOf(c));
        // One snapshot for every read of this source.
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        // pglite-socket serves every client from one backend session, where a session SET would
        // outlive this connection (leaving the database read-only, in UTC): scope them to the
        // transaction instead.
        await c.query(SESSION_SETUP.replace(/(^|;\s*)SET /g, '$1SET LOCAL '));
        return c;
      })();
      const shared = this.shared;
      try {
        const client = await shared;
        const release = (err?: Error) => {
          // A lost connection is replaced on the next connect, so a retried scan does not meet
          // the dead client again; ranges that shared it must not discard its replacement.
          if (err && this.shared === shared) {
            this.shared = undefined;
            client.end().catch(() => {});
          }
          done();
        };
        return { client, release };
      } catch (err) {
        done();
        this.shared = undefined;
        throw this.wrap(err, 'connect');
      }
    }
    try {
      const client = await this.pool!.connect();
      const c = client as pg.PoolClient & { reckonReady?: boolean };
      if (!c.reckonReady) {
        // The pool listens for errors only on idle clients. A checked-out client whose server
        // drops it (a terminated backend, a reset socket) would otherwise crash the process with
        // an unhandled 'error' event; the loss reaches the query in flight, which retries.
        c.on('error', () => {});
        await c.query(SESSION_SETUP);
        c.reckonReady = true;
      }
      return { client, release: (err) => client.release(err ?? false) };
    } catch (err) {
      throw this.wrap(err, 'connect');
    }
  }

  private async run(q: BuiltQuery | string, what: string): Promise<RawRow[]> {
    const { client, release } = await this.connect();
    let failure: Error | undefined;
    try {
      const query = typeof q === 'string' ? { text: q, values: [] } : q;
      const res = await client.query({ text: query.text, values: query.values, rowMode: 'array' });
      return res.rows as RawRow[];
    } catch (err) {
      failure = err as Error;
      throw this.wrap(err, what);
    } finally {
      release(failure && isConnectionLost(failure) ? failure : undefined);
    }
  }

  async describe(table: TableRef): Promise<TableInfo> {
    const schema = table.schema ?? 'public';
    const cols = await this.run(
      {
        text: `SELECT a.attname, format_type(a.atttypid, a.atttypmod),
                      COALESCE(bt.typname, t.typname), t.typtype, co.collname, d.datcollate, a.attnotnull,
                      current_setting('server_version_num')
                 FROM pg_attribute a
                 JOIN pg_class c ON c.oid = a.attrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_type t ON t.oid = a.atttypid
                 LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
                 LEFT JOIN pg_collation co ON co.oid = a.attcollation
                 CROSS JOIN (SELECT datcollate FROM pg_database WHERE datname = current_database()) d
                WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
                  AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
                ORDER BY a.attnum`,
        values: [schema, table.name],
      },
      'describe',
    );
    if (cols.length === 0) {
      throw new ReckonError('SCHEMA', `table ${schema}.${table.name} does not exist in PostgreSQL at ${this.label}`);
    }
    const columns: ColumnInfo[] = cols.map(([name, nativeType, typname, typtype, collname, datcollate, notNull]) => {
      const logical: LogicalType = typtype === 'e' ? 'text' : TYPE_MAP[String(typname)] ?? 'other';
      const collation = collname === 'default' ? datcollate : collname;
      // A domain's own NOT NULL is not in attnotnull; such a column simply counts as nullable.
      const nullable = notNull !== 't' && notNull !== 'true';
      return { name: String(name), nativeType: String(nativeType), logicalType: logical, collation: collation ?? null, nullable };
    });
    const pk = await this.run(
      {
        text: `SELECT a.attname
                 FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
                ORDER BY array_position(i.indkey::int2[], a.attnum)`,
        values: [schema, table.name],
      },
      'describe primary key',
    );
    const serverVersion = Number(cols[0]![7]);
    return {
      table: { schema, name: table.name },
      columns,
      primaryKey: pk.map((r) => String(r[0])),
      ...(Number.isFinite(serverVersion) ? { serverVersion } : {}),
      serverProduct: 'postgresql',
    };
  }

  async query(q: BuiltQuery): Promise<RawRow[]> {
    return this.run(q, 'query');
  }

  async estimateRows(table: TableRef): Promise<number | null> {
    const rows = await this.run(
      {
        text: `SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = $2`,
        values: [table.schema ?? 'public', table.name],
      },
      'estimate rows',
    );
    const n = Number(rows[0]?.[0] ?? -1);
    return n >= 0 ? n : null;
  }

  bytesReceived(): number {
    return this.bytes.total;
  }

  sampleBoundaries(req: Omit<ScanRequest, 'columns' | 'range' | 'chunkSize'>, parts: number): Promise<RawRow[]> {
    return keysAtEvenOffsets(this, req, parts);
  }

  scan(req: ScanRequest): AsyncIterable<RawRow[]> {
    if (this.single) return this.scanPages(req);
    return this.read === 'cursor' ? this.scanCursor(req) : this.scanCopy(req);
  }

  /**
   * COPY text is the server's output function of each value, in sessions set up alike (time zone,
   * float digits, bytea as hex), so equal values of one type are equal bytes on any server. Binary
   * COPY is each value's send function, likewise, for the types copy-binary.ts can write as text.
   */
  scanText(req: ScanRequest, format: 'text' | 'binary' = 'text'): TextScan | undefined {
    if (this.single || this.read !== 'copy') return undefined;
    if (format === 'binary') {
      const kinds = binaryKinds(req);
      if (!kinds) return undefined;
      return {
        buffers: binaryTuples(this.readOnlyScan(req, (client) => copyLines(client, req, 'binary'), 'discard')),
        row: (record) => decodeTuple(record, kinds),
        framing: TUPLE_FRAMING,
        form: `postgres-binary:${kinds.join(',')}`,
      };
    }
    const parser = copyParser(req);
    return {
      buffers: this.readOnlyScan(req, (client) => copyLines(client, req), 'discard'),
      row: (line) => parser.line(line),
      form: 'postgres-text',
    };
  }

  private scanCopy(req: ScanRequest): AsyncGenerator<RawRow[]> {
    // A COPY cannot be stopped halfway on its connection: a consumer that stops early costs the
    // connection (which also ends the transaction on the server).
    return this.readOnlyScan(req, (client) => copyScan(client, req), 'discard');
  }

  private scanCursor(req: ScanRequest): AsyncGenerator<RawRow[]> {
    return this.readOnlyScan(
      req,
      async function* (client) {
        const q = buildScanQuery('postgres', req);
        const ScanStream = scanStreamClass();
        const stream = new ScanStream(q.text, q.values, {
          batchSize: req.chunkSize,
          // Room for two batches: the next one is fetched while the consumer works on this one,
          // so the server is not idle for a round trip per batch.
          highWaterMark: 2 * req.chunkSize,
          rowMode: 'array',
          types: RAW_TEXT,
        });
        client.query(stream);
        try {
          yield* readChunks<RawRow>(stream, req.chunkSize);
        } finally {
          // Closes the cursor when the consumer stops early, so the rollback that follows can run.
          stream.destroy();
        }
      },
      'rollback',
    );
  }

  /**
   * Runs one scan's reads in a REPEATABLE READ READ ONLY transaction on a connection of its own,
   * and leaves that connection clean: committed, rolled back, or discarded when it cannot be.
   */
  private async *readOnlyScan<T>(req: ScanRequest, read: (client: Client) => AsyncIterable<T>, onEarlyStop: 'discard' | 'rollback'): AsyncGenerator<T> {
    const { client, release } = await this.connect();
    let failure: Error | undefined;
    let finished = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      yield* read(client);
      await client.query('COMMIT');
      finished = true;
    } catch (err) {
      failure = err as Error;
      throw this.wrap(err, `scan ${qualifiedTable('postgres', req.table)}`);
    } finally {
      // A COPY cannot be stopped halfway: after an early stop, or a failure on reckon's side in the
      // middle of one (the server still sending), a ROLLBACK would wait behind it for ever.
      if (finished) release();
      else if (onEarlyStop === 'discard' || (failure && isConnectionLost(failure))) release(failure ?? new Error('scan stopped early'));
      else {
        await client.query('ROLLBACK').then(
          () => release(),
          (err: Error) => release(err),
        );
      }
    }
  }

  private async *scanPages(req: ScanRequest): AsyncGenerator<RawRow[]> {
    const keyCount = req.keyColumns.length;
    let after = req.range.after;
    for (;;) {
      const q = buildScanQuery('postgres', { ...req, range: { ...req.range, after } }, req.chunkSize);
      const rows = await this.run(q, `scan ${qualifiedTable('postgres', req.table)}`);
      if (rows.length === 0) return;
      const last = rows[rows.length - 1]!;
      // Raw key text of this engine is a valid literal for the next page's predicate.
      after = last.slice(0, keyCount).map((v) => String(v));
      yield rows;
      if (rows.length < req.chunkSize) return;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pool) await this.pool.end();
    if (this.shared) {
      try {
        const c = await this.shared;
        // End the snapshot before leaving: a server multiplexing one backend (pglite-socket)
        // would otherwise hold every other client back until it notices the disconnect.
        await this.sharedTurn;
        await c.query('ROLLBACK').catch(() => {});
        await c.end();
      } catch {
        // Never connected: nothing to close.
      }
    }
  }
}

/** How each column of a plain scan is read from binary COPY, or undefined when one cannot be. */
function binaryKinds(req: ScanRequest): BinaryKind[] | undefined {
  if (req.digest !== undefined || req.keys !== undefined) return undefined;
  const kinds = [...req.keyColumns, ...req.columns].map((c) => binaryKind(c));
  return kinds.every((k): k is BinaryKind => k !== undefined) ? kinds : undefined;
}
