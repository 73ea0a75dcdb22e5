/**
 * The write side, used only by backfill: a table reckon is told to fill. Sources stay read-only;
 * a Target is opened separately, on its own connections, and every write happens inside
 * transaction(), so a batch is all or nothing.
 */
import type { LogicalType, RawRow, TableRef } from '../types.ts';

export interface WriteColumn {
  name: string;
  type: LogicalType;
}

/** What a batch can do inside its transaction. */
export interface TargetTx {
  /** Runs one statement; `:name` parameters are not supported here, values are positional. */
  exec(sql: string, values?: readonly unknown[]): Promise<number>;
  query(sql: string, values?: readonly unknown[]): Promise<RawRow[]>;
  /**
   * Inserts rows of canonical values (see normalize/), replacing the row with the same key:
   * ON CONFLICT … DO UPDATE on PostgreSQL, ON DUPLICATE KEY UPDATE on MySQL. Returns rows sent.
   */
  upsert(table: TableRef, columns: readonly WriteColumn[], key: readonly string[], rows: readonly (string | null)[][]): Promise<number>;
}

export interface Target {
  readonly engine: 'postgres' | 'mysql';
  readonly label: string;
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: TargetTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
