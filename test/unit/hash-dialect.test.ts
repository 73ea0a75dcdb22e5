import { describe, expect, it } from 'vitest';
import { buildRangeHashQuery, declaredScale, pairForms, rowTextExpression, unsigned64, type HashColumn } from '../../src/sources/hash-dialect.ts';

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
    const cols = [col({ name: 'id', type: 'integer', nativeType: 'int', form: { kind: 'number', trimScale: false }, nullable: false }), col({})];
    expect(rowTextExpression('mysql', cols)).toBe("CONCAT_WS(CHAR(9), `id`, IFNULL(CONCAT(LENGTH(`v`), ':', `v`), 'N'))");
    // PostgreSQL guards every field: one NULL under || would make the whole row text NULL.
    expect(rowTextExpression('postgres', cols)).toBe(`COALESCE("id"::text, 'N') || E'\\t' || COALESCE(octet_length("v"::text)::text || ':' || "v"::text, 'N')`);
  });

  it('converts MySQL text that is not utf8mb4 before hashing its bytes', () => {
    expect(rowTextExpression('mysql', [col({ collation: 'latin1_swedish_ci', nullable: false })])).toBe(
      "CONCAT_WS(CHAR(9), CONCAT(LENGTH(CONVERT(`v` USING utf8mb4)), ':', CONVERT(`v` USING utf8mb4)))",
    );
  });
});

describe('buildRangeHashQuery', () => {
  it('answers every range in one statement, PostgreSQL bounds inline, MySQL bounds as exact parameters', () => {
    const req = { table: { schema: 's', name: 't' }, keyColumns: [{ name: 'id', type: 'integer' as const, collation: null }], hash: 'H' };
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
