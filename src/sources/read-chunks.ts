/**
 * Reads an object-mode stream of rows as arrays of up to `size` rows. Rows are taken from the
 * stream's buffer synchronously with read(): iterating a stream row by row with `for await`
 * costs a promise per row, which at millions of rows is a large share of a diff's time.
 */
import type { Readable } from 'node:stream';

export async function* readChunks<T>(stream: Readable, size: number): AsyncGenerator<T[]> {
  let error: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const onReadable = () => wake?.();
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (err: Error) => {
    error = err;
    wake?.();
  };
  stream.on('readable', onReadable);
  stream.on('end', onEnd);
  stream.on('error', onError);
  try {
    let chunk: T[] = [];
    for (;;) {
      if (error) throw error;
      let row: T | null;
      while (chunk.length < size && (row = stream.read() as T | null) !== null) chunk.push(row);
      if (chunk.length >= size) {
        yield chunk;
        chunk = [];
        continue;
      }
      if (ended || stream.readableEnded) {
        if (error) throw error;
        if (chunk.length > 0) yield chunk;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    stream.off('readable', onReadable);
    stream.off('end', onEnd);
    stream.off('error', onError);
  }
}
