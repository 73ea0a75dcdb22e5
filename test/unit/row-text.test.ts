import { describe, expect, it } from 'vitest';
import { declaredScale, fieldTextBytes, LONG_FIELD_BYTES, pairForms, rowTextBytes, rowTextExpression, type HashColumn } from '../../src/sources/row-text.ts';

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
  it('writes text with its byte length and NULL as N, and skips the NULL test for NOT NULL columns', () => {
    const cols = [col({ name: 'id', type: 'integer', nativeType: 'int', form: { kind: 'number', trimScale: false }, nullable: false }), col({ nativeType: 'varchar(64)' })];
    // Text is two fields, its length (N when NULL) and itself, which CONCAT_WS skips when NULL.
    expect(rowTextExpression('mysql', cols)).toBe("CONCAT_WS(CHAR(9), `id`, IFNULL(LENGTH(`v`), 'N'), `v`)");
    // concat_ws would skip a NULL, and the fields after it would move. A number goes to concat_ws
    // as it is: concat_ws writes it as ::text would.
    expect(rowTextExpression('postgres', cols)).toBe(`concat_ws(E'\\t', "id", COALESCE(octet_length("v"::text)::text, 'N'), "v"::text)`);
    const nullableId = [{ ...cols[0]!, nullable: true }];
    expect(rowTextExpression('postgres', nullableId)).toBe(`concat_ws(E'\\t', COALESCE("id"::text, 'N'))`);
  });

  it('writes a field that may be longer than LONG_FIELD_BYTES as # and its MD5 when it is', () => {
    const long = [col({ nativeType: 'text', nullable: false })];
    expect(rowTextExpression('mysql', long)).toBe(
      "CONCAT_WS(CHAR(9), IF(LENGTH(`v`) > 256, '#', LENGTH(`v`)), IF(LENGTH(`v`) > 256, MD5(`v`), `v`))",
    );
    expect(rowTextExpression('postgres', long)).toBe(
      `concat_ws(E'\\t', CASE WHEN octet_length("v"::text) > 256 THEN '#' ELSE octet_length("v"::text)::text END, ` +
        `CASE WHEN octet_length("v"::text) > 256 THEN md5("v"::text) ELSE "v"::text END)`,
    );
    // varchar(64) holds at most 256 bytes: no test.
    expect(rowTextExpression('mysql', [col({ nativeType: 'varchar(64)', nullable: false })])).not.toContain('MD5');
    expect(rowTextExpression('mysql', [col({ nativeType: 'varchar(65)', nullable: false })])).toContain('MD5');
  });

  it('joins more fields than a PostgreSQL function takes in nested groups', () => {
    const many = Array.from({ length: 200 }, (_, i) => col({ name: `c${i}`, nativeType: 'varchar(5)' }));
    const text = rowTextExpression('postgres', many);
    // 200 columns of two arguments each: five groups of 45 columns (90 arguments), joined by one
    // more concat_ws; no group ends between a column's length and its text.
    expect(text.match(/concat_ws\(/g)).toHaveLength(6);
    expect(text.startsWith(`concat_ws(E'\\t', concat_ws(E'\\t', COALESCE(octet_length("c0"::text)::text, 'N'), "c0"::text`)).toBe(true);
    expect(text).toContain(`"c44"::text), concat_ws(E'\\t', COALESCE(octet_length("c45"::text)::text, 'N'), "c45"::text`);
    expect(text).toContain('"c199"');
  });

  it('converts MySQL text that is not utf8mb4 before hashing its bytes', () => {
    expect(rowTextExpression('mysql', [col({ collation: 'latin1_swedish_ci', nativeType: 'varchar(20)', nullable: false })])).toBe(
      "CONCAT_WS(CHAR(9), LENGTH(CONVERT(`v` USING utf8mb4)), CONVERT(`v` USING utf8mb4))",
    );
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
});
