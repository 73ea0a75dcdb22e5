/**
 * A scan reads only as fast as its consumer: while the consumer waits, the source stops reading
 * the socket (PostgreSQL's COPY reader, MySQL's result chunks) and the server waits on TCP, so a
 * slow consumer never pulls a whole table into memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/sources/connect.ts';
import { parseTableName } from '../../src/sources/dialect.ts';
import type { ScanRequest } from '../../src/sources/source.ts';
import { ENGINES, createTestDb, type TestDb } from './harness.ts';

const ROWS = 100_000;

describe.each(ENGINES)('%s', (engine) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(engine);
    await db.exec(
      engine === 'postgres'
        ? `CREATE TABLE wide (id int PRIMARY KEY, a text, b text);
           INSERT INTO wide SELECT g, repeat('x', 50), md5(g::text) FROM generate_series(1, ${ROWS}) g`
        : `CREATE TABLE wide (id int PRIMARY KEY, a varchar(60), b varchar(40));
           INSERT INTO wide SELECT seq, REPEAT('x', 50), MD5(seq) FROM seq_1_to_${ROWS}`,
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each([false, true])('holds a few chunks while the consumer waits, then reads every row (packed: %s)', async (packValues) => {
    const source = openSource(db.url, {});
    try {
      const req: ScanRequest = {
        table: (await source.describe(parseTableName(db.table('wide'))!)).table,
        keyColumns: [{ name: 'id', type: 'integer', collation: null }],
        columns: [
          { name: 'a', type: 'text' },
          { name: 'b', type: 'text' },
        ],
        range: {},
        chunkSize: 500,
        packValues,
      };
      const before = source.bytesReceived();
      const it = source.scan(req)[Symbol.asyncIterator]();
      let rows = (await it.next()).value!.length;
      await new Promise((r) => setTimeout(r, 300));
      // The table is over 9 MB; three chunks of 500 rows are about 50 KB, and the socket buffer
      // and one read of it at most a few hundred KB more.
      const held = source.bytesReceived() - before;
      expect(held).toBeLessThan(1_500_000);
      for (let next = await it.next(); !next.done; next = await it.next()) rows += next.value.length;
      expect(rows).toBe(ROWS);
      expect(source.bytesReceived() - before).toBeGreaterThan(9_000_000);
    } finally {
      await source.close();
    }
  });
});
