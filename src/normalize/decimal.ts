/**
 * Exact decimal canonicalisation on text: 10.5, 10.50, +010.500 and 1.05e1 all become "10.5".
 * Numbers never pass through a JS number, so integers beyond 2^53 and decimals of any scale stay
 * exact.
 */

const PLAIN_INTEGER = /^-?(?:0|[1-9]\d*)$/;
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Exponents beyond this stay in scientific form rather than expanding into huge strings. */
const MAX_EXPANSION = 1000;

/** Canonical text of an exact number, or null when `text` is not a number (e.g. NaN). */
export function canonicalDecimal(text: string): string | null {
  if (PLAIN_INTEGER.test(text)) return text === '-0' ? '0' : text;
  const m = NUMBER.exec(text.trim());
  if (!m) return null;
  const sign = m[1] === '-' ? '-' : '';
  let intPart = m[2] ?? '';
  let fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return null;
  const exp = m[4] ? Number.parseInt(m[4], 10) : 0;
  if (exp !== 0) {
    if (Math.abs(exp) > MAX_EXPANSION) return scientific(sign, intPart + fracPart, intPart.length + exp);
    const digits = intPart + fracPart;
    let point = intPart.length + exp;
    if (point < 0) {
      intPart = '';
      fracPart = '0'.repeat(-point) + digits;
    } else if (point > digits.length) {
      intPart = digits + '0'.repeat(point - digits.length);
      fracPart = '';
    } else {
      intPart = digits.slice(0, point);
      fracPart = digits.slice(point);
    }
    point = 0;
  }
  intPart = stripLeadingZeros(intPart);
  fracPart = stripTrailingZeros(fracPart);
  if (intPart === '' && fracPart === '') return '0';
  const body = (intPart === '' ? '0' : intPart) + (fracPart === '' ? '' : '.' + fracPart);
  return sign + body;
}

function scientific(sign: string, digits: string, pointPos: number): string {
  const lead = digits.search(/[1-9]/);
  if (lead < 0) return '0';
  const sig = stripTrailingZeros(digits.slice(lead));
  const exponent = pointPos - lead - 1;
  const mantissa = sig.length > 1 ? `${sig[0]}.${sig.slice(1)}` : sig;
  return `${sign}${mantissa}e${exponent}`;
}

function stripLeadingZeros(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === 48) i++;
  return s.slice(i);
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
