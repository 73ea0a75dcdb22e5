/**
 * The diff of two tables: resolves keys and columns from both catalogs, plans key ranges, streams
 * both sides through normalisation into the merge-join, and turns merge events into DiffEvents.
 */
import { ReckonError } from '../errors.ts';
import { sameTimestamp } from '../normalize/temporal.ts';
import { normalizerFor, pairNormalizers, type Normalizer } from '../normalize/values.ts';
import { openSource } from '../sources/connect.ts';
import { buildNullKeyQuery, parseTableName } from '../sources/dialect.ts';
import type { ScanRequest, Source } from '../sources/source.ts';
import type { DiffAlgorithm, DiffEvent, DiffProgress, DiffSummary, Key, KeyRange, LogicalType } from '../types.ts';
import { keyComparator, keyOrderFor } from './compare-keys.ts';
import { chooseAlgorithm } from './choose-algorithm.ts';
import { planHashRanges, type PlannedRange } from './hash-ranges.ts';
import { digestMergeBatches, type SidePair } from './digest-merge.ts';
import { measuredMergeBatches } from './measured-merge.ts';
import { eventShape, type EventShape } from './event-shape.ts';
import { mergeJoinBatches, type CanonicalRow, type MergeCounts, type MergeEvent, type MergeOptions } from './merge-join.ts';
import { canonicalizeRow, normalizedScan, nullKeyError } from './normalized-scan.ts';
import { textMergeBatches } from './text-merge.ts';
import { planColumns, tableLabel } from './plan-columns.ts';
import { increasingKeys, orderedParallel, rangesFromBoundaries } from './plan.ts';
import { prefetch } from './prefetch.ts';

/** One side of a diff: a URL (opened and closed by the run) or an open Source, and a table. */
export interface SideSpec {
  url?: string;
  source?: Source;
  /** `schema.table` (PostgreSQL, default schema public) or `db.table` / `table` (MySQL). */
  table: string;
  /** SQL filter for this side only, combined with DiffOptions.where. */
  where?: string;
}

export interface DiffOptions {
  left: SideSpec;
  right: SideSpec;
  /** Key columns; default: the left table's primary key. */
  key?: string[];
  /** Columns to compare; default: every non-key column present on both sides; [] compares keys only. */
  columns?: string[];
  /** SQL filter applied to both sides. */
  where?: string;
  /** Key ranges diffed at once (default 1). */
  concurrency?: number;
  /** Rows per fetch (default 1000). */
  chunkSize?: number;
  /** Reconnects after a lost connection, per range, resuming after the last key read (default 3). */
  retries?: number;
  /** Called about every 250 ms while the diff runs. */
  onProgress?: (p: DiffProgress) => void;
  /** Called when a lost connection is retried. */
  onRetry?: (info: { side: 'left' | 'right'; attempt: number; error: Error }) => void;
  /**
   * `stream` reads every row; `digest` has both databases hash every row, reads keys and hashes,
   * and reads in full only rows whose hashes differ; `hash` has both databases hash key ranges and
   * streams only ranges that differ; `auto` (default) hashes when every column has a form both
   * engines hash alike and the table is large enough, and when a first sample of ranges differs
   * throughout, reads digests (between two PostgreSQL servers) or streams, timing digests
   * against streaming on the first rows when reckon waits on the link (measured-merge.ts).
   */
  algorithm?: DiffAlgorithm;
  /**
   * Range sizes of hash mode, in rows (tuning and tests; defaults 10,000 or fewer for wide rows,
   * and 1,000), the rows a `concat` range hash joins at most (see RangeHash), and the estimated
   * rows from which auto samples first-pass ranges rather than small ones (default 2,000,000).
   */
  hashRanges?: { topRows?: number; leafRows?: number; rowLimit?: number; sampleTopFrom?: number };
  /** Keys whose rows digest mode reads in full at once (tuning and tests; default 1,000). */
  digestBatchKeys?: number;
  /**
   * When `auto` times streaming against digests (tuning and tests): rows of each timed stretch
   * (default 50,000), how much faster digests must be (default 1.25), and the busy share above
   * which reckon's own CPU is taken as the bound and digests are not timed (default 0.5).
   */
  measure?: { rows?: number; digestSpeedup?: number; busyShare?: number };
  /** Called once the algorithm is chosen, with the reason. */
  onAlgorithm?: (info: { algorithm: 'stream' | 'digest' | 'hash'; reason: string }) => void;
}

/** Rows read each way, by default, when `auto` times digests against streaming. */
const MEASURE_ROWS = 50_000;

function combineWhere(a: string | undefined, b: string | undefined): string | undefined {
  const parts = [a, b].filter((x): x is string => !!x && x.trim().length > 0);
  if (parts.length === 0) return undefined;
  return parts.map((p) => `(${p})`).join(' AND ');
}

/** A diff in progress: iterate it for events; `summary` is set once iteration completes. */
export class DiffRun implements AsyncIterable<DiffEvent> {
  summary: DiffSummary | undefined;
  private started = false;

  constructor(private readonly opts: DiffOptions) {}

  [Symbol.asyncIterator](): AsyncIterator<DiffEvent> {
    return this.events();
  }

  private async *events(): AsyncGenerator<DiffEvent> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * The events in batches, in the same order: cheaper for a consumer that handles many events
   * (one await per batch instead of one per event). A run is iterated once, by any of its ways.
   */
  batches(): AsyncGenerator<DiffEvent[]> {
    return this.start((shape) => shape.toEvent);
  }

  /**
   * The events as their JSON text (exactly JSON.stringify of each event), in batches: for a
   * consumer that only writes them out, this skips building the event objects.
   */
  jsonBatches(): AsyncGenerator<string[]> {
    return this.start((shape) => shape.toJson);
  }

  private start<T>(form: (shape: EventShape) => (e: MergeEvent) => T): AsyncGenerator<T[]> {
    if (this.started) throw new Error('a DiffRun can be iterated once');
    this.started = true;
    return this.run(form);
  }

  private async *run<T>(form: (shape: EventShape) => (e: MergeEvent) => T): AsyncGenerator<T[]> {
    const opts = this.opts;
    const t0 = Date.now();
    const concurrency = opts.concurrency ?? 1;
    const chunkSize = opts.chunkSize ?? 1000;
    const retries = opts.retries ?? 3;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new ReckonError('CONFIG', `concurrency must be a positive integer, got ${concurrency}`);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new ReckonError('CONFIG', `chunk size must be a positive integer, got ${chunkSize}`);
    const opened: Source[] = [];
    const open = (side: SideSpec, name: string): Source => {
      if (side.source) return side.source;
      if (!side.url) throw new ReckonError('CONFIG', `the ${name} side needs a URL or a source`);
      const s = openSource(side.url, { maxConnections: concurrency + 1 });
      opened.push(s);
      return s;
    };
    let progressTimer: NodeJS.Timeout | undefined;
    // Ends a stream started ahead of need that nothing took (see `early` below), before closing.
    let dropEarly = async (): Promise<void> => {};
    try {
      const leftSource = open(opts.left, 'left');
      const rightSource = open(opts.right, 'right');
      const leftRef = parseTableName(opts.left.table);
      const rightRef = parseTableName(opts.right.table);
      if (!leftRef) throw new ReckonError('CONFIG', `not a table name: ${opts.left.table}`);
      if (!rightRef) throw new ReckonError('CONFIG', `not a table name: ${opts.right.table}`);
      const [leftInfo, rightInfo] = await Promise.all([leftSource.describe(leftRef), rightSource.describe(rightRef)]);
      const plan = planColumns(leftInfo, rightInfo, opts.key, opts.columns);
      const keyLength = plan.keys.length;

      const leftNorms: Normalizer[] = [];
      const rightNorms: Normalizer[] = [];
      for (const p of [...plan.keys, ...plan.compared]) {
        const [ln, rn] = pairNormalizers(p.left.logicalType, p.right.logicalType);
        leftNorms.push(ln);
        rightNorms.push(rn);
      }
      // Equal raw text implies equal values only where both sides read it with one normaliser.
      // Where they differ (real beside double precision, bytes beside text) one text can mean two
      // values, so those columns are made canonical as they are read, like keys, and compared as is.
      const eager = leftNorms.flatMap((n, i) => (i < keyLength || n !== rightNorms[i] ? [i] : []));
      // PostgreSQL writes its integers in canonical form already (a minus or nothing, no leading
      // zero): keys of those types are taken as sent, a fifth of what reading a key costs reckon.
      // So does MySQL a BIGINT, which the driver hands over as that text, unless ZEROFILL pads it
      // (smaller integers arrive as JS numbers, which the normaliser turns into text).
      const sentCanonical = (engine: string, c: { logicalType: string; nativeType: string }) =>
        c.logicalType === 'integer' &&
        (engine === 'postgres'
          ? /^(smallint|integer|bigint|int2|int4|int8)$/.test(c.nativeType.toLowerCase())
          : /^bigint(\(\d+\))?( unsigned)?$/.test(c.nativeType.toLowerCase().trim()));
      const leftEager = eager.filter((i) => !(i < keyLength && sentCanonical(leftSource.engine, plan.keys[i]!.left)));
      const rightEager = eager.filter((i) => !(i < keyLength && sentCanonical(rightSource.engine, plan.keys[i]!.right)));
      const asRead: Normalizer = (v) => v as string | null;
      const leftLate = leftNorms.map((n, i) => (eager.includes(i) ? asRead : n));
      const rightLate = rightNorms.map((n, i) => (eager.includes(i) ? asRead : n));
      // Timestamps are compared as text first: the engines differ mostly in trailing zeros.
      const timestampNorm = normalizerFor('timestamp');
      const timestampColumns = leftLate.map((n, i) => n === timestampNorm && rightLate[i] === timestampNorm);
      // Keys compare as numbers when either side is numeric, else as code points, matching the
      // ORDER BY both sides use.
      const keyTypes = plan.keys.map((k): LogicalType => {
        const [l, r] = [k.left.logicalType, k.right.logicalType];
        if (keyOrderFor(l) === 'ascii') return r;
        // Integers on one side only: the other side's keys may hold fractions.
        return l === 'integer' && r !== 'integer' ? 'decimal' : l;
      });
      const cmpKey = keyComparator(keyTypes);
      const compareRows = (a: CanonicalRow, b: CanonicalRow) => cmpKey(a as Key, b as Key);
      // Keys arrive canonical; the other values are made canonical as events are shaped, for the
      // few rows that become events.
      const names = [...plan.keys, ...plan.compared].map((p) => p.name);
      const shape = eventShape({
        names,
        keyTypes: plan.keys.map((k) => k.left.logicalType),
        left: leftLate,
        right: rightLate,
      });
      const describeKey = (row: CanonicalRow) => JSON.stringify(shape.keyObject(row));

      // Two PostgreSQL servers write a timestamptz alike, offset included, so neither need cast
      // it to the UTC wall time that matches MySQL's text (a tenth of a server's CPU in a scan).
      // Both sides then read it with the timestamp normaliser, which takes either form.
      const bothPostgres = leftSource.engine === 'postgres' && rightSource.engine === 'postgres';
      const bothOffset = plan.compared.map((c) => bothPostgres && c.left.logicalType === 'timestamptz' && c.right.logicalType === 'timestamptz');
      const request = (side: 'left' | 'right', range: KeyRange): ScanRequest => ({
        table: side === 'left' ? leftInfo.table : rightInfo.table,
        keyColumns: plan.keys.map((k) => ({ name: k[side].name, type: k[side].logicalType, collation: k[side].collation, nativeType: k[side].nativeType })),
        columns: plan.compared.map((c, i) => ({
          name: c[side].name,
          type: c[side].logicalType,
          nativeType: c[side].nativeType,
          collation: c[side].collation,
          nullable: c[side].nullable !== false,
          withOffset: bothOffset[i],
        })),
        where: combineWhere(opts.where, opts[side].where),
        range,
        chunkSize,
        // Packed rows compare by their raw text, which is only meaningful when both sides read
        // every non-key column with one normaliser; an engine's own byte form, only beside itself.
        packValues: eager.length !== keyLength ? false : leftSource.engine === rightSource.engine ? 'bytes' : true,
      });

      // A key other than the primary key may hold NULLs, and no range or resume predicate selects
      // such a row (NULL compares as unknown): look for one first, so it is an error rather than
      // a row silently left out of the comparison.
      await Promise.all(
        (['left', 'right'] as const).map(async (side) => {
          const info = side === 'left' ? leftInfo : rightInfo;
          if (plan.keys.every((k) => info.primaryKey.includes(k[side].name))) return;
          const source = side === 'left' ? leftSource : rightSource;
          const req = request(side, {});
          const [row] = await source.query(buildNullKeyQuery(source.engine, req.table, req.keyColumns, req.where));
          if (row) throw nullKeyError(req, Math.max(0, row.findIndex((v) => v === null)));
        }),
      );

      // The catalog's row estimate, for progress and for auto's choice; a catalog query, not a count.
      const wantsEstimate = opts.onProgress !== undefined || (opts.algorithm ?? 'auto') !== 'stream';
      const estimate = wantsEstimate ? await leftSource.estimateRows(leftInfo.table).catch(() => null) : null;
      // Rows compared so far: skipped by agreeing hashes, and read by each range's merge.
      const skipped = { left: 0, right: 0 };
      let rangeCounts: MergeCounts[] = [];
      let differences = 0;
      // Started before hashing, which on a large table takes as long as a read.
      if (opts.onProgress) {
        const report = () =>
          opts.onProgress!({
            leftRows: skipped.left + rangeCounts.reduce((s, c) => s + c.left, 0),
            rightRows: skipped.right + rangeCounts.reduce((s, c) => s + c.right, 0),
            differences,
            estimatedRows: estimate,
            elapsedMs: Date.now() - t0,
          });
        progressTimer = setInterval(report, 250);
        progressTimer.unref();
      }

      const onRetry = (side: 'left' | 'right') => (attempt: number, error: Error) => opts.onRetry?.({ side, attempt, error });
      const rows = (range: KeyRange, extra: Partial<ScanRequest> = {}) => ({
        left: normalizedScan(leftSource, { ...request('left', range), ...extra }, leftNorms, leftEager, retries, onRetry('left')),
        right: normalizedScan(rightSource, { ...request('right', range), ...extra }, rightNorms, rightEager, retries, onRetry('right')),
      });

      const choice = chooseAlgorithm(opts.algorithm ?? 'auto', plan, leftSource.engine, rightSource.engine, estimate, {
        left: leftInfo,
        right: rightInfo,
      });
      // Digest mode reads the rows it must compare while its digest scan is still open, and auto's
      // timing and hash mode's leftover ranges read two things at once: a source that cannot (a
      // MySQL server held to one connection) is streamed, one range at a time.
      const overlap = leftSource.overlappingReads && rightSource.overlappingReads;
      const noDigest = 'digests need a second connection to a server held to one (reckon_connections=1): streaming instead';
      let ran = choice.algorithm === 'digest' && !overlap ? 'stream' : choice.algorithm;
      opts.onAlgorithm?.(ran === choice.algorithm ? { algorithm: choice.algorithm, reason: choice.reason } : { algorithm: ran, reason: noDigest });
      let ranges: PlannedRange[];
      let measure = false;
      const canonicalKey = (raw: readonly (string | null)[]): Key | null => {
        const key = raw.slice(0, keyLength).map((v, i) => leftNorms[i]!(v));
        return key.some((v) => v === null) ? null : (key as Key);
      };
      // Streaming: one range, or with --concurrency ranges cut at keys sampled from the left.
      const streamRanges = async (): Promise<KeyRange[]> => {
        if (concurrency <= 1) return [{}];
        const raw = await leftSource.sampleBoundaries(request('left', {}), concurrency * 4);
        return rangesFromBoundaries(increasingKeys(raw, canonicalKey, cmpKey));
      };
      let wholeTable: () => SidePair | undefined = () => undefined;
      if (choice.algorithm === 'hash') {
        const side = (s: 'left' | 'right') => {
          const req = request(s, {});
          const h = choice.hash[s];
          const rowLimit = opts.hashRanges?.rowLimit;
          const hash = h.aggregate === 'concat' && rowLimit ? { ...h, rowLimit } : h;
          return { source: s === 'left' ? leftSource : rightSource, request: { table: req.table, keyColumns: req.keyColumns, where: req.where, hash } };
        };
        // auto's sample of hash ranges mostly finds tables that differ all over (any real drift),
        // and then streams the whole table: that stream is started now, to overlap the sample.
        // Only with a connection to spare on each side for the sample's own statements.
        const early =
          opts.algorithm !== 'hash' && choice.fallback === 'stream' && concurrency === 1 && [leftSource, rightSource].every((s) => (s.maxConnections ?? 1) >= 2)
            ? (({ left, right }) => ({ left: prefetch(left), right: prefetch(right) }))(rows({}))
            : undefined;
        dropEarly = async () => {
          await Promise.all([early?.left.cancel(), early?.right.cancel()]);
        };
        const hashed = await planHashRanges(side('left'), side('right'), {
          mode: opts.algorithm === 'hash' ? 'hash' : 'auto',
          integerKey: choice.integerKey,
          estimatedRows: choice.estimatedRows,
          // Two statements per side keep both databases busy while each waits on the other's
          // round trips; the pool holds concurrency + 1 connections, so two fit at the default.
          concurrency: Math.max(2, concurrency),
          topRows: opts.hashRanges?.topRows ?? choice.rowsPerRange,
          leafRows: opts.hashRanges?.leafRows,
          sampleTopFrom: opts.hashRanges?.sampleTopFrom,
          canonicalKey,
          compareKeys: cmpKey,
          onMatched: (l, r) => {
            skipped.left += l;
            skipped.right += r;
          },
          retries,
          onRetry: (side, attempt, error) => opts.onRetry?.({ side, attempt, error }),
          beforeHashing: dropEarly,
          onBuckets: (share) =>
            opts.onAlgorithm?.({
              algorithm: 'hash',
              reason: `a sample found differences in most ranges but in only ${(share * 100).toFixed(1)}% of their small buckets: hashing the table in buckets, reading only the rows of those that differ`,
            }),
        }).catch(async (err: unknown) => {
          await dropEarly();
          throw err;
        });
        ranges = hashed.ranges;
        if (hashed.abandoned) {
          ran = overlap ? choice.fallback : 'stream';
          // Where digests are not cheaper by design (two PostgreSQL servers), the link decides:
          // the first rows are streamed and timed, digests too when reckon waited on the link,
          // and the rest goes the faster way (measured-merge.ts). Comparing keys alone, a digest
          // would be more bytes than the row it stands for.
          measure = ran === 'stream' && plan.compared.length > 0 && overlap;
          opts.onAlgorithm?.({
            algorithm: ran,
            reason: `a sample of ranges spread over the table differed almost everywhere${measure ? '; timing row hashes against streaming on the first rows' : ''}`,
          });
          ranges = await streamRanges();
          // The whole table, the first time it is asked for, is the stream already started.
          if (early) {
            wholeTable = () => {
              const left = early.left.take();
              const right = early.right.take();
              return left && right ? { left, right } : undefined;
            };
          }
        } else await dropEarly();
      } else ranges = await streamRanges();

      rangeCounts = ranges.map(() => ({ left: 0, right: 0 }));

      const merge: MergeOptions = {
        keyLength,
        compareKeys: compareRows,
        leftName: `left (${tableLabel(leftInfo.table)})`,
        rightName: `right (${tableLabel(rightInfo.table)})`,
        describeKey,
        sameValue: (c, x, y) =>
          x !== null && y !== null && timestampColumns[c] ? sameTimestamp(x, y) : leftLate[c]!(x) === rightLate[c]!(y),
        width: names.length,
      };
      // A row digest arrives as text both sides write alike for equal rows (rowDigestExpression,
      // pgRecordDigest), so it is compared as it came.
      const digestNorms = (norms: readonly Normalizer[]): Normalizer[] => [...norms.slice(0, keyLength), (v) => (v === null ? null : String(v))];
      const leftDigestNorms = digestNorms(leftNorms);
      const rightDigestNorms = digestNorms(rightNorms);
      const digestEager = [...Array(keyLength + 1).keys()];
      // The rest of a range after a settled key (a range's own lower bound stays when there is none).
      const rest = (range: KeyRange, after: Key | undefined): KeyRange => (after === undefined ? range : { ...range, after });
      const digests = (range: KeyRange) => (after?: Key) => {
        const from = rest(range, after);
        return {
          left: normalizedScan(leftSource, { ...request('left', from), digest: choice.digest.left }, leftDigestNorms, digestEager, retries, onRetry('left')),
          right: normalizedScan(rightSource, { ...request('right', from), digest: choice.digest.right }, rightDigestNorms, digestEager, retries, onRetry('right')),
        };
      };
      // Rows both sides write alike as text can be passed over unread where their bytes agree
      // (text-merge.ts): the same engine offering raw text, every column read with one normaliser
      // (so equal text is equal value), and keys that cannot repeat (a primary key on each side),
      // since equal rows are not decoded and a repeated key among them would go unseen.
      const uniqueKeys = (side: 'left' | 'right', info: typeof leftInfo) =>
        info.primaryKey.length > 0 && info.primaryKey.every((name) => plan.keys.some((k) => k[side].name === name));
      // A source may decline raw bytes (a single shared connection, cursor reads): then rows are
      // read as usual. Binary where both sides offer it in one form (it costs the servers less to
      // write), else text; equal bytes mean equal rows only between scans of one form. Making a
      // scan starts nothing until it is iterated.
      const formOf = (side: 'left' | 'right', format: 'text' | 'binary') =>
        (side === 'left' ? leftSource : rightSource).scanText?.(request(side, {}), format)?.form;
      const sameForm = (format: 'text' | 'binary') => {
        const left = formOf('left', format);
        return left !== undefined && left === formOf('right', format);
      };
      const textFormat = sameForm('binary') ? 'binary' : 'text';
      const byText =
        leftSource.engine === rightSource.engine &&
        leftNorms.every((n, i) => n === rightNorms[i]) &&
        leftEager.join() === rightEager.join() &&
        uniqueKeys('left', leftInfo) &&
        uniqueKeys('right', rightInfo) &&
        sameForm(textFormat);
      const textMerge = (range: KeyRange, counts: MergeCounts) => {
        const reqs = { left: request('left', range), right: request('right', range) };
        return textMergeBatches(
          {
            open: (side, after) => (side === 'left' ? leftSource : rightSource).scanText!(request(side, rest(range, after)), textFormat)!,
            canonical: (side, row) =>
              side === 'left' ? canonicalizeRow(row, reqs.left, leftNorms, leftEager) : canonicalizeRow(row, reqs.right, rightNorms, rightEager),
            merge,
            retries,
            onRetry: (side, attempt, error) => opts.onRetry?.({ side, attempt, error }),
            rowMerge: (after) => {
              const sides = rows(rest(range, after));
              return mergeJoinBatches(sides.left, sides.right, merge, counts);
            },
            onDense: () =>
              opts.onAlgorithm?.({ algorithm: 'stream', reason: 'rows differ too densely to pass over them as bytes: decoding every row of the rest of the range' }),
          },
          counts,
        );
      };
      const measured = {};
      const rangeTask = (range: KeyRange, i: number): AsyncIterable<MergeEvent[]> => {
        // Full rows of the range after a settled key, or the whole range when there is none.
        const streamRest = (after?: Key) => (after === undefined && i === 0 ? wholeTable() : undefined) ?? rows(rest(range, after));
        // Hash mode's leftover ranges are read by digests (rows fetched beside the digest scan)
        // where reads may overlap, else streamed.
        // The buckets of a bucket pass are a few rows each: their rows are read, not digested.
        if (((ran === 'stream' || !overlap) && !measure) || range.parts) {
          const started = i === 0 ? wholeTable() : undefined;
          if (!started && byText) return textMerge(range, rangeCounts[i]!);
          const sides = started ?? rows(range);
          return mergeJoinBatches(sides.left, sides.right, merge, rangeCounts[i]);
        }
        const byDigest = {
          digests: digests(range),
          rows: (keys: Key[]) => rows(range, { keys }),
          stream: streamRest,
          merge,
          batchKeys: opts.digestBatchKeys,
          onDense: () => opts.onAlgorithm?.({ algorithm: 'stream', reason: 'rows differ too densely for digests to pay: reading the rest of the range in full' }),
        };
        if (!measure) return digestMergeBatches(byDigest, rangeCounts[i]);
        return measuredMergeBatches(
          {
            ...byDigest,
            probeRows: opts.measure?.rows ?? MEASURE_ROWS,
            digestSpeedup: opts.measure?.digestSpeedup,
            busyShare: opts.measure?.busyShare,
            shared: measured,
            onChoice: (c) => {
              ran = c.algorithm;
              opts.onAlgorithm?.(c);
            },
          },
          rangeCounts[i],
        );
      };
      // A range of the bucket pass arrives when its buckets are hashed (null: none of them differ),
      // so its rows are read while later buckets are still being hashed.
      const tasks = ranges.map((planned, i) => () =>
        planned instanceof Promise
          ? (async function* () {
              const range = await planned;
              if (range) yield* rangeTask(range, i);
            })()
          : rangeTask(planned, i),
      );

      const counts = { left_only: 0, right_only: 0, changed: 0 };
      const shaped = form(shape);

      // The ranges hash mode leaves are small and many: each waits mostly on its statements' round
      // trips, so they go two at a time per side, like the hash statements before them (the pools
      // hold concurrency + 1 connections).
      const rangesAtOnce = ran === 'hash' && ranges.length > 1 && overlap ? Math.max(2, concurrency) : concurrency;
      // One batch (at most 1,000 events) may wait per range running ahead.
      for await (const batch of orderedParallel(tasks, rangesAtOnce, 1)) {
        const out: T[] = new Array(batch.length);
        for (let i = 0; i < batch.length; i++) {
          const e = batch[i]!;
          counts[e.type]++;
          out[i] = shaped(e);
        }
        differences += batch.length;
        yield out;
      }
      const leftRows = skipped.left + rangeCounts.reduce((s, c) => s + c.left, 0);
      const rightRows = skipped.right + rangeCounts.reduce((s, c) => s + c.right, 0);
      this.summary = {
        type: 'summary',
        left_rows: leftRows,
        right_rows: rightRows,
        ...counts,
        identical: differences === 0,
        elapsed_ms: Date.now() - t0,
        left_only_columns: plan.leftOnly,
        right_only_columns: plan.rightOnly,
        algorithm: ran,
        bytes_received: { left: leftSource.bytesReceived(), right: rightSource.bytesReceived() },
      };
    } finally {
      if (progressTimer) clearInterval(progressTimer);
      await dropEarly();
      await Promise.all(opened.map((s) => s.close().catch(() => {})));
    }
  }
}

/** Diffs two tables; iterate the result for events, then read `summary`. */
export function diffTables(opts: DiffOptions): DiffRun {
  return new DiffRun(opts);
}
