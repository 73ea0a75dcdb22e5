import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeJoin, type CanonicalRow, type MergeEvent } from '../../src/diff/merge-join.ts';
import { samePacked, unpackBytes } from '../../src/normalize/packed-values.ts';

const opts = (width?: number) => ({
  keyLength: 1,
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
  if (pack === 'none' || rest.some((v) => v === null || /[\t\n\\]/.test(v))) return [...row];
  return [row[0]!, rest.join('\t')];
}

const packing = fc.constantFrom<Packing>('none', 'text', 'bytes');

describe('merge-join with packed rows', () => {
  it('gives the same events as unpacked rows, whichever rows were packed (property)', async () => {
    const value = fc.option(fc.constantFrom('a', 'b', '', 'x\ty', '10.5', 'é😀', '\\N'), { nil: null });
    const table = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 40 }), value, value, value), { selector: (r) => r[0] }).map((rs) =>
      rs.sort((x, y) => x[0] - y[0]).map(([k, ...vs]) => [String(k), ...vs] as CanonicalRow),
    );
    await fc.assert(
      fc.asyncProperty(table, table, packing, packing, async (left, right, packLeft, packRight) => {
        const expected = await run(left, right);
        const got = await run(left.map((r) => maybePack(r, packLeft)), right.map((r) => maybePack(r, packRight)), 4);
        expect(got).toEqual(expected);
      }),
    );
  });

  it('unpacks bytes: UTF-8 text, empty strings and NULL', () => {
    const packed = Buffer.concat([Buffer.from('é😀', 'utf8'), Buffer.from([0xff, 0xff, 0xfe, 0xff]), Buffer.from('\t\\', 'utf8')]);
    expect(unpackBytes(packed)).toEqual(['é😀', '', null, '\t\\']);
    expect(unpackBytes(Buffer.from([0xfe]))).toEqual([null]);
    expect(unpackBytes(Buffer.alloc(0))).toEqual(['']);
  });

  it('never takes a text-packed row for equal to a byte-packed one', () => {
    expect(samePacked('a', Buffer.from('a'))).toBe(false);
    expect(samePacked(Buffer.from('a\xff'), Buffer.from('a\xff'))).toBe(true);
    expect(samePacked(Buffer.from('ab'), Buffer.from('a'))).toBe(false);
  });

  it('names the changed column of two packed rows that differ', async () => {
    const events = await run([['1', 'a\tb\tc']], [['1', 'a\tB\tc']], 4);
    expect(events).toEqual([{ type: 'changed', left: ['1', 'a', 'b', 'c'], right: ['1', 'a', 'B', 'c'], columns: [2] }]);
  });
});
