import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeJoin, samePackedText, type CanonicalRow, type MergeEvent } from '../../src/diff/merge-join.ts';
import { samePacked, unpackBytes } from '../../src/normalize/packed-values.ts';

/**
 * Values equal by meaning though spelled differently: numbers (10.5 and 10.50), and text in any
 * case, as a case-insensitive normaliser would have it; under which the escaped NULL `\N` would
 * wrongly match an escaped newline `\n`, if escapes were ever compared by meaning.
 */
const sameNumber = (_c: number, x: string | null, y: string | null) =>
  x !== null && y !== null && (/^\d/.test(x) && /^\d/.test(y) ? Number(x) === Number(y) : x.toLowerCase() === y.toLowerCase());

const opts = (width?: number) => ({
  keyLength: 1,
  sameValue: sameNumber,
  compareKeys: (a: CanonicalRow, b: CanonicalRow) => Number(a[0]) - Number(b[0]),
  leftName: 'left',
  rightName: 'right',
  describeKey: (r: CanonicalRow) => String(r[0]),
  width,
});

async function* chunks(rows: CanonicalRow[]): AsyncGenerator<CanonicalRow[]> {
  yield rows;
}

async function run(left: CanonicalRow[], right: CanonicalRow[], width?: number): Promise<MergeEvent[]> {
  const out: MergeEvent[] = [];
  for await (const e of mergeJoin(chunks(left), chunks(right), opts(width))) out.push(e);
  return out;
}

type Packing = 'none' | 'text' | 'bytes';

/**
 * Packs a row the way a source may (ScanRequest.packValues): as text unless a value forbids it,
 * or as bytes (values joined by 0xFF, NULL as 0xFE), which any UTF-8 values allow.
 */
function maybePack(row: CanonicalRow, pack: Packing): CanonicalRow {
  const rest = row.slice(1);
  if (pack === 'bytes') {
    const parts = rest.flatMap((v, i) => [...(i > 0 ? [Buffer.from([0xff])] : []), v === null ? Buffer.from([0xfe]) : Buffer.from(v, 'utf8')]);
    return [row[0]!, Buffer.concat(parts) as unknown as string];
  }
  if (pack === 'none') return [...row];
  // COPY text escaping, as PostgreSQL writes it and MySQL's text packing imitates.
  const escape = (v: string | null) => (v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t'));
  return [row[0]!, rest.map(escape).join('\t')];
}

const packing = fc.constantFrom<Packing>('none', 'text', 'bytes');

describe('merge-join with packed rows', () => {
  it('gives the same events as unpacked rows, whichever rows were packed (property)', async () => {
    const value = fc.option(fc.constantFrom('a', 'A', 'b', '', 'x\ty', '\n', '10.5', '10.50', '10.6', 'é😀', '\\N', 'N'), { nil: null });
    const table = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 40 }), value, value, value), { selector: (r) => r[0] }).map((rs) =>
      rs.sort((x, y) => x[0] - y[0]).map(([k, ...vs]) => [String(k), ...vs] as CanonicalRow),
    );
    await fc.assert(
      fc.asyncProperty(table, table, packing, packing, async (left, right, packLeft, packRight) => {
        const expected = await run(left, right);
        const got = await run(left.map((r) => maybePack(r, packLeft)), right.map((r) => maybePack(r, packRight)), 4);
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('unpacks bytes: UTF-8 text, empty strings and NULL', () => {
    const packed = Buffer.concat([Buffer.from('é😀', 'utf8'), Buffer.from([0xff, 0xff, 0xfe, 0xff]), Buffer.from('\t\\', 'utf8')]);
    expect(unpackBytes(packed)).toEqual(['é😀', '', null, '\t\\']);
    expect(unpackBytes(Buffer.from([0xfe]))).toEqual([null]);
    expect(unpackBytes(Buffer.alloc(0))).toEqual(['']);
  });

  it('compares a differing field of packed text by its own column', () => {
    // Column 2 (after a key) holds numbers, compared by meaning; columns 1 and 3 hold text.
    const byColumn = (c: number, x: string, y: string) => (c === 2 ? Number(x) === Number(y) : x === y);
    expect(samePackedText('a\t10.5\tq', 'a\t10.50\tq', 1, byColumn)).toBe(true);
    expect(samePackedText('ab\tcd\t10.5\tq', 'ab\tcd\t10.50\tq', 0, byColumn)).toBe(true);
    expect(samePackedText('10.5\ta\tq', '10.50\ta\tq', 1, byColumn)).toBe(false);
    expect(samePackedText('a\t10.5\t1.0', 'a\t10.5\t1', 1, byColumn)).toBe(false);
    expect(samePackedText('a\t10.5', 'a\t10.5\tx', 1, byColumn)).toBe(false);
  });

  it('never takes a text-packed row for equal to a byte-packed one', () => {
    expect(samePacked('a', Buffer.from('a'))).toBe(false);
    expect(samePacked(Buffer.from('a\xff'), Buffer.from('a\xff'))).toBe(true);
    expect(samePacked(Buffer.from('ab'), Buffer.from('a'))).toBe(false);
  });

  it('never compares escapes by meaning: NULL (\\N) is not a newline (\\n), even to a case-blind comparison', async () => {
    const left: CanonicalRow = ['1', null, '10.5', 'A'];
    const right: CanonicalRow = ['1', '\n', '10.50', 'a'];
    const events = await run([maybePack(left, 'text')], [maybePack(right, 'text')], 4);
    expect(events).toEqual([{ type: 'changed', left, right, columns: [1] }]);
    // Spelled differently but equal by meaning, with an escape elsewhere in the row: no event.
    expect(await run([maybePack(['2', 'x\ty', '10.5', 'A'], 'text')], [maybePack(['2', 'x\ty', '10.50', 'a'], 'text')], 4)).toEqual([]);
  });

  it('names the changed column of two packed rows that differ', async () => {
    const events = await run([['1', 'a\tb\tc']], [['1', 'a\tz\tc']], 4);
    expect(events).toEqual([{ type: 'changed', left: ['1', 'a', 'b', 'c'], right: ['1', 'a', 'z', 'c'], columns: [2] }]);
  });
});
