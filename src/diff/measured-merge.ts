/**
 * Streaming or digests, chosen by timing them on the table itself. Which is faster depends on what
 * the run cannot know in advance: on a fast link, streaming costs reckon's CPU, digests cost the
 * databases' (the MD5 of every row's text), and streaming wins; behind a slow link every streamed
 * row waits on the wire while its digest is a quarter of its bytes, and digests win several times
 * over. So a range starts streaming, timed. If reckon was busy most of that time, its own CPU is
 * the bound, and the stream simply goes on: on a fast link the choice costs nothing. If it mostly
 * waited for rows, a stretch of digests is timed as well, and the rest of the range (and every
 * later range of the run) goes the faster way.
 *
 * Nothing is read twice to measure: each stretch is part of the comparison, and the next one
 * resumes just after the last key the previous one settled (MergeCounts.last).
 */
import { performance } from 'node:perf_hooks';
import type { Key } from '../types.ts';
import { digestMergeBatches, type DigestMergeOptions, type SidePair } from './digest-merge.ts';
import { mergeJoinBatches, type MergeCounts, type MergeEvent } from './merge-join.ts';
import { groupDigits } from '../group-digits.ts';

export type MeasuredChoice = { algorithm: 'stream' | 'digest'; reason: string };

export interface MeasuredMergeOptions extends Omit<DigestMergeOptions, 'digests' | 'stream' | 'stopWhen'> {
  /** Keys and row hashes of the range, after `after` when given. */
  digests: (after?: Key) => SidePair;
  /** Full rows of the range, after `after` when given. */
  stream: (after?: Key) => SidePair;
  /**
   * Rows each timed stretch covers, on the larger side: the first third unmeasured (a query's
   * start, the first round trips, code not yet compiled), the rest timed.
   */
  probeRows: number;
  /**
   * The run's choice, shared by its ranges: the first range to finish measuring sets it, and a
   * range that finds it set does not measure again.
   */
  shared: { choice?: MeasuredChoice };
  /** Called once, when the choice is made. */
  onChoice?: (choice: MeasuredChoice) => void;
  /** Tuning and tests: DIGEST_SPEEDUP and BUSY_SHARE by default. */
  digestSpeedup?: number;
  busyShare?: number;
  /** Milliseconds, for tests. */
  now?: () => number;
  /** This process's event loop utilization since a mark (performance.eventLoopUtilization), for tests. */
  loopBusy?: () => { since: () => number };
}

/**
 * How much faster digests must be to be chosen. Below it the two are close, and streaming, which
 * puts no hashing on the databases, is kept.
 */
export const DIGEST_SPEEDUP = 1.25;

/**
 * Above this share of the streamed stretch spent working rather than waiting for rows, reckon's
 * own CPU bounds streaming and digests (which spare it decoding rows but cost the databases
 * hashing) cannot be much faster: the stream goes on without stopping, and costs nothing to time.
 */
export const BUSY_SHARE = 0.5;

const defaultLoopBusy = () => {
  const mark = performance.eventLoopUtilization();
  return { since: () => performance.eventLoopUtilization(mark).utilization };
};

interface Timed {
  rate: number;
  busy: number;
}

/**
 * Times a stretch from its stop condition: rows per second, and the event loop's busy share,
 * between the first check past the warm-up and the check at `probeRows`, so the query's start is
 * left out. `decide` is then asked whether to stop; once it has answered, the stretch goes on.
 */
function meter(probeRows: number, now: () => number, loopBusy: () => { since: () => number }, decide: (t: Timed) => boolean) {
  const warmup = Math.floor(probeRows / 3);
  let mark: { t: number; rows: number; busy: { since: () => number } } | undefined;
  let timed: Timed | undefined;
  return {
    stopWhen(rows: number): boolean {
      if (timed) return false;
      if (!mark) {
        if (rows >= warmup) mark = { t: now(), rows, busy: loopBusy() };
        return false;
      }
      if (rows < probeRows) return false;
      timed = { rate: ((rows - mark.rows) / Math.max(now() - mark.t, 0.001)) * 1000, busy: mark.busy.since() };
      return decide(timed);
    },
    timed: () => timed,
  };
}

/** The differences of one range, in key order and in batches, like mergeJoinBatches. */
export async function* measuredMergeBatches(opts: MeasuredMergeOptions, counts: MergeCounts = { left: 0, right: 0 }): AsyncGenerator<MergeEvent[]> {
  const k = opts.merge.keyLength;
  const now = opts.now ?? (() => performance.now());
  const loopBusy = opts.loopBusy ?? defaultLoopBusy;
  const after = () => counts.last?.slice(0, k) as Key | undefined;
  const choose = (choice: MeasuredChoice) => {
    if (opts.shared.choice) return;
    opts.shared.choice = choice;
    opts.onChoice?.(choice);
  };
  const digestRest = (stopWhen?: (rows: number) => boolean) =>
    digestMergeBatches(
      {
        ...opts,
        digests: () => opts.digests(after()),
        stopWhen,
        // While timing, dense differences decide for the run (and say so once); after, they
        // only send the rest of this range to streaming.
        onDense: (hashed) =>
          opts.shared.choice ? opts.onDense?.(hashed) : choose({ algorithm: 'stream', reason: 'rows differ too densely for row hashes to pay' }),
      },
      counts,
    );
  const streamRest = (stopWhen?: (rows: number) => boolean) => {
    const s = opts.stream(after());
    return mergeJoinBatches(s.left, s.right, opts.merge, counts, stopWhen);
  };

  if (!opts.shared.choice) {
    // Streaming first: when reckon is busy most of the time, it goes on to the end of the range.
    const streamMeter = meter(opts.probeRows, now, loopBusy, ({ rate, busy }) => {
      if (busy < (opts.busyShare ?? BUSY_SHARE)) return true;
      choose({ algorithm: 'stream', reason: `timed on the first rows: ${groupDigits(rate)} rows/s streamed, reckon busy ${Math.round(busy * 100)}% of the time` });
      return false;
    });
    // A range that ends first decides nothing; a later one measures again.
    if ((yield* streamRest(streamMeter.stopWhen)) === 'done') return;
    // Reckon waited on the rows: the link (or the databases) bounds streaming. Digests spare the
    // link three quarters of its bytes and cost the databases hashing: time them too.
    const byStream = streamMeter.timed()!;
    const digestMeter = meter(opts.probeRows, now, loopBusy, () => true);
    // A range that ends, or turns out to differ too densely for digests, is done.
    if ((yield* digestRest(digestMeter.stopWhen)) === 'done') return;
    const byDigest = digestMeter.timed()!;
    const faster = byDigest.rate >= (opts.digestSpeedup ?? DIGEST_SPEEDUP) * byStream.rate;
    choose({
      algorithm: faster ? 'digest' : 'stream',
      reason: `timed on the first rows: ${groupDigits(byDigest.rate)} rows/s by row hashes, ${groupDigits(byStream.rate)} rows/s streamed (reckon busy ${Math.round(byStream.busy * 100)}% of the time)`,
    });
  }
  if (opts.shared.choice?.algorithm === 'digest') yield* digestRest();
  else yield* streamRest();
}
