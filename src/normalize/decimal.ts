/**
 * Exact decimal canonicalisation on text: 10.5, 10.50, +010.500 and 1.05e1 all become "10.5".
 * Numbers never pass through a JS number, so integers beyond 2^53 and decimals of any scale stay
 * exact.
 */

const PLAIN_INTEGER = /^-?(?:0|[1-9]\d*)$/;
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Numbers whose plain form would be longer than this are written in scientific notation
 * (`1.5e2000`). The choice depends on the value alone, so every spelling of one number (jsonb's
 * expanded 1000…0 and json's 1e1001) lands on the same side of it and stays equal.
 */
const MAX_PLAIN = 1000;

/**
 * True when `text` is already canonical: an optional minus, no leading zero (but a lone 0 before
 * the point), at most one point, and no trailing zero after it. Checked by character codes, as it
 * runs for every decimal and integer key read.
 */
function isCanonical(text: string): boolean {
  const n = text.length;
  const i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= n) return false;
  const first = text.charCodeAt(i);
  if (first < 48 || first > 57) return false;
  if (first === 48 && i + 1 < n && text.charCodeAt(i + 1) !== 46) return false;
  let point = -1;
  for (let j = i + 1; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 46) {
      if (point >= 0) return false;
      point = j;
    } else if (c < 48 || c > 57) return false;
  }
  if (point < 0) return text !== '-0';
  return point !== n - 1 && text.charCodeAt(n - 1) !== 48;
}

/**
 * A fixed-scale decimal that is canonical but for trailing zeros after its point (`10.50`,
 * `3.000`, `-0.00`: what a NUMERIC(p,s) column prints for a tenth of its values), in canonical
 * form; undefined for anything else.
 */
function withoutTrailingFraction(text: string): string | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 48) end--;
  if (end === text.length || end === 0) return undefined;
  const dropPoint = text.charCodeAt(end - 1) === 46;
  if (!dropPoint && text.lastIndexOf('.', end - 1) < 0) return undefined;
  const kept = text.slice(0, dropPoint ? end - 1 : end);
  if (kept === '-0') return '0';
  return isCanonical(kept) ? kept : undefined;
}

/** Canonical text of an exact number, or null when `text` is not a number (e.g. NaN). */
export function canonicalDecimal(text: string): string | null {
  if (text.length <= MAX_PLAIN && isCanonical(text)) return text;
  const trimmed = text.length <= MAX_PLAIN ? withoutTrailingFraction(text) : undefined;
  if (trimmed !== undefined) return trimmed;
  if (text.length <= MAX_PLAIN && PLAIN_INTEGER.test(text)) return text === '-0' ? '0' : text;
  const m = NUMBER.exec(text.trim());
  if (!m) return null;
  const sign = m[1] === '-' ? '-' : '';
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return null;
  // The value is 0.<sig> × 10^point, with sig free of leading and trailing zeros.
  const all = intPart + fracPart;
  const lead = all.search(/[1-9]/);
  if (lead < 0) return '0';
  const sig = stripTrailingZeros(all.slice(lead));
  const expText = m[4] ?? '0';
  // An exponent beyond 2^53 is kept exact as a BigInt; its plain form is always too long anyway.
  if (expText.replace(/^[+-]?0*/, '').length > 15) {
    return scientificForm(sign, sig, BigInt(intPart.length - lead) + BigInt(expText) - 1n);
  }
  const point = intPart.length - lead + Number.parseInt(expText, 10);
  const plainLength =
    sign.length + (point >= sig.length ? point : point <= 0 ? 2 - point + sig.length : sig.length + 1);
  if (plainLength > MAX_PLAIN) return scientificForm(sign, sig, point - 1);
  if (point >= sig.length) return sign + sig + '0'.repeat(point - sig.length);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${sig}`;
  return `${sign}${sig.slice(0, point)}.${sig.slice(point)}`;
}

function scientificForm(sign: string, sig: string, exponent: number | bigint): string {
  const mantissa = sig.length > 1 ? `${sig[0]}.${sig.slice(1)}` : sig;
  return `${sign}${mantissa}e${exponent}`;
}

function stripTrailingZeros(s: string): string {
  let j = s.length;
  while (j > 0 && s.charCodeAt(j - 1) === 48) j--;
  return s.slice(0, j);
}

/** Compares two canonical decimals numerically (both produced by canonicalDecimal, no exponent). */
export function compareCanonicalDecimals(a: string, b: string): number {
  if (a === b) return 0;
  const negA = a.charCodeAt(0) === 45;
  const negB = b.charCodeAt(0) === 45;
  if (negA !== negB) return negA ? -1 : 1;
  const mag = compareMagnitudes(negA ? a.slice(1) : a, negB ? b.slice(1) : b);
  return negA ? -mag : mag;
}

/**
 * Orders two canonical integers (no point, no leading zero, no `-0`), as compareCanonicalDecimals
 * does but without looking for a point: the longer magnitude is the larger. Integer keys are
 * compared about three times per row pair read.
 */
export function compareCanonicalIntegers(a: string, b: string): number {
  if (a === b) return 0;
  const negA = a.charCodeAt(0) === 45;
  const negB = b.charCodeAt(0) === 45;
  if (negA !== negB) return negA ? -1 : 1;
  const c = a.length !== b.length ? (a.length < b.length ? -1 : 1) : a < b ? -1 : 1;
  return negA ? -c : c;
}

function compareMagnitudes(a: string, b: string): number {
  const pa = a.indexOf('.');
  const pb = b.indexOf('.');
  const ia = pa < 0 ? a.length : pa;
  const ib = pb < 0 ? b.length : pb;
  if (ia !== ib) return ia < ib ? -1 : 1;
  // Same integer width: plain string order works once the fractional parts are aligned, which a
  // lexicographic comparison does because '.' sorts below every digit and absence sorts lowest.
  return a < b ? -1 : a > b ? 1 : 0;
}
