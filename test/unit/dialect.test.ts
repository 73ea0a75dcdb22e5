/**
 * The SQL text each engine receives. No database: the assertions are on the fragments that decide
 * correctness (byte-order ORDER BY, lexicographic keyset bounds, exact parameter types, parameter
 * order), not on whole strings, so formatting changes do not break them.
 */
import { describe, expect, it } from 'vitest';
import { buildScanQuery, keyExpression, parseTableName, quoteIdent } from '../../src/sources/dialect.ts';
import type { Engine } from '../../src/sources/dialect.ts';
import type { ScanRequest } from '../../src/sources/source.ts';
import type { KeyRange, LogicalType } from '../../src/types.ts';

describe('parseTableName', () => {
  it.each([
    ['orders', { schema: null, name: 'orders' }],
    ['public.orders', { schema: 'public', name: 'orders' }],
    ['"my.schema"."my.table"', { schema: 'my.schema', name: 'my.table' }],
    ['`db.1`.`t.2`', { schema: 'db.1', name: 't.2' }],
    ['"a""b"', { schema: null, name: 'a"b' }],
    ['`a``b`.c', { schema: 'a`b', name: 'c' }],
    ['s."T"', { schema: 's', name: 'T' }],
    ['"Mixed Case"', { schema: null, name: 'Mixed Case' }],
  ])('parses %s', (text, ref) => {
    expect(parseTableName(text)).toEqual(ref);
  });

  it.each(['', '.', 'a.', '.a', 'a..b', 'a.b.c', '"unterminated', '"a"b', '"a".', '""', 'a.""', '"a"`b`'])(
    'rejects %j',
    (text) => {
      expect(parseTableName(text)).toBeNull();
    },
  );

  it('round-trips through quoteIdent for names holding quotes and dots', () => {
    for (const engine of ['postgres', 'mysql'] as const) {
      for (const [schema, name] of [['a.b', 'c"d'], ['x`y', 'z.w']] as const) {
        const text = `${quoteIdent(engine, schema)}.${quoteIdent(engine, name)}`;
        expect(parseTableName(text)).toEqual({ schema, name });
      }
    }
  });
});

describe('quoteIdent', () => {
  it('doubles the quote character of each engine', () => {
    expect(quoteIdent('postgres', 'a"b')).toBe('"a""b"');
    expect(quoteIdent('postgres', 'a`b')).toBe('"a`b"');
    expect(quoteIdent('mysql', 'a`b')).toBe('`a``b`');
    expect(quoteIdent('mysql', 'a"b')).toBe('`a"b`');
  });

  it('keeps an injection attempt inside the identifier', () => {
    expect(quoteIdent('postgres', 'x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
    expect(quoteIdent('mysql', 'x`; DROP TABLE t; --')).toBe('`x``; DROP TABLE t; --`');
  });
});

type KeyCol = { name: string; type: LogicalType; collation: string | null };

function scan(engine: Engine, keyColumns: KeyCol[], range: KeyRange, where?: string): { text: string; values: string[] } {
  const req: ScanRequest = {
    table: { schema: 'app', name: 'orders' },
    keyColumns,
    columns: [{ name: 'total', type: 'decimal' }],
    range,
    chunkSize: 1000,
    ...(where ? { where } : {}),
  };
  return buildScanQuery(engine, req);
}

/** Substitutes positional parameters, so tests can read which value sits where. */
function inline(engine: Engine, q: { text: string; values: string[] }): string {
  if (engine === 'postgres') return q.text.replace(/\$(\d+)/g, (_, n: string) => `'${q.values[Number(n) - 1]}'`);
  let i = 0;
  const out = q.text.replace(/\?/g, () => `'${q.values[i++]}'`);
  expect(i).toBe(q.values.length); // one value per placeholder, none left over
  return out;
}

const pgComposite: KeyCol[] = [
  { name: 'region', type: 'text', collation: 'en_US.utf8' },
  { name: 'id', type: 'integer', collation: null },
];
const myComposite: KeyCol[] = [
  { name: 'id', type: 'integer', collation: null },
  { name: 'code', type: 'text', collation: 'utf8mb4_general_ci' },
];

describe('buildScanQuery: PostgreSQL', () => {
  it('orders text keys by bytes with COLLATE "C", and compares the key as a row value', () => {
    const q = scan('postgres', pgComposite, { from: ['eu', '10'], to: ['us', '5'] });
    expect(q.text).toContain('FROM "app"."orders"');
    expect(q.text).toContain('ORDER BY "region" COLLATE "C" ASC, "id" ASC');
    expect(q.text).toContain('("region" COLLATE "C", "id") >= ($1, $2)');
    expect(q.text).toContain('("region" COLLATE "C", "id") < ($3, $4)');
    expect(q.values).toEqual(['eu', '10', 'us', '5']);
  });

  it('uses the bare column where the collation already is byte order, so an index can be walked', () => {
    const q = scan('postgres', [{ name: 'k', type: 'text', collation: 'C' }], {});
    expect(q.text).toMatch(/ORDER BY "k" ASC$/);
    expect(q.text).not.toContain('COLLATE');
    expect(q.text).not.toContain('WHERE');
    expect(q.values).toEqual([]);
  });

  it('resumes strictly after a key and keeps the user filter in parentheses', () => {
    const q = scan('postgres', pgComposite, { after: ['eu', '7'] }, 'a = 1 OR b = 2');
    expect(q.text).toContain('WHERE (a = 1 OR b = 2) AND ("region" COLLATE "C", "id") > ($1, $2)');
  });

  it('casts a timestamptz to its UTC wall time unless asked to keep its offset (two PostgreSQL sides)', () => {
    const req = (withOffset?: boolean): ScanRequest => ({
      table: { schema: 'app', name: 'orders' },
      keyColumns: [{ name: 'at', type: 'timestamptz', collation: null }],
      columns: [
        { name: 'placed', type: 'timestamptz', withOffset },
        { name: 'due', type: 'timestamp', withOffset },
      ],
      range: {},
      chunkSize: 1000,
    });
    expect(buildScanQuery('postgres', req()).text).toMatch(/^SELECT \("at"\)::timestamp, \("placed"\)::timestamp, "due" FROM/);
    // The key keeps its cast: keys are compared across engines and bound ranges as wall times.
    expect(buildScanQuery('postgres', req(true)).text).toMatch(/^SELECT \("at"\)::timestamp, "placed", "due" FROM/);
    expect(buildScanQuery('mysql', req(true)).text).toMatch(/^SELECT `at`, `placed`, `due` FROM/);
  });
});

describe('buildScanQuery: MySQL', () => {
  it('orders non-binary text keys by their bytes and binds numeric keys as exact DECIMAL', () => {
    const q = scan('mysql', myComposite, { from: ['10', 'b'] });
    expect(q.text).toContain('FROM `app`.`orders`');
    expect(q.text).toContain('ORDER BY `id` ASC, CAST(`code` AS BINARY) ASC');
    expect(q.text).toContain('`id` > CAST(? AS DECIMAL(65,');
    expect(q.text).toContain('CAST(`code` AS BINARY) >= CAST(? AS BINARY)');
    // Never a bare ? against a numeric column: MySQL would compare as a double and round.
    expect(q.text).not.toMatch(/`id` [<>=]+ \?/);
  });

  it('spells out a lexicographic lower bound, with each value bound in text order', () => {
    const q = scan('mysql', myComposite, { from: ['10', 'b'] });
    const sql = inline('mysql', q);
    // (id, code) >= (10, 'b')  <=>  id > 10 OR (id = 10 AND code >= 'b'), led by a sargable id >= 10.
    expect(sql).toContain("`id` >= CAST('10' AS DECIMAL(65,30)) AND (");
    expect(sql).toContain("`id` > CAST('10' AS DECIMAL(65,30)) OR (");
    expect(sql).toContain("`id` = CAST('10' AS DECIMAL(65,30)) AND CAST(`code` AS BINARY) >= CAST('b' AS BINARY)");
  });

  it('spells out a lexicographic upper bound exclusive only on the last column', () => {
    const sql = inline('mysql', scan('mysql', myComposite, { to: ['20', 'm'] }));
    expect(sql).toContain("`id` <= CAST('20' AS DECIMAL(65,30)) AND (");
    expect(sql).toContain("`id` < CAST('20' AS DECIMAL(65,30)) OR (");
    expect(sql).toContain("`id` = CAST('20' AS DECIMAL(65,30)) AND CAST(`code` AS BINARY) < CAST('m' AS BINARY)");
    expect(sql).not.toContain("<= CAST('m'");
  });

  it('binds every value of a three-column range in the order its placeholder appears', () => {
    const cols: KeyCol[] = [
      { name: 'a', type: 'integer', collation: null },
      { name: 'b', type: 'text', collation: 'latin1_swedish_ci' },
      { name: 'c', type: 'decimal', collation: null },
    ];
    const sql = inline('mysql', scan('mysql', cols, { after: ['1', 'x', '2.5'], to: ['9', 'y', '0'] }));
    // Each bound value appears next to the column it bounds, wherever it sits in the text.
    let matched = 0;
    for (const m of sql.matchAll(/(`a`|CAST\(CONVERT\(`b` USING utf8mb4\) AS BINARY\)|`c`) (?:[<>]=?|=) CAST\('([^']*)'/g)) {
      const [, col, value] = m;
      const expected = col === '`a`' ? ['1', '9'] : col === '`c`' ? ['2.5', '0'] : ['x', 'y'];
      expect(expected).toContain(value);
      matched++;
    }
    // after: lead + 3 terms with 1+2+3 comparisons; to: the same again.
    expect(matched).toBe(14);
    expect(sql).toContain("`c` > CAST('2.5' AS DECIMAL(65,30))");
    expect(sql).toContain("`c` < CAST('0' AS DECIMAL(65,30))");
    expect(sql).toContain('ORDER BY `a` ASC, CAST(CONVERT(`b` USING utf8mb4) AS BINARY) ASC, `c` ASC');
  });

  it.each([
    ['utf8mb4_general_ci', 'CAST(`k` AS BINARY)'],
    ['utf8mb4_0900_ai_ci', 'CAST(`k` AS BINARY)'],
    ['utf8mb3_unicode_ci', 'CAST(`k` AS BINARY)'],
    // PAD SPACE: orders 'a\t' before 'a', unlike the bytes.
    ['utf8mb4_bin', 'CAST(`k` AS BINARY)'],
    ['utf8mb3_bin', 'CAST(`k` AS BINARY)'],
    ['utf8_bin', 'CAST(`k` AS BINARY)'],
    ['latin1_swedish_ci', 'CAST(CONVERT(`k` USING utf8mb4) AS BINARY)'],
    ['latin1_bin', 'CAST(CONVERT(`k` USING utf8mb4) AS BINARY)'],
    // NO PAD binary collations are byte order already: the bare column keeps the index usable.
    ['utf8mb4_0900_bin', '`k`'],
    ['utf8mb4_nopad_bin', '`k`'],
    ['utf8mb3_nopad_bin', '`k`'],
  ])('orders a text key of collation %s by %s', (collation, expr) => {
    expect(keyExpression('mysql', { name: 'k', type: 'text', collation })).toBe(expr);
  });

  it('leaves numeric and temporal keys bare so they order by value', () => {
    expect(keyExpression('mysql', { name: 'k', type: 'integer', collation: null })).toBe('`k`');
    expect(keyExpression('mysql', { name: 'k', type: 'timestamp', collation: null })).toBe('`k`');
    expect(keyExpression('postgres', { name: 'k', type: 'date', collation: null })).toBe('"k"');
  });

  it('reads a single-column range with one typed placeholder per bound', () => {
    const q = scan('mysql', [{ name: 'id', type: 'integer', collation: null }], { from: ['5'], to: ['9'] });
    expect(q.text).toContain('WHERE `id` >= CAST(? AS DECIMAL(65,30)) AND `id` < CAST(? AS DECIMAL(65,30))');
    expect(q.values).toEqual(['5', '9']);
    expect(buildScanQuery('mysql', { ...baseReq, range: {} }, 500).text).toMatch(/ LIMIT 500$/);
  });
});

const baseReq: ScanRequest = {
  table: { schema: null, name: 't' },
  keyColumns: [{ name: 'id', type: 'integer', collation: null }],
  columns: [],
  range: {},
  chunkSize: 10,
};

describe('buildScanQuery: digests and key lists', () => {
  const base = (engine: Engine, keyColumns: KeyCol[], extra: Partial<ScanRequest>) =>
    buildScanQuery(engine, { table: { schema: 'app', name: 'orders' }, keyColumns, columns: [{ name: 'total', type: 'decimal' }], range: {}, chunkSize: 1000, ...extra });

  it('selects the digest after the keys instead of the columns', () => {
    const q = base('postgres', pgComposite, { digest: 'hash_record_extended(ROW("total"), 0)' });
    expect(q.text).toMatch(/^SELECT "region", "id", hash_record_extended\(ROW\("total"\), 0\) FROM/);
    expect(q.text).not.toContain('"total", ');
  });

  it('reads a list of keys exactly, with the bare columns first so an index finds them (PostgreSQL)', () => {
    const q = base('postgres', pgComposite, { keys: [['eu', '1'], ['us', '2']], range: { after: ['a', '0'] } });
    const sql = inline('postgres', q);
    expect(sql).toContain(`("region", "id") IN (('eu', '1'), ('us', '2')) AND ("region" COLLATE "C", "id") IN (('eu', '1'), ('us', '2'))`);
    // Each key is bound once and named in both lists.
    expect(q.values).toEqual(['a', '0', 'eu', '1', 'us', '2']);
    // Still within the range, and still in key order.
    expect(sql).toContain(`("region" COLLATE "C", "id") > ('a', '0')`);
    expect(sql).toMatch(/ORDER BY "region" COLLATE "C" ASC, "id" ASC$/);
  });

  it('needs no second list where the key already compares by bytes', () => {
    const sql = inline('postgres', base('postgres', [{ name: 'id', type: 'integer', collation: null }], { keys: [['5'], ['7']] }));
    expect(sql).toContain(`WHERE "id" IN ('5', '7') ORDER BY`);
  });

  it('binds MySQL keys with their exact types', () => {
    const sql = inline('mysql', base('mysql', myComposite, { keys: [['10', 'b']] }));
    expect(sql).toContain("(`id`, CAST(`code` AS BINARY)) IN ((CAST('10' AS DECIMAL(65,30)), CAST('b' AS BINARY)))");
  });

  it('an empty list selects nothing', () => {
    expect(base('postgres', pgComposite, { keys: [] }).text).toContain('WHERE FALSE');
  });
});

/** A MySQL scan of an integer, a nullable utf8mb4 text and a NOT NULL latin1 text column, packed as asked. */
const packedScan = (packValues: true | 'bytes') =>
  buildScanQuery('mysql', {
    table: { schema: 'app', name: 'orders' },
    keyColumns: [{ name: 'id', type: 'integer', collation: null }],
    columns: [
      { name: 'n', type: 'integer', nullable: false },
      { name: 'u', type: 'text', collation: 'utf8mb4_general_ci', nullable: true },
      { name: 'l', type: 'text', collation: 'latin1_swedish_ci', nullable: false },
    ],
    range: {},
    chunkSize: 1000,
    packValues,
  });

describe('buildScanQuery: MySQL rows packed as bytes', () => {
  it('joins values by 0xFF without escaping, converts text not stored as UTF-8, and marks NULL only where it can occur', () => {
    const q = packedScan('bytes');
    expect(q.text).toContain("CONCAT_WS(X'FF', `n`, IFNULL(CAST(`u` AS BINARY), X'FE'), CAST(CONVERT(`l` USING utf8mb4) AS BINARY))");
    expect(q.text).not.toContain('REPLACE');
  });
});

describe('buildScanQuery: MySQL rows packed as text', () => {
  it('escapes text under a binary collation and stays utf8mb4 text, converting only text stored otherwise', () => {
    const q = packedScan(true);
    const escape = (e: string) =>
      `REPLACE(REPLACE(REPLACE(REPLACE(${e} COLLATE utf8mb4_bin, _utf8mb4 X'5C', _utf8mb4 X'5C5C'), _utf8mb4 X'09', _utf8mb4 X'5C74'), _utf8mb4 X'0A', _utf8mb4 X'5C6E'), _utf8mb4 X'0D', _utf8mb4 X'5C72')`;
    expect(q.text).toContain(
      `SELECT \`id\`, CONCAT_WS(_utf8mb4 X'09', \`n\`, IFNULL(${escape('`u`')}, _utf8mb4 X'5C4E'), ${escape('CONVERT(`l` USING utf8mb4)')}) FROM`,
    );
    // Bytes converted back to text: what the server paid a fifth of its scan for.
    expect(q.text).not.toContain('AS BINARY');
  });
});
