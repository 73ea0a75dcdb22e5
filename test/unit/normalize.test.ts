/**
 * The canonical forms on their own, without a database: each spelling an engine or driver may
 * send lands on one string, and values that differ never do. test/db/type-matrix.test.ts checks
 * the same from real servers.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReckonError } from '../../src/errors.ts';
import { canonicalDecimal, compareCanonicalDecimals } from '../../src/normalize/decimal.ts';
import { encodeRow, loadHasher, rowHash } from '../../src/normalize/encode-row.ts';
import { canonicalJson } from '../../src/normalize/json.ts';
import { canonicalDate, canonicalTime, canonicalTimestamp, sameTimestamp } from '../../src/normalize/temporal.ts';
import { normalizerFor, pairNormalizers, valueClass, type ValueClass } from '../../src/normalize/values.ts';
import type { LogicalType } from '../../src/types.ts';

/** An exact rational as numerator / 10^scale, for checking decimals without a JS number. */
function rational(text: string): { num: bigint; scale: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const digits = (m[2] ?? '') + (m[3] ?? '');
  let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
  let num = BigInt(digits || '0') * (m[1] === '-' ? -1n : 1n);
  if (scale < 0) {
    num *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { num, scale };
}

function sameValue(a: string, b: string): boolean {
  const x = rational(a);
  const y = rational(b);
  const s = Math.max(x.scale, y.scale);
  return x.num * 10n ** BigInt(s - x.scale) === y.num * 10n ** BigInt(s - y.scale);
}

function compareValues(a: string, b: string): number {
  const x = rational(a);
  const y = rational(b);
  const s = Math.max(x.scale, y.scale);
  const l = x.num * 10n ** BigInt(s - x.scale);
  const r = y.num * 10n ** BigInt(s - y.scale);
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Decimal text in the spellings engines, drivers and JSON use. */
const decimalText = fc
  .record({
    sign: fc.constantFrom('', '-', '+'),
    int: fc.stringMatching(/^\d{0,25}$/),
    frac: fc.option(fc.stringMatching(/^\d{0,25}$/), { nil: undefined }),
    exp: fc.option(fc.integer({ min: -40, max: 40 }), { nil: undefined }),
  })
  .filter((r) => r.int !== '' || (r.frac !== undefined && r.frac !== ''))
  .map((r) => `${r.sign}${r.int}${r.frac !== undefined ? `.${r.frac}` : ''}${r.exp !== undefined ? `e${r.exp}` : ''}`);

describe('canonicalDecimal', () => {
  it.each([
    ['10.5', '10.5'],
    ['10.50', '10.5'],
    ['10.5000', '10.5'],
    ['+010.500', '10.5'],
    ['1.05e1', '10.5'],
    ['105E-1', '10.5'],
    ['0', '0'],
    ['-0', '0'],
    ['0.000', '0'],
    ['-0.0', '0'],
    ['.0', '0'],
    ['0e7', '0'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-10.50', '-10.5'],
    ['1e-7', '0.0000001'],
    ['1.5E+3', '1500'],
    ['9007199254740993', '9007199254740993'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['18446744073709551615', '18446744073709551615'],
    ['12345678901234567890.123456789000', '12345678901234567890.123456789'],
  ])('%s -> %s', (input, out) => {
    expect(canonicalDecimal(input)).toBe(out);
  });

  it.each(['NaN', 'Infinity', '-Infinity', '', '-', '.', 'abc', '1.2.3', '1e', '0x10'])('%j is not a number', (input) => {
    expect(canonicalDecimal(input)).toBeNull();
  });

  it('gives a fixed-scale spelling the form its scientific spelling gets (property)', () => {
    // `d.ddd00` takes a short path; `d.ddd00e0` the general one: they must agree.
    fc.assert(
      fc.property(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 4 }), (neg, n, scale, zeros) => {
        const digits = n.toString().padStart(scale + 1, '0');
        const text = `${neg ? '-' : ''}${scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}${scale || zeros ? (scale ? '' : '.') : ''}${'0'.repeat(zeros)}`;
        expect(canonicalDecimal(text)).toBe(canonicalDecimal(`${text}e0`));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps neighbours apart', () => {
    expect(canonicalDecimal('10.5')).not.toBe(canonicalDecimal('10.51'));
    expect(canonicalDecimal('9007199254740993')).not.toBe(canonicalDecimal('9007199254740992'));
    expect(canonicalDecimal('0.000000001')).not.toBe(canonicalDecimal('0.000000002'));
    expect(canonicalDecimal('-1')).not.toBe(canonicalDecimal('1'));
  });

  it('gives one form to every spelling of a huge or tiny number, by value', () => {
    // jsonb prints 1e1001 as 1002 digits; json keeps the exponent. Both must land on one form.
    expect(canonicalDecimal('1' + '0'.repeat(1001))).toBe('1e1001');
    expect(canonicalDecimal('1e1001')).toBe('1e1001');
    expect(canonicalDecimal('0.0001e1005')).toBe('1e1001');
    expect(canonicalDecimal('-25e1000')).toBe('-2.5e1001');
    expect(canonicalDecimal('0.' + '0'.repeat(1000) + '1')).toBe('1e-1001');
    expect(canonicalDecimal('1e-1001')).toBe('1e-1001');
    // Just below the limit the plain form is kept, whichever spelling came in.
    expect(canonicalDecimal('1e998')).toBe('1' + '0'.repeat(998));
    expect(canonicalDecimal('1e99999999999999999999')).toBe('1e99999999999999999999');
    expect(canonicalDecimal('1e99999999999999999999')).not.toBe(canonicalDecimal('1e99999999999999999998'));
  });

  it('maps two spellings to one string exactly when they are the same number', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        expect(canonicalDecimal(a) === canonicalDecimal(b)).toBe(sameValue(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent and its output reads back as the same number', () => {
    fc.assert(
      fc.property(decimalText, (a) => {
        const c = canonicalDecimal(a)!;
        expect(canonicalDecimal(c)).toBe(c);
        expect(sameValue(a, c)).toBe(true);
      }),
    );
  });

  it('rescaling by trailing zeros and exponent shifts never changes the form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat(20), fc.nat(8), (n, scale, pad) => {
        const abs = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
        const plain = `${n < 0n ? '-' : ''}${abs.slice(0, abs.length - scale)}${scale ? '.' + abs.slice(abs.length - scale) : ''}`;
        const padded = `${plain}${scale ? '' : '.'}${'0'.repeat(pad)}`;
        const shifted = `${n < 0n ? '-' : ''}${abs}e-${scale}`;
        expect(canonicalDecimal(padded)).toBe(canonicalDecimal(plain));
        expect(canonicalDecimal(shifted)).toBe(canonicalDecimal(plain));
      }),
    );
  });
});

describe('compareCanonicalDecimals', () => {
  it('orders canonical decimals by value', () => {
    const sorted = ['-100', '-10.5', '-10.49', '-1', '-0.5', '0', '0.001', '0.5', '1', '9.99', '10', '10.5', '10.51', '100'];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        expect(Math.sign(compareCanonicalDecimals(sorted[i]!, sorted[j]!)), `${sorted[i]} vs ${sorted[j]}`).toBe(Math.sign(i - j));
      }
    }
  });

  it('agrees with exact arithmetic', () => {
    const plainDecimal = decimalText.map((t) => canonicalDecimal(t)!).filter((c) => !c.includes('e'));
    fc.assert(
      fc.property(plainDecimal, plainDecimal, (a, b) => {
        expect(Math.sign(compareCanonicalDecimals(a, b))).toBe(compareValues(a, b));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('canonicalTimestamp', () => {
  it.each([
    ['2024-03-10 12:34:56.123456', '2024-03-10 12:34:56.123456'],
    ['2024-03-10T12:34:56.123456', '2024-03-10 12:34:56.123456'],
    ['2024-03-10 12:34:56', '2024-03-10 12:34:56.000000'],
    ['2024-03-10 12:34:56.12', '2024-03-10 12:34:56.120000'],
    ['2024-03-10 12:34:56.120', '2024-03-10 12:34:56.120000'],
    ['2021-03-04 00:38:20.0405', '2021-03-04 00:38:20.040500'],
    ['2021-03-04 00:38:20.00001', '2021-03-04 00:38:20.000010'],
    ['2024-03-10 12:34:56.123456789', '2024-03-10 12:34:56.123456'],
    ['2024-03-10 12:34:56.123456+00', '2024-03-10 12:34:56.123456'],
    ['2024-03-10 12:34:56.123456Z', '2024-03-10 12:34:56.123456'],
    ['2024-03-10 12:34:56.123456+00:00', '2024-03-10 12:34:56.123456'],
    ['2024-03-10 14:34:56.123456+02', '2024-03-10 12:34:56.123456'],
    ['2024-03-10 14:34:56.123456+02:00', '2024-03-10 12:34:56.123456'],
    ['2024-03-10 14:34:56.123456+0200', '2024-03-10 12:34:56.123456'],
    ['2024-03-10 04:34:56.5-08', '2024-03-10 12:34:56.500000'],
    ['2024-03-10 18:04:56+05:30', '2024-03-10 12:34:56.000000'],
    // Historic local mean time offsets have seconds.
    ['1900-01-01 00:53:28+00:53:28', '1900-01-01 00:00:00.000000'],
    // Across day, month and year boundaries.
    ['2024-01-01 01:00:00+02', '2023-12-31 23:00:00.000000'],
    ['2023-12-31 23:00:00-02', '2024-01-01 01:00:00.000000'],
    ['2024-03-01 00:30:00+01', '2024-02-29 23:30:00.000000'],
    // Years below 100 must not be read as 19xx, and years below 1000 keep four digits.
    ['0050-06-01 01:00:00+02', '0050-05-31 23:00:00.000000'],
    ['0999-12-31 23:00:00-02', '1000-01-01 01:00:00.000000'],
  ])('%s -> %s', (input, out) => {
    expect(canonicalTimestamp(input)).toBe(out);
  });

  it.each(['infinity', '-infinity', '2024-03-10 12:34:56.', '2024-03-10 12:34:5x.12', '2000-01-01 00:00:00 BC', '2000-01-01 00:00:00+00 BC', 'not a time'])('%s stays as it is', (input) => {
    expect(canonicalTimestamp(input)).toBe(input);
  });

  it('keeps neighbouring microseconds and offsets apart', () => {
    expect(canonicalTimestamp('2024-03-10 12:34:56.123456')).not.toBe(canonicalTimestamp('2024-03-10 12:34:56.123457'));
    expect(canonicalTimestamp('2024-03-10 12:34:56.123456+02')).not.toBe(canonicalTimestamp('2024-03-10 12:34:56.123456'));
    expect(canonicalTimestamp('2024-03-10 12:34:56.1')).not.toBe(canonicalTimestamp('2024-03-10 12:34:56.01'));
  });

  it('string order is time order', () => {
    const instants = ['0050-01-01 00:00:00', '1969-12-31 23:59:59.999999', '1970-01-01 00:00:00', '2024-03-10 12:34:56.123456', '2024-03-10 12:34:56.123457', '9999-12-31 23:59:59.999999'];
    const canon = instants.map(canonicalTimestamp);
    expect([...canon].sort()).toEqual(canon);
  });

  it('an offset means the same instant as its UTC spelling', () => {
    fc.assert(
      fc.property(
        // A day inside the four-digit years on both sides of the offset.
        fc.date({ min: new Date('1000-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.integer({ min: 0, max: 999_999 }),
        (d, offsetMin, micros) => {
          const utc = new Date(Math.floor(d.getTime() / 1000) * 1000);
          const local = new Date(utc.getTime() + offsetMin * 60_000);
          const frac = String(micros).padStart(6, '0');
          const sign = offsetMin < 0 ? '-' : '+';
          const abs = Math.abs(offsetMin);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const text = (t: Date) => t.toISOString().slice(0, 19).replace('T', ' ');
          expect(canonicalTimestamp(`${text(local)}.${frac}${zone}`)).toBe(`${text(utc)}.${frac}`);
        },
      ),
    );
  });
});

describe('canonicalTime', () => {
  it.each([
    ['12:34:56', '12:34:56.000000'],
    ['12:34:56.5', '12:34:56.500000'],
    ['12:34:56.123456', '12:34:56.123456'],
    ['24:00:00', '24:00:00.000000'],
    ['-838:59:59', '-838:59:59.000000'],
    ['838:59:59.000000', '838:59:59.000000'],
  ])('%s -> %s', (input, out) => {
    expect(canonicalTime(input)).toBe(out);
  });

  it('keeps other forms and neighbours apart', () => {
    expect(canonicalTime('12:34')).toBe('12:34');
    expect(canonicalTime('12:34:56.123456')).not.toBe(canonicalTime('12:34:56.123457'));
    expect(canonicalTime('-01:00:00')).not.toBe(canonicalTime('01:00:00'));
  });
});

describe('canonicalDate', () => {
  it.each([
    ['2024-02-29', '2024-02-29'],
    ['2024-02-29 00:00:00', '2024-02-29'],
    ['2024-02-29 00:00:00.000', '2024-02-29'],
    // Not midnight: not a plain date, so it must not collapse onto one.
    ['2024-02-29 00:00:00.5', '2024-02-29 00:00:00.5'],
    ['2024-02-29 12:00:00', '2024-02-29 12:00:00'],
    ['0001-01-01 BC', '0001-01-01 BC'],
    ['infinity', 'infinity'],
  ])('%s -> %s', (input, out) => {
    expect(canonicalDate(input)).toBe(out);
  });
});

describe('canonicalJson', () => {
  it('ignores key order and whitespace', () => {
    const a = '{"b":1,"a":[1,2,{"y":null,"x":"s"}]}';
    const b = '{ "a": [1, 2, {"x": "s", "y": null}], "b": 1 }';
    expect(canonicalJson(a)).toBe('{"a":[1,2,{"x":"s","y":null}],"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(canonicalJson('\n\t {"a" :\r\n1 } ')).toBe('{"a":1}');
  });

  it('compares numbers by exact value, as jsonb equality does', () => {
    expect(canonicalJson('{"n":1.0}')).toBe(canonicalJson('{"n":1}'));
    expect(canonicalJson('{"n":1E2}')).toBe(canonicalJson('{"n":100}'));
    expect(canonicalJson('{"n":10e-1}')).toBe(canonicalJson('{"n":1}'));
    expect(canonicalJson('[-0]')).toBe(canonicalJson('[0]'));
    // JSON.parse would make each of these equal to its neighbour.
    expect(canonicalJson('{"n":1.0000000000000001}')).not.toBe(canonicalJson('{"n":1}'));
    expect(canonicalJson('{"id":9007199254740993}')).not.toBe(canonicalJson('{"id":9007199254740992}'));
    expect(canonicalJson('{"id":9007199254740993}')).toBe('{"id":9007199254740993}');
  });

  it('reads numbers of any length', () => {
    const long = `0.${'1'.repeat(500)}`;
    expect(canonicalJson(`{"n": ${long}0}`)).toBe(`{"n":${long}}`);
    expect(canonicalJson(`[1${'0'.repeat(1001)}]`)).toBe(canonicalJson('[1e1001]'));
  });

  it('keeps types, array order and string content apart', () => {
    const distinct = ['null', '"null"', '0', '"0"', 'false', '[]', '{}', '[1,2]', '[2,1]', '"text"', '"Text"', '{"a":"1"}', '{"a":1}', '[[]]', '[{}]', '""'];
    expect(new Set(distinct.map(canonicalJson)).size).toBe(distinct.length);
  });

  it('decodes string escapes', () => {
    expect(canonicalJson('{"s":"\\u00e9\\ud83d\\ude00"}')).toBe(canonicalJson('{"s":"é😀"}'));
    expect(canonicalJson('"a\\/b"')).toBe(canonicalJson('"a/b"'));
    expect(canonicalJson('{"\\u0061":1}')).toBe(canonicalJson('{"a":1}'));
    expect(canonicalJson('"a\\"b"')).not.toBe(canonicalJson('"a\'b"'));
  });

  it('keeps duplicate keys in order, since engines read them differently', () => {
    // PostgreSQL reads {"a":1,"a":2} as a = 2, MariaDB's JSON functions as a = 1.
    expect(canonicalJson('{"a":1,"a":2}')).toBe('{"a":1,"a":2}');
    expect(canonicalJson('{"a":1,"a":2}')).not.toBe(canonicalJson('{"a":2}'));
    expect(canonicalJson('{"a":1,"a":2}')).not.toBe(canonicalJson('{"a":1}'));
    expect(canonicalJson('{"a":1,"a":2}')).not.toBe(canonicalJson('{"a":2,"a":1}'));
    expect(canonicalJson('{"b":0,"a":1,"a":2}')).toBe(canonicalJson('{"a":1,"b":0,"a":2}'));
  });

  it('returns text that is not JSON unchanged', () => {
    for (const bad of ['{a:1}', '[1,]', '{"a":1', '01', 'nul', '[1] x', "{'a':1}"]) expect(canonicalJson(bad)).toBe(bad);
  });

  it('agrees with JSON.parse on content for documents JSON.parse reads exactly', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), (text) => {
        const canon = canonicalJson(text);
        const sortKeys = (v: unknown): unknown =>
          Array.isArray(v)
            ? v.map(sortKeys)
            : v && typeof v === 'object'
              ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
              : v;
        expect(sortKeys(JSON.parse(canon))).toEqual(sortKeys(JSON.parse(text)));
        expect(canonicalJson(canon)).toBe(canon);
      }),
    );
  });
});

describe('normalizers', () => {
  const n = (t: LogicalType) => normalizerFor(t);

  it('integers and decimals: text, driver numbers and big-endian bytes', () => {
    expect(n('integer')('42')).toBe('42');
    expect(n('integer')(42)).toBe('42');
    expect(n('integer')(-0)).toBe('0');
    expect(n('integer')('9007199254740993')).toBe('9007199254740993');
    expect(n('decimal')('10.5000')).toBe('10.5');
    expect(n('decimal')('NaN')).toBe('NaN');
    // mysql2 sends BIT(n) as big-endian bytes.
    expect(n('integer')(Buffer.from([0x01, 0x00]))).toBe('256');
    expect(n('integer')(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe('18446744073709551615');
    expect(n('integer')(Buffer.from([0x80]))).not.toBe(n('integer')(Buffer.from([0x81])));
    expect(n('integer')(null)).toBeNull();
  });

  it('booleans: t/f, 1/0 and BIT(1) agree; other small integers stay themselves', () => {
    const b = n('boolean');
    expect([b('t'), b('true'), b(1), b('1'), b(Buffer.from([1]))]).toEqual(['1', '1', '1', '1', '1']);
    expect([b('f'), b('false'), b(0), b('0'), b(Buffer.from([0]))]).toEqual(['0', '0', '0', '0', '0']);
    expect(b(2)).toBe('2');
    expect(b(null)).toBeNull();
  });

  it('float8: the double itself, however it was spelled', () => {
    const f = n('float8');
    expect(f('0.30000000000000004')).toBe(f(0.1 + 0.2));
    expect(f('0.3')).not.toBe(f(0.1 + 0.2));
    expect(f('1e300')).toBe(f(1e300));
    expect(f('-0')).toBe(f('0'));
    expect(f('NaN')).toBe('NaN');
    expect(f('Infinity')).toBe('Infinity');
    expect(f('0.10000000000000002')).not.toBe(f('0.1'));
  });

  it('float4: PostgreSQL shortest text and MariaDB exact double name the same float', () => {
    const f = n('float4');
    expect(f('1.1')).toBe(f(1.100000023841858));
    expect(f('0.1')).toBe(f(0.10000000149011612));
    expect(f('3.4028235e+38')).toBe(f(3.4028234663852886e38));
    expect(f('1.1000001')).not.toBe(f('1.1'));
    expect(f('0.10000001')).not.toBe(f('0.1'));
  });

  it('char drops pad spaces only; text keeps them', () => {
    expect(n('char')('ab   ')).toBe('ab');
    expect(n('char')(' ab')).toBe(' ab');
    expect(n('char')('ab\t')).toBe('ab\t');
    expect(n('text')('ab ')).toBe('ab ');
    const [l, r] = pairNormalizers('char', 'text');
    expect(l('ab   ')).toBe(r('ab'));
    const [tl, tr] = pairNormalizers('text', 'text');
    expect(tl('ab ')).not.toBe(tr('ab'));
  });

  it('text compared with a UUID is read as a UUID; text with text keeps its case', () => {
    const [u, t] = pairNormalizers('uuid', 'char');
    expect(u('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBe(t('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'));
    expect(u('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).not.toBe(t('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12'));
    const [t2, u2] = pairNormalizers('text', 'uuid');
    expect(t2('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(u2('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'));
    const [a, b] = pairNormalizers('char', 'char');
    expect(a('ABC')).not.toBe(b('abc'));
  });

  it('text compared with bytes is compared as its UTF-8 bytes, never as hex that it spells', () => {
    const [b, t] = pairNormalizers('bytes', 'text');
    expect(b('\\x00ff')).not.toBe(t('00ff'));
    expect(b('\\x616263')).toBe(t('abc'));
    expect(b('C3A9')).toBe(t('é'));
    expect(b('\\x')).toBe(t(''));
    expect(t(null)).toBeNull();
    const [c, b2] = pairNormalizers('char', 'bytes');
    expect(c('ab   ')).toBe(b2('6162'));
    const [i, b3] = pairNormalizers('integer', 'bytes');
    expect(i('10')).not.toBe(b3('\\x10'));
    const [b4, j] = pairNormalizers('bytes', 'json');
    expect(b4('\\x10')).not.toBe(j('10'));
  });

  it('uuid, bytes', () => {
    expect(n('uuid')('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(n('bytes')('\\x00ff10')).toBe(n('bytes')('00FF10'));
    expect(n('bytes')('\\x00ff10')).toBe('00ff10');
    expect(n('bytes')('\\x')).toBe('');
    expect(n('bytes')('\\x')).not.toBe(n('bytes')(null));
    expect(n('bytes')('\\x00')).not.toBe(n('bytes')('\\x0000'));
  });

  it('temporal and json types go through their canonical forms', () => {
    expect(n('timestamptz')('2024-03-10 14:34:56.123456+02')).toBe(n('timestamp')('2024-03-10 12:34:56.123456'));
    expect(n('date')('2024-02-29 00:00:00')).toBe('2024-02-29');
    expect(n('time')('08:00:00.5')).toBe('08:00:00.500000');
    expect(n('json')('{"b":1, "a":2}')).toBe('{"a":2,"b":1}');
  });

  it('never turns a value it cannot read into a shared string', () => {
    // A driver that parsed a value into an object (mysql2 does for geometries) would make every
    // value "[object Object]" and so equal; bytes are shown in full and anything else is refused.
    expect(n('other')(Buffer.from([0x80]))).toBe('\\x80');
    expect(n('other')(Buffer.from([0x80]))).not.toBe(n('other')(Buffer.from([0x81])));
    expect(() => n('other')({ x: 1, y: 2 } as never)).toThrow(ReckonError);
    expect(() => n('text')({ x: 1, y: 2 } as never)).toThrow(/cannot compare exactly/);
  });

  it('NULL stays NULL for every type, and no type turns text into NULL', () => {
    const types: LogicalType[] = ['integer', 'decimal', 'float4', 'float8', 'boolean', 'text', 'char', 'uuid', 'date', 'time', 'timestamp', 'timestamptz', 'json', 'bytes', 'other'];
    for (const t of types) {
      expect(n(t)(null), t).toBeNull();
      expect(n(t)('0'), t).not.toBeNull();
    }
    expect(n('text')('')).toBe('');
    expect(n('char')('')).toBe('');
  });

  it('types compared by meaning across engines share a class', () => {
    expect(new Set(['integer', 'decimal', 'boolean'].map((t) => valueClass(t as LogicalType)))).toEqual(new Set(['n']));
    expect(valueClass('timestamp')).toBe(valueClass('timestamptz'));
    expect(valueClass('text')).toBe(valueClass('char'));
    expect(valueClass('float4')).toBe(valueClass('float8'));
    expect(valueClass('json')).not.toBe(valueClass('text'));
    expect(valueClass('bytes')).not.toBe(valueClass('text'));
  });
});

describe('encodeRow', () => {
  beforeAll(async () => {
    await loadHasher();
  });

  const t2: ValueClass[] = ['t', 't'];

  it('never confuses where one field ends and the next begins', () => {
    expect(encodeRow(t2, ['ab', 'c'])).not.toBe(encodeRow(t2, ['a', 'bc']));
    expect(rowHash(t2, ['ab', 'c'])).not.toBe(rowHash(t2, ['a', 'bc']));
    expect(encodeRow(t2, ['a1:', 'b'])).not.toBe(encodeRow(t2, ['a', '1:b']));
  });

  it('keeps NULL, "N", "" and the text "null" apart', () => {
    const rows: (string | null)[][] = [[null], ['N'], [''], ['null'], ['NULL']];
    const enc = rows.map((r) => encodeRow(['t'], r));
    expect(new Set(enc).size).toBe(rows.length);
    expect(new Set(rows.map((r) => rowHash(['t'], r))).size).toBe(rows.length);
    expect(encodeRow(t2, [null, 'N'])).not.toBe(encodeRow(t2, ['N', null]));
    expect(encodeRow(t2, [null, ''])).not.toBe(encodeRow(t2, ['', null]));
  });

  it('tags each value with its class', () => {
    expect(encodeRow(['n'], ['1'])).not.toBe(encodeRow(['t'], ['1']));
    expect(rowHash(['n'], ['1'])).not.toBe(rowHash(['t'], ['1']));
  });

  it('counts length in UTF-8 bytes', () => {
    expect(encodeRow(['t'], ['é'])).toBe('t2:é');
    expect(encodeRow(['t'], ['😀'])).toBe('t4:😀');
  });

  it('encodes two rows alike exactly when their values are alike', () => {
    const value = fc.option(fc.string({ unit: 'grapheme', maxLength: 6 }), { nil: null });
    const row = fc.array(value, { minLength: 3, maxLength: 3 });
    const classes: ValueClass[] = ['t', 't', 't'];
    fc.assert(
      fc.property(row, row, (a, b) => {
        const same = a.every((v, i) => v === b[i]);
        expect(encodeRow(classes, a) === encodeRow(classes, b)).toBe(same);
        if (same) expect(rowHash(classes, a)).toBe(rowHash(classes, b));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('sameTimestamp', () => {
  it('agrees with comparing canonical forms, on spellings that differ by trailing zeros and on near instants (property)', () => {
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const instant = fc.record({
      y: fc.integer({ min: 1, max: 9999 }),
      mo: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
      s: fc.integer({ min: 0, max: 86399 }),
      us: fc.oneof(fc.constant(0), fc.constantFrom(100000, 120000, 500000, 10), fc.integer({ min: 0, max: 999999 })),
    });
    // How an engine may write it: PostgreSQL trims trailing zeros, MySQL writes all six digits;
    // sometimes with a zone suffix, sometimes nudged by a microsecond or a second.
    const spell = (t: { y: number; mo: number; d: number; s: number; us: number }, style: number) => {
      const base = `${pad(t.y, 4)}-${pad(t.mo, 2)}-${pad(t.d, 2)} ${pad(Math.floor(t.s / 3600), 2)}:${pad(Math.floor(t.s / 60) % 60, 2)}:${pad(t.s % 60, 2)}`;
      const frac = pad(t.us, 6);
      if (style === 0) return `${base}.${frac}`;
      if (style === 1) return t.us === 0 ? base : `${base}.${frac.replace(/0+$/, '')}`;
      return `${base}.${frac}+00`;
    };
    const nudge = fc.constantFrom(0, 0, 1, -1, 1_000_000);
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), nudge, (t, sa, sb, dn) => {
        const us = t.us + (dn === 1_000_000 ? 0 : dn);
        const u = { ...t, us: Math.min(999999, Math.max(0, us)), s: dn === 1_000_000 ? (t.s + 1) % 86400 : t.s };
        const a = spell(t, sa);
        const b = spell(u, sb);
        expect(sameTimestamp(a, b)).toBe(canonicalTimestamp(a) === canonicalTimestamp(b));
        expect(sameTimestamp(b, a)).toBe(canonicalTimestamp(a) === canonicalTimestamp(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('never takes added non-zero digits or other text for zeros', () => {
    expect(sameTimestamp('2024-01-02 03:04:05.12', '2024-01-02 03:04:05.120000')).toBe(true);
    expect(sameTimestamp('2024-01-02 03:04:05', '2024-01-02 03:04:05.000000')).toBe(true);
    expect(sameTimestamp('2024-01-02 03:04:05.12', '2024-01-02 03:04:05.120001')).toBe(false);
    expect(sameTimestamp('2024-01-02 03:04:05', '2024-01-02 03:04:05.100000')).toBe(false);
    expect(sameTimestamp('2024-01-02 03:04', '2024-01-02 03:04:00.000000')).toBe(false);
    expect(sameTimestamp('infinity', '2024-01-02 03:04:05.000000')).toBe(false);
  });
});
