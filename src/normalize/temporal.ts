/**
 * Dates, times and timestamps as canonical text, without JS Date on the value path: a Date keeps
 * milliseconds only and shifts calendar dates with the process time zone.
 *
 * Canonical timestamp: `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, always six fractional digits, so equal
 * instants are equal strings and string order is time order. A timestamp without a zone is taken
 * as UTC, which makes PostgreSQL `timestamp`, `timestamptz` (read with session zone UTC), MySQL
 * `DATETIME` and `TIMESTAMP` (read with time_zone '+00:00') comparable.
 */

const TS =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?))?( BC)?$/;

const FRACTION_PAD = '000000';

function fraction6(frac: string | undefined): string {
  if (!frac) return FRACTION_PAD;
  // Digits beyond microseconds are beyond what either engine stores; truncation keeps exactness
  // for every value the engines can hold.
  return frac.length >= 6 ? frac.slice(0, 6) : frac + FRACTION_PAD.slice(frac.length);
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DD HH:MM:SS.ffffff`, the canonical shape, checked by position without a regex. */
function isCanonicalShape(t: string): boolean {
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 32 || t.charCodeAt(13) !== 58) return false;
  if (t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46) return false;
  for (const i of DIGIT_POSITIONS) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25];

/** The first n characters of the canonical shape (n >= 19): a timestamp with a shorter fraction. */
function isCanonicalPrefix(t: string, n: number): boolean {
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 32 || t.charCodeAt(13) !== 58) return false;
  if (t.charCodeAt(16) !== 58 || (n > 19 && t.charCodeAt(19) !== 46)) return false;
  for (const i of DIGIT_POSITIONS) {
    if (i >= n) break;
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A timestamp text that canonicalTimestamp only pads: UTC wall time, fraction of 0-6 digits. */
const isPlain = (t: string, n: number) => n >= 19 && n <= 26 && n !== 20 && isCanonicalPrefix(t, n);

/** Canonical timestamp text, or the input unchanged when it is not a plain timestamp (infinity, BC). */
export function canonicalTimestamp(text: string): string {
  // Fast paths for what the engines send for microsecond columns: MySQL DATETIME(6) and
  // PostgreSQL timestamp as they are, PostgreSQL timestamptz in UTC with a trailing +00.
  if (text.length === 26 && isCanonicalShape(text)) return text;
  if (text.length === 29 && text.charCodeAt(26) === 43 && text.charCodeAt(27) === 48 && text.charCodeAt(28) === 48 && isCanonicalShape(text)) {
    return text.slice(0, 26);
  }
  // PostgreSQL timestamp text drops trailing fractional zeros: `…:56`, `…:56.5`, `…:56.0405`.
  const n = text.length;
  if (isPlain(text, n)) {
    return n === 19 ? `${text}.000000` : text + FRACTION_PAD.slice(n - 20);
  }
  const m = TS.exec(text);
  if (!m || m[9]) return text;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as string[];
  const micros = fraction6(frac);
  if (!zone || zone === 'Z' || /^[+-]00(?::?00)?(?::?00)?$/.test(zone)) {
    return `${y}-${mo}-${d} ${h}:${mi}:${s}.${micros}`;
  }
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(/:/g, '');
  const offsetSeconds =
    sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60 + Number(digits.slice(4, 6) || '0'));
  // Whole seconds are exact in a Date; the microseconds are carried separately.
  const t = new Date(0);
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  t.setUTCHours(Number(h), Number(mi), Number(s) - offsetSeconds, 0);
  const year = t.getUTCFullYear();
  const yearText = year < 1000 ? String(year).padStart(4, '0') : String(year);
  return `${yearText}-${two(t.getUTCMonth() + 1)}-${two(t.getUTCDate())} ${two(t.getUTCHours())}:${two(
    t.getUTCMinutes(),
  )}:${two(t.getUTCSeconds())}.${micros}`;
}

const TIME = /^(-?\d{2,3}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** Canonical time of day (`HH:MM:SS.ffffff`), or the input unchanged when it has another form. */
export function canonicalTime(text: string): string {
  const m = TIME.exec(text);
  if (!m) return text;
  return `${m[1]}:${m[2]}:${m[3]}.${fraction6(m[4])}`;
}

const MIDNIGHT_SUFFIX = /^\d{4}-\d{2}-\d{2} 00:00:00(?:\.0*)?$/;

/**
 * Dates are compared as calendar text; only a midnight time part some drivers append is dropped.
 * Any other time part is kept, so a value that is not a whole day never equals one that is.
 */
export function canonicalDate(text: string): string {
  return text.length > 10 && text.charCodeAt(10) === 32 && MIDNIGHT_SUFFIX.test(text) ? text.slice(0, 10) : text;
}

/** What padding a plain timestamp adds, by how many characters it adds: with its point, or zeros only. */
const POINT_TAILS = Array.from({ length: 8 }, (_, k) => `.${FRACTION_PAD}`.slice(0, k));
const ZERO_TAILS = Array.from({ length: 7 }, (_, k) => FRACTION_PAD.slice(0, k));

/**
 * Whether two timestamp texts name the same instant, without building either canonical form in
 * the common case: both plain (one engine writes `…:05.12` where the other writes `…:05.120000`,
 * or `…:05` and `…:05.000000`, or the two differ in the seconds), where the shorter must be a
 * prefix of the longer and what the longer adds only fractional zeros. Anything else is settled by
 * the canonical forms.
 */
export function sameTimestamp(a: string, b: string): boolean {
  if (a === b) return true;
  const na = a.length;
  const nb = b.length;
  if (isPlain(a, na) && isPlain(b, nb)) {
    if (na === nb) return false;
    const s = na < nb ? a : b;
    const l = na < nb ? b : a;
    // l must be s and what padding s to the canonical form would add (the point when s has none).
    const tail = (s.length === 19 ? POINT_TAILS : ZERO_TAILS)[l.length - s.length];
    return tail !== undefined && l.startsWith(s) && l.endsWith(tail);
  }
  return canonicalTimestamp(a) === canonicalTimestamp(b);
}
