/**
 * The default PostgreSQL scan: `COPY (SELECT … ORDER BY …) TO STDOUT` inside the scan's
 * read-only REPEATABLE READ transaction, read off the socket by copy-out.ts and parsed by
 * copy-text.ts. The server streams rows without waiting for a fetch per batch, and TCP
 * backpressure (the socket is read only as fast as reckon consumes) keeps memory bounded.
 */
import type pg from 'pg';
import type { RawRow } from '../types.ts';
import { CopyOut, FRAME_BYTES } from './copy-out.ts';
import { CopyTextParser } from './copy-text.ts';
import { buildScanQuery } from './dialect.ts';
import type { ScanRequest } from './source.ts';

/**
 * Yields the rows of one scan in chunks. The caller owns the transaction; when the consumer stops
 * early the COPY cannot be cancelled on the connection, so the caller must discard it.
 */
export async function* copyScan(client: pg.PoolClient | pg.Client, req: ScanRequest): AsyncGenerator<RawRow[]> {
  const parser = copyParser(req);
  let chunk: RawRow[] = [];
  for await (const b of copyLines(client, req)) {
    for (const row of parser.push(b)) {
      chunk.push(row);
      if (chunk.length >= req.chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
  }
  parser.end();
  if (chunk.length > 0) yield chunk;
}

/** The parser of a scan's COPY text, as copyScan reads it. */
export function copyParser(req: ScanRequest): CopyTextParser {
  // A digest scan sends the keys and one digest in place of the compared columns.
  const width = req.keyColumns.length + (req.digest !== undefined ? 1 : req.columns.length);
  return new CopyTextParser(width, req.packValues ? req.keyColumns.length : undefined, FRAME_BYTES);
}

/**
 * The scan's COPY output as it arrives: buffers of lines, each preceded by FRAME_BYTES filler
 * bytes (copy-out.ts), or in binary the CopyData messages as sent (header, tuples and trailer).
 * The same caveat as copyScan applies to stopping early.
 */
export function copyLines(client: pg.PoolClient | pg.Client, req: ScanRequest, format: 'text' | 'binary' = 'text'): AsyncGenerator<Buffer> {
  const q = buildScanQuery('postgres', req, undefined, true);
  // Binary tuples keep their message headers: the length is where each one ends.
  const copy = new CopyOut(`COPY (${q.text}) TO STDOUT${format === 'binary' ? ' (FORMAT binary)' : ''}`, format === 'text');
  client.query(copy);
  return copy.buffers();
}
