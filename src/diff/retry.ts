/** Waiting between attempts after a lost connection, shared by scans and hash statements. */
import { isConnectionLost } from '../errors.ts';

/** 250 ms, doubling per attempt, at most 10 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** (attempt - 1));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs a read that can simply be repeated (a statement with no side effects), again after a lost
 * connection, up to `retries` times; any other error, or the last loss, is thrown.
 */
export async function withRetries<T>(run: () => Promise<T>, retries: number, onRetry: (attempt: number, error: Error) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isConnectionLost(err) || attempt >= retries) throw err;
      onRetry(attempt + 1, err as Error);
      await sleep(retryDelayMs(attempt + 1));
    }
  }
}
