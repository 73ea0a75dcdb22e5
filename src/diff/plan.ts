/**
 * Splits the key space into ranges for bounded parallel work, and runs range tasks with bounded
 * concurrency while still emitting their results in key order.
 */
import pLimit from 'p-limit';
import type { Key, KeyRange } from '../types.ts';

/**
 * Ranges that tile the key space at the given split keys (sorted ascending, distinct): the first
 * is unbounded below, the last unbounded above, each boundary belongs to the range it starts.
 */
export function rangesFromBoundaries(boundaries: readonly Key[]): KeyRange[] {
  if (boundaries.length === 0) return [{}];
  const ranges: KeyRange[] = [{ to: boundaries[0]! }];
  for (let i = 0; i < boundaries.length; i++) {
    const next = boundaries[i + 1];
    ranges.push(next ? { from: boundaries[i]!, to: next } : { from: boundaries[i]! });
  }
  return ranges;
}

/**
 * Split keys from sampled rows: made canonical, and kept only while strictly ascending, so a key
 * that cannot bound a range (NULL) or repeats is dropped rather than making an empty range.
 */
export function increasingKeys<R>(raw: readonly R[], canonicalKey: (r: R) => Key | null, compare: (a: Key, b: Key) => number): Key[] {
  const keys: Key[] = [];
  for (const r of raw) {
    const key = canonicalKey(r);
    const prev = keys[keys.length - 1];
    if (key && (!prev || compare(prev, key) < 0)) keys.push(key);
  }
  return keys;
}

/** A single-producer, single-consumer queue whose producer waits while it is full. */
class BoundedQueue<T> {
  private items: T[] = [];
  private ended = false;
  private error: unknown;
  private cancelled = false;
  /** Items of the batch the consumer is working through, not yet handed on. */
  private inFlight = 0;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private markConsumed!: () => void;
  /** Resolves once the consumer has taken every item after end(), or the queue was cancelled. */
  readonly consumed = new Promise<void>((resolve) => (this.markConsumed = resolve));

  constructor(private readonly capacity: number) {}

  /**
   * Queues an item, then waits until there is room for another before resolving, so the producer
   * does not pull its next item (a row already read from the database) while the consumer is
   * `capacity` items behind. Resolves false when the consumer has gone away and the producer
   * should stop.
   */
  async push(item: T): Promise<boolean> {
    if (this.cancelled) return false;
    this.items.push(item);
    this.wakeConsumer?.();
    while (this.items.length + this.inFlight >= this.capacity && !this.cancelled) {
      await new Promise<void>((r) => (this.wakeProducer = r));
    }
    return !this.cancelled;
  }

  end(error?: unknown): void {
    this.ended = true;
    this.error = error;
    this.wakeConsumer?.();
  }

  cancel(): void {
    this.cancelled = true;
    this.wakeProducer?.();
    this.markConsumed();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        // The batch still counts against the capacity until each item is handed on; freeing it
        // all at once would let the producer run up to twice `capacity` ahead.
        const batch = this.items;
        this.items = [];
        this.inFlight = batch.length;
        for (const item of batch) {
          yield item;
          this.inFlight--;
          this.wakeProducer?.();
        }
        continue;
      }
      if (this.ended) {
        this.markConsumed();
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((r) => (this.wakeConsumer = r));
      this.wakeConsumer = undefined;
    }
  }
}

/**
 * Runs up to `concurrency` tasks at once and yields their items in task order, as a sequential
 * run would. Each task may run ahead of the consumer by at most `buffer` items, and a task keeps
 * its slot until its items are consumed, so at most `concurrency * buffer` items wait, however
 * many items the tasks produce. Stopping early stops every task.
 */
export async function* orderedParallel<T>(
  tasks: ReadonlyArray<() => AsyncIterable<T>>,
  concurrency: number,
  buffer = 1000,
): AsyncGenerator<T> {
  // A buffer of 0 would leave every producer waiting for room that never comes: a silent hang.
  if (!Number.isInteger(buffer) || buffer < 1) throw new TypeError(`orderedParallel: buffer must be an integer >= 1, got ${buffer}`);
  if (tasks.length === 1 || concurrency <= 1) {
    for (const task of tasks) yield* task();
    return;
  }
  const limit = pLimit(concurrency);
  const queues = tasks.map(() => new BoundedQueue<T>(buffer));
  let stopped = false;
  const running = tasks.map((task, i) =>
    limit(async () => {
      const q = queues[i]!;
      if (stopped) return q.end();
      try {
        for await (const item of task()) {
          if (!(await q.push(item))) break;
        }
        q.end();
      } catch (err) {
        q.end(err);
      }
      // Keep the slot until the consumer has taken this task's items: a finished task whose
      // queue still waits would otherwise let one more task start, and with very uneven ranges
      // the waiting queues (each up to `buffer` items) would add up without bound.
      await q.consumed;
    }),
  );
  try {
    for (const q of queues) yield* q.drain();
  } finally {
    stopped = true;
    for (const q of queues) q.cancel();
    await Promise.allSettled(running);
  }
}
