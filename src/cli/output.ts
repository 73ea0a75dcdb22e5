/** A writable for reporters that respects backpressure, so a slow pipe never buffers without bound. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface Output {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

export function outputTo(stream: Writable, ownsStream: boolean): Output {
  return {
    async write(text) {
      if (!stream.write(text)) await once(stream, 'drain');
    },
    async close() {
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
  const stream = createWriteStream(file);
  await once(stream, 'open');
  return outputTo(stream, true);
}
