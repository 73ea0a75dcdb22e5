import { describe, expect, it } from 'vitest';
import { buildRangeHashQuery, concatLimits, concatMaxLen, CONCAT_RANGE_BYTES, parseRangeAggregate, unsigned64 } from '../../src/sources/hash-dialect.ts';

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

describe('concatLimits', () => {
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
