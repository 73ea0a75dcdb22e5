/**
 * A writable for reporters that respects backpressure, so a slow pipe never buffers without bound,
 * and batches small writes: a write per event to a file or /dev/null is a system call each, which
 * cost more than finding the differences once there are hundreds of thousands of them.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface Output {
  /** A promise only when the text was handed to the stream (await it: it may wait for drain). */
  write(text: string): Promise<void> | void;
  /**
   * Hands buffered text to the stream now. Held text can pin far more memory than its length:
   * a value sliced from a chunk of rows keeps the whole chunk's string alive until written.
   */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Text held before it is handed to the stream, at most. */
const BATCH_CHARS = 64 * 1024;
/**
 * Bytes a file may have in flight. With the default 16 KiB every batch waited for its write to
 * finish, and a diff with millions of differences spent a sixth of its time idle on those waits.
 */
const WRITE_AHEAD_BYTES = 4 << 20;
/** How long a reader may wait for text already produced (a long diff with rare differences). */
const FLUSH_AFTER_MS = 100;

export function outputTo(stream: Writable, ownsStream: boolean): Output {
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const text = pending;
    pending = '';
    if (!stream.write(text)) await once(stream, 'drain');
  };
  return {
    write(text) {
      pending += text;
      if (pending.length >= BATCH_CHARS) return flush();
      timer ??= setTimeout(() => void flush(), FLUSH_AFTER_MS);
    },
    flush,
    async close() {
      await flush();
      if (ownsStream) {
        stream.end();
        await once(stream, 'finish');
      }
    },
  };
}

/** Opens the output file, or stdout when none is given. */
export async function openOutput(file: string | undefined): Promise<Output> {
  if (!file) return outputTo(process.stdout, false);
  const stream = createWriteStream(file, { highWaterMark: WRITE_AHEAD_BYTES });
  await once(stream, 'open');
  return outputTo(stream, true);
}
