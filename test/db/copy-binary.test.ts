/**
 * Binary COPY decoded into text, against the server's own text COPY of the same rows as oracle:
 * every type copy-binary.ts reads, at its edges (infinities, BC dates, the last microsecond,
 * numeric scales, NaN, escapes, padding, NULL). Every row must decode to exactly the fields the
 * text scan gives, since the rest of reckon reads them as it reads text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTableName } from '../../src/sources/dialect.ts';
import { TUPLE_FRAMING, binaryKind } from '../../src/sources/copy-binary.ts';
import { openSource } from '../../src/sources/connect.ts';
import type { ScanRequest, Source } from '../../src/sources/source.ts';
import type { RawRow } from '../../src/types.ts';
import { createTestDb, type TestDb } from './harness.ts';

let db: TestDb;
let source: Source;

const COLUMNS = `id int PRIMARY KEY, i2 smallint, i8 bigint, n numeric, n6 numeric(20,6), t text, vc varchar(10), c char(5),
  b boolean, d date, ts timestamp, tstz timestamptz, ts3 timestamp(3), u uuid`;

/** One value per row for each column; shorter lists leave the rest of the rows NULL. */
const VALUES: Record<string, string[]> = {
  i2: ['-32768', '32767', '0', '-1'],
  i8: ['-9223372036854775808', '9223372036854775807', '0', '4294967296', '-1'],
  n: ['0', '0.00', '-0.5', '0.0001', '1e-20', '100000000', '9999.9999', '123456789012345678901234567890.123', "'NaN'", "'Infinity'", "'-Infinity'", '-12.3400', '10000', '0.10'],
  n6: ['0', '-1.5', '99999999999999.999999', '0.000001'],
  t: ["''", "E'tab\\there'", "E'new\\nline'", "E'back\\\\slash'", "'é😀 unicode'", "'  spaces  '", "'\\N'"],
  vc: ["'short'", "''", "'ten chars!'"],
  c: ["'a'", "''", "'abcde'", "'é'"],
  b: ['true', 'false'],
  d: [
    "'infinity'",
    "'-infinity'",
    "'4713-01-01 BC'",
    "'0001-12-31 BC'",
    "'0001-01-01'",
    "'1999-12-31'",
    "'2000-01-01'",
    "'2000-02-29'",
    "'1900-03-01'",
    "'5874897-12-31'",
    "'10000-01-01'",
  ],
  ts: [
    "'infinity'",
    "'-infinity'",
    "'4713-01-01 00:00:00 BC'",
    "'0001-12-31 23:59:59.999999 BC'",
    "'1999-12-31 23:59:59.999999'",
    "'2000-01-01 00:00:00'",
    "'2000-01-01 00:00:00.5'",
    "'1970-01-01 00:00:00.000001'",
    "'2024-02-29 12:34:56.123456'",
    "'294276-12-31 23:59:59.999999'",
    "'1969-12-31 23:59:59.9'",
  ],
  tstz: ["'infinity'", "'-infinity'", "'0044-03-15 12:00:00+00 BC'", "'2024-06-30 23:59:59.25+02'", "'2000-01-01 00:00:00+00'", "'1800-01-01 00:00:00.000001+00'"],
  ts3: ["'2024-01-01 00:00:00.120'", "'2024-01-01 00:00:00'"],
  u: ["'00000000-0000-0000-0000-000000000000'", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"],
};
const ROWS = Math.max(...Object.values(VALUES).map((v) => v.length)) + 1;

beforeAll(async () => {
  db = await createTestDb('postgres');
  const rows = Array.from({ length: ROWS }, (_, r) => `(${[String(r + 1), ...Object.values(VALUES).map((v) => v[r] ?? 'NULL')].join(', ')})`);
  await db.exec(`CREATE TABLE kinds (${COLUMNS}); INSERT INTO kinds (id, ${Object.keys(VALUES).join(', ')}) VALUES ${rows.join(',\n')};`);
  source = openSource(db.url, {});
});

afterAll(async () => {
  await source?.close();
  await db?.drop();
});

async function request(withOffset: boolean): Promise<ScanRequest> {
  const info = await source.describe(parseTableName(db.table('kinds'))!);
  const col = (name: string) => info.columns.find((c) => c.name === name)!;
  return {
    table: info.table,
    keyColumns: [{ name: 'id', type: 'integer', collation: null, nativeType: col('id').nativeType }],
    columns: Object.keys(VALUES).map((name) => ({ name, type: col(name).logicalType, nativeType: col(name).nativeType, withOffset })),
    range: {},
    chunkSize: 100,
  };
}

async function textRows(req: ScanRequest): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const chunk of source.scan(req)) rows.push(...chunk);
  return rows;
}

/** The binary scan's records decoded one by one, found by its own framing in the joined bytes. */
async function binaryRows(req: ScanRequest): Promise<RawRow[]> {
  const scan = source.scanText!(req, 'binary');
  expect(scan?.form).toMatch(/^postgres-binary:/);
  const parts: Buffer[] = [];
  for await (const b of scan!.buffers) parts.push(Buffer.from(b));
  const all = Buffer.concat(parts);
  const rows: RawRow[] = [];
  for (let start = 0; start < all.length; ) {
    const end = scan!.framing!.end(all, start, start);
    expect(end).toBeGreaterThan(start);
    rows.push(scan!.row(all.subarray(start, end)));
    start = end;
  }
  return rows;
}

describe('binary COPY decoded as text', () => {
  it.each([true, false])('gives the text COPY fields of every type at its edges (timestamptz with offset: %s)', async (withOffset) => {
    const req = await request(withOffset);
    const text = await textRows(req);
    expect(text).toHaveLength(ROWS);
    // The oracle is not trivially empty: BC dates, infinities and NaN came through as text.
    expect(text.flat()).toEqual(expect.arrayContaining(['4713-01-01 BC', 'infinity', 'NaN', '294276-12-31 23:59:59.999999']));
    expect(await binaryRows(req)).toEqual(text);
  });

  it('reads a table with no rows', async () => {
    await db.exec('CREATE TABLE empty_kinds (id int PRIMARY KEY, n numeric)');
    const info = await source.describe(parseTableName(db.table('empty_kinds'))!);
    const req: ScanRequest = {
      table: info.table,
      keyColumns: [{ name: 'id', type: 'integer', collation: null, nativeType: 'integer' }],
      columns: [{ name: 'n', type: 'decimal', nativeType: 'numeric' }],
      range: {},
      chunkSize: 100,
    };
    expect(await binaryRows(req)).toEqual([]);
  });

  it('declines columns it cannot write as the server does', () => {
    expect(binaryKind({ type: 'float8', nativeType: 'double precision' })).toBeUndefined();
    expect(binaryKind({ type: 'json', nativeType: 'jsonb' })).toBeUndefined();
    expect(binaryKind({ type: 'integer', nativeType: 'oid' })).toBeUndefined();
    expect(binaryKind({ type: 'text', nativeType: 'my_enum' })).toBeUndefined();
    expect(binaryKind({ type: 'integer' })).toBeUndefined();
    expect(binaryKind({ type: 'timestamptz', nativeType: 'timestamp with time zone' })).toBe('timestamp');
    expect(binaryKind({ type: 'timestamptz', nativeType: 'timestamp(3) with time zone', withOffset: true })).toBe('timestamptz');
    expect(source.scanText!({ table: { schema: 'public', name: 'x' }, keyColumns: [], columns: [{ name: 'f', type: 'float8', nativeType: 'double precision' }], range: {}, chunkSize: 1 }, 'binary')).toBeUndefined();
  });

  it('frames tuples cut anywhere', () => {
    const tuple = Buffer.from([0x64, 0, 0, 0, 14, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7]);
    expect(TUPLE_FRAMING.end(tuple, 0, 0)).toBe(tuple.length);
    for (let cut = 1; cut < tuple.length; cut++) {
      expect(TUPLE_FRAMING.end(tuple.subarray(0, cut), 0, 0)).toBe(-1);
      expect(TUPLE_FRAMING.endIn(tuple.subarray(0, cut), Buffer.concat([tuple.subarray(cut), tuple]))).toBe(tuple.length - cut);
      expect(TUPLE_FRAMING.endIn(tuple.subarray(0, cut), tuple.subarray(cut, tuple.length - 1))).toBe(-1);
    }
  });
});
