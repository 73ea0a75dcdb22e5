/**
 * The drift the demo plants between its two tables, decided in JS from a seed so the demo knows
 * the exact answer before reckon looks. Nothing here touches a database.
 */

/** One way an updated row differs; each always changes the value it touches. */
export type UpdateKind = 'amount' | 'placed_at' | 'paid' | 'customer' | 'note' | 'amount+paid';

export const UPDATE_KINDS: readonly UpdateKind[] = ['amount', 'placed_at', 'paid', 'customer', 'note', 'amount+paid'];

/** What the right table gets, relative to the left one. */
export interface DriftPlan {
  rows: number;
  /** Ids present on the left, deleted on the right. */
  deleted: bigint[];
  /** Ids added on the right only (odd, so they fall between the left's even ids). */
  inserted: bigint[];
  /** Ids updated on the right, by the columns changed. */
  updated: Map<UpdateKind, bigint[]>;
}

/** What a correct diff must report. */
export interface Truth {
  leftRows: number;
  rightRows: number;
  leftOnly: number;
  rightOnly: number;
  changed: number;
}

/** The smallest table for which the drift fractions still plant at least one of each kind. */
export const MIN_ROWS = 100;

/**
 * mulberry32: a 32-bit PRNG that is tiny and fully determined by its seed, so the same seed gives
 * the same drift on every machine and Node version (Math.random cannot be seeded).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct integers from 1..n, by a partial Fisher–Yates shuffle over a sparse map. */
function sample(n: number, count: number, rand: () => number): number[] {
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const atJ = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out.push(atJ + 1);
  }
  return out;
}

/**
 * Plans the drift for a left table holding ids 2, 4, …, 2·rows: 0.5 % of rows deleted, 0.25 %
 * inserted and 0.5 % updated in one or two columns, the deleted and updated rows disjoint.
 */
export function planDrift(rows: number, seed: number): DriftPlan {
  if (!Number.isSafeInteger(rows) || rows < MIN_ROWS) throw new RangeError(`rows must be an integer of at least ${MIN_ROWS}, got ${rows}`);
  const rand = mulberry32(seed);
  const deletes = Math.ceil(rows / 200);
  const inserts = Math.ceil(rows / 400);
  const updates = Math.ceil(rows / 200);
  const touched = sample(rows, deletes + updates, rand);
  const deleted = touched.slice(0, deletes).map((i) => BigInt(2 * i));
  const updated = new Map<UpdateKind, bigint[]>(UPDATE_KINDS.map((k) => [k, []]));
  for (const i of touched.slice(deletes)) {
    const kind = UPDATE_KINDS[Math.floor(rand() * UPDATE_KINDS.length)]!;
    updated.get(kind)!.push(BigInt(2 * i));
  }
  // Odd ids sit between existing ones, so right-only rows are spread through the key space
  // rather than piled up at its end.
  const inserted = sample(rows, inserts, rand).map((i) => BigInt(2 * i - 1));
  const byId = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
  deleted.sort(byId);
  inserted.sort(byId);
  for (const ids of updated.values()) ids.sort(byId);
  return { rows, deleted, inserted, updated };
}

/** The counts a correct diff of the planned drift reports. */
export function truthOf(plan: DriftPlan): Truth {
  let changed = 0;
  for (const ids of plan.updated.values()) changed += ids.length;
  return {
    leftRows: plan.rows,
    rightRows: plan.rows - plan.deleted.length + plan.inserted.length,
    leftOnly: plan.deleted.length,
    rightOnly: plan.inserted.length,
    changed,
  };
}

/** The counts one diff reported, as read from its report. */
export type Found = Truth;

/** The names of the counts on which `found` disagrees with `truth` (empty: the diff was right). */
export function mismatches(truth: Truth, found: Found): (keyof Truth)[] {
  return (Object.keys(truth) as (keyof Truth)[]).filter((k) => truth[k] !== found[k]);
}
