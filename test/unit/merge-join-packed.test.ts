import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeJoin, type CanonicalRow, type MergeEvent } from '../../src/diff/merge-join.ts';

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

/** Packs a row the way a source may (ScanRequest.packValues), unless a value forbids it. */
function maybePack(row: CanonicalRow, pack: boolean): CanonicalRow {
  const rest = row.slice(1);
  if (!pack || rest.some((v) => v === null || /[\t\n\\]/.test(v))) return [...row];
  return [row[0]!, rest.join('\t')];
}

describe('merge-join with packed rows', () => {
  it('gives the same events as unpacked rows, whichever rows were packed (property)', async () => {
    const value = fc.option(fc.constantFrom('a', 'b', '', 'x\ty', '10.5'), { nil: null });
    const table = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 40 }), value, value, value), { selector: (r) => r[0] }).map((rs) =>
      rs.sort((x, y) => x[0] - y[0]).map(([k, ...vs]) => [String(k), ...vs] as CanonicalRow),
    );
    await fc.assert(
      fc.asyncProperty(table, table, fc.boolean(), fc.boolean(), async (left, right, packLeft, packRight) => {
        const expected = await run(left, right);
        const got = await run(left.map((r) => maybePack(r, packLeft)), right.map((r) => maybePack(r, packRight)), 4);
        expect(got).toEqual(expected);
      }),
    );
  });

  it('names the changed column of two packed rows that differ', async () => {
    const events = await run([['1', 'a\tb\tc']], [['1', 'a\tB\tc']], 4);
    expect(events).toEqual([{ type: 'changed', left: ['1', 'a', 'b', 'c'], right: ['1', 'a', 'B', 'c'], columns: [2] }]);
  });
});
