/** The demo's planted drift and its reading of the report: the demo's verdict rests on both. */
import { describe, expect, it } from 'vitest';
import { countsFromReport } from '../../src/demo/demo.ts';
import { mismatches, planDrift, truthOf } from '../../src/demo/drift.ts';

describe('planDrift', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(planDrift(10_000, 7)).toEqual(planDrift(10_000, 7));
    expect(planDrift(10_000, 8).deleted).not.toEqual(planDrift(10_000, 7).deleted);
  });

  it('deletes and updates distinct existing rows and inserts ids the left lacks', () => {
    const rows = 5_000;
    const plan = planDrift(rows, 42);
    const updated = [...plan.updated.values()].flat();
    const all = [...plan.deleted, ...updated];
    expect(new Set(all).size).toBe(all.length);
    for (const id of all) expect(id % 2n === 0n && id >= 2n && id <= BigInt(2 * rows)).toBe(true);
    expect(new Set(plan.inserted).size).toBe(plan.inserted.length);
    for (const id of plan.inserted) expect(id % 2n === 1n && id >= 1n && id < BigInt(2 * rows)).toBe(true);
    expect(truthOf(plan)).toEqual({ leftRows: 5_000, rightRows: 4_988, leftOnly: 25, rightOnly: 13, changed: 25 });
  });

  it('refuses a table too small to plant every kind of drift', () => {
    expect(() => planDrift(99, 1)).toThrow(/at least 100/);
  });
});

describe('countsFromReport', () => {
  const report = [
    'First differences:',
    '  - left_only   id=2',
    '',
    'left   public.orders @ postgres://postgres@127.0.0.1:5/postgres: 200,000 rows',
    'right  public.orders @ postgres://postgres@127.0.0.1:6/postgres: 199,500 rows',
    'only in left:  1,000',
    'only in right: 500',
    'changed:       1,000',
    'DIFFERENT: 2,500 differences (3.8 s, 104,254 rows/s)',
  ].join('\n');

  it('reads the totals of the text report', () => {
    expect(countsFromReport(report)).toEqual({ leftRows: 200_000, rightRows: 199_500, leftOnly: 1_000, rightOnly: 500, changed: 1_000 });
  });

  it('gives nothing when a total is missing, so the demo cannot pass on a truncated report', () => {
    expect(countsFromReport(report.replace(/^changed:.*$/m, ''))).toBeUndefined();
  });

  it('names each count that disagrees with the truth', () => {
    const truth = { leftRows: 10, rightRows: 9, leftOnly: 1, rightOnly: 0, changed: 2 };
    expect(mismatches(truth, { ...truth })).toEqual([]);
    expect(mismatches(truth, { ...truth, changed: 3, rightOnly: 1 })).toEqual(['rightOnly', 'changed']);
  });
});
