/**
 * Exact decimal arithmetic on BigInt, for reconciling sums and tolerances: a million values of 0.1
 * must add up to exactly 100000.0 on both sides, and 1% of a total must be exactly 1%.
 */
import { canonicalDecimal } from '../normalize/decimal.ts';

/** A decimal as an integer and a count of decimal places: value = n / 10^scale. */
export interface Dec {
  n: bigint;
  scale: number;
}

/** Parses a decimal text (any form canonicalDecimal accepts); null when it is not a finite number. */
export function parseDec(text: string): Dec | null {
  const c = canonicalDecimal(text);
  if (c === null || /e/i.test(c)) return null;
  const neg = c.startsWith('-');
  const body = neg ? c.slice(1) : c;
  const dot = body.indexOf('.');
  const digits = dot < 0 ? body : body.slice(0, dot) + body.slice(dot + 1);
  const scale = dot < 0 ? 0 : body.length - dot - 1;
  const n = BigInt(digits);
  return { n: neg ? -n : n, scale };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.n * 10n ** BigInt(scale - a.scale), b.n * 10n ** BigInt(scale - b.scale), scale];
}

export function sub(a: Dec, b: Dec): Dec {
  const [x, y, scale] = align(a, b);
  return { n: x - y, scale };
}

export function mul(a: Dec, b: Dec): Dec {
  return { n: a.n * b.n, scale: a.scale + b.scale };
}

export function abs(a: Dec): Dec {
  return a.n < 0n ? { n: -a.n, scale: a.scale } : a;
}

export function cmp(a: Dec, b: Dec): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function fromInt(n: number | bigint): Dec {
  return { n: BigInt(n), scale: 0 };
}

/** Canonical text of a decimal. */
export function decText(a: Dec): string {
  const neg = a.n < 0n;
  let digits = (neg ? -a.n : a.n).toString();
  if (a.scale > 0) {
    digits = digits.padStart(a.scale + 1, '0');
    digits = `${digits.slice(0, digits.length - a.scale)}.${digits.slice(digits.length - a.scale)}`;
  }
  return canonicalDecimal((neg ? '-' : '') + digits) ?? '0';
}

/** a / b rounded half away from zero to `places` decimals (for display of averages). */
export function divide(a: Dec, b: Dec, places: number): Dec {
  if (b.n === 0n) throw new RangeError('division by zero');
  // (a.n / 10^a.scale) / (b.n / 10^b.scale) = a.n * 10^b.scale / (b.n * 10^a.scale)
  let num = a.n * 10n ** BigInt(b.scale + places + 1);
  let den = b.n * 10n ** BigInt(a.scale);
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  let q = num / den;
  q = q >= 0n ? (q + 5n) / 10n : (q - 5n) / 10n;
  return { n: q, scale: places };
}
