/**
 * Two PostgreSQL tables diffed through the text merge (COPY lines compared as bytes, decoded only
 * where they differ) give exactly what the row merge gives when the same tables are read through a
 * cursor: rows much longer than a socket buffer, escapes, NULLs, values equal by meaning but spelled
 * differently, and drift of every kind. A key that is not unique keeps the row merge, so a key
 * repeated in rows that agree is still an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReckonError } from '../../src/index.ts';
import type { DiffSummary } from '../../src/types.ts';
import { collectDiff } from './collect.ts';
import { createTestDb, type TestDb } from './harness.ts';

let left: TestDb;
let right: TestDb;

const ROWS = 4000;

/** A row's note: mostly short, some with escapes or NULL, every 500th about 150 KB. */
const NOTE = `CASE WHEN g % 500 = 7 THEN repeat('long ', 30000) || g
  WHEN g % 11 = 0 THEN NULL
  WHEN g % 13 = 0 THEN E'tab\\there\\nnew line \\\\ é😀 ' || g
  ELSE 'note ' || g END`;

beforeAll(async () => {
  [left, right] = await Promise.all([createTestDb('postgres'), createTestDb('postgres')]);
  const table = (scale: number) =>
    `CREATE TABLE t (id bigint PRIMARY KEY, amount numeric(14,${scale}), note text, at timestamptz);
     INSERT INTO t SELECT g * 2, (g % 1000) / 4.0, ${NOTE}, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
       FROM generate_series(1, ${ROWS}) g;`;
  await Promise.all([left.exec(table(2)), right.exec(table(2))]);
  await right.exec(`
    DELETE FROM t WHERE id % 997 = 0;
    INSERT INTO t SELECT id + 1, 1, 'inserted', now() FROM t WHERE id % 1201 = 0;
    UPDATE t SET note = note || '!' WHERE id = 14;   -- the end of a 150 KB value
    UPDATE t SET note = '' WHERE id = 22;            -- NULL to empty
    UPDATE t SET amount = amount + 0.01 WHERE id % 613 = 0;
    UPDATE t SET at = at + interval '1 microsecond' WHERE id % 757 = 0;`);
});

afterAll(async () => {
  await Promise.all([left?.drop(), right?.drop()]);
});

const cursor = (url: string) => `${url}${url.includes('?') ? '&' : '?'}reckon_read=cursor`;
const stable = (s: DiffSummary) => ({ ...s, elapsed_ms: 0, bytes_received: { left: 0, right: 0 } });

describe('text merge between two PostgreSQL servers', () => {
  it.each([1, 3])('gives what the row merge gives (concurrency %i)', async (concurrency) => {
    const opts = { algorithm: 'stream' as const, concurrency };
    const byText = await collectDiff({ ...opts, left: { url: left.url, table: left.table('t') }, right: { url: right.url, table: right.table('t') } });
    const byRows = await collectDiff({
      ...opts,
      left: { url: cursor(left.url), table: left.table('t') },
      right: { url: cursor(right.url), table: right.table('t') },
    });
    expect(byText.events).toEqual(byRows.events);
    expect(stable(byText.summary)).toEqual(stable(byRows.summary));
    // The drift planted above, so the comparison is of a right answer.
    const ids = Array.from({ length: ROWS }, (_, i) => (i + 1) * 2);
    const deleted = ids.filter((id) => id % 997 === 0).length;
    const inserted = ids.filter((id) => id % 1201 === 0).length;
    expect(byText.summary).toMatchObject({ left_rows: ROWS, right_only: inserted, left_only: deleted });
    const changedIds = byText.events.filter((e) => e.type === 'changed').map((e) => Number((e as { key: Record<string, string | number> }).key.id));
    expect(changedIds).toContain(14);
    expect(changedIds).toContain(22);
    expect(changedIds).toContain(613 * 2);
    expect(changedIds).toContain(757 * 2);
  });

  it('hands a range whose rows differ densely to the row merge, with the same result', async () => {
    const rows = 40_000;
    await Promise.all(
      [left, right].map((db) =>
        db.exec(`CREATE TABLE dense (id int PRIMARY KEY, v text); INSERT INTO dense SELECT g, 'value ' || g FROM generate_series(1, ${rows}) g`),
      ),
    );
    await right.exec(`UPDATE dense SET v = v || '!' WHERE id % 4 = 0; DELETE FROM dense WHERE id % 7 = 0`);
    const reasons: string[] = [];
    const tables = (url: (u: string) => string) => ({
      left: { url: url(left.url), table: left.table('dense') },
      right: { url: url(right.url), table: right.table('dense') },
    });
    const byText = await collectDiff({ algorithm: 'stream', ...tables((u) => u), onAlgorithm: (a) => reasons.push(a.reason) });
    const byRows = await collectDiff({ algorithm: 'stream', ...tables(cursor) });
    expect(reasons.some((r) => /too densely/.test(r))).toBe(true);
    expect(byText.events).toEqual(byRows.events);
    expect(stable(byText.summary)).toEqual(stable(byRows.summary));
    const ids = Array.from({ length: rows }, (_, i) => i + 1);
    expect(byText.summary).toMatchObject({
      left_rows: rows,
      left_only: ids.filter((id) => id % 7 === 0).length,
      changed: ids.filter((id) => id % 4 === 0 && id % 7 !== 0).length,
    });
  });

  it('finds values spelled differently but equal by meaning equal', async () => {
    // numeric(14,2) beside numeric(14,3): every line differs as bytes, no row as values.
    await left.exec('CREATE TABLE scaled AS SELECT id, amount::numeric(14,2) AS amount FROM t; ALTER TABLE scaled ADD PRIMARY KEY (id)');
    await right.exec('CREATE TABLE scaled (id bigint PRIMARY KEY, amount numeric(14,3))');
    await right.exec(`INSERT INTO scaled SELECT g * 2, (g % 1000) / 4.0 FROM generate_series(1, ${ROWS}) g`);
    const { events, summary } = await collectDiff({
      algorithm: 'stream',
      left: { url: left.url, table: left.table('scaled') },
      right: { url: right.url, table: right.table('scaled') },
    });
    expect(events).toEqual([]);
    expect(summary).toMatchObject({ left_rows: ROWS, right_rows: ROWS, identical: true });
  });

  it('keeps finding a repeated key when the key chosen is not unique', async () => {
    await Promise.all(
      [left, right].map((db) => db.exec("CREATE TABLE dup (id int PRIMARY KEY, k int, v text); INSERT INTO dup VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 2, 'b')")),
    );
    // Rows 2 and 3 agree on both sides, byte for byte, when read by k.
    const err = await collectDiff({
      algorithm: 'stream',
      key: ['k'],
      columns: ['v'],
      left: { url: left.url, table: left.table('dup') },
      right: { url: right.url, table: right.table('dup') },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReckonError);
    expect((err as ReckonError).code).toBe('DUPLICATE_KEY');
  });
});
