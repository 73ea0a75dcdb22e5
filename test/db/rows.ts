/** Small helpers to create and fill test tables with the same rows on either engine. */
import type { EngineName, TestDb } from './harness.ts';

/** A literal value for a test row: strings are quoted, bigint and number written as digits. */
export type Literal = string | number | bigint | null;

/** SQL text of a literal valid in both PostgreSQL and MariaDB (no backslashes in test data). */
export function literal(v: Literal): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v.includes('\\')) throw new Error('test data must not contain backslashes (MariaDB escapes them)');
  return `'${v.replace(/'/g, "''")}'`;
}

/** Creates `name` with the engine's DDL (a column list) and inserts `rows` in batches. */
export async function createTable(
  db: TestDb,
  name: string,
  columns: string | Partial<Record<EngineName, string>>,
  rows: readonly (readonly Literal[])[],
): Promise<void> {
  const cols = typeof columns === 'string' ? columns : columns[db.engine];
  if (!cols) throw new Error(`no DDL for ${name} on ${db.engine}`);
  await db.exec(`CREATE TABLE ${name} (${cols})`);
  await insertRows(db, name, rows);
}

export async function insertRows(db: TestDb, name: string, rows: readonly (readonly Literal[])[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const batch = rows.slice(i, i + 2000);
    await db.exec(`INSERT INTO ${name} VALUES ${batch.map((r) => `(${r.map(literal).join(', ')})`).join(', ')}`);
  }
}

/** Orders strings by their UTF-8 bytes: an oracle independent of reckon's own comparator. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
