import { describe, expect, it } from 'vitest';
import { orderedParallel } from '../../src/diff/plan.ts';

describe('orderedParallel memory bound', () => {
  it('never holds more than concurrency × buffer items, even when a slow first task lets later ones finish', async () => {
    const buffer = 5;
    const concurrency = 2;
    let produced = 0;
    let consumed = 0;
    let maxWaiting = 0;
    let releaseFirst!: () => void;
    const firstGate = new Promise<void>((r) => (releaseFirst = r));
    const task = (i: number) =>
      async function* () {
        if (i === 0) await firstGate;
        // One item short of the buffer: a task like this never waits for room, so it finishes.
        for (let n = 0; n < buffer - 1; n++) {
          produced++;
          maxWaiting = Math.max(maxWaiting, produced - consumed);
          yield `${i}:${n}`;
        }
      };
    const tasks = Array.from({ length: 8 }, (_, i) => task(i));
    // Let the later tasks run as far as they may while the first one is held.
    setTimeout(releaseFirst, 50);
    const out: string[] = [];
    for await (const item of orderedParallel(tasks, concurrency, buffer)) {
      consumed++;
      out.push(item);
    }
    expect(out).toEqual(tasks.flatMap((_, i) => Array.from({ length: buffer - 1 }, (_, n) => `${i}:${n}`)));
    expect(maxWaiting).toBeLessThanOrEqual(concurrency * buffer);
  });
});
