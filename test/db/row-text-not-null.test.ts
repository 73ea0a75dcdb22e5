/**
 * A column declared NOT NULL is written without its NULL test, and on PostgreSQL a number, date,
 * time or timestamp goes to concat_ws as it is, for concat_ws to write (row-text.ts field). The
 * type matrix compares nullable columns only; this holds the short forms to the guarded ones on
 * every type with a form of its own, on both engines, and to each other across the engines, on
 * values whose text is easy to get wrong (trailing zeros, whole seconds, negative and zero
 * numbers, timestamptz beside DATETIME).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashColumns } from '../../src/diff/choose-algorithm.ts';
import type { ColumnPair } from '../../src/diff/plan-columns.ts';
import { openSource } from '../../src/sources/connect.ts';
import { parseTableName, qualifiedTable } from '../../src/sources/dialect.ts';
import { isCanonicalForm, rowTextExpression, type HashColumn } from '../../src/sources/row-text.ts';
import type { Source } from '../../src/sources/source.ts';
import { createTestDb, type TestDb } from './harness.ts';

const COLUMNS = {
  postgres:
    'id bigint PRIMARY KEY, n numeric NOT NULL, n2 numeric(12,2) NOT NULL, i int NOT NULL, b boolean NOT NULL, f4 real NOT NULL, ' +
    'f8 double precision NOT NULL, d date NOT NULL, t time(6) NOT NULL, ts timestamp(6) NOT NULL, tz timestamptz NOT NULL, ' +
    'u uuid NOT NULL, by bytea NOT NULL, tx varchar(20) NOT NULL',
  mariadb:
    'id bigint PRIMARY KEY, n decimal(30,10) NOT NULL, n2 decimal(12,2) NOT NULL, i int NOT NULL, b tinyint(1) NOT NULL, f4 float NOT NULL, ' +
    'f8 double NOT NULL, d date NOT NULL, t time(6) NOT NULL, ts datetime(6) NOT NULL, tz timestamp(6) NOT NULL, ' +
    'u char(36) NOT NULL, `by` varbinary(16) NOT NULL, tx varchar(20) NOT NULL',
};

// id, n, n2, i, b, f4, f8, d, t, ts, tz (UTC), u, by (hex), tx
const ROWS: [number, string, string, number, boolean, string, string, string, string, string, string, string, string, string][] = [
  [1, '10.5', '1.10', -3, true, '1.5', '0.1', '2020-02-29', '12:00:00.5', '2020-01-01 00:00:00', '2020-01-01 00:00:00.000001', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00ff', 'a\tb'],
  [2, '0', '-0.01', 0, false, '-2.25', '1e300', '1000-01-01', '00:00:00', '2020-01-01 00:00:00.12', '1999-12-31 23:59:59.999999', '00000000-0000-0000-0000-000000000000', '', ''],
  [3, '-123456789.0000000001', '99999.90', 2147483647, true, '0', '-0.5', '9999-12-31', '23:59:59.999999', '2038-01-19 03:14:07.1', '2038-01-19 03:14:07', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '30', 'N'],
];

let pgDb: TestDb;
let mariaDb: TestDb;
let pgSource: Source;
let mariaSource: Source;

beforeAll(async () => {
  [pgDb, mariaDb] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  await Promise.all([pgDb.exec(`CREATE TABLE typed (${COLUMNS.postgres})`), mariaDb.exec(`CREATE TABLE typed (${COLUMNS.mariadb})`)]);
  const lit = (v: string) => `'${v.replace(/\t/g, "' || chr(9) || '")}'`;
  await pgDb.exec(
    `INSERT INTO typed VALUES ${ROWS.map(
      (r) =>
        `(${r[0]}, ${r[1]}, ${r[2]}, ${r[3]}, ${r[4]}, ${r[5]}, ${r[6]}, '${r[7]}', '${r[8]}', '${r[9]}', '${r[10]}+00', '${r[11]}', '\\x${r[12]}'::bytea, ${lit(r[13])})`,
    ).join(', ')}`,
  );
  await mariaDb.exec(
    `SET time_zone = '+00:00'; INSERT INTO typed VALUES ${ROWS.map(
      (r) =>
        `(${r[0]}, ${r[1]}, ${r[2]}, ${r[3]}, ${r[4] ? 1 : 0}, ${r[5]}, ${r[6]}, '${r[7]}', '${r[8]}', '${r[9]}', '${r[10]}', '${r[11]}', X'${r[12]}', CONCAT('${r[13].replace(/\t/g, "', CHAR(9), '")}'))`,
    ).join(', ')}`,
  );
  pgSource = openSource(pgDb.url);
  mariaSource = openSource(mariaDb.url);
});

afterAll(async () => {
  await Promise.all([pgSource?.close(), mariaSource?.close()]);
  await Promise.all([pgDb?.drop(), mariaDb?.drop()]);
});

/** Each row's text as `engine` writes it for these columns, by id. */
async function texts(source: Source, db: TestDb, columns: readonly HashColumn[]): Promise<Map<number, string>> {
  const e = source.engine;
  const rows = await source.query({
    text: `SELECT id, ${rowTextExpression(e, columns)} FROM ${qualifiedTable(e, parseTableName(db.table('typed'))!)} ORDER BY id`,
    values: [],
  });
  return new Map(rows.map((r) => [Number(r[0]), Buffer.isBuffer(r[1]) ? r[1].toString('utf8') : String(r[1])]));
}

describe('row text of NOT NULL columns', () => {
  it('is the text of the same columns written with their NULL tests, on both engines and across them', async () => {
    const [pi, mi] = await Promise.all([pgSource.describe(parseTableName(pgDb.table('typed'))!), mariaSource.describe(parseTableName(mariaDb.table('typed'))!)]);
    const names = pi.columns.map((c) => c.name);
    expect(names).toHaveLength(14);
    const pairs = names.map((name): ColumnPair => ({ name, left: pi.columns.find((c) => c.name === name)!, right: mi.columns.find((c) => c.name === name)! }));
    const cols = hashColumns(pairs, 'postgres', 'mysql');
    expect(cols.left.slice(1).every((c) => !c.nullable)).toBe(true);
    const guarded = (side: HashColumn[]) => side.map((c) => ({ ...c, nullable: true }));

    const [pgShort, pgGuarded, myShort, myGuarded] = await Promise.all([
      texts(pgSource, pgDb, cols.left),
      texts(pgSource, pgDb, guarded(cols.left)),
      texts(mariaSource, mariaDb, cols.right),
      texts(mariaSource, mariaDb, guarded(cols.right)),
    ]);
    expect(rowTextExpression('postgres', cols.left)).not.toContain('COALESCE');
    expect(pgShort.size).toBe(ROWS.length);
    for (const [id, text] of pgShort) {
      expect(text, `PostgreSQL row ${id}`).toBe(pgGuarded.get(id));
      expect(myShort.get(id), `MariaDB row ${id}`).toBe(myGuarded.get(id));
    }

    // Across the engines, the columns both write alike (floats are each engine's own text).
    const canonical = cols.left.filter((c, i) => isCanonicalForm(c.form) && isCanonicalForm(cols.right[i]!.form)).map((c) => c.name);
    expect(canonical).toEqual(['id', 'n', 'n2', 'i', 'b', 'd', 't', 'ts', 'tz', 'u', 'by', 'tx']);
    const pick = (side: HashColumn[]) => side.filter((c) => canonical.includes(c.name));
    const [pgCanon, myCanon] = await Promise.all([texts(pgSource, pgDb, pick(cols.left)), texts(mariaSource, mariaDb, pick(cols.right))]);
    for (const [id, text] of pgCanon) expect(myCanon.get(id), `row ${id}: ${text}`).toBe(text);
    // The short forms write what the values are, not something shorter that happens to agree.
    expect(pgCanon.get(1)).toBe(
      ['1', '10.5', '1.10', '-3', '1', '2020-02-29', '12:00:00.5', '2020-01-01 00:00:00', '2020-01-01 00:00:00.000001', '36', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00ff', '3', 'a\tb'].join('\t'),
    );
  });
});
