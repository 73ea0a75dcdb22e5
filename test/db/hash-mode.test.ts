/**
 * Hash mode against the streaming diff on real databases: the same events in the same order for
 * integer, text and composite keys, through several levels of narrowing, with filters and empty
 * sides; far fewer bytes received when tables agree; and `auto` choosing by what it sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffOptions } from '../../src/diff/diff-tables.ts';
import { openSource } from '../../src/sources/connect.ts';
import type { Source } from '../../src/sources/source.ts';
import { collectDiff } from './collect.ts';
import { PAIRINGS, createTestDb, type EngineName, type TestDb } from './harness.ts';

const ROWS = 6000;

/** Columns of a row from its number `g`: the same values in both engines. */
function ddl(engine: EngineName, name: string, key: 'int' | 'text' | 'pair'): string {
  const keyCols =
    key === 'int' ? 'id bigint PRIMARY KEY' : key === 'text' ? 'code varchar(20) PRIMARY KEY' : 'a int NOT NULL, b varchar(10) NOT NULL, PRIMARY KEY (a, b)';
  return engine === 'postgres'
    ? `CREATE TABLE ${name} (${keyCols}, amount numeric(12,2), note text, at timestamp(6))`
    : `CREATE TABLE ${name} (${keyCols}, amount decimal(12,2), note varchar(40), at datetime(6))`;
}

function fill(engine: EngineName, name: string, key: 'int' | 'text' | 'pair', where: string): string {
  const g = engine === 'postgres' ? 'g' : 'seq';
  const from = engine === 'postgres' ? `generate_series(1, ${ROWS}) AS t(g)` : `seq_1_to_${ROWS}`;
  const tagged = (tag: string) => (engine === 'postgres' ? `'${tag}' || lpad(g::text, 6, '0')` : `CONCAT('${tag}', LPAD(seq, 6, '0'))`);
  const keys = key === 'int' ? [`${g} * 3`] : key === 'text' ? [tagged('k')] : [`${g} % 50`, tagged('b')];
  const amount = `(${g} % 1000) + 0.25`;
  const note = engine === 'postgres' ? `CASE WHEN ${g} % 7 = 0 THEN NULL ELSE 'n' || ${g} END` : `IF(${g} % 7 = 0, NULL, CONCAT('n', ${g}))`;
  const at =
    engine === 'postgres'
      ? `timestamp '2024-01-01' + ${g} * interval '1 second' + (${g} % 10) * interval '1 microsecond'`
      : `TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ${g} SECOND + INTERVAL (${g} % 10) MICROSECOND`;
  return `INSERT INTO ${name} SELECT ${keys.join(', ')}, ${amount}, ${note}, ${at} FROM ${from} WHERE ${where}`;
}

/** Rows changed on the right: scattered, and a dense run that forces several levels of cutting. */
const CHANGED = [17, 1500, 1501, 2222, 4100, 4101, 4102, 4103, 5999];
const LEFT_ONLY = [1, 300, 3333];
const RIGHT_ONLY = [6000, 2500];

async function loadPair(left: TestDb, right: TestDb, name: string, key: 'int' | 'text' | 'pair'): Promise<void> {
  await Promise.all([left.exec(ddl(left.engine, name, key)), right.exec(ddl(right.engine, name, key))]);
  const g = (e: EngineName) => (e === 'postgres' ? 'g' : 'seq');
  await left.exec(fill(left.engine, name, key, `${g(left.engine)} NOT IN (${RIGHT_ONLY.join(', ')})`));
  await right.exec(fill(right.engine, name, key, `${g(right.engine)} NOT IN (${LEFT_ONLY.join(', ')})`));
  const set = right.engine === 'postgres' ? `note = coalesce(note, '') || '!'` : `note = CONCAT(IFNULL(note, ''), '!')`;
  const keyOf = key === 'int' ? `id / 3` : key === 'text' ? 'CAST(SUBSTRING(code, 2) AS INT)' : 'CAST(SUBSTRING(b, 2) AS INT)';
  const keyExpr = right.engine === 'mariadb' ? keyOf.replace('AS INT', 'AS SIGNED') : keyOf;
  await right.exec(`UPDATE ${name} SET ${set} WHERE ${keyExpr} IN (${CHANGED.join(', ')})`);
}

describe.each(PAIRINGS)('%s ↔ %s', (leftEngine, rightEngine) => {
  let left: TestDb;
  let right: TestDb;
  beforeAll(async () => {
    [left, right] = await Promise.all([createTestDb(leftEngine), createTestDb(rightEngine)]);
    for (const key of ['int', 'text', 'pair'] as const) await loadPair(left, right, `t_${key}`, key);
    await Promise.all([left, right].map((db) => db.exec(ddl(db.engine, 'empty_t', 'int'))));
  });
  afterAll(async () => {
    await Promise.all([left?.drop(), right?.drop()]);
  });

  const sides = (name: string, rightName = name): Pick<DiffOptions, 'left' | 'right'> => ({
    left: { url: left.url, table: left.table(name) },
    right: { url: right.url, table: right.table(rightName) },
  });

  it('finds values swapped between two rows of one range, which leave every column total unchanged', async () => {
    // A misaligned UPDATE … FROM shuffles a column among rows: each column holds the same values,
    // only the rows they belong to differ. A range hash built linearly from per-column hashes
    // (hash_record_extended is Σ 31^i·h(v_i)) sums to the same value and would call it identical.
    for (const db of [left, right]) {
      await db.exec(`CREATE TABLE swapped (id bigint PRIMARY KEY, a int NOT NULL, b varchar(20))`);
      const g = db.engine === 'postgres' ? 'g' : 'seq';
      const from = db.engine === 'postgres' ? `generate_series(1, ${ROWS}) AS t(g)` : `seq_1_to_${ROWS}`;
      const b = db.engine === 'postgres' ? `'b' || g` : `CONCAT('b', seq)`;
      await db.exec(`INSERT INTO swapped SELECT ${g}, ${g} % 1000, ${b} FROM ${from}`);
    }
    await right.exec(`UPDATE swapped SET a = CASE id WHEN 10 THEN 11 WHEN 11 THEN 10 ELSE a END WHERE id IN (10, 11)`);
    await right.exec(`UPDATE swapped SET b = CASE id WHEN 3000 THEN 'b4000' ELSE 'b3000' END WHERE id IN (3000, 4000)`);
    const expected = [10, 11, 3000, 4000].map((id) => ({ type: 'changed', key: { id } }));
    for (const algorithm of ['hash', 'auto'] as const) {
      const r = await collectDiff({ ...sides('swapped'), algorithm, hashRanges: { topRows: 2000, leafRows: 500 } });
      expect(r.events.map((e) => ({ type: e.type, key: e.key })), algorithm).toEqual(expected);
    }
  });

  describe.each(['int', 'text', 'pair'] as const)('%s key', (key) => {
    it.each([
      ['one level', { topRows: 10_000, leafRows: 1000 }],
      ['several levels', { topRows: 700, leafRows: 20 }],
      ['one row per leaf', { topRows: 64, leafRows: 1 }],
      // A range past a concat hash's row limit never agrees; pieces of it are hashed instead.
      ['ranges past the row limit', { topRows: 10_000, leafRows: 20, rowLimit: 50 }],
    ])('gives the streaming events in the same order (%s)', async (_name, hashRanges) => {
      const stream = await collectDiff({ ...sides(`t_${key}`), algorithm: 'stream' });
      expect(stream.summary).toMatchObject({ left_only: LEFT_ONLY.length, right_only: RIGHT_ONLY.length, changed: CHANGED.length, algorithm: 'stream' });
      const hashed = await collectDiff({ ...sides(`t_${key}`), algorithm: 'hash', hashRanges });
      expect(hashed.events).toEqual(stream.events);
      const { elapsed_ms: _a, bytes_received: _b, ...rest } = hashed.summary;
      const { elapsed_ms: _c, bytes_received: _d, ...expected } = stream.summary;
      expect(rest).toEqual({ ...expected, algorithm: 'hash' });
    });

    it.each([
      ['keys read in one batch', 1000],
      ['keys read two at a time', 2],
    ])('digest mode gives the streaming events in the same order (%s)', async (_name, digestBatchKeys) => {
      const stream = await collectDiff({ ...sides(`t_${key}`), algorithm: 'stream' });
      const seen: string[] = [];
      const digest = await collectDiff({ ...sides(`t_${key}`), algorithm: 'digest', digestBatchKeys, onAlgorithm: (a) => seen.push(a.algorithm) });
      expect(digest.events).toEqual(stream.events);
      const { elapsed_ms: _a, bytes_received: _b, ...rest } = digest.summary;
      const { elapsed_ms: _c, bytes_received: _d, ...expected } = stream.summary;
      expect(rest).toEqual({ ...expected, algorithm: 'digest' });
      // 14 differences in 6,000 rows are never dense enough to stream the rest.
      expect(seen).toEqual(['digest']);
    });
  });

  it('honours filters: a filter that leaves out every difference finds none', async () => {
    const where = 'id > 12000 AND id < 12100';
    const r = await collectDiff({ ...sides('t_int'), where, algorithm: 'hash', hashRanges: { topRows: 10, leafRows: 2 } });
    expect(r.events).toEqual([]);
    expect(r.summary).toMatchObject({ identical: true, left_rows: 33, right_rows: 33 });
  });

  it('handles empty sides', async () => {
    const both = await collectDiff({ ...sides('empty_t'), algorithm: 'hash' });
    expect(both.summary).toMatchObject({ identical: true, left_rows: 0, right_rows: 0 });
    const oneEmpty = await collectDiff({ ...sides('t_int', 'empty_t'), algorithm: 'hash', key: ['id'], columns: ['amount'] });
    expect(oneEmpty.summary).toMatchObject({ left_only: ROWS - RIGHT_ONLY.length, right_only: 0, changed: 0 });
  });

  // Rows 2501 to 3300 hold none of the differences.
  it.each([
    ['int', 'id > 7502 AND id < 9901'],
    ['text', "code > 'k002500' AND code < 'k003301'"],
  ] as const)('finds the two sides of a range that agree alike, without reading its rows (%s key)', async (key, where) => {
    const stream = await collectDiff({ ...sides(`t_${key}`), where, algorithm: 'stream' });
    const hashed = await collectDiff({ ...sides(`t_${key}`), where, algorithm: 'hash' });
    expect(hashed.summary).toMatchObject({ identical: true, left_rows: 800, right_rows: 800 });
    const total = (b: { left: number; right: number }) => b.left + b.right;
    expect(total(stream.summary.bytes_received)).toBeGreaterThan(40_000);
    expect(total(hashed.summary.bytes_received)).toBeLessThan(total(stream.summary.bytes_received) / 20);
  });

  it('reads a small fraction of the bytes when the tables agree', async () => {
    const same = { left: { url: left.url, table: left.table('t_int') }, right: { url: left.url, table: left.table('t_int') } };
    const stream = await collectDiff({ ...same, algorithm: 'stream' });
    const hashed = await collectDiff({ ...same, algorithm: 'hash' });
    expect(hashed.summary.identical).toBe(true);
    expect(stream.summary.bytes_received.left).toBeGreaterThan(100_000);
    expect(hashed.summary.bytes_received.left + hashed.summary.bytes_received.right).toBeLessThan(
      (stream.summary.bytes_received.left + stream.summary.bytes_received.right) / 20,
    );
  });
});

describe.each(PAIRINGS)('keys of two integers, or an instant, %s ↔ %s', (leftEngine, rightEngine) => {
  let left: TestDb;
  let right: TestDb;
  const N = 3000;
  // Keys whose index order is the same in both engines: ranges of them are hashed joined in that order.
  const create = (db: TestDb) =>
    db.exec(
      db.engine === 'postgres'
        ? `CREATE TABLE pair2 (a int NOT NULL, b bigint NOT NULL, v varchar(20), PRIMARY KEY (a, b));
           INSERT INTO pair2 SELECT g % 7, g, 'v' || g FROM generate_series(1, ${N}) g;
           CREATE TABLE at_key (at timestamptz PRIMARY KEY, v int);
           INSERT INTO at_key SELECT timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute' + g * interval '1 microsecond', g FROM generate_series(1, ${N}) g`
        : `CREATE TABLE pair2 (a int NOT NULL, b bigint NOT NULL, v varchar(20), PRIMARY KEY (a, b));
           INSERT INTO pair2 SELECT seq % 7, seq, CONCAT('v', seq) FROM seq_1_to_${N};
           CREATE TABLE at_key (at datetime(6) PRIMARY KEY, v int);
           INSERT INTO at_key SELECT TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq MINUTE + INTERVAL seq MICROSECOND, seq FROM seq_1_to_${N}`,
    );
  beforeAll(async () => {
    [left, right] = await Promise.all([createTestDb(leftEngine), createTestDb(rightEngine)]);
    await Promise.all([create(left), create(right)]);
  });
  afterAll(async () => {
    await Promise.all([left?.drop(), right?.drop()]);
  });

  it.each(['pair2', 'at_key'])('agrees on equal ranges without reading their rows, and finds a changed row (%s)', async (table) => {
    const sides = { left: { url: left.url, table: left.table(table) }, right: { url: right.url, table: right.table(table) } };
    const hashRanges = { topRows: 500, leafRows: 50 };
    const same = await collectDiff({ ...sides, algorithm: 'hash', hashRanges });
    expect(same.summary).toMatchObject({ identical: true, left_rows: N, right_rows: N });
    // Range answers only: reading rows would take well over 20 KB a side.
    expect(same.summary.bytes_received.left + same.summary.bytes_received.right).toBeLessThan(12_000);
    await right.exec(`UPDATE ${table} SET v = ${table === 'pair2' ? `'changed'` : '-1'} WHERE ${table === 'pair2' ? 'b = 1234' : 'v = 1234'}`);
    const changed = await collectDiff({ ...sides, algorithm: 'hash', hashRanges });
    expect(changed.summary).toMatchObject({ changed: 1, left_only: 0, right_only: 0 });
    expect(changed.events[0]).toMatchObject({ type: 'changed', columns: ['v'] });
  });
});

describe.each(PAIRINGS)('long values, %s ↔ %s', (leftEngine, rightEngine) => {
  let left: TestDb;
  let right: TestDb;
  const N = 300;
  // Text without a declared bound: fields past LONG_FIELD_BYTES are hashed as # and their MD5.
  const create = (db: TestDb) =>
    db.exec(
      db.engine === 'postgres'
        ? `CREATE TABLE lv (id int PRIMARY KEY, body text, tail varchar(400));
           INSERT INTO lv SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE repeat('é' || g, 100 + g % 50) END, repeat('x', g % 400) FROM generate_series(1, ${N}) g`
        : `CREATE TABLE lv (id int PRIMARY KEY, body longtext, tail varchar(400));
           INSERT INTO lv SELECT seq, IF(seq % 3 = 0, NULL, REPEAT(CONCAT('é', seq), 100 + seq % 50)), REPEAT('x', seq % 400) FROM seq_1_to_${N}`,
    );
  beforeAll(async () => {
    [left, right] = await Promise.all([createTestDb(leftEngine), createTestDb(rightEngine)]);
    await Promise.all([create(left), create(right)]);
  });
  afterAll(async () => {
    await Promise.all([left?.drop(), right?.drop()]);
  });
  const sides = () => ({ left: { url: left.url, table: left.table('lv') }, right: { url: right.url, table: right.table('lv') } });

  it('agrees on equal long values without reading them, and finds a change in their last byte', async () => {
    const same = await collectDiff({ ...sides(), algorithm: 'hash', hashRanges: { topRows: 100, leafRows: 10 } });
    expect(same.summary).toMatchObject({ identical: true, left_rows: N, right_rows: N });
    // The range statements' answers only (about 3 KB): a range read row by row would add over 5 KB.
    expect(same.summary.bytes_received.left + same.summary.bytes_received.right).toBeLessThan(5_000);
    const last = right.engine === 'postgres' ? `left(body, -1) || 'f'` : `CONCAT(LEFT(body, CHAR_LENGTH(body) - 1), 'f')`;
    await right.exec(`UPDATE lv SET body = ${last} WHERE id = 200`);
    await right.exec(`UPDATE lv SET tail = ${right.engine === 'postgres' ? `tail || 'y'` : `CONCAT(tail, 'y')`} WHERE id = 299`);
    const changed = await collectDiff({ ...sides(), algorithm: 'hash', hashRanges: { topRows: 100, leafRows: 10 } });
    expect(changed.events.map((e) => [e.type, String(e.key.id), e.type === 'changed' ? e.columns : []])).toEqual([
      ['changed', '200', ['body']],
      ['changed', '299', ['tail']],
    ]);
  });
});

describe('auto', () => {
  let pg: TestDb;
  let maria: TestDb;
  const BIG = 60_000;
  beforeAll(async () => {
    [pg, maria] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
    await pg.exec(`CREATE TABLE big (id int PRIMARY KEY, v int, f double precision);
      INSERT INTO big SELECT g, g % 97, g / 8.0 FROM generate_series(1, ${BIG}) g; ANALYZE big;
      CREATE TABLE dense (id int PRIMARY KEY, v int);
      INSERT INTO dense SELECT g, CASE WHEN g % 50 = 0 THEN -1 ELSE g % 97 END FROM generate_series(1, ${BIG}) g; ANALYZE dense;
      CREATE TABLE denser (id int PRIMARY KEY, v int);
      INSERT INTO denser SELECT g, CASE WHEN g % 10 = 3 THEN -1 ELSE g % 97 END FROM generate_series(1, ${BIG}) g WHERE g % 1000 <> 7;
      INSERT INTO denser VALUES (${BIG + 1}, 0);
      CREATE TABLE small (id int PRIMARY KEY, v int); INSERT INTO small SELECT g, g FROM generate_series(1, 100) g; ANALYZE small;
      CREATE TABLE scattered (id int PRIMARY KEY, v int);
      INSERT INTO scattered SELECT g, CASE WHEN g % 100 = 0 THEN -1 ELSE g % 97 END FROM generate_series(1, ${BIG}) g WHERE g % 1000 <> 7;
      INSERT INTO scattered VALUES (${BIG + 5}, 1), (${BIG + 40}, 2); ANALYZE scattered`);
    await maria.exec(`CREATE TABLE big (id int PRIMARY KEY, v int, f double);
      INSERT INTO big SELECT seq, seq % 97, seq / 8.0 FROM seq_1_to_${BIG}; ANALYZE TABLE big;
      CREATE TABLE sparse (id int PRIMARY KEY, v int);
      INSERT INTO sparse SELECT seq, IF(seq % 200 = 0, -1, seq % 97) FROM seq_1_to_${BIG};
      CREATE TABLE spread (id int PRIMARY KEY, v int);
      INSERT INTO spread SELECT seq, IF(seq % 2000 = 0, -1, seq % 97) FROM seq_1_to_${BIG}; ANALYZE TABLE spread`);
  });
  afterAll(async () => {
    await Promise.all([pg?.drop(), maria?.drop()]);
  });

  async function run(opts: DiffOptions) {
    const seen: { algorithm: string; reason: string }[] = [];
    const r = await collectDiff({ ...opts, onAlgorithm: (a) => seen.push(a) });
    return { ...r, seen };
  }

  it('hashes a large table whose columns both engines hash alike', async () => {
    const r = await run({ left: { url: pg.url, table: pg.table('big') }, right: { url: maria.url, table: maria.table('big') }, columns: ['v'] });
    expect(r.seen[0]!.algorithm).toBe('hash');
    expect(r.summary).toMatchObject({ identical: true, algorithm: 'hash', left_rows: BIG, right_rows: BIG });
  });

  it('streams when a column is written differently by the two engines, and says which', async () => {
    const r = await run({ left: { url: pg.url, table: pg.table('big') }, right: { url: maria.url, table: maria.table('big') } });
    expect(r.seen[0]!.algorithm).toBe('stream');
    expect(r.seen[0]!.reason).toContain('f (double precision / double)');
    expect(r.summary).toMatchObject({ identical: true, algorithm: 'stream' });
  });

  it('streams a small table', async () => {
    const r = await run({ left: { url: pg.url, table: pg.table('small') }, right: { url: pg.url, table: pg.table('small') } });
    expect(r.seen[0]).toMatchObject({ algorithm: 'stream' });
    expect(r.seen[0]!.reason).toMatch(/small table/);
  });

  it('on a large table, samples first-pass ranges: a difference every 2,000 rows passes small probes but leaves most ranges to hash again', async () => {
    const sides = {
      left: { url: pg.url, table: pg.table('big') },
      right: { url: maria.url, table: maria.table('spread') },
      columns: ['v'],
    };
    // 40 first-pass ranges of 1,500 rows; small probes of 100 rows.
    const small = await run({ ...sides, hashRanges: { topRows: 1500, leafRows: 100 } });
    expect(small.seen.map((s) => s.algorithm)).toEqual(['hash']);
    const large = await run({ ...sides, hashRanges: { topRows: 1500, leafRows: 100, sampleTopFrom: 10_000 } });
    // Then streaming, timed against digests on the first rows.
    expect(large.seen.map((s) => s.algorithm)).toEqual(['hash', 'stream', 'stream']);
    expect(large.seen[1]!.reason).toMatch(/sample of ranges/);
    for (const r of [small, large]) expect(r.summary).toMatchObject({ changed: BIG / 2000, left_only: 0, right_only: 0, left_rows: BIG, right_rows: BIG });
    expect(large.events).toEqual(small.events);
  });

  it('reuses the sampled first-pass ranges when it goes on hashing: every row counted once', async () => {
    const r = await run({
      left: { url: pg.url, table: pg.table('big') },
      right: { url: maria.url, table: maria.table('big') },
      columns: ['v'],
      hashRanges: { topRows: 1500, leafRows: 100, sampleTopFrom: 10_000 },
    });
    expect(r.seen.map((s) => s.algorithm)).toEqual(['hash']);
    expect(r.summary).toMatchObject({ identical: true, left_rows: BIG, right_rows: BIG, algorithm: 'hash' });
  });

  it('hashes small buckets when a sample finds a difference in every range but few in its buckets, with the streaming answer', async () => {
    // A difference every 100 rows: every probe of 400 rows differs, about one bucket of 16 rows in six.
    const sides = { left: { url: pg.url, table: pg.table('big') }, right: { url: pg.url, table: pg.table('scattered') }, columns: ['v'] };
    const stream = await collectDiff({ ...sides, algorithm: 'stream' });
    const r = await run({ ...sides, hashRanges: { topRows: 2000, leafRows: 400 } });
    expect(r.seen.map((s) => s.algorithm)).toEqual(['hash', 'hash']);
    expect(r.seen[1]!.reason).toMatch(/in only \d+\.\d% of their small buckets/);
    expect(r.events).toEqual(stream.events);
    expect(r.summary).toMatchObject({
      algorithm: 'hash',
      changed: BIG / 100,
      left_only: BIG / 1000,
      right_only: 2,
      left_rows: BIG,
      right_rows: BIG - BIG / 1000 + 2,
    });
    // Only the differing buckets' rows were read: a sixth of the table, not all of it.
    expect(r.summary.bytes_received.right).toBeLessThan(stream.summary.bytes_received.right / 3);
  });

  it('gives up hashing when a first sample differs nearly everywhere, with the right answer', async () => {
    const r = await run({
      left: { url: pg.url, table: pg.table('big') },
      right: { url: pg.url, table: pg.table('dense') },
      columns: ['v'],
      hashRanges: { topRows: 500, leafRows: 100 },
    });
    // Between two PostgreSQL servers it reads row digests instead of rows.
    expect(r.seen.map((s) => s.algorithm)).toEqual(['hash', 'digest']);
    expect(r.summary).toMatchObject({ changed: BIG / 50, algorithm: 'digest', left_rows: BIG, right_rows: BIG });
  });

  it('between engines, times streaming against digests on the first rows and goes on the faster way, with the streaming answer', async () => {
    const sides = {
      left: { url: pg.url, table: pg.table('big') },
      right: { url: maria.url, table: maria.table('sparse') },
      columns: ['v'],
      hashRanges: { topRows: 2000, leafRows: 400 },
    };
    const stream = await collectDiff({ ...sides, algorithm: 'stream' });
    expect(stream.summary).toMatchObject({ changed: BIG / 200, left_only: 0, right_only: 0 });
    // Which way is faster here is up to the machine: the thresholds make each way certain. A busy
    // share above 1 never counts reckon as busy, so digests are always timed.
    for (const [digestSpeedup, algorithm] of [
      [0, 'digest'],
      [Infinity, 'stream'],
    ] as const) {
      const r = await run({ ...sides, measure: { rows: 5000, busyShare: 1.01, digestSpeedup } });
      expect(r.seen.map((s) => s.algorithm)).toEqual(['hash', 'stream', algorithm]);
      expect(r.seen[2]!.reason).toMatch(/rows\/s by row hashes, [\d,]+ rows\/s streamed/);
      expect(r.events).toEqual(stream.events);
      expect(r.summary).toMatchObject({ algorithm, changed: BIG / 200, left_rows: BIG, right_rows: BIG });
    }
    // Left to itself, reckon streams on through a fast link while it is the one kept busy, or
    // times digests too: either way with the same answer.
    const r = await run({ ...sides, measure: { rows: 5000 } });
    expect(r.events).toEqual(stream.events);
    expect(r.seen.at(-1)!.reason).toMatch(/^timed on the first rows: /);
    // Keys alone: a digest is no smaller than the key it would stand for, so nothing is timed.
    const keys = { ...sides, left: { ...sides.left, where: 'id % 200 <> 0' }, columns: [] };
    const keysOnly = await run({ ...keys, measure: { rows: 5000, busyShare: 1.01, digestSpeedup: 0 } });
    expect(keysOnly.seen.map((s) => s.algorithm)).toEqual(['hash', 'stream']);
    expect(keysOnly.summary).toMatchObject({ algorithm: 'stream', left_only: 0, right_only: BIG / 200, changed: 0 });
  });

  it('starts the stream it falls back to while its sample is hashed, where each side has a connection to spare', async () => {
    const sides = { columns: ['v'], hashRanges: { topRows: 2000, leafRows: 400 }, measure: { rows: 5000 } };
    const stream = await collectDiff({ left: { url: pg.url, table: pg.table('big') }, right: { url: maria.url, table: maria.table('sparse') }, ...sides, algorithm: 'stream' });
    for (const connections of [2, 1]) {
      const calls: string[] = [];
      // Records, on the right, which came first: the sample's hash statements or the stream.
      const record = (inner: Source): Source =>
        new Proxy(inner, {
          get(target, name) {
            const v = Reflect.get(target, name, target) as unknown;
            if (name === 'scan' || name === 'query') {
              return (arg: unknown) => {
                calls.push(name);
                return (v as (a: unknown) => unknown).call(target, arg);
              };
            }
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
      const left = openSource(pg.url, { maxConnections: connections });
      const right = openSource(maria.url, { maxConnections: connections });
      try {
        const r = await run({ left: { source: left, table: pg.table('big') }, right: { source: record(right), table: maria.table('sparse') }, ...sides });
        expect(r.events).toEqual(stream.events);
        expect(r.summary).toMatchObject({ changed: BIG / 200, left_rows: BIG, right_rows: BIG });
        const lastQuery = calls.lastIndexOf('query');
        // With one connection the sample's statements need it: the stream waits for them.
        if (connections > 1) expect(calls.indexOf('scan')).toBeLessThan(lastQuery);
        else expect(calls.indexOf('scan')).toBeGreaterThan(lastQuery);
      } finally {
        await Promise.all([left.close(), right.close()]);
      }
    }
  });

  it('digest mode streams the rest of a range whose differences turn out dense, with every row counted once', async () => {
    const sides = { left: { url: pg.url, table: pg.table('big') }, right: { url: pg.url, table: pg.table('denser') }, columns: ['v'] };
    const stream = await collectDiff({ ...sides, algorithm: 'stream' });
    expect(stream.summary).toMatchObject({ left_only: BIG / 1000, right_only: 1, changed: BIG / 10, left_rows: BIG, right_rows: BIG - BIG / 1000 + 1 });
    const r = await run({ ...sides, algorithm: 'digest', digestBatchKeys: 100 });
    expect(r.seen.map((s) => s.algorithm)).toEqual(['digest', 'stream']);
    expect(r.events).toEqual(stream.events);
    const { elapsed_ms: _a, bytes_received: _b, ...rest } = r.summary;
    const { elapsed_ms: _c, bytes_received: _d, ...expected } = stream.summary;
    expect(rest).toEqual({ ...expected, algorithm: 'digest' });
  });
});

describe('PostgreSQL ↔ PostgreSQL', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb('postgres');
  });
  afterAll(async () => {
    await db?.drop();
  });

  // Same-engine pairs hash with hashtextextended, which would hash by the collation's rules.
  it('text under a case-insensitive collation still hashes by its bytes', async () => {
    await db.exec(`CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
      CREATE TABLE l (id int PRIMARY KEY, v text COLLATE ci); CREATE TABLE r (id int PRIMARY KEY, v text COLLATE ci);
      INSERT INTO l SELECT g, 'Name ' || g FROM generate_series(1, 3000) g;
      INSERT INTO r SELECT g, CASE WHEN g = 1234 THEN 'name ' || g ELSE 'Name ' || g END FROM generate_series(1, 3000) g`);
    const r = await collectDiff({
      left: { url: db.url, table: db.table('l') },
      right: { url: db.url, table: db.table('r') },
      algorithm: 'hash',
      hashRanges: { topRows: 500, leafRows: 50 },
    });
    expect(r.events).toEqual([{ type: 'changed', key: { id: 1234 }, columns: ['v'], left: { v: 'Name 1234' }, right: { v: 'name 1234' } }]);
  });

  // Digests between two PostgreSQL servers hash values by their types' own hash functions: these
  // are the values such a hash would take for equal when they are not (hash mode sums text hashes).
  it('digest mode finds every change a type hash could miss, and agrees with streaming', async () => {
    const cols = `id int PRIMARY KEY, f float8, n numeric, t text COLLATE ci2, c citext, i interval, x int, y int, nn int NOT NULL, s varchar(10), b bigint, tm time, ts timestamp, tz timestamptz`;
    await db.exec(`CREATE EXTENSION IF NOT EXISTS citext;
      CREATE COLLATION ci2 (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
      CREATE TABLE dl (${cols}); CREATE TABLE dr (${cols.replace('nn int NOT NULL', 'nn int')});
      INSERT INTO dl SELECT g, g, g, 'Text ' || g, 'Cit ' || g, g * interval '1 hour', g, -g, g, 'v' || g, g, time '00:00' + g * interval '1 s',
        timestamp '2000-01-01' + g * interval '1 s', timestamptz '2000-01-01 00:00+00' + g * interval '1 s' FROM generate_series(1, 2000) g;
      INSERT INTO dr SELECT * FROM dl;
      -- NULL beside the values whose own hash is 0 (0.0 and NaN): a record hashes NULL as 0.
      UPDATE dl SET f = 0 WHERE id = 11; UPDATE dr SET f = NULL WHERE id = 11;
      UPDATE dl SET n = 'NaN' WHERE id = 12; UPDATE dr SET n = NULL WHERE id = 12;
      -- Equal under the column's collation or type, different by reckon's (byte) equality.
      UPDATE dr SET t = 'text 13' WHERE id = 13;
      UPDATE dr SET c = 'cit 14' WHERE id = 14;
      UPDATE dr SET i = interval '1 day' WHERE id = 24; UPDATE dl SET i = interval '24 hours' WHERE id = 24;
      -- Values swapped between two columns.
      UPDATE dr SET x = -15, y = 15 WHERE id = 15;
      UPDATE dr SET s = 'v16 ' WHERE id = 16;
      -- Equal by meaning, spelled differently: no difference.
      UPDATE dr SET n = 17.000 WHERE id = 17;
      -- 64-bit values PostgreSQL's own hash folds to the XOR of their halves: 1 and 2^32 alike,
      -- and instants 2^32 + 1 microseconds apart.
      UPDATE dl SET b = 1 WHERE id = 18; UPDATE dr SET b = 4294967296 WHERE id = 18;
      UPDATE dl SET tm = '00:00:00' WHERE id = 19; UPDATE dr SET tm = '01:11:34.967297' WHERE id = 19;
      UPDATE dl SET ts = '2000-01-01 00:00:00' WHERE id = 20; UPDATE dr SET ts = '2000-01-01 01:11:34.967297' WHERE id = 20;
      UPDATE dl SET tz = '2000-01-01 00:00:00+00' WHERE id = 21; UPDATE dr SET tz = '2000-01-01 01:11:34.967297+00' WHERE id = 21;`);
    const sides = { left: { url: db.url, table: db.table('dl') }, right: { url: db.url, table: db.table('dr') } };
    const stream = await collectDiff({ ...sides, algorithm: 'stream' });
    expect(stream.events.map((e) => e.key.id)).toEqual([11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 24]);
    const digest = await collectDiff({ ...sides, algorithm: 'digest' });
    expect(digest.events).toEqual(stream.events);
    expect(digest.summary).toMatchObject({ algorithm: 'digest', changed: 11, left_rows: 2000 });
    const hash = await collectDiff({ ...sides, algorithm: 'hash', hashRanges: { topRows: 500, leafRows: 50 } });
    expect(hash.events).toEqual(stream.events);
    // A NOT NULL column beside a nullable one: both records test it for NULL, so rows that agree
    // still hash alike and only the differing rows are read a second time.
    expect(digest.summary.bytes_received.right).toBeLessThan(stream.summary.bytes_received.right / 2);
  });
});
