/**
 * The rows of a streamed mysql2 query, in chunks, taken straight from its 'result' events.
 *
 * mysql2's `query.stream()` pushes each row through an object-mode Readable and emits a second
 * event for it, which together cost a tenth of a PostgreSQL↔MariaDB diff's CPU. Here each row
 * goes into the chunk being built; the connection is paused while two full chunks wait for the
 * consumer and resumed when it takes one, so memory stays bounded and the server waits on TCP
 * backpressure as before.
 */
import type { PoolConnection, Query } from 'mysql2';
import type { RawRow } from '../types.ts';

export class ResultChunks {
  private readonly ready: RawRow[][] = [];
  private current: RawRow[] = [];
  private ended = false;
  private error: Error | undefined;
  private paused = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly conn: PoolConnection,
    query: Query,
    private readonly size: number,
  ) {
    query.on('result', (row) => {
      this.current.push(row as unknown as RawRow);
      if (this.current.length < this.size) return;
      this.ready.push(this.current);
      this.current = [];
      if (this.ready.length >= 2 && !this.paused) {
        this.paused = true;
        this.conn.pause();
      }
      this.wake?.();
    });
    query.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    query.on('error', (err: Error) => this.fail(err));
  }

  /** Ends the reading with an error (mysql2 tells a lost connection only to the connection). */
  fail(err: Error): void {
    this.error ??= err;
    this.wake?.();
  }

  async *chunks(): AsyncGenerator<RawRow[]> {
    for (;;) {
      const chunk = this.ready.shift();
      if (chunk) {
        if (this.paused && this.ready.length < 2) {
          this.paused = false;
          // Handles the packets held back while paused, which may fill and pause again.
          this.conn.resume();
        }
        yield chunk;
        continue;
      }
      if (this.error) throw this.error;
      if (this.ended) {
        if (this.current.length > 0) {
          const last = this.current;
          this.current = [];
          yield last;
        }
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
