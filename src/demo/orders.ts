/**
 * The demo's `orders` table: generated inside PGlite from each row's id, so loading is one
 * INSERT … SELECT rather than 200,000 rows crossing from JS, and an inserted row's values follow
 * from its id exactly as the generated ones do.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { DriftPlan, UpdateKind } from './drift.ts';

export const ORDERS_TABLE = 'public.orders';

const CREATE = `CREATE TABLE orders (
  id        bigint NOT NULL,
  customer  text NOT NULL,
  amount    numeric(12,2) NOT NULL,
  placed_at timestamptz NOT NULL,
  paid      boolean NOT NULL,
  note      jsonb
)`;

/** Column values as SQL over a bigint `n`; microseconds in placed_at and NULL notes on purpose. */
const ROW_FROM_N = `n,
  'customer-' || lpad(((n * 7919) % 5000)::text, 4, '0'),
  ((n * 104729) % 1000000) / 100.0,
  timestamptz '2024-01-01 00:00:00+00' + ((n * 37) % 31536000) * interval '1 second' + ((n * 13) % 1000000) * interval '1 microsecond',
  n % 3 <> 0,
  CASE WHEN n % 11 = 0 THEN NULL
       ELSE jsonb_build_object('channel', (ARRAY['web', 'store', 'phone'])[(n / 2) % 3 + 1], 'items', n % 7 + 1) END`;

/** SET clauses per update kind; each always changes the value (a cent, a microsecond, a space). */
const UPDATE_SET: Record<UpdateKind, string> = {
  amount: 'amount = amount + 0.01',
  placed_at: "placed_at = placed_at + interval '1 microsecond'",
  paid: 'paid = NOT paid',
  customer: "customer = customer || ' '",
  note: `note = COALESCE(note, '{}'::jsonb) || '{"gift": true}'::jsonb`,
  'amount+paid': 'amount = amount + 0.01, paid = NOT paid',
};

/** A PostgreSQL array literal, so thousands of ids travel as one parameter. */
function idArray(ids: readonly bigint[]): string {
  return `{${ids.join(',')}}`;
}

/**
 * Creates `orders` with ids 2, 4, …, 2·rows, then its primary key (building the index once takes
 * half the time of maintaining it through the load), then statistics for the progress estimate.
 */
export async function createOrders(db: PGlite, rows: number): Promise<void> {
  await db.exec(CREATE);
  await db.query(`INSERT INTO orders SELECT ${ROW_FROM_N} FROM generate_series(2::bigint, $1::bigint, 2) AS n`, [String(2 * rows)]);
  await db.exec('ALTER TABLE orders ADD PRIMARY KEY (id); ANALYZE orders');
}

/** Applies the planned drift to a copy of the generated table. */
export async function applyDrift(db: PGlite, plan: DriftPlan): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM orders WHERE id = ANY ($1::bigint[])', [idArray(plan.deleted)]);
    await tx.query(`INSERT INTO orders SELECT ${ROW_FROM_N} FROM unnest($1::bigint[]) AS n`, [idArray(plan.inserted)]);
    for (const [kind, ids] of plan.updated) {
      if (ids.length > 0) await tx.query(`UPDATE orders SET ${UPDATE_SET[kind]} WHERE id = ANY ($1::bigint[])`, [idArray(ids)]);
    }
  });
  await db.exec('ANALYZE orders');
}
