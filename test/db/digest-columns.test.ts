/**
 * Digest mode where a compared column is read by a different normaliser on each side (real beside
 * double precision): such columns are made canonical as they are read, so rows are not packed, and
 * the digest scan then sends its keys and digest as separate fields. It must still give the
 * streaming answer, and fail with exit-worthy errors rather than hang when a scan breaks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDiff } from './collect.ts';
import { createTestDb, type EngineName, type TestDb } from './harness.ts';

const PAIRINGS: [EngineName, EngineName][] = [
  ['postgres', 'postgres'],
  ['postgres', 'mariadb'],
  ['mariadb', 'postgres'],
];

describe.each(PAIRINGS)('%s ↔ %s', (leftEngine, rightEngine) => {
  let left: TestDb;
  let right: TestDb;
  beforeAll(async () => {
    [left, right] = await Promise.all([createTestDb(leftEngine), createTestDb(rightEngine)]);
    // The left holds single precision, the right double: one value, two normalisers.
    const create = (db: TestDb, float: string) =>
      db.exec(
        db.engine === 'postgres'
          ? `CREATE TABLE m (id int PRIMARY KEY, f ${float}, v text);
             INSERT INTO m SELECT g, g / 4.0, 'x' || g FROM generate_series(1, 3000) g`
          : `CREATE TABLE m (id int PRIMARY KEY, f ${float}, v varchar(20));
             INSERT INTO m SELECT seq, seq / 4.0, CONCAT('x', seq) FROM seq_1_to_3000`,
      );
    await Promise.all([create(left, left.engine === 'postgres' ? 'real' : 'float'), create(right, right.engine === 'postgres' ? 'double precision' : 'double')]);
    await right.exec(`UPDATE m SET v = 'changed' WHERE id IN (7, 2999)`);
    await right.exec(`UPDATE m SET f = 0.3 WHERE id = 1500`);
  });
  afterAll(async () => {
    await Promise.all([left?.drop(), right?.drop()]);
  });

  it('gives the streaming answer', async () => {
    const sides = { left: { url: left.url, table: left.table('m') }, right: { url: right.url, table: right.table('m') } };
    const stream = await collectDiff({ ...sides, algorithm: 'stream' });
    expect(stream.summary.changed).toBe(3);
    const digest = await collectDiff({ ...sides, algorithm: 'digest' });
    expect(digest.events).toEqual(stream.events);
    expect(digest.summary).toMatchObject({ changed: 3, left_rows: 3000, right_rows: 3000, algorithm: 'digest' });
  });
});
