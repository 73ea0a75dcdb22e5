/**
 * The one contract between the diff core and a database. Everything engine-specific lives behind
 * it; nothing in diff/ or normalize/ imports a driver. A new engine is one new file implementing
 * Source (plus its SQL in dialect.ts).
 */
import type { Key, KeyRange, LogicalType, RawRow, TableInfo, TableRef } from '../types.ts';

/** What to read in one scan. */
export interface ScanRequest {
  table: TableRef;
  /** Key columns, in key order, with the logical type that decides their ORDER BY. */
  keyColumns: readonly { name: string; type: LogicalType; collation: string | null; nativeType?: string }[];
  /** Further columns to read after the key columns, with their logical types. */
  columns: readonly {
    name: string;
    type: LogicalType;
    nativeType?: string;
    collation?: string | null;
    nullable?: boolean;
    /**
     * A PostgreSQL timestamptz written as the server writes it, with its offset (`+00` in
     * reckon's UTC sessions), rather than cast to its UTC wall time, which MySQL's text matches:
     * for two PostgreSQL sides, whose texts agree either way, it spares each server a conversion
     * per value. The timestamp normaliser reads both forms alike.
     */
    withOffset?: boolean;
  }[];
  /** A SQL filter, pasted into the WHERE clause as given (the user's own SQL). */
  where?: string;
  /** Key bounds; keys are canonical text (see normalize). */
  range: KeyRange;
  /** Rows per chunk yielded (and per cursor fetch / page). */
  chunkSize: number;
  /**
   * The source may deliver a row's non-key values packed into one string: the row is then
   * `[...keys, packed]` (see normalize/packed-values.ts: values escaped as in COPY text and joined
   * by TAB). Equal packed strings mean equal texts in every column, which lets the merge skip
   * splitting rows that agree. Sources may ignore the request, or pack only some rows.
   *
   * `'bytes'` also allows a packed form only the same engine produces: bytes, values joined by
   * 0xFF and NULL written as 0xFE, neither of which occurs in UTF-8 text (see packed-values.ts).
   * Such rows compare equal only to rows packed the same way.
   */
  packValues?: boolean | 'bytes';
  /**
   * Instead of `columns`, select this SQL expression after the keys: a hash of the row's values
   * (see hash-dialect.ts), so rows that agree can be compared without reading them.
   */
  digest?: string;
  /** Read only the rows with these keys (canonical text, ascending), in addition to `range`. */
  keys?: readonly Key[];
}

export interface Source {
  /** Engine family, for SQL dialect choices and messages. */
  readonly engine: 'postgres' | 'mysql';
  /** The connection URL with its password hidden; safe for any message. */
  readonly label: string;
  /** Most connections the source opens at once, when it has such a limit. */
  readonly maxConnections?: number;
  /**
   * Whether a read may start while a scan is still open on the same server: digest mode reads
   * the rows it must compare while its digest scan goes on, and ranges may be read side by side.
   * False only where one connection would be held by the open scan.
   */
  readonly overlappingReads: boolean;

  /** Reads the table's columns and primary key from the catalog. Throws SCHEMA if it is absent. */
  describe(table: TableRef): Promise<TableInfo>;

  /**
   * Streams the rows of `req.range` matching `req.where`, key columns first then `req.columns`,
   * in strictly ascending key order as defined by diff/compare-keys.ts, as chunks of at most
   * `req.chunkSize` rows. The read is read-only on one consistent snapshot. The consumer sets the
   * pace: a source holds at most two chunks beyond the one being consumed (the next one is
   * fetched while the consumer works, so the server is not idle for a round trip per chunk).
   * Ending the iteration early (break, throw) releases the connection.
   */
  scan(req: ScanRequest): AsyncIterable<RawRow[]>;

  /**
   * The same scan as its rows' raw bytes, for a merge that passes over rows both sides write byte
   * for byte alike without decoding them (diff/text-merge.ts); undefined where the source cannot.
   * A source offers it only where the bytes are a function of the values read: two sources of one
   * engine then write equal rows of equally read columns as equal records (of the same `form`).
   * `binary` asks for the engine's binary form, which a source may offer for some columns only.
   */
  scanText?(req: ScanRequest, format?: 'text' | 'binary'): TextScan | undefined;

  /**
   * Up to `parts - 1` key values (canonical text of raw key columns, in key order) that cut the
   * filtered table into `parts` ranges of roughly equal row counts.
   */
  sampleBoundaries(req: Omit<ScanRequest, 'columns' | 'range' | 'chunkSize'>, parts: number): Promise<RawRow[]>;

  /**
   * Runs one read-only query and returns all its rows as raw text. For small results only:
   * aggregates and catalog facts, never table contents.
   */
  query(q: { text: string; values: string[] }): Promise<RawRow[]>;

  /** The catalog's row estimate for the table, or null when the engine has none. */
  estimateRows(table: TableRef): Promise<number | null>;

  /** Bytes received from the database so far, over every connection this source opened. */
  bytesReceived(): number;

  /** Closes every connection. Safe to call twice. */
  close(): Promise<void>;
}

/** A scan's rows as records of raw bytes (Source.scanText). */
export interface TextScan {
  /**
   * The records, each the row's bytes (after filler bytes of the source's own, the same in front
   * of every record); a record may continue into the next buffer. Ending the iteration early
   * releases the connection, as with scan().
   */
  buffers: AsyncIterable<Buffer>;
  /** The row one record holds (its bytes from its start to its end, without a terminator), as scan() gives it. */
  row(record: Buffer): RawRow;
  /** Where records end; lines ending in a newline when absent. */
  framing?: RecordFraming;
  /**
   * Names the byte form (format and, where it matters, the decoding of each column): two scans
   * are compared as bytes only when they name the same form, so equal bytes mean equal rows.
   */
  form: string;
}

/** How a TextScan's bytes divide into records. */
export interface RecordFraming {
  /**
   * End (exclusive, before any terminator) of the record that starts at `start`, or -1 when it
   * has not all arrived. `from` (at least `start`) is where its end may first be: the bytes
   * before it have been looked at already.
   */
  end(buf: Buffer, start: number, from: number): number;
  /**
   * How many bytes of `next` complete, terminator included, the record whose first bytes are
   * `head`; -1 when `next` does not hold its end.
   */
  endIn(head: Buffer, next: Buffer): number;
  /** Bytes after a record's end before the next record starts (a newline: 1). */
  terminator: number;
}

/** Options common to every source. */
export interface SourceOptions {
  /** Most connections the source opens at once; 1 serialises everything on one connection. */
  maxConnections?: number;
  /**
   * How PostgreSQL scans read (default copy): `COPY (SELECT …) TO STDOUT`, or a cursor
   * (pg-query-stream) for servers and poolers that do not support COPY.
   */
  pgRead?: 'copy' | 'cursor';
  /** How long to wait for a connection to be ready, in milliseconds (default 30 s). */
  connectTimeoutMs?: number;
  /** Per-statement timeout in milliseconds (0: none). */
  statementTimeoutMs?: number;
}

export type { Key };
