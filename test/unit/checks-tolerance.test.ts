/**
 * Tolerances and the exact decimal arithmetic under them: a wrong "pass" is the worst answer a
 * reconciliation can give, so every edge (zero on the left, negative values, the exact boundary,
 * scales beyond a double's precision) is pinned here.
 */
import { describe, expect, it } from 'vitest';
import { abs, cmp, decText, divide, fromInt, mul, parseDec, sub, type Dec } from '../../src/checks/exact.ts';
import { EXACT, parseTolerance, withinTolerance, type Tolerance } from '../../src/checks/tolerance.ts';

const d = (s: string): Dec => {
  const v = parseDec(s);
  if (!v) throw new Error(`not a decimal: ${s}`);
  return v;
};
const tol = (v: unknown): Tolerance => {
  const t = parseTolerance(v);
  if (!t) throw new Error(`not a tolerance: ${String(v)}`);
  return t;
};
const within = (left: string, right: string, t: Tolerance) => withinTolerance(d(left), d(right), t);

describe('parseDec / decText', () => {
  it.each([
    ['0', '0'],
    ['-0', '0'],
    ['10.50', '10.5'],
    ['+010.500', '10.5'],
    ['1.05e1', '10.5'],
    ['-0.001', '-0.001'],
    ['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
    ['1e-30', '0.000000000000000000000000000001'],
  ])('%s reads back as %s', (input, text) => {
    expect(decText(d(input))).toBe(text);
  });

  it.each(['', 'abc', 'NaN', 'Infinity', '1.2.3', '--1', '1e99999'])('%j is not a decimal', (input) => {
    expect(parseDec(input)).toBeNull();
  });

  it('keeps integers beyond 2^53 exact', () => {
    expect(decText(sub(d('9007199254740993'), d('1')))).toBe('9007199254740992');
    expect(cmp(d('9007199254740993'), d('9007199254740992'))).toBe(1);
  });
});

describe('exact arithmetic', () => {
  it('adds 0.1 a hundred thousand times to exactly 10000', () => {
    let total: Dec = fromInt(0);
    const tenth = d('0.1');
    for (let i = 0; i < 100_000; i++) total = sub(total, { n: -tenth.n, scale: tenth.scale });
    expect(decText(total)).toBe('10000');
    expect(cmp(total, fromInt(10_000))).toBe(0);
  });

  it('compares across scales', () => {
    expect(cmp(d('1.10'), d('1.1'))).toBe(0);
    expect(cmp(d('1.1'), d('1.09999999999999999999'))).toBe(1);
    expect(cmp(d('-1.1'), d('-1.09'))).toBe(-1);
  });

  it('multiplies and takes absolute values exactly', () => {
    expect(decText(mul(d('0.01'), d('12345.67')))).toBe('123.4567');
    expect(decText(abs(d('-3.25')))).toBe('3.25');
    expect(decText(abs(d('3.25')))).toBe('3.25');
  });

  it('divides rounding half away from zero', () => {
    expect(decText(divide(d('1'), d('3'), 4))).toBe('0.3333');
    expect(decText(divide(d('2'), d('3'), 4))).toBe('0.6667');
    expect(decText(divide(d('0.015'), d('1'), 2))).toBe('0.02');
    expect(decText(divide(d('-0.015'), d('1'), 2))).toBe('-0.02');
    expect(decText(divide(d('0.0149999'), d('1'), 2))).toBe('0.01');
    expect(decText(divide(d('10'), d('-4'), 1))).toBe('-2.5');
    expect(() => divide(d('1'), d('0'), 2)).toThrow(RangeError);
  });
});

describe('parseTolerance', () => {
  it('reads numbers as absolute and percentages as relative', () => {
    expect(tol(0.01)).toMatchObject({ kind: 'absolute', text: '0.01' });
    expect(tol('0.01')).toMatchObject({ kind: 'absolute' });
    expect(tol(5)).toMatchObject({ kind: 'absolute' });
    expect(tol('1%')).toMatchObject({ kind: 'relative', text: '1%' });
    expect(tol(' 0.5 % ')).toMatchObject({ kind: 'relative' });
    expect(decText((tol('1%') as { fraction: Dec }).fraction)).toBe('0.01');
    expect(decText((tol('0.5%') as { fraction: Dec }).fraction)).toBe('0.005');
  });

  it.each([[-1], ['-1'], ['-1%'], ['abc'], ['1%%'], ['%'], [''], [Number.NaN], [Number.POSITIVE_INFINITY], [null], [true], [{}], [[1]]])(
    'rejects %j',
    (value) => {
      expect(parseTolerance(value)).toBeNull();
    },
  );

  it('parses a tiny number given in exponent form exactly', () => {
    expect(within('1', '1.0000001', tol(1e-7))).toBe(true);
    expect(within('1', '1.00000011', tol(1e-7))).toBe(false);
  });
});

describe('withinTolerance', () => {
  it('is exact by default', () => {
    expect(within('10000', '10000.0', EXACT)).toBe(true);
    expect(within('10000', '10000.01', EXACT)).toBe(false);
    expect(within('0.1', '0.10000000000000000001', EXACT)).toBe(false);
  });

  it('absolute: the boundary passes, one step past it fails, in both directions', () => {
    const t = tol(0.01);
    expect(within('100', '100.01', t)).toBe(true);
    expect(within('100', '99.99', t)).toBe(true);
    expect(within('100', '100.011', t)).toBe(false);
    expect(within('100', '99.989', t)).toBe(false);
    expect(within('-5', '-5.01', t)).toBe(true);
    expect(within('-5', '-5.02', t)).toBe(false);
  });

  it('relative: a share of the left side, which is the reference', () => {
    const t = tol('1%');
    expect(within('200', '202', t)).toBe(true);
    expect(within('200', '198', t)).toBe(true);
    expect(within('200', '202.01', t)).toBe(false);
    // Relative to the left, not the right: 1% of 202 would allow 2.02.
    expect(within('202', '200', t)).toBe(true);
    expect(within('200', '202.02', t)).toBe(false);
    // A negative reference allows the same share of its magnitude.
    expect(within('-200', '-202', t)).toBe(true);
    expect(within('-200', '-203', t)).toBe(false);
  });

  it('relative with zero on the left: any non-zero right fails, both zero passes', () => {
    for (const t of [tol('1%'), tol('100%'), tol('5000%')]) {
      expect(within('0', '0', t)).toBe(true);
      expect(within('0', '0.00', t)).toBe(true);
      expect(within('0', '0.0000001', t)).toBe(false);
      expect(within('0', '-1', t)).toBe(false);
      expect(within('0', '1000000', t)).toBe(false);
    }
  });

  it('relative with zero on the right only fails unless the tolerance is 100% or more', () => {
    expect(within('50', '0', tol('99%'))).toBe(false);
    expect(within('50', '0', tol('100%'))).toBe(true);
  });

  it('absolute with zero on the left compares the plain difference', () => {
    expect(within('0', '0.005', tol(0.01))).toBe(true);
    expect(within('0', '0.02', tol(0.01))).toBe(false);
  });

  it('zero percent is exact', () => {
    expect(within('100', '100', tol('0%'))).toBe(true);
    expect(within('100', '100.000001', tol('0%'))).toBe(false);
  });
});
