/** One side of one key range, read with retries and with keys made canonical as rows arrive. */
import { ReckonError, isConnectionLost } from '../errors.ts';
import type { Normalizer } from '../normalize/values.ts';
import type { ScanRequest, Source } from '../sources/source.ts';
import type { Key, RawRow } from '../types.ts';
import type { CanonicalRow } from './merge-join.ts';
import { tableLabel } from './plan-columns.ts';
import { retryDelayMs, sleep } from './retry.ts';

/** The error for a row whose key column `column` is NULL. */
export function nullKeyError(req: ScanRequest, column: number): ReckonError {
  const name = req.keyColumns[column]?.name ?? '?';
  return new ReckonError(
    'SCHEMA',
    `key column ${name} is NULL in a row of ${tableLabel(req.table)}: key columns must not be NULL; ` +
      `choose NOT NULL unique columns with --key`,
  );
}

/**
 * Makes a row's keys (and eager columns) canonical in place: only keys (they decide the merge
 * order) and eager columns are, other values stay raw until a comparison or an event needs them.
 */
export function canonicalizeRow(raw: RawRow, req: ScanRequest, normalizers: readonly Normalizer[], eager: readonly number[]): CanonicalRow {
  const row = raw as (string | number | null)[];
  for (let i = 0; i < req.keyColumns.length; i++) {
    // NULL equals nothing, and the engines sort it at opposite ends: such a row can be neither
    // matched nor ordered, so it is an error rather than a guess.
    if (row[i] === null) throw nullKeyError(req, i);
  }
  for (const i of eager) row[i] = normalizers[i]!(row[i] as string | null);
  return row as CanonicalRow;
}

/**
 * Scans one side of one range, normalising rows in place, and after a lost connection reopens
 * the scan just after the last key already delivered, so no row is read twice or skipped.
 */
export async function* normalizedScan(
  source: Source,
  req: ScanRequest,
  normalizers: readonly Normalizer[],
  /** Columns made canonical as they are read: the keys, and columns raw text cannot compare. */
  eager: readonly number[],
  retries: number,
  onRetry: (attempt: number, error: Error) => void,
): AsyncGenerator<CanonicalRow[]> {
  const keyLength = req.keyColumns.length;
  let after = req.range.after;
  let attempt = 0;
  for (;;) {
    try {
      for await (const chunk of source.scan({ ...req, range: { ...req.range, after } })) {
        for (const row of chunk) canonicalizeRow(row, req, normalizers, eager);
        const last = chunk[chunk.length - 1];
        if (last) after = last.slice(0, keyLength) as Key;
        attempt = 0;
        yield chunk as CanonicalRow[];
      }
      return;
    } catch (err) {
      if (!isConnectionLost(err) || attempt >= retries) throw err;
      attempt++;
      onRetry(attempt, err as Error);
      await sleep(retryDelayMs(attempt));
    }
  }
}

