/**
 * The cross-engine type matrix. Each group writes the same logical values into several native
 * types of PostgreSQL and MariaDB (one table per type, one row per case keyed by id) and, for every
 * ordered pair of those types (PG↔PG, MariaDB↔MariaDB and across engines), asserts that
 *
 *  - a diff of the two tables is identical, and the canonical row encodings and hashes are equal;
 *  - a diff against a table holding a *nearby* value reports exactly those ids as `changed` on
 *    column v, and their hashes differ.
 *
 * A near value is the smallest change the type can hold (next float, next microsecond, last digit)
 * so that any rounding or truncation on the value path shows up as a wrong "identical". Where a
 * type cannot hold a case's near value the near table keeps the base value for that row, and that
 * row is expected equal.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRow, loadHasher, rowHash } from '../../src/normalize/encode-row.ts';
import { normalizerFor, pairNormalizers, valueClass } from '../../src/normalize/values.ts';
import { openSource } from '../../src/sources/connect.ts';
import { chooseAlgorithm, hashColumns } from '../../src/diff/choose-algorithm.ts';
import type { ColumnPair } from '../../src/diff/plan-columns.ts';
import { parseTableName, qualifiedTable, quoteIdent } from '../../src/sources/dialect.ts';
import { rowDigestExpression, rowHashExpression } from '../../src/sources/hash-dialect.ts';
import type { Source } from '../../src/sources/source.ts';
import type { DiffEvent, DiffSummary, LogicalType, RawRow } from '../../src/types.ts';
import { collectDiff } from './collect.ts';
import { createTestDb, type EngineName, type TestDb } from './harness.ts';

/** A native column type on one engine. */
interface Variant {
  engine: EngineName;
  type: string;
}

/** SQL text written as is (for values a string literal cannot spell on some engine). */
interface Sql {
  sql: string;
}

/** A plain string is written as a quoted literal; null is SQL NULL; undefined means "no near value". */
type Value = string | null | Sql | undefined;
type Lit = Value | ((v: Variant) => Value);

interface Case {
  id: number;
  value: Lit;
  /** A different value close to `value`; undefined for a variant that cannot hold one. */
  near?: Lit;
}

interface Group {
  name: string;
  variants: Variant[];
  cases: Case[];
  /** Also run every pair's diffs in a child process with each of these TZ settings. */
  timeZones?: string[];
}

const pg = (type: string): Variant => ({ engine: 'postgres', type });
const maria = (type: string): Variant => ({ engine: 'mariadb', type });
const sql = (text: string): Sql => ({ sql: text });
/** A value spelled per engine. */
const per = (values: Partial<Record<EngineName, Value>>) => (v: Variant) => values[v.engine];
/** A value spelled per native type, falling back to `other`. */
const byType = (values: Record<string, Value>, other: Value) => (v: Variant) => (v.type in values ? values[v.type] : other);

const TIME_ZONES = ['Pacific/Kiritimati', 'America/Los_Angeles'];

/** timestamptz needs an explicit offset: a bare literal would be read in the session's zone. */
const ts = (text: string) => (v: Variant) => (v.type.startsWith('timestamptz') ? `${text}+00` : text);
const bool = (b: boolean) => per({ postgres: sql(b ? 'true' : 'false'), mariadb: sql(b ? '1' : '0') });
const hex = (h: string) => per({ postgres: sql(`'\\x${h}'::bytea`), mariadb: sql(`X'${h}'`) });

const GROUPS: Group[] = [
  {
    // Each engine prints the scale of its column type: 10.5, 10.50, 10.5000 are one value.
    name: 'decimal',
    variants: [pg('numeric(10,1)'), pg('numeric'), pg('numeric(12,2)'), maria('decimal(12,4)'), maria('decimal(10,1)')],
    cases: [
      { id: 1, value: '10.50', near: byType({ 'numeric(10,1)': '10.6', 'decimal(10,1)': '10.6' }, '10.51') },
      { id: 2, value: '-10.50', near: byType({ 'numeric(10,1)': '-10.4', 'decimal(10,1)': '-10.4' }, '-10.49') },
      { id: 3, value: '0.00', near: byType({ 'numeric(10,1)': '0.1', 'decimal(10,1)': '0.1' }, '0.01') },
      { id: 4, value: '-0.0', near: '-0.1' },
      { id: 5, value: null, near: '0' },
    ],
  },
  {
    name: 'decimal_wide',
    variants: [pg('numeric'), pg('numeric(40,10)'), maria('decimal(40,10)'), maria('decimal(65,30)')],
    cases: [
      { id: 1, value: '12345678901234567890.123456789', near: '12345678901234567890.123456788' },
      { id: 2, value: '-12345678901234567890.123456789', near: '-12345678901234567890.12345679' },
      { id: 3, value: '0.000000001', near: '0.000000002' },
      { id: 4, value: '99999999999999999999999999999.9999999999', near: '99999999999999999999999999999.9999999998' },
      { id: 5, value: '100000000000000000000', near: '100000000000000000001' },
    ],
  },
  {
    // Integers beyond 2^53 would collapse onto their neighbours if they passed through a JS number.
    name: 'bigint',
    variants: [pg('bigint'), pg('numeric(20,0)'), maria('bigint'), maria('decimal(20,0)')],
    cases: [
      { id: 1, value: '9007199254740993', near: '9007199254740992' },
      { id: 2, value: '-9223372036854775808', near: '-9223372036854775807' },
      { id: 3, value: '9223372036854775807', near: '9223372036854775806' },
      { id: 4, value: '0', near: '1' },
      { id: 5, value: '-1', near: '-2' },
    ],
  },
  {
    name: 'bigint_unsigned',
    variants: [maria('bigint unsigned'), maria('decimal(20,0)'), pg('numeric(20,0)')],
    cases: [
      { id: 1, value: '18446744073709551615', near: '18446744073709551614' },
      { id: 2, value: '9223372036854775808', near: '9223372036854775809' },
      { id: 3, value: '0', near: '1' },
    ],
  },
  {
    // 2024-03-10 is the day Los Angeles springs forward: 10:30 UTC is a local time that does not exist.
    name: 'timestamp',
    variants: [pg('timestamp'), pg('timestamptz'), maria('datetime(6)'), maria('timestamp(6) NULL')],
    timeZones: TIME_ZONES,
    cases: [
      { id: 1, value: ts('2024-03-10 12:34:56.123456'), near: ts('2024-03-10 12:34:56.123457') },
      {
        // The same instant written with a +02 offset into timestamptz.
        id: 2,
        value: byType({ timestamptz: '2024-03-10 14:34:56.123456+02' }, '2024-03-10 12:34:56.123456'),
        near: byType({ timestamptz: '2024-03-10 14:34:56.123455+02' }, '2024-03-10 12:34:56.123455'),
      },
      { id: 3, value: ts('2024-03-10 12:34:56'), near: ts('2024-03-10 12:34:56.000001') },
      { id: 4, value: ts('2024-03-10 10:30:00.5'), near: ts('2024-03-10 11:30:00.5') },
      { id: 5, value: ts('2038-01-19 03:14:07.999999'), near: ts('2038-01-19 03:14:07.999998') },
      { id: 6, value: ts('1970-01-01 00:00:01'), near: ts('1970-01-01 00:00:01.000001') },
      { id: 7, value: null, near: ts('2024-03-10 12:34:56') },
    ],
  },
  {
    // Outside MariaDB TIMESTAMP's 1970..2038 range.
    name: 'timestamp_range',
    variants: [pg('timestamp'), pg('timestamptz'), maria('datetime(6)')],
    timeZones: TIME_ZONES,
    cases: [
      { id: 1, value: ts('1000-01-01 00:00:00'), near: ts('1000-01-01 00:00:01') },
      { id: 2, value: ts('1900-01-01 00:00:00'), near: ts('1899-12-31 23:59:59.999999') },
      { id: 3, value: ts('1969-12-31 23:59:59.999999'), near: ts('1970-01-01 00:00:00') },
      { id: 4, value: ts('9999-12-31 23:59:59.999999'), near: ts('9999-12-31 23:59:59.999998') },
    ],
  },
  {
    // Fewer fractional digits: DATETIME(3) prints .120, PostgreSQL prints .12.
    name: 'timestamp_fraction',
    variants: [pg('timestamp'), pg('timestamp(3)'), maria('datetime(3)'), maria('datetime(6)')],
    cases: [
      { id: 1, value: '2024-03-10 12:34:56.12', near: '2024-03-10 12:34:56.121' },
      { id: 2, value: '2024-03-10 12:34:56.1', near: '2024-03-10 12:34:56.101' },
      { id: 3, value: '2024-03-10 12:34:56', near: '2024-03-10 12:34:56.001' },
    ],
  },
  {
    name: 'date',
    variants: [pg('date'), maria('date')],
    timeZones: TIME_ZONES,
    cases: [
      { id: 1, value: '2024-01-01', near: '2024-01-02' },
      { id: 2, value: '1999-12-31', near: '2000-01-01' },
      { id: 3, value: '2024-02-29', near: '2024-03-01' },
      { id: 4, value: '1970-01-01', near: '1969-12-31' },
      { id: 5, value: '2024-03-10', near: '2024-03-11' },
      { id: 6, value: '9999-12-31', near: '9999-12-30' },
      { id: 7, value: null, near: '2024-01-01' },
    ],
  },
  {
    name: 'time',
    variants: [pg('time'), maria('time(6)')],
    cases: [
      { id: 1, value: '12:34:56.123456', near: '12:34:56.123457' },
      { id: 2, value: '00:00:00', near: '00:00:00.000001' },
      { id: 3, value: '23:59:59.999999', near: '23:59:59.999998' },
      { id: 4, value: '08:00:00.5', near: '08:00:00.6' },
    ],
  },
  {
    // MariaDB's BOOLEAN is tinyint(1), which can hold 2: that must not equal true.
    name: 'boolean',
    variants: [pg('boolean'), maria('tinyint(1)'), maria('boolean')],
    cases: [
      { id: 1, value: bool(true), near: bool(false) },
      { id: 2, value: bool(false), near: bool(true) },
      { id: 3, value: bool(true), near: per({ mariadb: sql('2') }) },
      { id: 4, value: null, near: bool(false) },
    ],
  },
  {
    // MySQL's other flag type. The driver hands BIT over as bytes, not text.
    name: 'bit_flag',
    variants: [maria('bit(1)'), pg('boolean'), maria('tinyint(1)')],
    cases: [
      { id: 1, value: bool(true), near: bool(false) },
      { id: 2, value: bool(false), near: bool(true) },
      { id: 3, value: null, near: bool(false) },
    ],
  },
  {
    // BIT(n) is an unsigned number of n bits; a quoted literal would be stored as its bytes.
    name: 'bit_wide',
    variants: [maria('bit(64)'), maria('bit(16)'), maria('bigint unsigned'), pg('numeric(20,0)'), pg('integer')],
    cases: [
      { id: 1, value: sql('128'), near: sql('129') },
      { id: 2, value: sql('255'), near: sql('256') },
      { id: 3, value: sql('0'), near: sql('1') },
      { id: 4, value: sql('65535'), near: sql('65534') },
    ],
  },
  {
    name: 'bit_64',
    variants: [maria('bit(64)'), maria('bigint unsigned'), pg('numeric(20,0)')],
    cases: [
      { id: 1, value: sql('18446744073709551615'), near: sql('18446744073709551614') },
      { id: 2, value: sql('9223372036854775808'), near: sql('9223372036854775807') },
    ],
  },
  {
    // No PostgreSQL counterpart without PostGIS; what matters is that MariaDB never reports two
    // different geometries equal (the driver parses them into objects that drop the SRID).
    name: 'geometry',
    variants: [maria('point'), maria('geometry')],
    cases: [
      { id: 1, value: sql("ST_PointFromText('POINT(1 2)')"), near: sql("ST_PointFromText('POINT(1 2)', 4326)") },
      { id: 2, value: sql("ST_PointFromText('POINT(1 2)')"), near: sql("ST_PointFromText('POINT(1 2.0000000000000004)')") },
      { id: 3, value: null, near: sql("ST_PointFromText('POINT(0 0)')") },
    ],
  },
  {
    // The canonical rule: JSON is compared by content (key order and whitespace do not matter) and
    // numbers by exact decimal value, as jsonb equality does: 1.0 = 1 = 1E0, even though jsonb
    // prints 1.0 and 1 differently. A JSON null is a value and never equals SQL NULL.
    name: 'json',
    variants: [pg('jsonb'), pg('json'), maria('json')],
    cases: [
      {
        id: 1,
        value: per({
          postgres: '{"b":1,"a":[1,2,{"y":null,"x":"s"}]}',
          mariadb: '{ "a": [1, 2, {"x": "s", "y": null}], "b": 1 }',
        }),
        near: '{"b":2,"a":[1,2,{"y":null,"x":"s"}]}',
      },
      { id: 2, value: per({ postgres: '{"n":1.0}', mariadb: '{"n":1}' }), near: '{"n":1.0000000000000001}' },
      { id: 3, value: '{"id":9007199254740993}', near: '{"id":9007199254740992}' },
      { id: 4, value: per({ postgres: '{"s":"\\u00e9😀"}', mariadb: '{"s":"é😀"}' }), near: '{"s":"e😀"}' },
      { id: 5, value: per({ postgres: '{"n":1E2}', mariadb: '{"n":100}' }), near: '{"n":100.5}' },
      { id: 6, value: '[]', near: '{}' },
      { id: 7, value: null, near: 'null' },
      { id: 8, value: '[1,2]', near: '[2,1]' },
      { id: 9, value: '{"a":"1"}', near: '{"a":1}' },
      { id: 10, value: '"text"', near: '"Text"' },
      // jsonb prints every number in full: 1e1001 comes back as 1002 digits.
      { id: 11, value: '{"n":1e1001}', near: '{"n":1.0000000000000001e1001}' },
      { id: 12, value: per({ postgres: `{"n":0.${'1'.repeat(500)}}`, mariadb: `{ "n" : 0.${'1'.repeat(500)}0 }` }), near: `{"n":0.${'1'.repeat(499)}2}` },
    ],
  },
  {
    // JSON kept as text (PostgreSQL json, MariaDB JSON) keeps duplicate keys, which PostgreSQL
    // reads last-wins and MariaDB first-wins; reckon keeps them so neither reading is assumed.
    name: 'json_text',
    variants: [pg('json'), maria('json')],
    cases: [
      { id: 1, value: '{"a":1,"a":2}', near: '{"a":2}' },
      { id: 2, value: '{"a":1,"a":2}', near: '{"a":1}' },
      { id: 3, value: '{"a":1,"a":2}', near: '{"a":2,"a":1}' },
      { id: 4, value: '{"b":0,"a":1,"a":2}', near: '{"b":0,"a":1,"a":3}' },
    ],
  },
  {
    name: 'bytes',
    variants: [pg('bytea'), maria('varbinary(16)'), maria('blob')],
    cases: [
      { id: 1, value: hex('00ff10'), near: hex('00ff11') },
      { id: 2, value: hex(''), near: null },
      { id: 3, value: null, near: hex('') },
      { id: 4, value: hex('00'), near: hex('0000') },
      { id: 5, value: hex('616263'), near: hex('414243') },
    ],
  },
  {
    // CHAR pad spaces are not part of the value; case is, even under a case-insensitive collation.
    name: 'char',
    variants: [pg('char(5)'), maria('char(5)'), pg('varchar(10)'), maria('varchar(10)'), pg('text')],
    cases: [
      { id: 1, value: 'ab', near: 'abc' },
      { id: 2, value: 'ab', near: 'Ab' },
      { id: 3, value: ' ab', near: 'ab' },
      { id: 4, value: 'abcde', near: 'abcd' },
      { id: 5, value: null, near: '' },
    ],
  },
  {
    name: 'text',
    variants: [pg('text'), pg('varchar(40)'), maria('varchar(40)'), maria('text')],
    cases: [
      { id: 1, value: null, near: '' },
      { id: 2, value: '', near: null },
      { id: 3, value: null },
      { id: 4, value: 'é😀漢字', near: 'e😀漢字' },
      // utf8mb4_general_ci weighs every character beyond the BMP alike.
      { id: 5, value: '😀', near: '😁' },
      // Precomposed and decomposed é are different strings to both engines.
      { id: 6, value: '\u00e9', near: 'e\u0301' },
      { id: 7, value: 'N', near: 'n' },
      { id: 8, value: 'ab ', near: 'ab' },
      { id: 9, value: 'a\\b\'c', near: 'a/b\'c' },
      { id: 10, value: 'line1\nline2', near: 'line1\r\nline2' },
    ],
  },
  {
    // MariaDB rejects 3.4028235e38 as out of range for FLOAT; 3.402823466e38 is the same float.
    name: 'float4',
    variants: [pg('real'), maria('float')],
    cases: [
      { id: 1, value: '1.1', near: '1.1000001' },
      { id: 2, value: '0.1', near: '0.10000001' },
      { id: 3, value: per({ postgres: '3.4028235e38', mariadb: '3.402823466e38' }), near: '3.4028233e38' },
      { id: 4, value: '-0.5', near: '-0.50000006' },
      { id: 5, value: '16777216', near: '16777218' },
    ],
  },
  {
    name: 'float8',
    variants: [pg('double precision'), maria('double')],
    cases: [
      {
        id: 1,
        value: per({ postgres: sql('0.1::float8 + 0.2::float8'), mariadb: sql('1e-1 + 2e-1') }),
        near: '0.3',
      },
      { id: 2, value: '0.1', near: '0.10000000000000002' },
      { id: 3, value: '1.7976931348623157e308', near: '1.7976931348623155e308' },
      { id: 4, value: '5e-324', near: '1e-323' },
      { id: 5, value: '9007199254740992', near: '9007199254740994' },
      { id: 6, value: '-1.5', near: '-1.5000000000000002' },
    ],
  },
  {
    // MySQL keeps UUIDs in CHAR(36), often upper case; the digits are the value, not their case.
    name: 'uuid',
    variants: [pg('uuid'), maria('uuid'), maria('char(36)'), pg('varchar(36)')],
    cases: [
      {
        id: 1,
        value: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
        near: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12',
      },
      { id: 2, value: '00000000-0000-0000-0000-000000000000', near: '00000000-0000-0000-0000-000000000001' },
      { id: 3, value: null, near: '00000000-0000-0000-0000-000000000000' },
    ],
  },
];

function resolve(lit: Lit, v: Variant): Value {
  return typeof lit === 'function' ? lit(v) : lit;
}

function literal(value: Exclude<Value, undefined>, engine: EngineName): string {
  if (value === null) return 'NULL';
  if (typeof value !== 'string') return value.sql;
  // MariaDB's default sql_mode reads backslash escapes inside string literals; PostgreSQL does not.
  const body = engine === 'mariadb' ? value.replace(/\\/g, '\\\\') : value;
  return `'${body.replace(/'/g, "''")}'`;
}

function tableName(g: Group, i: number, near: boolean): string {
  return `${g.name}_${i}${near ? '_near' : ''}`;
}

function label(v: Variant): string {
  return `${v.engine === 'postgres' ? 'pg' : 'maria'} ${v.type}`;
}

/** Ids whose near table holds a value different from the base one for this variant. */
function nearIds(g: Group, v: Variant): number[] {
  return g.cases.filter((c) => resolve(c.near, v) !== undefined).map((c) => c.id);
}

async function createTables(db: TestDb, g: Group): Promise<void> {
  for (const [i, v] of g.variants.entries()) {
    if (v.engine !== db.engine) continue;
    for (const near of [false, true]) {
      const t = tableName(g, i, near);
      await db.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, v ${v.type})`);
      const rows = g.cases.map((c) => {
        const base = resolve(c.value, v);
        if (base === undefined) throw new Error(`${g.name} case ${c.id} has no value for ${label(v)}`);
        const nearValue = near ? resolve(c.near, v) : undefined;
        return `(${c.id}, ${literal(nearValue === undefined ? base : nearValue, v.engine)})`;
      });
      await db.exec(`INSERT INTO ${t} (id, v) VALUES ${rows.join(', ')}`);
    }
  }
}

interface Column {
  idType: LogicalType;
  vType: LogicalType;
  rows: RawRow[];
}

/** Reads a table through reckon's own source, as the diff does, for the hash comparison. */
async function readColumn(source: Source, table: string): Promise<Column> {
  const info = await source.describe(parseTableName(table)!);
  const id = info.columns.find((c) => c.name === 'id')!;
  const v = info.columns.find((c) => c.name === 'v')!;
  const rows: RawRow[] = [];
  const scan = source.scan({
    table: info.table,
    keyColumns: [{ name: 'id', type: id.logicalType, collation: id.collation }],
    columns: [{ name: 'v', type: v.logicalType }],
    range: {},
    chunkSize: 100,
  });
  for await (const chunk of scan) rows.push(...chunk);
  return { idType: id.logicalType, vType: v.logicalType, rows };
}

/** Per id, the canonical encoding and hash of each side's row, normalised as the diff pairs them. */
function encodings(a: Column, b: Column): Map<number, { left: string; right: string; leftHash: bigint; rightHash: bigint }> {
  const [ln, rn] = pairNormalizers(a.vType, b.vType);
  const side = (c: Column, norm: typeof ln, row: RawRow) => {
    const classes = [valueClass(c.idType), valueClass(c.vType)];
    const values = [normalizerFor(c.idType)(row[0] ?? null), norm(row[1] ?? null)];
    return { text: encodeRow(classes, values), hash: rowHash(classes, values) };
  };
  const out = new Map<number, { left: string; right: string; leftHash: bigint; rightHash: bigint }>();
  expect(a.rows.length).toBe(b.rows.length);
  for (let i = 0; i < a.rows.length; i++) {
    const l = side(a, ln, a.rows[i]!);
    const r = side(b, rn, b.rows[i]!);
    out.set(Number(a.rows[i]![0]), { left: l.text, right: r.text, leftHash: l.hash, rightHash: r.hash });
  }
  return out;
}

/**
 * Per id, the 64-bit row hash each database computes in hash mode (modulo 2^64, as compared), and
 * whether the two sides' forms are meant to hash equal values alike.
 */
async function databaseHashes(a: { source: Source; table: string }, b: { source: Source; table: string }) {
  const [ia, ib] = await Promise.all([a.source.describe(parseTableName(a.table)!), b.source.describe(parseTableName(b.table)!)]);
  const pair = (name: string): ColumnPair => ({ name, left: ia.columns.find((c) => c.name === name)!, right: ib.columns.find((c) => c.name === name)! });
  const cols = hashColumns([pair('id'), pair('v')], a.source.engine, b.source.engine);
  // Two PostgreSQL servers hash records by their types' own hashes, in hash mode and digest mode
  // alike: the expressions are the ones the diff would choose.
  const pgPair = a.source.engine === 'postgres' && b.source.engine === 'postgres';
  const chosen = pgPair
    ? chooseAlgorithm('hash', { keys: [pair('id')], compared: [pair('v')], leftOnly: [], rightOnly: [] }, 'postgres', 'postgres', null, { left: ia, right: ib })
    : undefined;
  const read = async (side: 'left' | 'right', s: { source: Source }, info: typeof ia, hcols: typeof cols.left, peer: Source) => {
    const e = s.source.engine;
    const h = chosen?.hash[side];
    const hash = h?.aggregate === 'sum' ? h.row : rowHashExpression(e, hcols, peer.engine);
    const digest = chosen ? chosen.digest[side] : rowDigestExpression(e, hcols, peer.engine);
    const rows = await s.source.query({
      text: `SELECT ${quoteIdent(e, 'id')}, ${hash}, ${digest} FROM ${qualifiedTable(e, info.table)} ORDER BY 1`,
      values: [],
    });
    const m = 1n << 64n;
    const hashes = new Map(rows.map((r) => [Number(r[0]), ((BigInt(String(r[1])) % m) + m) % m]));
    const digests = new Map(rows.map((r) => [Number(r[0]), String(r[2])]));
    // Elsewhere digest mode's per-row digest is the same 64 bits as the row hash, as 16 lower-case
    // hex digits (PostgreSQL's digest leaves the keys out, and is compared on its own).
    if (!pgPair) {
      for (const [id, d] of digests) {
        const bits = /^[0-9a-f]{16}$/.test(d) ? BigInt(`0x${d}`) : -1n;
        expect(bits, `${e} digest of row ${id}: ${d}`).toBe(hashes.get(id));
      }
    }
    return { hashes, digests };
  };
  const [l, r] = await Promise.all([read('left', a, ia, cols.left, b.source), read('right', b, ib, cols.right, a.source)]);
  return { left: l.hashes, right: r.hashes, leftDigests: l.digests, rightDigests: r.digests, alike: cols.unlike.length === 0 };
}

/** What a diff reports, reduced to what the matrix asserts. */
function outline(events: DiffEvent[]): { type: string; key: Record<string, string | number>; columns?: string[] }[] {
  return events.map((e) => (e.type === 'changed' ? { type: e.type, key: e.key, columns: e.columns } : { type: e.type, key: e.key }));
}

function expectedNear(ids: number[]) {
  return ids.map((id) => ({ type: 'changed', key: { id }, columns: ['v'] }));
}

let pgDb: TestDb;
let mariaDb: TestDb;
let sources: Record<EngineName, Source>;
const dbOf = (e: EngineName) => (e === 'postgres' ? pgDb : mariaDb);

beforeAll(async () => {
  [pgDb, mariaDb] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  for (const g of GROUPS) await Promise.all([createTables(pgDb, g), createTables(mariaDb, g)]);
  sources = { postgres: openSource(pgDb.url), mariadb: openSource(mariaDb.url) };
  await loadHasher();
});

afterAll(async () => {
  await Promise.all([sources?.postgres.close(), sources?.mariadb.close()]);
  await Promise.all([pgDb?.drop(), mariaDb?.drop()]);
});

function pairsOf(g: Group): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < g.variants.length; a++) for (let b = 0; b < g.variants.length; b++) out.push([a, b]);
  return out;
}

describe.each(GROUPS.map((g) => [g.name, g] as const))('%s', (_name, g) => {
  const pairs = pairsOf(g).map(([a, b]) => [`${label(g.variants[a]!)} ↔ ${label(g.variants[b]!)}`, a, b] as const);

  it.each(pairs)('%s', async (_pair, ai, bi) => {
    const va = g.variants[ai]!;
    const vb = g.variants[bi]!;
    const left = { source: sources[va.engine], table: dbOf(va.engine).table(tableName(g, ai, false)) };
    const right = { source: sources[vb.engine], table: dbOf(vb.engine).table(tableName(g, bi, false)) };
    const rightNear = { source: sources[vb.engine], table: dbOf(vb.engine).table(tableName(g, bi, true)) };
    const changedIds = nearIds(g, vb);

    const same = await collectDiff({ left, right });
    expect(outline(same.events), 'same values must compare equal').toEqual([]);
    expect(same.summary).toMatchObject({ left_rows: g.cases.length, right_rows: g.cases.length, identical: true });

    const near = await collectDiff({ left, right: rightNear });
    expect(outline(near.events), 'near values must be reported changed').toEqual(expectedNear(changedIds));
    for (const e of near.events) {
      if (e.type === 'changed') expect(e.left.v, `id ${JSON.stringify(e.key)}`).not.toEqual(e.right.v);
    }

    const [a, b, bNear] = await Promise.all([
      readColumn(left.source, left.table),
      readColumn(right.source, right.table),
      readColumn(rightNear.source, rightNear.table),
    ]);
    for (const [id, enc] of encodings(a, b)) {
      expect(enc.left, `id ${id}: canonical encodings of the same value`).toBe(enc.right);
      expect(enc.leftHash, `id ${id}: hashes of the same value`).toBe(enc.rightHash);
    }
    for (const [id, enc] of encodings(a, bNear)) {
      const differs = changedIds.includes(id);
      expect(enc.left !== enc.right, `id ${id}: encodings ${differs ? 'must differ' : 'must match'}`).toBe(differs);
      expect(enc.leftHash !== enc.rightHash, `id ${id}: hashes ${differs ? 'must differ' : 'must match'}`).toBe(differs);
    }

    // In-database hashing: a near value must never hash like the base value (that would be a
    // wrong "identical"), and where both engines write the type alike, equal values hash alike.
    const [dbSame, dbNear] = await Promise.all([databaseHashes(left, right), databaseHashes(left, rightNear)]);
    for (const c of g.cases) {
      for (const [kind, same, near] of [
        ['hashes', [dbSame.left, dbSame.right], [dbNear.left, dbNear.right]],
        ['digests', [dbSame.leftDigests, dbSame.rightDigests], [dbNear.leftDigests, dbNear.rightDigests]],
      ] as const) {
        if (dbSame.alike) expect(same[0].get(c.id), `id ${c.id}: database ${kind} of the same value`).toBe(same[1].get(c.id));
        if (changedIds.includes(c.id)) expect(near[0].get(c.id), `id ${c.id}: database ${kind} of near values`).not.toBe(near[1].get(c.id));
        else if (dbNear.alike) expect(near[0].get(c.id), `id ${c.id}: database ${kind}, unchanged row`).toBe(near[1].get(c.id));
      }
    }
    // And the diff in hash mode gives the streaming diff's answers.
    const hashSame = await collectDiff({ left, right, algorithm: 'hash' });
    expect(outline(hashSame.events), 'hash mode: same values').toEqual([]);
    expect(hashSame.summary).toMatchObject({ identical: true, algorithm: 'hash', left_rows: g.cases.length, right_rows: g.cases.length });
    const hashNear = await collectDiff({ left, right: rightNear, algorithm: 'hash' });
    expect(outline(hashNear.events), 'hash mode: near values').toEqual(expectedNear(changedIds));
    // Digest mode skips rows whose row hashes agree: a near value hashed like the base value
    // would go missing here.
    const digestSame = await collectDiff({ left, right, algorithm: 'digest' });
    expect(outline(digestSame.events), 'digest mode: same values').toEqual([]);
    expect(digestSame.summary).toMatchObject({ identical: true, algorithm: 'digest', left_rows: g.cases.length, right_rows: g.cases.length });
    const digestNear = await collectDiff({ left, right: rightNear, algorithm: 'digest' });
    expect(outline(digestNear.events), 'digest mode: near values').toEqual(expectedNear(changedIds));
  });

  for (const tz of g.timeZones ?? []) {
    it(`every pair under TZ=${tz}`, async () => {
      const jobs = pairs.flatMap(([, ai, bi]) => {
        const va = g.variants[ai]!;
        const vb = g.variants[bi]!;
        const left = { url: dbOf(va.engine).url, table: dbOf(va.engine).table(tableName(g, ai, false)) };
        return [false, true].map((near) => ({
          left,
          right: { url: dbOf(vb.engine).url, table: dbOf(vb.engine).table(tableName(g, bi, near)) },
        }));
      });
      const out = await runChild(tz, jobs);
      expect(out.timeZone).toBe(tz);
      expect(out.offsetMinutes).not.toBe(0);
      pairs.forEach(([name, , bi], i) => {
        const same = out.results[2 * i]!;
        const near = out.results[2 * i + 1]!;
        expect(outline(same.events), `${name}: same values under TZ=${tz}`).toEqual([]);
        expect(same.summary.identical).toBe(true);
        expect(outline(near.events), `${name}: near values under TZ=${tz}`).toEqual(expectedNear(nearIds(g, g.variants[bi]!)));
      });
    });
  }
});

describe('across type families', () => {
  it('bytes beside text compare as the text’s UTF-8 bytes, not as the hex it spells', async () => {
    await pgDb.exec(`CREATE TABLE cross_bytes (id int PRIMARY KEY, v bytea);
      INSERT INTO cross_bytes VALUES (1, '\\x00ff'::bytea), (2, '\\x616263'::bytea), (3, '\\xc3a9'::bytea), (4, NULL)`);
    await mariaDb.exec(`CREATE TABLE cross_text (id int PRIMARY KEY, v varchar(10));
      INSERT INTO cross_text VALUES (1, '00ff'), (2, 'abc'), (3, 'é'), (4, '')`);
    const { events } = await collectDiff({
      left: { source: sources.postgres, table: pgDb.table('cross_bytes') },
      right: { source: sources.mariadb, table: mariaDb.table('cross_text') },
    });
    expect(outline(events)).toEqual(expectedNear([1, 4]));
  });

  // Within one engine two columns of different types can send the very same text for different
  // values, so identical raw text must not short-cut the comparison by meaning.
  it('MariaDB bytes and text that print alike are still compared as bytes', async () => {
    await mariaDb.exec(`CREATE TABLE same_bytes (id int PRIMARY KEY, v varbinary(10));
      INSERT INTO same_bytes VALUES (1, X'414243'), (2, X'616263');
      CREATE TABLE same_text (id int PRIMARY KEY, v varchar(10));
      INSERT INTO same_text VALUES (1, '414243'), (2, 'abc')`);
    const { events } = await collectDiff({
      left: { source: sources.mariadb, table: mariaDb.table('same_bytes') },
      right: { source: sources.mariadb, table: mariaDb.table('same_text') },
    });
    expect(outline(events)).toEqual(expectedNear([1]));
  });

  it('PostgreSQL real and double precision that print alike are different numbers', async () => {
    await pgDb.exec(`CREATE TABLE same_real (id int PRIMARY KEY, v real);
      INSERT INTO same_real VALUES (1, 0.1), (2, 0.5), (3, 1.1);
      CREATE TABLE same_double (id int PRIMARY KEY, v double precision);
      INSERT INTO same_double VALUES (1, 0.1), (2, 0.5), (3, 1.100000023841858);
      CREATE TABLE same_numeric (id int PRIMARY KEY, v numeric);
      INSERT INTO same_numeric VALUES (1, 0.1), (2, 0.5), (3, 1.100000023841858)`);
    for (const other of ['same_double', 'same_numeric']) {
      const { events } = await collectDiff({
        left: { source: sources.postgres, table: pgDb.table('same_real') },
        right: { source: sources.postgres, table: pgDb.table(other) },
      });
      // real 0.1 is 0.100000001490116…, neither the double nor the numeric 0.1. A float beside
      // an exact number compares as the double nearest that number (as PostgreSQL's own real =
      // numeric does), so 1.100000023841858 matches real 1.1 on both.
      expect(outline(events), other).toEqual(expectedNear([1]));
    }
  });
});

describe('the matrix exercises different spellings', () => {
  it('engines print one decimal value with different scales', async () => {
    const g = GROUPS.find((x) => x.name === 'decimal')!;
    const raw = await Promise.all(
      g.variants.map(async (v, i) => (await readColumn(sources[v.engine], dbOf(v.engine).table(tableName(g, i, false)))).rows[0]![1]),
    );
    expect(new Set(raw)).toEqual(new Set(['10.5', '10.50', '10.5000']));
  });

  it('fractional seconds and single-precision floats arrive in different forms', async () => {
    const raw = async (name: string, id: number) => {
      const g = GROUPS.find((x) => x.name === name)!;
      return Promise.all(
        g.variants.map(async (v, i) => {
          const rows = (await readColumn(sources[v.engine], dbOf(v.engine).table(tableName(g, i, false)))).rows;
          return rows.find((r) => Number(r[0]) === id)![1];
        }),
      );
    };
    expect(await raw('timestamp_fraction', 1)).toEqual([
      '2024-03-10 12:34:56.12',
      '2024-03-10 12:34:56.12',
      '2024-03-10 12:34:56.120',
      '2024-03-10 12:34:56.120000',
    ]);
    expect(await raw('float4', 1)).toEqual(['1.1', 1.100000023841858]);
  });

  it('jsonb and json keep 1.0 and 1E2 apart from MariaDB 1 and 100 in raw text', async () => {
    const g = GROUPS.find((x) => x.name === 'json')!;
    const raw = await Promise.all(
      g.variants.map(async (v, i) => (await readColumn(sources[v.engine], dbOf(v.engine).table(tableName(g, i, false)))).rows),
    );
    const byId = (id: number) => raw.map((rows) => rows.find((r) => Number(r[0]) === id)![1]);
    expect(byId(2)).toEqual(['{"n": 1.0}', '{"n":1.0}', '{"n":1}']);
    expect(byId(5)).toEqual(['{"n": 100}', '{"n":1E2}', '{"n":100}']);
  });
});

const CHILD = fileURLToPath(new URL('./diff-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface ChildOutput {
  timeZone: string;
  offsetMinutes: number;
  results: { events: DiffEvent[]; summary: DiffSummary }[];
}

function runChild(tz: string, jobs: unknown[]): Promise<ChildOutput> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, JSON.stringify(jobs)],
      { cwd: ROOT, env: { ...process.env, TZ: tz }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`diff child under TZ=${tz} failed: ${stderr || err.message}`));
        else resolvePromise(JSON.parse(stdout) as ChildOutput);
      },
    );
  });
}
