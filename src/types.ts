/**
 * Shared domain types. Values cross the source boundary as the database's own text (never a JS
 * number or Date), so exactness is decided in one place: src/normalize.
 */

/** A raw value as a source delivers it: the engine's text form, or null for SQL NULL. */
export type RawValue = string | null;

/** One row as a source yields it: values in the order of the scan's column list. */
export type RawRow = RawValue[];

/**
 * The logical types reckon compares by meaning. Each source maps its native catalog types onto
 * these; a value is then normalised according to its column's logical type.
 */
export type LogicalType =
  | 'integer'
  | 'decimal'
  | 'float4'
  | 'float8'
  | 'boolean'
  | 'text'
  | 'char'
  | 'uuid'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'json'
  | 'bytes'
  | 'other';

/** A column as read from an engine's catalog. */
export interface ColumnInfo {
  /** Column name exactly as stored in the catalog. */
  name: string;
  /** The engine's own type name, e.g. `numeric(12,2)` or `tinyint(1)`; shown in messages. */
  nativeType: string;
  logicalType: LogicalType;
  /** Collation of a text column when the engine reports one, else null. */
  collation: string | null;
  /** False when the catalog declares the column NOT NULL; absent means it may hold NULL. */
  nullable?: boolean;
}

/** A table reference after parsing `schema.table` / `db.table`. */
export interface TableRef {
  /** Schema (PostgreSQL) or database (MySQL); null means the connection's default. */
  schema: string | null;
  name: string;
}

/** What a source knows about a table: its columns in catalog order and its primary key. */
export interface TableInfo {
  table: TableRef;
  columns: ColumnInfo[];
  /** Primary-key column names in key order; empty when the table has none. */
  primaryKey: string[];
  /**
   * The server's version as a number, when known: PostgreSQL's server_version_num; for MySQL and
   * MariaDB major * 10000 + minor * 100 + patch (10.11.19 is 101119).
   */
  serverVersion?: number;
  /** Which server answers: MariaDB and MySQL speak one protocol but not one SQL. */
  serverProduct?: 'postgresql' | 'mysql' | 'mariadb';
}

/** A key as canonical text per key column (see normalize). */
export type Key = string[];

/**
 * A key range with an inclusive lower and an exclusive upper bound, so ranges cut at sampled keys
 * tile the key space with no overlap and no hole. Absent bounds mean unbounded.
 */
export interface KeyRange {
  /** Rows with key >= this bound (inclusive). */
  from?: Key;
  /** Rows with key < this bound (exclusive). */
  to?: Key;
  /** Rows with key > this bound (exclusive); used to resume after the last key read. */
  after?: Key;
  /**
   * Only rows inside one of these key intervals (each `from` inclusive, `to` exclusive, an absent
   * bound unbounded), on top of the bounds above: the small pieces of a range that hash mode found
   * differing, read by one statement.
   */
  parts?: { from?: Key; to?: Key }[];
}

/** A row that exists on one side only. */
export interface OnlyEvent {
  type: 'left_only' | 'right_only';
  key: Record<string, string | number>;
  row: Record<string, string | null>;
}

/** A row present on both sides whose compared values differ. */
export interface ChangedEvent {
  type: 'changed';
  key: Record<string, string | number>;
  columns: string[];
  left: Record<string, string | null>;
  right: Record<string, string | null>;
}

export type DiffEvent = OnlyEvent | ChangedEvent;

/** Totals of a finished diff. */
export interface DiffSummary {
  type: 'summary';
  left_rows: number;
  right_rows: number;
  left_only: number;
  right_only: number;
  changed: number;
  identical: boolean;
  elapsed_ms: number;
  /** Columns present on one side only; reported, never compared. */
  left_only_columns: string[];
  right_only_columns: string[];
  /**
   * How the rows were compared: `stream` read every row; `digest` read keys and row hashes, and in
   * full only the rows whose hashes differed; `hash` had the databases hash key ranges and read
   * only the ranges whose hashes differed.
   */
  algorithm: 'stream' | 'digest' | 'hash';
  /** Bytes received from each database during the run. */
  bytes_received: { left: number; right: number };
}

/** Which comparison to run: `auto` hashes in the databases when that looks cheaper than reading. */
export type DiffAlgorithm = 'auto' | 'stream' | 'digest' | 'hash';

/** Progress of a running diff, reported at a bounded rate. */
export interface DiffProgress {
  leftRows: number;
  rightRows: number;
  differences: number;
  /** Estimated total rows on the left side, when the catalog gives an estimate. */
  estimatedRows: number | null;
  elapsedMs: number;
}
