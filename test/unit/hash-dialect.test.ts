import { describe, expect, it } from 'vitest';
import {
  buildRangeHashQuery,
  concatLimits,
  concatMaxLen,
  CONCAT_RANGE_BYTES,
  declaredScale,
  fieldTextBytes,
  LONG_FIELD_BYTES,
  pairForms,
  parseRangeAggregate,
  rowTextBytes,
  rowTextExpression,
  unsigned64,
  type HashColumn,
} from '../../src/sources/hash-dialect.ts';

const col = (over: Partial<HashColumn>): HashColumn => ({
  name: 'v',
  type: 'text',
  nativeType: 'text',
  collation: 'utf8mb4_general_ci',
  form: { kind: 'text', trimSpaces: false, lower: false },
  asBytes: false,
  nullable: true,
  ...over,
});

describe('declaredScale', () => {
  it.each([
    ['decimal', 'numeric(12,2)', 2],
    ['decimal', 'decimal(40,10) unsigned', 10],
    ['decimal', 'numeric(20)', 0],
    ['decimal', 'decimal', 0],
    ['decimal', 'numeric', null],
    ['decimal', 'money_domain', null],
    ['integer', 'bigint', 0],
    ['boolean', 'tinyint(1)', 0],
    ['float8', 'double', null],
  ] as const)('%s %s -> %s', (type, native, scale) => {
    expect(declaredScale(type, native)).toBe(scale);
  });
});

describe('pairForms', () => {
  it('trims decimals only where the declared scales differ or are unknown', () => {
    expect(pairForms({ type: 'decimal', nativeType: 'numeric(12,2)' }, { type: 'decimal', nativeType: 'decimal(12,2)' })[0]).toEqual({ kind: 'number', trimScale: false });
    expect(pairForms({ type: 'decimal', nativeType: 'numeric(12,2)' }, { type: 'decimal', nativeType: 'decimal(12,4)' })[1]).toEqual({ kind: 'number', trimScale: true });
    expect(pairForms({ type: 'decimal', nativeType: 'numeric' }, { type: 'integer', nativeType: 'int' })[0]).toEqual({ kind: 'number', trimScale: true });
  });

  it('drops pad spaces on both sides when either is CHAR, and lower-cases text beside a UUID', () => {
    expect(pairForms({ type: 'char', nativeType: 'char(5)' }, { type: 'text', nativeType: 'text' })).toEqual([
      { kind: 'text', trimSpaces: true, lower: false },
      { kind: 'text', trimSpaces: true, lower: false },
    ]);
    expect(pairForms({ type: 'uuid', nativeType: 'uuid' }, { type: 'char', nativeType: 'char(36)' })[1]).toEqual({ kind: 'text', trimSpaces: true, lower: true });
    expect(pairForms({ type: 'text', nativeType: 'text' }, { type: 'text', nativeType: 'varchar(9)' })[0]).toEqual({ kind: 'text', trimSpaces: false, lower: false });
  });

  it('pads no time or timestamp on PostgreSQL and trims MySQL fractions only where the type has them', () => {
    expect(pairForms({ type: 'timestamp', nativeType: 'timestamp without time zone' }, { type: 'timestamp', nativeType: 'datetime(6)' })).toEqual([
      { kind: 'timestamp', fraction: false },
      { kind: 'timestamp', fraction: true },
    ]);
    expect(pairForms({ type: 'time', nativeType: 'time(0)' }, { type: 'time', nativeType: 'time' })[0]).toEqual({ kind: 'time', fraction: false });
  });
});

describe('rowTextExpression', () => {
  it('writes text with its byte length and NULL as N; MySQL skips the NULL test for NOT NULL columns', () => {
    const cols = [col({ name: 'id', type: 'integer', nativeType: 'int', form: { kind: 'number', trimScale: false }, nullable: false }), col({ nativeType: 'varchar(64)' })];
    expect(rowTextExpression('mysql', cols)).toBe("CONCAT_WS(CHAR(9), `id`, IFNULL(CONCAT(LENGTH(`v`), ':', `v`), 'N'))");
    // PostgreSQL guards every field: concat_ws would skip a NULL, and the fields after it would move.
    expect(rowTextExpression('postgres', cols)).toBe(`concat_ws(E'\\t', COALESCE("id"::text, 'N'), COALESCE(octet_length("v"::text)::text || ':' || "v"::text, 'N'))`);
  });

  it('writes a field that may be longer than LONG_FIELD_BYTES as # and its MD5 when it is', () => {
    const long = [col({ nativeType: 'text', nullable: false })];
    expect(rowTextExpression('mysql', long)).toBe(
      "CONCAT_WS(CHAR(9), IF(LENGTH(`v`) > 256, CONCAT('#', MD5(`v`)), CONCAT(LENGTH(`v`), ':', `v`)))",
    );
    expect(rowTextExpression('postgres', long)).toBe(
      `concat_ws(E'\\t', COALESCE(CASE WHEN octet_length("v"::text) > 256 THEN '#' || md5("v"::text) ELSE octet_length("v"::text)::text || ':' || "v"::text END, 'N'))`,
    );
    // varchar(64) holds at most 256 bytes: no test.
    expect(rowTextExpression('mysql', [col({ nativeType: 'varchar(64)', nullable: false })])).not.toContain('MD5');
    expect(rowTextExpression('mysql', [col({ nativeType: 'varchar(65)', nullable: false })])).toContain('MD5');
  });

  it('joins more fields than a PostgreSQL function takes in nested groups', () => {
    const many = Array.from({ length: 200 }, (_, i) => col({ name: `c${i}`, nativeType: 'varchar(5)' }));
    const text = rowTextExpression('postgres', many);
    // 200 fields: three groups of at most 90, joined by one more concat_ws.
    expect(text.match(/concat_ws\(/g)).toHaveLength(4);
    expect(text.startsWith(`concat_ws(E'\\t', concat_ws(E'\\t', COALESCE(octet_length("c0"::text)`)).toBe(true);
    expect(text).toContain('"c199"');
  });

  it('converts MySQL text that is not utf8mb4 before hashing its bytes', () => {
    expect(rowTextExpression('mysql', [col({ collation: 'latin1_swedish_ci', nativeType: 'varchar(20)', nullable: false })])).toBe(
      "CONCAT_WS(CHAR(9), CONCAT(LENGTH(CONVERT(`v` USING utf8mb4)), ':', CONVERT(`v` USING utf8mb4)))",
    );
  });
});

describe('buildRangeHashQuery', () => {
  it('answers every range in one statement, PostgreSQL bounds inline, MySQL bounds as exact parameters', () => {
    const req = { table: { schema: 's', name: 't' }, keyColumns: [{ name: 'id', type: 'integer' as const, collation: null }], hash: { aggregate: 'sum' as const, row: 'H' } };
    const ranges = [{ to: ['10'] }, { from: ['10'] }];
    const pg = buildRangeHashQuery('postgres', req, ranges);
    expect(pg.values).toEqual([]);
    expect(pg.text).toBe(
      `(SELECT 0 AS i, COUNT(*) AS n, sum(H)::text AS h FROM "s"."t" WHERE "id" < '10') UNION ALL ` +
        `(SELECT 1 AS i, COUNT(*) AS n, sum(H)::text AS h FROM "s"."t" WHERE "id" >= '10')`,
    );
    const my = buildRangeHashQuery('mysql', req, ranges);
    expect(my.values).toEqual(['10', '10']);
    expect(my.text).toContain('`id` < CAST(? AS DECIMAL(65,30))');
  });

  it('joins the row texts of a concat range in key order, one row past its limit, under room for all of them', () => {
    const hash = { aggregate: 'concat' as const, text: 'T', rowLimit: 100, textBytes: 50 };
    const req = { table: { schema: 's', name: 't' }, keyColumns: [{ name: 'id', type: 'integer' as const, collation: null }], hash };
    expect(buildRangeHashQuery('postgres', req, [{ from: ['1'], to: ['5'] }]).text).toBe(
      `SELECT 0 AS i, COUNT(*) AS n, md5(string_agg(s.reckon_row, E'\\n')) AS h FROM (SELECT T AS reckon_row FROM "s"."t" WHERE "id" >= '1' AND "id" < '5' ORDER BY "id" LIMIT 101) s`,
    );
    const my = buildRangeHashQuery('mysql', req, [{ to: ['5'] }, { from: ['5'] }]);
    expect(my.text).toBe(
      `SET STATEMENT group_concat_max_len = ${101 * 51} FOR ` +
        "(SELECT 0 AS i, COUNT(*) AS n, MD5(GROUP_CONCAT(T SEPARATOR X'0A' LIMIT 101)) AS h FROM `s`.`t` WHERE `id` < CAST(? AS DECIMAL(65,30))) UNION ALL " +
        "(SELECT 1 AS i, COUNT(*) AS n, MD5(GROUP_CONCAT(T SEPARATOR X'0A' LIMIT 101)) AS h FROM `s`.`t` WHERE `id` >= CAST(? AS DECIMAL(65,30)))",
    );
  });
});

describe('parseRangeAggregate', () => {
  const concat = { aggregate: 'concat' as const, text: 'T', rowLimit: 100, textBytes: 50 };
  it('calls a concat range complete only up to its row limit', () => {
    expect(parseRangeAggregate(concat, ['0', '100', 'abc'])).toEqual({ rows: 100, value: 'abc', complete: true });
    expect(parseRangeAggregate(concat, ['0', '101', 'abc'])).toEqual({ rows: 101, value: 'abc', complete: false });
    expect(parseRangeAggregate(concat, ['0', '0', null])).toEqual({ rows: 0, value: '', complete: true });
  });
  it('reads sums modulo 2^64, whatever the engine wrote', () => {
    const sum = { aggregate: 'sum' as const, row: 'H' };
    expect(parseRangeAggregate(sum, ['0', '3', '-1']).value).toBe(parseRangeAggregate(sum, ['0', '3', '18446744073709551615']).value);
    expect(parseRangeAggregate(sum, ['0', '0', null])).toEqual({ rows: 0, value: '0', complete: true });
  });
});

describe('row text bounds', () => {
  it('bounds each field by its declared type, and leaves unbounded types to the long-field rule', () => {
    expect(fieldTextBytes(col({ nativeType: 'varchar(16)' }))).toBe(64);
    expect(fieldTextBytes(col({ nativeType: 'character varying(16)' }))).toBe(64);
    expect(fieldTextBytes(col({ nativeType: 'char(36)', asBytes: true }))).toBe(288);
    expect(fieldTextBytes(col({ nativeType: 'text' }))).toBeNull();
    expect(fieldTextBytes(col({ type: 'decimal', nativeType: 'decimal(12,2)', form: { kind: 'number', trimScale: false } }))).toBe(14);
    expect(fieldTextBytes(col({ type: 'decimal', nativeType: 'numeric', form: { kind: 'number', trimScale: true } }))).toBeNull();
    expect(fieldTextBytes(col({ type: 'bytes', nativeType: 'varbinary(10)', form: { kind: 'bytes' } }))).toBe(20);
    expect(fieldTextBytes(col({ type: 'bytes', nativeType: 'bytea', form: { kind: 'bytes' } }))).toBeNull();
    expect(fieldTextBytes(col({ type: 'json', nativeType: 'jsonb', form: { kind: 'json' } }))).toBeNull();
  });

  it('bounds a whole row, length prefixes and separators included', () => {
    const id = col({ name: 'id', type: 'integer', nativeType: 'bigint', form: { kind: 'number', trimScale: false } });
    // 21 + TAB + "64:" + 64, and a long field: "256:" + 256.
    expect(rowTextBytes([id, col({ nativeType: 'varchar(16)' })])).toBe(21 + 1 + 3 + 64);
    expect(rowTextBytes([id, col({ nativeType: 'text' })])).toBe(21 + 1 + 4 + LONG_FIELD_BYTES);
  });

  it('sizes concat ranges so no server holds more than CONCAT_RANGE_BYTES for one', () => {
    expect(concatLimits(500)).toEqual({ rowsPerRange: 10_000, rowLimit: 20_000 });
    const wide = concatLimits(20_000)!;
    expect(wide.rowsPerRange).toBe(419);
    expect(concatMaxLen({ rowLimit: wide.rowLimit, textBytes: 20_000 })).toBeLessThanOrEqual(CONCAT_RANGE_BYTES);
    expect(concatLimits(10_000_000)).toBeNull();
  });
});

describe('unsigned64', () => {
  it('reads signed PostgreSQL hashes, unsigned MySQL ones and exact MySQL sums alike, modulo 2^64', () => {
    expect(unsigned64('-1')).toBe(2n ** 64n - 1n);
    expect(unsigned64('18446744073709551615')).toBe(2n ** 64n - 1n);
    expect(unsigned64(String(3n * 2n ** 64n + 5n))).toBe(5n);
    expect(unsigned64('36893488147419103237.0000')).toBe(5n);
    expect(unsigned64('0')).toBe(0n);
  });
});
