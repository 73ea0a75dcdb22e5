/**
 * The single total order on keys. It must agree exactly with the ORDER BY both sources use
 * (see sources/dialect.ts): numbers numerically, text in UTF-8 byte order (PostgreSQL COLLATE "C",
 * MySQL binary), and every other key class (dates, timestamps, UUIDs, bytes as hex) by its
 * fixed-width ASCII canonical text, whose string order is its value order.
 */
import type { Key, LogicalType } from '../types.ts';
import { compareCanonicalDecimals, compareCanonicalIntegers } from '../normalize/decimal.ts';

/** How one key column is ordered. */
export type KeyOrder = 'number' | 'text' | 'ascii';

export function keyOrderFor(type: LogicalType): KeyOrder {
  switch (type) {
    case 'integer':
    case 'decimal':
    case 'boolean':
    case 'float4':
    case 'float8':
      return 'number';
    case 'text':
    case 'char':
    case 'json':
    case 'other':
      return 'text';
    default:
      return 'ascii';
  }
}

/**
 * Compares strings by Unicode code point, which is UTF-8 byte order. JS's `<` compares UTF-16
 * code units, which disagrees when a surrogate pair (U+10000 and up) meets U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && cb >= 0xd800) {
      // Lift surrogates above the rest of the BMP so code-unit order becomes code-point order.
      ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
      cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    }
    return ca < cb ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

function compareFloats(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type KeyComparator = (a: Key, b: Key) => number;

/**
 * Builds the comparator for keys whose columns have the given orders and logical types. A column
 * given as 'integer' must hold canonical integers on both sides (decimal when one side may hold
 * fractions).
 */
export function keyComparator(types: readonly LogicalType[]): KeyComparator {
  const parts = types.map((t) => {
    if (t === 'float4' || t === 'float8') return compareFloats;
    if (t === 'integer') return compareCanonicalIntegers;
    const order = keyOrderFor(t);
    return order === 'number' ? compareCanonicalDecimals : order === 'text' ? compareCodePoints : compareAscii;
  });
  if (parts.length === 1) {
    const only = parts[0]!;
    return (a, b) => only(a[0]!, b[0]!);
  }
  return (a, b) => {
    for (let i = 0; i < parts.length; i++) {
      const c = parts[i]!(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return 0;
  };
}
