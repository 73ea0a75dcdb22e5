/** The choice between stream, digest and hash, made from the catalogs alone. */
import { describe, expect, it } from 'vitest';
import { chooseAlgorithm } from '../../src/diff/choose-algorithm.ts';
import { serverIdentity } from '../../src/sources/mysql.ts';
import type { Plan } from '../../src/diff/plan-columns.ts';
import type { ColumnInfo, LogicalType } from '../../src/types.ts';

const col = (name: string, logicalType: LogicalType, nativeType: string, nullable = true): ColumnInfo => ({ name, logicalType, nativeType, collation: null, nullable });
const pair = (l: ColumnInfo, r: ColumnInfo = l) => ({ name: l.name, left: l, right: r });

const plan: Plan = {
  keys: [pair(col('id', 'integer', 'bigint', false))],
  compared: [pair(col('amount', 'decimal', 'numeric(12,2)', false), col('amount', 'decimal', 'numeric(12,2)', true)), pair(col('note', 'text', 'text'))],
  leftOnly: [],
  rightOnly: [],
};
const pg = (serverVersion: number) => ({ serverVersion, serverProduct: 'postgresql' as const });
const v15 = { left: pg(150000), right: pg(150000) };

describe('chooseAlgorithm', () => {
  it('falls back to digests between two PostgreSQL 14+ servers, hashing values by their types', () => {
    const c = chooseAlgorithm('auto', plan, 'postgres', 'postgres', 1_000_000, v15);
    expect(c).toMatchObject({ algorithm: 'hash', fallback: 'digest' });
    // The key is read beside the digest, not hashed into it; text is hashed as bytes; a column
    // nullable on either side is tested for NULL on both, so the two records keep one shape.
    const expected = `to_hex(hash_record_extended(ROW("amount", ("amount" IS NULL), ("note"::text COLLATE "C"), ("note" IS NULL)), 0))`;
    expect(c.digest).toEqual({ left: expected, right: expected });
  });

  it('sums record hashes hashed once more over ranges between two PostgreSQL servers, and digests a bigint by its bytes', () => {
    // A record hash is linear in its fields' hashes: summed as it is over a range, values swapped
    // between two rows would sum alike (test/db/hash-mode.test.ts), so each row's is hashed again
    // as text, keys included. And PostgreSQL folds a bigint to 32 bits before hashing it.
    const c = chooseAlgorithm('hash', plan, 'postgres', 'postgres', 1_000_000, v15);
    expect(c.hash.left).toEqual({ aggregate: 'sum', row: expect.stringMatching(/^hashtextextended\(hash_record_extended\(ROW\(.*\), 0\)::text, 0\)$/) });
    expect(c.hash.left).toEqual(c.hash.right);
    expect((c.hash.left as { row: string }).row).toContain('ROW(int8send("id"), "amount", ("amount" IS NULL), ("note"::text COLLATE "C"), ("note" IS NULL))');
    // Before PostgreSQL 14 (no hash_record_extended), each row's text is hashed.
    const old = chooseAlgorithm('hash', plan, 'postgres', 'postgres', 1_000_000, { left: pg(130011), right: pg(150000) });
    expect(JSON.stringify(old.hash)).toContain('hashtextextended((concat_ws');
    expect(JSON.stringify(old.hash)).not.toContain('hash_record_extended');
    const wide: Plan = { ...plan, compared: [pair(col('b', 'integer', 'bigint')), pair(col('t', 'timestamptz', 'timestamp with time zone'))] };
    expect(chooseAlgorithm('auto', wide, 'postgres', 'postgres', 1_000_000, v15).digest.left).toBe(
      `to_hex(hash_record_extended(ROW(int8send("b"), ("b" IS NULL), timestamptz_send("t"), ("t" IS NULL)), 0))`,
    );
    // A bigint beside a numeric, or a uuid beside its text, hash apart by type: digests hash text.
    for (const [l, r] of [
      [col('n', 'integer', 'integer'), col('n', 'decimal', 'numeric(20,0)')],
      [col('u', 'uuid', 'uuid'), col('u', 'text', 'character varying(36)')],
    ]) {
      const mixed = chooseAlgorithm('auto', { ...plan, compared: [pair(l!, r!)] }, 'postgres', 'postgres', 1_000_000, v15);
      expect(mixed.digest.left).toContain('hashtextextended');
    }
    const widths: Plan = { ...plan, compared: [pair(col('n', 'integer', 'smallint'), col('n', 'integer', 'integer'))] };
    expect(chooseAlgorithm('auto', widths, 'postgres', 'postgres', 1_000_000, v15).digest.left).toContain('hash_record_extended');
  });

  it('streams small tables whatever the engines', () => {
    expect(chooseAlgorithm('auto', plan, 'postgres', 'postgres', 10_000, v15)).toMatchObject({ algorithm: 'stream' });
    expect(chooseAlgorithm('auto', plan, 'postgres', 'postgres', null, v15)).toMatchObject({ algorithm: 'stream' });
  });

  it('keeps streaming as the fallback across engines and before PostgreSQL 14', () => {
    expect(chooseAlgorithm('auto', plan, 'postgres', 'mysql', 1_000_000, v15)).toMatchObject({ algorithm: 'hash', fallback: 'stream' });
    const old = chooseAlgorithm('auto', plan, 'postgres', 'postgres', 1_000_000, { left: pg(130011), right: pg(150000) });
    expect(old).toMatchObject({ algorithm: 'hash', fallback: 'stream' });
    // An explicit digest there uses the row hash of hash mode, which every version has.
    const asked = chooseAlgorithm('digest', plan, 'postgres', 'postgres', 1_000_000, { left: pg(130011), right: pg(150000) });
    expect(asked.algorithm).toBe('digest');
    expect(asked.hash.left).toEqual({ aggregate: 'sum', row: asked.digest.left });
    expect(asked.digest.left).toContain('hashtextextended');
  });

  it('goes straight to digests when PostgreSQL columns of different types cannot share range hashes', () => {
    const mixed: Plan = { ...plan, compared: [pair(col('f', 'float8', 'double precision'), col('f', 'float8', 'real'))] };
    expect(chooseAlgorithm('auto', mixed, 'postgres', 'postgres', 1_000_000, v15)).toMatchObject({ algorithm: 'digest' });
    expect(chooseAlgorithm('auto', mixed, 'postgres', 'mysql', 1_000_000, v15)).toMatchObject({ algorithm: 'stream' });
  });

  it('a keys-only comparison has nothing to digest', () => {
    const keysOnly: Plan = { ...plan, compared: [] };
    expect(chooseAlgorithm('auto', keysOnly, 'postgres', 'postgres', 1_000_000, v15)).toMatchObject({ fallback: 'stream' });
  });

  it('joins range row texts under one MD5 where both servers can bound the join and read the key in one order', () => {
    const maria = serverIdentity('10.11.19-MariaDB-0+deb12u1');
    expect(maria).toEqual({ serverVersion: 101119, serverProduct: 'mariadb' });
    const mysql8 = serverIdentity('8.0.36');
    expect(mysql8).toEqual({ serverVersion: 80036, serverProduct: 'mysql' });
    const aggregate = (p: Plan, l: 'postgres' | 'mysql', r: 'postgres' | 'mysql', servers: Parameters<typeof chooseAlgorithm>[5]) => {
      const c = chooseAlgorithm('hash', p, l, r, 1_000_000, servers);
      return [c.hash.left.aggregate, c.hash.right.aggregate, c.rowsPerRange];
    };
    expect(aggregate(plan, 'postgres', 'mysql', { left: pg(150000), right: maria })).toEqual(['concat', 'concat', 10_000]);
    expect(aggregate(plan, 'mysql', 'mysql', { left: maria, right: maria })).toEqual(['concat', 'concat', 10_000]);
    // MySQL's GROUP_CONCAT has no LIMIT, MariaDB's only from 10.3.3; two PostgreSQL servers sum a cheaper hash.
    expect(aggregate(plan, 'postgres', 'mysql', { left: pg(150000), right: mysql8 })).toEqual(['sum', 'sum', 10_000]);
    expect(aggregate(plan, 'postgres', 'mysql', { left: pg(150000), right: serverIdentity('10.2.44-MariaDB') })).toEqual(['sum', 'sum', 10_000]);
    expect(aggregate(plan, 'postgres', 'postgres', v15)).toEqual(['sum', 'sum', 10_000]);
    // Text keys may be read in two orders under two collations.
    const textKey: Plan = { ...plan, keys: [pair(col('code', 'text', 'varchar(20)', false))] };
    expect(aggregate(textKey, 'postgres', 'mysql', { left: pg(150000), right: maria })).toEqual(['sum', 'sum', 10_000]);
    // Wide rows: fewer rows per range, so a range's joined text stays bounded.
    const wide: Plan = { ...plan, compared: Array.from({ length: 60 }, (_, i) => pair(col(`t${i}`, 'text', 'text'))) };
    const [, , rows] = aggregate(wide, 'postgres', 'mysql', { left: pg(150000), right: maria });
    expect(rows).toBeLessThan(1000);
  });
});
