/**
 * The key order must be the order the databases sort by (UTF-8 bytes for text, exact numeric
 * order for numbers); any disagreement turns into a spurious ORDER error or a mis-merge. These
 * tests check each comparator against an independent oracle rather than against expected lists.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, keyComparator } from '../../src/diff/compare-keys.ts';
import { canonicalDecimal, compareCanonicalDecimals, compareCanonicalIntegers } from '../../src/normalize/decimal.ts';

const sign = (n: number) => Math.sign(n);

/** The order PostgreSQL COLLATE "C" and MySQL binary collations use for UTF-8 text. */
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

// Strings drawn mostly from the code points where UTF-16 and UTF-8 order disagree: the top of the
// BMP above the surrogates, astral characters, and the edges around the surrogate block.
const edgeChar = fc.constantFrom(
  'a', 'z', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud7ff',
  '\ue000', '\uf8ff', '\ufb01', '\ufffd', '\uffff',
  '😀', '\u{10000}', '\u{10ffff}', '\u{1f600}', '\u{1f47d}',
);
const privateUseBmp = fc.integer({ min: 0xe000, max: 0xffff }).map((c) => String.fromCharCode(c));
const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const anyScalar = fc
  .integer({ min: 0, max: 0x10ffff - 0x800 })
  // Skip the surrogate block: lone surrogates are not valid UTF-8 and no database stores them.
  .map((c) => String.fromCodePoint(c >= 0xd800 ? c + 0x800 : c));
const keyText = fc
  .array(fc.oneof(edgeChar, privateUseBmp, astral, anyScalar), { maxLength: 8 })
  .map((cs) => cs.join(''));

describe('compareCodePoints', () => {
  it('agrees with UTF-8 byte order on random strings (property)', () => {
    fc.assert(
      fc.property(keyText, keyText, (a, b) => {
        expect(sign(compareCodePoints(a, b))).toBe(sign(utf8Order(a, b)));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with UTF-8 byte order on strings sharing a prefix (property)', () => {
    // Random independent strings mostly differ at index 0; shared prefixes exercise the later
    // positions and the length tie-break.
    fc.assert(
      fc.property(keyText, keyText, keyText, (p, a, b) => {
        expect(sign(compareCodePoints(p + a, p + b))).toBe(sign(utf8Order(p + a, p + b)));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    // [smaller, larger]: UTF-16 code-unit order gets the first four backwards.
    ['\uffff', '😀'],
    ['\ue000', '\u{10000}'],
    ['\ufffd', '\u{10ffff}'],
    ['a\uffff', 'a😀'],
    ['\ud7ff', '\ue000'],
    ['\ud7ff', '\u{10000}'],
    ['\u{10000}', '\u{10001}'],
    ['😀', '😁'],
    ['', '\u0000'],
    ['abc', 'abd'],
    ['ab', 'abc'],
    ['Z', 'a'],
    ['z\u0301', 'é'],
  ])('orders %j before %j', (lo, hi) => {
    expect(utf8Order(lo, hi)).toBeLessThan(0); // the oracle agrees with the case itself
    expect(compareCodePoints(lo, hi)).toBe(-1);
    expect(compareCodePoints(hi, lo)).toBe(1);
    expect(compareCodePoints(lo, lo)).toBe(0);
  });

  it('sorts a list exactly as UTF-8 bytes do', () => {
    const words = ['😀', '\uffff', 'a', '', '\ue000', 'ab', '\u{10ffff}', 'é', 'A', '\ud7ff', '\u0000'];
    const byBytes = [...words].sort(utf8Order);
    expect([...words].sort(compareCodePoints)).toEqual(byBytes);
    // And the naive order really is different, so this test can tell them apart.
    expect([...words].sort()).not.toEqual(byBytes);
  });
});

/** A random exact decimal as text, with a random scale, sign, and padding zeros. */
const decimalText = fc
  .record({
    neg: fc.boolean(),
    int: fc.bigInt({ min: 0n, max: 10n ** 30n }),
    frac: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    scale: fc.integer({ min: 0, max: 12 }),
    pad: fc.integer({ min: 0, max: 3 }),
    small: fc.boolean(),
  })
  .map(({ neg, int, frac, scale, pad, small }) => {
    // Small magnitudes make ties and near-ties (equal integer part, different scale) common.
    const i = small ? int % 3n : int;
    const f = scale === 0 ? '' : (frac % 10n ** BigInt(scale)).toString().padStart(scale, '0');
    return `${neg ? '-' : ''}${i}${f ? '.' + f + '0'.repeat(pad) : ''}`;
  });

/** Exact comparison of two decimal texts by scaling both to a common integer. */
function exactCompare(a: string, b: string): number {
  const parse = (s: string) => {
    const neg = s.startsWith('-');
    const [i = '0', f = ''] = (neg ? s.slice(1) : s).split('.');
    return { neg, digits: BigInt(i + f), scale: f.length };
  };
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const vx = x.digits * 10n ** BigInt(scale - x.scale) * (x.neg ? -1n : 1n);
  const vy = y.digits * 10n ** BigInt(scale - y.scale) * (y.neg ? -1n : 1n);
  return vx < vy ? -1 : vx > vy ? 1 : 0;
}

describe('compareCanonicalIntegers', () => {
  it('agrees with BigInt order on canonical integers of any length and sign (property)', () => {
    const integer = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String);
    fc.assert(
      fc.property(fc.oneof(integer, fc.integer().map(String)), fc.oneof(integer, fc.integer().map(String)), (a, b) => {
        const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        expect(sign(compareCanonicalIntegers(a, b))).toBe(expected);
        expect(sign(compareCanonicalIntegers(a, b))).toBe(sign(compareCanonicalDecimals(a, b)));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('compareCanonicalDecimals', () => {
  it('agrees with exact BigInt comparison on random canonical decimals (property)', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        const ca = canonicalDecimal(a)!;
        const cb = canonicalDecimal(b)!;
        expect(sign(compareCanonicalDecimals(ca, cb))).toBe(exactCompare(a, b));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['-1', '0'],
    ['-10', '-9'],
    ['-1.5', '-1'],
    ['-0.001', '0'],
    ['0', '0.001'],
    ['0.25', '0.5'],
    ['1', '1.5'],
    ['1.05', '1.5'],
    ['9.999', '10'],
    ['9007199254740992', '9007199254740993'],
    ['-9007199254740993', '-9007199254740992'],
    ['99999999999999999999.9', '100000000000000000000'],
  ])('orders %s before %s', (lo, hi) => {
    expect(compareCanonicalDecimals(lo, hi)).toBe(-1);
    expect(compareCanonicalDecimals(hi, lo)).toBe(1);
  });

  it('treats equal values at different scales as equal once canonical', () => {
    expect(compareCanonicalDecimals(canonicalDecimal('10.50')!, canonicalDecimal('10.5')!)).toBe(0);
    expect(compareCanonicalDecimals(canonicalDecimal('-0.0')!, canonicalDecimal('0')!)).toBe(0);
  });
});

describe('keyComparator', () => {
  it('compares composite keys lexicographically: number first, then text', () => {
    const cmp = keyComparator(['integer', 'text']);
    const keys = [
      ['10', 'a'],
      ['-2', 'z'],
      ['9', '😀'],
      ['9', '\uffff'],
      ['10', ''],
      ['9', 'b'],
    ];
    expect([...keys].sort(cmp)).toEqual([
      ['-2', 'z'],
      ['9', 'b'],
      ['9', '\uffff'],
      ['9', '😀'],
      ['10', ''],
      ['10', 'a'],
    ]);
    expect(cmp(['9', 'a'], ['9', 'a'])).toBe(0);
  });

  it('agrees with a tuple comparison built from the per-column oracles (property)', () => {
    const cmp = keyComparator(['decimal', 'text']);
    const key = fc.tuple(decimalText.map((d) => canonicalDecimal(d)!), keyText);
    fc.assert(
      fc.property(key, key, ([n1, t1], [n2, t2]) => {
        const expected = exactCompare(n1, n2) || sign(utf8Order(t1, t2));
        expect(sign(cmp([n1, t1], [n2, t2]))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders single-column keys by their class: numbers numerically, dates as ASCII', () => {
    expect(keyComparator(['integer'])(['9'], ['10'])).toBe(-1);
    expect(keyComparator(['text'])(['9'], ['10'])).toBe(1);
    expect(keyComparator(['date'])(['2024-01-02'], ['2024-01-10'])).toBe(-1);
    expect(keyComparator(['float8'])(['1e-7'], ['0.5'])).toBe(-1);
  });
});
