/** Split points for parallel key ranges, shared by every engine: keys at even row offsets. */
import type { RawRow } from '../types.ts';
import { buildCountQuery, buildKeyAtOffsetQuery } from './dialect.ts';
import type { ScanRequest, Source } from './source.ts';

/**
 * Up to `parts - 1` keys at evenly spaced offsets of the ordered, filtered table, so ranges hold
 * about as many rows each however sparse or skewed the keys are.
 */
export async function keysAtEvenOffsets(
  source: Pick<Source, 'engine' | 'query'>,
  req: Omit<ScanRequest, 'columns' | 'range' | 'chunkSize'>,
  parts: number,
): Promise<RawRow[]> {
  if (parts < 2) return [];
  const total = Number((await source.query(buildCountQuery(source.engine, req.table, req.where)))[0]?.[0] ?? 0);
  const out: RawRow[] = [];
  for (let j = 1; j < parts; j++) {
    const offset = Math.floor((total * j) / parts);
    if (offset <= 0 || offset >= total) continue;
    const rows = await source.query(buildKeyAtOffsetQuery(source.engine, req.table, req.keyColumns, req.where, offset));
    if (rows[0]) out.push(rows[0]);
  }
  return out;
}
