import { describe, expect, it } from 'vitest';
import { prefetch } from '../../src/diff/prefetch.ts';

/** A read that records how far it got and whether its cleanup ran. */
function recorded(items: number[], failAt?: number) {
  const log = { started: 0, cleaned: false };
  async function* read() {
    try {
      for (const [i, x] of items.entries()) {
        log.started = i + 1;
        await Promise.resolve();
        if (i === failAt) throw new Error(`read failed at ${i}`);
        yield x;
      }
    } finally {
      log.cleaned = true;
    }
  }
  return { log, read: read() };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('prefetch', () => {
  it('asks for the first step at once, and gives every item once taken', async () => {
    const { log, read } = recorded([1, 2, 3]);
    const p = prefetch(read);
    expect(log.started).toBe(1);
    const taken = p.take()!;
    expect(p.take()).toBeUndefined();
    expect(await all(taken)).toEqual([1, 2, 3]);
    expect(log.cleaned).toBe(true);
    // Cancelling what was taken is not the prefetch's to do.
    await p.cancel();
  });

  it('ends a read that was never taken, running its cleanup', async () => {
    const { log, read } = recorded([1, 2, 3]);
    const p = prefetch(read);
    await p.cancel();
    expect(log).toEqual({ started: 1, cleaned: true });
    expect(p.take()).toBeUndefined();
  });

  it('gives the first step\'s error to whoever takes it, and to no one when cancelled', async () => {
    const failing = recorded([1], 0);
    const p = prefetch(failing.read);
    await new Promise((r) => setTimeout(r, 5));
    await expect(all(p.take()!)).rejects.toThrow('read failed at 0');
    const cancelled = prefetch(recorded([1], 0).read);
    await expect(cancelled.cancel()).resolves.toBeUndefined();
  });

  it('a consumer that stops early ends the read', async () => {
    const { log, read } = recorded([1, 2, 3]);
    const taken = prefetch(read).take()!;
    for await (const x of taken) if (x === 1) break;
    expect(log).toEqual({ started: 1, cleaned: true });
  });
});
