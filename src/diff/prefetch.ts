/**
 * A read started before it is known to be needed. `auto` first hashes a sample of key ranges to
 * see whether hashing pays, and on most tables that differ it does not: the rows are then streamed
 * after all. Starting that stream while the sample is hashed lets the two overlap (the sample
 * costs the databases, the stream's first chunks the link), instead of the stream's first round
 * trips waiting for the sample's.
 */
export interface Prefetched<T> {
  /** The read, its first step already asked for; only once: afterwards take() gives undefined. */
  take(): AsyncIterable<T> | undefined;
  /** Ends the read if it was never taken, releasing what it holds (its connection). */
  cancel(): Promise<void>;
}

export function prefetch<T>(read: AsyncIterable<T>): Prefetched<T> {
  const it = read[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = it.next();
  // Its error, if any, is the reader's to see when it takes the first step; a cancelled read's
  // error concerns no one.
  first.catch(() => {});
  let taken = false;
  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (first) {
        const f = first;
        first = undefined;
        return f;
      }
      return it.next();
    },
    return(value?: unknown) {
      first = undefined;
      return it.return ? it.return(value) : Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    take() {
      if (taken) return undefined;
      taken = true;
      return iterator;
    },
    async cancel() {
      if (taken) return;
      taken = true;
      // An async generator runs return() once its pending step has settled: the read ends after
      // its first chunk (or its error), and its cleanup (releasing the connection) runs then.
      await first?.catch(() => undefined);
      await iterator.return!().catch(() => undefined);
    },
  };
}
