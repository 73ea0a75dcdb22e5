/**
 * The default PostgreSQL scan: `COPY (SELECT … ORDER BY …) TO STDOUT` inside the scan's
 * read-only REPEATABLE READ transaction, read with pg-copy-streams and parsed by copy-text.ts.
 * The server streams rows without waiting for a fetch per batch, and TCP backpressure (the copy
 * stream stops reading the socket while reckon is busy) keeps memory bounded.
 */
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { RawRow } from '../types.ts';
import { CopyTextParser } from './copy-text.ts';
import { buildScanQuery } from './dialect.ts';
import { readChunks } from './read-chunks.ts';
import type { ScanRequest } from './source.ts';

/**
 * Yields the rows of one scan in chunks. The caller owns the transaction; when the consumer stops
 * early the COPY cannot be cancelled on the connection, so the caller must discard it.
 */
export async function* copyScan(client: pg.PoolClient | pg.Client, req: ScanRequest): AsyncGenerator<RawRow[]> {
  const q = buildScanQuery('postgres', req, undefined, true);
  const stream = client.query(copyTo(`COPY (${q.text}) TO STDOUT`));
  // A backend that dies mid-COPY reports twice (its error message, then the closed socket). The
  // first reaches the reader and fails the scan; a later one must not become an uncaught error.
  stream.on('error', () => {});
  const parser = new CopyTextParser(req.keyColumns.length + req.columns.length, req.packValues ? req.keyColumns.length : undefined);
  let chunk: RawRow[] = [];
  for await (const buffers of readChunks<Buffer>(stream, 1)) {
    for (const b of buffers) {
      for (const row of parser.push(b)) {
        chunk.push(row);
        if (chunk.length >= req.chunkSize) {
          yield chunk;
          chunk = [];
        }
      }
    }
  }
  parser.end();
  if (chunk.length > 0) yield chunk;
}
