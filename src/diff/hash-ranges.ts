/**
 * The fast path for tables that mostly agree: both databases hash key ranges in place (a count and
 * one value folded from the range's rows, see RangeHash in sources/hash-dialect.ts); ranges whose aggregates agree are
 * skipped without reading their rows, and a range that disagrees is cut into smaller ranges and
 * hashed again while that still isolates the differences. What is left is returned as the ranges
 * to stream and merge-join, so every reported difference still comes from comparing values.
 */
import pLimit from 'p-limit';
import { ReckonError } from '../errors.ts';
import {
  buildBucketHashQuery,
  buildKeySpanQuery,
  buildKeysEveryQuery,
  buildRangeHashQuery,
  parseBucketRows,
  parseRangeAggregate,
  unsigned64,
  type BucketAggregate,
  type BucketPiece,
  type HashQueryRequest,
  type RangeAggregate,
} from '../sources/hash-dialect.ts';
import { buildCountQuery, type BuiltQuery } from '../sources/dialect.ts';
import type { Source } from '../sources/source.ts';
import type { Key, KeyRange, RawRow } from '../types.ts';
import { increasingKeys, rangesFromBoundaries } from './plan.ts';
import { withRetries } from './retry.ts';

export interface HashSide {
  source: Source;
  request: HashQueryRequest;
}

export interface HashPlanOptions {
  /** `auto` stops hashing when a first sample of ranges shows differences almost everywhere. */
  mode: 'auto' | 'hash';
  /** The key is one integer column on both sides: ranges are cut by arithmetic, not by sampling. */
  integerKey: boolean;
  /** Rows in the left table, as the catalog estimates them (null when unknown). */
  estimatedRows: number | null;
  /** Hash statements in flight per side. */
  concurrency: number;
  /** A disagreeing range of at most this many rows is streamed rather than cut further. */
  leafRows?: number;
  /** Rows per range in the first pass. */
  topRows?: number;
  /**
   * From this many estimated rows on (integer keys), auto's sample is first-pass ranges themselves
   * (default 2,000,000; tests lower it).
   */
  sampleTopFrom?: number;
  /** Makes a sampled left key canonical (as scans' keys are), or null if it cannot bound a range. */
  canonicalKey: (raw: RawRow) => Key | null;
  compareKeys: (a: Key, b: Key) => number;
  /** Called as ranges are found to agree, with their row counts: the rows skipped without reading. */
  onMatched?: (left: number, right: number) => void;
  /**
   * Called once hashing is going on past auto's sample (or without one), before the first pass:
   * what was started in case the sample said to stream can be let go.
   */
  beforeHashing?: () => Promise<void>;
  /**
   * Called when auto's sample finds differences scattered too thinly for ranges to agree but
   * thickly enough in none of them to read everything: every range is hashed in small buckets.
   * With the share of the sample's buckets that differed.
   */
  onBuckets?: (share: number) => void;
  /** Repeats of a statement after a lost connection (each is a plain read, safe to repeat). */
  retries?: number;
  onRetry?: (side: 'left' | 'right', attempt: number, error: Error) => void;
}

/**
 * A range to read, or one still being found: the bucket pass hands over its ranges as their
 * buckets are hashed (null when none of them differs), for the reading to overlap the hashing.
 */
export type PlannedRange = KeyRange | Promise<KeyRange | null>;

export interface HashPlan {
  /** Ranges to stream and compare row by row, in key order. */
  ranges: PlannedRange[];
  /** `auto` found differences nearly everywhere in its sample: stream the whole table instead. */
  abandoned: boolean;
}

/** Ranges per statement: each is a UNION ALL branch, so one round trip serves many. */
const BATCH = 32;
/** Pieces a disagreeing range is cut into. */
const FANOUT = 16;
const MAX_DEPTH = 8;
/** Small ranges auto hashes first, spread over the key space, to see how widely the tables differ. */
const PROBES = 8;
/**
 * Of PROBES first-pass ranges, how many differing make auto read the whole table instead. Cutting a
 * differing range hashes its rows again: with one range in three differing or more, hashing costs
 * more than a full read on a fast link (10M rows, 1,000 scattered differences, two in three ranges
 * differing: 20.9 s hashed against 8.8 s streamed), and no less than digests on a slow one.
 */
const TOP_SAMPLE_DIFFERING = 3;

/** Rows a bucket of the bucket pass holds, on average. */
const BUCKET_ROWS = 16;
/**
 * The most of the sample's buckets that may differ for auto to hash the table in buckets rather
 * than read it all: the differing buckets' rows are then read, about 4 in 10 of all rows at worst,
 * in a fraction of the statements, where a full read sends every row.
 */
const BUCKET_MAX_SHARE = 0.25;
/**
 * First-pass pieces hashed in buckets by one statement: about 40,000 rows. A statement's own cost
 * (planning, its index descent, its round trip) was a tenth of a 10,000-row piece's on
 * PostgreSQL; its answer is a few thousand buckets, which reckon reads in well under a
 * millisecond.
 */
const TOP_PIECES_PER_BUCKET_PIECE = 4;
/**
 * Bucket-pass pieces whose differing buckets are read by one statement per side: about 160,000
 * rows, of which at most a quarter of the buckets differ (BUCKET_MAX_SHARE).
 */
const PIECES_PER_BUCKET_RANGE = 4;
/** Bucket arithmetic stays this far inside 64-bit integers. */
const BUCKET_KEY_LIMIT = 1n << 62n;

interface Piece {
  range: KeyRange;
  /** Numeric bounds of an integer-key piece: [lo, hi), used to cut it further. */
  lo?: bigint;
  hi?: bigint;
}

/** Two buckets' sums agree: alike as sent (two engines of one kind), or as unsigned 64-bit numbers. */
function sameSum(a: BucketAggregate, b: BucketAggregate): boolean {
  return a.rows === b.rows && (a.sum === b.sum || unsigned64(a.sum || '0') === unsigned64(b.sum || '0'));
}

/** The key interval of bucket b of a piece (see BucketPiece): bucket -1 is every key below lo. */
function bucketPart(piece: BucketPiece, b: number, hi: bigint | undefined): { from?: Key; to?: Key } {
  if (b < 0) return { to: [piece.lo.toString()] };
  const from = piece.lo + BigInt(b) * piece.width;
  // The last bucket stops where the piece does: the next piece's first bucket starts there, and
  // two intervals holding one key would read its row twice.
  const to = hi !== undefined && from + piece.width > hi ? hi : from + piece.width;
  return { from: [from.toString()], to: [to.toString()] };
}

/** Parts in key order, those that touch joined into one. */
function joinParts(parts: { from?: Key; to?: Key }[]): { from?: Key; to?: Key }[] {
  const out: { from?: Key; to?: Key }[] = [];
  for (const p of parts) {
    const prev = out[out.length - 1];
    if (prev && prev.to && p.from && prev.to[0] === p.from[0]) prev.to = p.to;
    else out.push({ ...p });
  }
  return out;
}

/** A range that held more rows than its hash covers never agrees: it is cut or read. */
const agree = (a: RangeAggregate, b: RangeAggregate) => a.complete && b.complete && a.rows === b.rows && a.value === b.value;

/** Cuts [lo, hi) into up to `parts` integer ranges; the outer ends stay open where `open` says. */
function integerPieces(lo: bigint, hi: bigint, parts: number, openLow: boolean, openHigh: boolean): Piece[] {
  const span = hi - lo;
  if (span <= 0n) return [];
  const width = (span + BigInt(parts) - 1n) / BigInt(parts);
  const out: Piece[] = [];
  for (let a = lo; a < hi; a += width) {
    const b = a + width < hi ? a + width : hi;
    const range: KeyRange = {};
    if (!(openLow && a === lo)) range.from = [a.toString()];
    if (!(openHigh && b === hi)) range.to = [b.toString()];
    out.push({ range, lo: a, hi: b });
  }
  return out;
}

export async function planHashRanges(left: HashSide, right: HashSide, opts: HashPlanOptions): Promise<HashPlan> {
  const leafRows = opts.leafRows ?? 1000;
  const topRows = opts.topRows ?? 10_000;
  const limits = { left: pLimit(Math.max(1, opts.concurrency)), right: pLimit(Math.max(1, opts.concurrency)) };

  /** One statement, repeated after a lost connection: every statement here is a plain read. */
  const read = (side: 'left' | 'right', q: BuiltQuery): Promise<RawRow[]> =>
    withRetries(() => (side === 'left' ? left : right).source.query(q), opts.retries ?? 0, (n, e) => opts.onRetry?.(side, n, e));

  const hashSide = (side: 'left' | 'right', ranges: readonly KeyRange[], batch: number): Promise<RangeAggregate[]> => {
    const s = side === 'left' ? left : right;
    const batches: Promise<RawRow[]>[] = [];
    for (let i = 0; i < ranges.length; i += batch) {
      const q = buildRangeHashQuery(s.source.engine, s.request, ranges.slice(i, i + batch));
      batches.push(limits[side](() => read(side, q)));
    }
    return Promise.all(batches).then((results) => {
      const out: RangeAggregate[] = new Array(ranges.length);
      results.forEach((rows, b) => {
        for (const row of rows) out[b * batch + Number(row[0])] = parseRangeAggregate(s.request.hash, row);
      });
      // Each branch is an aggregate without GROUP BY, so it always answers; a range without an
      // answer must never pass for an empty one, which would agree with the other side's.
      return Array.from(out, (a, i) => {
        if (!a) throw new ReckonError('QUERY', `the ${side} database returned no hash for key range ${i + 1} of a statement`);
        return a;
      });
    });
  };
  /** Answers already had for pieces of the first pass (auto's sample), used instead of hashing them again. */
  const known = new Map<Piece, [RangeAggregate, RangeAggregate]>();
  const hashBoth = async (pieces: readonly Piece[], batch = BATCH): Promise<[RangeAggregate, RangeAggregate][]> => {
    const todo = pieces.filter((p) => !known.has(p));
    const ranges = todo.map((p) => p.range);
    const [l, r] = ranges.length > 0 ? await Promise.all([hashSide('left', ranges, batch), hashSide('right', ranges, batch)]) : [[], []];
    const fresh = new Map(todo.map((p, i) => [p, [l[i]!, r[i]!] as [RangeAggregate, RangeAggregate]]));
    return pieces.map((p) => known.get(p) ?? fresh.get(p)!);
  };
  const addMatched = (l: number, r: number) => opts.onMatched?.(l, r);

  /** Keys per bucket of the bucket pass; set where auto may use it (see the first pass below). */
  let bucketWidth: bigint | undefined;
  const bucketSide = (side: 'left' | 'right', piece: BucketPiece): Promise<BucketAggregate[]> => {
    const s = side === 'left' ? left : right;
    const q = buildBucketHashQuery(s.source.engine, s.request, piece);
    return limits[side](() => read(side, q)).then((rows) => parseBucketRows(s.source.engine, rows));
  };
  /**
   * A piece hashed in buckets on both sides: the key intervals of the buckets that differ (present
   * on one side only, or with another count or sum), and the rows of those that agree.
   */
  const compareBuckets = async (p: Piece) => {
    const piece: BucketPiece = { range: p.range, lo: p.lo!, width: bucketWidth!, openLow: !p.range.from };
    const hi = p.range.to ? p.hi : undefined;
    const [l, r] = await Promise.all([bucketSide('left', piece), bucketSide('right', piece)]);
    const parts: { from?: Key; to?: Key }[] = [];
    const matched = { left: 0, right: 0 };
    let buckets = 0;
    for (let i = 0, j = 0; i < l.length || j < r.length; buckets++) {
      const a = l[i];
      const b = r[j];
      if (a && b && a.b === b.b) {
        if (sameSum(a, b)) {
          matched.left += a.rows;
          matched.right += b.rows;
        } else parts.push(bucketPart(piece, a.b, hi));
        i++;
        j++;
      } else if (a && (!b || a.b < b.b)) {
        parts.push(bucketPart(piece, a.b, hi));
        i++;
      } else {
        parts.push(bucketPart(piece, b!.b, hi));
        j++;
      }
    }
    return { parts, buckets, matched };
  };
  /**
   * Every first-pass piece hashed in buckets, its statements queued at once in key order: what is
   * left to read, one range of many small parts per group of pieces, each as soon as its group
   * is hashed.
   */
  const bucketPass = (pieces: readonly Piece[]): PlannedRange[] => {
    const settled = pieces.map(async (p) => {
      const r = await compareBuckets(p);
      addMatched(r.matched.left, r.matched.right);
      return r.parts;
    });
    const ranges: Promise<KeyRange | null>[] = [];
    for (let i = 0; i < settled.length; i += PIECES_PER_BUCKET_RANGE) {
      const group = Promise.all(settled.slice(i, i + PIECES_PER_BUCKET_RANGE)).then((each) => {
        const parts = joinParts(each.flat());
        return parts.length > 0 ? { parts } : null;
      });
      // Awaited in turn by the reading; one that fails first must not go unhandled meanwhile.
      group.catch(() => {});
      ranges.push(group);
    }
    for (const p of settled) p.catch(() => {});
    return ranges;
  };

  /** Pieces of a range, cut by arithmetic or at sampled left keys. */
  const cut = async (piece: Piece, rows: number, parts: number): Promise<Piece[]> => {
    if (piece.lo !== undefined && piece.hi !== undefined) {
      return integerPieces(piece.lo, piece.hi, parts, !piece.range.from, !piece.range.to);
    }
    const step = Math.max(1, Math.ceil(rows / parts));
    const req = left.request;
    const raw = await limits.left(() =>
      read('left', buildKeysEveryQuery(left.source.engine, req.table, req.keyColumns, req.where, piece.range, step)),
    );
    const inner = rangesFromBoundaries(increasingKeys(raw, opts.canonicalKey, opts.compareKeys));
    if (inner.length < 2) return [];
    inner[0]!.from = piece.range.from;
    inner[inner.length - 1]!.to = piece.range.to;
    return inner.map((range) => ({ range }));
  };

  /** The ranges of a disagreeing piece that still need streaming. */
  const refine = async (piece: Piece, l: RangeAggregate, r: RangeAggregate, depth: number): Promise<KeyRange[]> => {
    const rows = Math.max(l.rows, r.rows);
    if (rows <= leafRows || depth >= MAX_DEPTH) return [piece.range];
    const children = await cut(piece, rows, FANOUT);
    if (children.length < 2) return [piece.range];
    const results = await hashBoth(children);
    const differing = results.filter(([a, b]) => !agree(a, b)).length;
    // When most pieces differ, cutting again only re-reads the same rows: stream the whole piece.
    if (differing * 2 > children.length) return [piece.range];
    const out: Promise<KeyRange[]>[] = [];
    results.forEach(([a, b], i) => {
      if (agree(a, b)) addMatched(a.rows, b.rows);
      else out.push(refine(children[i]!, a, b, depth + 1));
    });
    return (await Promise.all(out)).flat();
  };

  /** Rows of the left table: the catalog's estimate, or counted when it has none. */
  const rowCount = async (): Promise<number> => {
    if (opts.estimatedRows && opts.estimatedRows > 0) return opts.estimatedRows;
    const req = left.request;
    return Number((await read('left', buildCountQuery(left.source.engine, req.table, req.where)))[0]?.[0] ?? 0);
  };

  // The first pass: ranges of about topRows rows over the whole key space. `sample` is a few ranges
  // spread evenly over it for auto to look at: with an integer key, ranges of about leafRows rows,
  // or on a large table some of the first pass's own; with another key, some of the first pass's.
  let top: Piece[];
  /** The pieces a bucket pass hashes (integer keys): first-pass pieces taken several at a time. */
  let bucketPieces: Piece[] = [];
  let sample: Piece[] = [];
  let sampleIsTop = false;
  if (opts.integerKey) {
    const spans = await Promise.all(
      (['left', 'right'] as const).map((side) => {
        const s = side === 'left' ? left : right;
        return read(side, buildKeySpanQuery(s.source.engine, s.request.table, s.request.keyColumns[0]!, s.request.where));
      }),
    );
    const ends = spans.map((rows) => rows[0]).filter((r): r is RawRow => !!r && r[0] !== null && r[1] !== null);
    if (ends.length === 0) {
      await opts.beforeHashing?.();
      return { ranges: [], abandoned: false };
    }
    const lo = ends.map((r) => BigInt(String(r[0]))).reduce((a, b) => (a < b ? a : b));
    const hi = ends.map((r) => BigInt(String(r[1]))).reduce((a, b) => (a > b ? a : b)) + 1n;
    const span = hi - lo;
    // Never the key span for the row count: sparse 64-bit keys would ask for millions of empty ranges.
    const estimate = Math.max(1, await rowCount());
    const parts = Math.max(1, Math.min(Math.ceil(estimate / topRows), 1_000_000));
    top = integerPieces(lo, hi, parts, true, true);
    // Buckets sum their rows' hashes in whatever order the server groups them: `sum` hashes only.
    const summed = left.request.hash.aggregate === 'sum' && right.request.hash.aggregate === 'sum';
    if (opts.mode === 'auto' && summed && lo > -BUCKET_KEY_LIMIT && hi < BUCKET_KEY_LIMIT) {
      const rows = BigInt(Math.ceil(estimate));
      bucketWidth = (span * BigInt(BUCKET_ROWS) + rows - 1n) / rows;
      if (bucketWidth < 1n) bucketWidth = 1n;
      bucketPieces = integerPieces(lo, hi, Math.max(1, Math.ceil(parts / TOP_PIECES_PER_BUCKET_PIECE)), true, true);
    }
    if (estimate >= (opts.sampleTopFrom ?? 2_000_000) && top.length >= 4 * PROBES) {
      // A large table is sampled at the size it is hashed at: one difference in 10,000 rows passes
      // small probes but leaves most first-pass ranges to be hashed again. The sample is a few
      // first-pass ranges spread over the table, whose answers the first pass then reuses.
      sample = Array.from({ length: PROBES }, (_, j) => top[Math.floor(((2 * j + 1) * top.length) / (2 * PROBES))]!);
      sampleIsTop = true;
    } else {
      const width = BigInt(Math.max(1, Math.ceil((Number(span) * leafRows) / estimate)));
      for (let j = 0; j < PROBES; j++) {
        const a = lo + (span * BigInt(2 * j + 1)) / BigInt(2 * PROBES);
        sample.push({ range: { from: [a.toString()], to: [(a + width).toString()] }, lo: a, hi: a + width });
      }
    }
  } else {
    const rows = await rowCount();
    const parts = Math.ceil(rows / topRows);
    top = parts >= 2 ? await cut({ range: {} }, rows, parts) : [];
    if (top.length === 0) top = [{ range: {} }];
    const n = Math.min(top.length, PROBES / 2);
    sample = Array.from({ length: n }, (_, j) => top[Math.floor((j * top.length) / n)]!);
  }

  // auto looks at the sample first: when most of it differs, hashing could not spare the reads
  // it costs, and the table is streamed instead.
  if (opts.mode === 'auto' && sample.length > 0 && bucketWidth !== undefined) {
    // The sample in buckets says both how many ranges differ and how thinly: differences a few
    // rows apart in every range (any real drift) leave most buckets agreeing, and then the table
    // is hashed in buckets and only theirs are read.
    const results = await Promise.all(sample.map((p) => compareBuckets(p)));
    const differing = results.filter((r) => r.parts.length > 0).length;
    if (sampleIsTop ? differing >= TOP_SAMPLE_DIFFERING : differing * 2 > results.length) {
      const buckets = results.reduce((n, r) => n + r.buckets, 0);
      const share = results.reduce((n, r) => n + r.parts.length, 0) / Math.max(1, buckets);
      if (share > BUCKET_MAX_SHARE) return { ranges: [], abandoned: true };
      opts.onBuckets?.(share);
      await opts.beforeHashing?.();
      return { ranges: bucketPass(bucketPieces), abandoned: false };
    }
    // A sampled first-pass range whose buckets all agree agrees as a whole.
    if (sampleIsTop) {
      results.forEach((r, i) => {
        if (r.parts.length > 0) return;
        const whole = (rows: number): RangeAggregate => ({ rows, value: 'buckets', complete: true });
        known.set(sample[i]!, [whole(r.matched.left), whole(r.matched.right)]);
      });
    }
  } else if (opts.mode === 'auto' && sample.length > 0) {
    if (sampleIsTop) {
      // First-pass ranges are large: split over the statements each side may run at once. A
      // first round of TOP_SAMPLE_DIFFERING ranges spread over the table settles a table that
      // differs everywhere (any real drift) at a third of the sample's cost, while the stream
      // started beside it waits on the same servers; the rest is only hashed when that round
      // alone cannot decide. The answer is the one the whole sample gives: differing ranges only
      // add up.
      const step = Math.ceil(sample.length / TOP_SAMPLE_DIFFERING);
      const first = sample.filter((_, i) => i % step === 0);
      const rounds = [first, sample.filter((p) => !first.includes(p))];
      let differing = 0;
      for (const round of rounds) {
        const results = await hashBoth(round, Math.ceil(round.length / Math.max(1, opts.concurrency)));
        differing += results.filter(([a, b]) => !agree(a, b)).length;
        if (differing >= TOP_SAMPLE_DIFFERING) return { ranges: [], abandoned: true };
        round.forEach((p, i) => known.set(p, results[i]!));
      }
    } else {
      const results = await hashBoth(sample, BATCH);
      const differing = results.filter(([a, b]) => !agree(a, b)).length;
      if (differing * 2 > results.length) return { ranges: [], abandoned: true };
    }
  }
  await opts.beforeHashing?.();

  // One statement's worth of ranges at a time (the side limits bound how many run), each settled as
  // soon as both sides answer, so progress moves while a large table is hashed.
  const groups: Piece[][] = [];
  for (let i = 0; i < top.length; i += BATCH) groups.push(top.slice(i, i + BATCH));
  const leaves = await Promise.all(
    groups.map(async (group) => {
      const pending: Promise<KeyRange[]>[] = [];
      (await hashBoth(group)).forEach(([a, b], i) => {
        if (agree(a, b)) addMatched(a.rows, b.rows);
        else pending.push(refine(group[i]!, a, b, 0));
      });
      return (await Promise.all(pending)).flat();
    }),
  );

  // Groups, and each range's pieces, come back in key order: the leaves are in key order as they are.
  return { ranges: mergeAdjacent(leaves.flat()), abandoned: false };
}

/** One scan instead of two where a range ends exactly where the next begins. */
function mergeAdjacent(ranges: KeyRange[]): KeyRange[] {
  const out: KeyRange[] = [];
  for (const r of ranges) {
    const prev = out[out.length - 1];
    if (prev && prev.to && r.from && !r.after && prev.to.length === r.from.length && prev.to.every((v, i) => v === r.from![i])) {
      out[out.length - 1] = { ...prev, to: r.to };
      if (!r.to) delete out[out.length - 1]!.to;
    } else out.push({ ...r });
  }
  return out;
}
