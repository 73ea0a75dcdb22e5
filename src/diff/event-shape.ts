/**
 * Merge events (rows as arrays of text) turned into what a consumer receives: DiffEvent objects,
 * or the JSON text of those objects written straight from the rows. With 10% of a large table
 * differing there are millions of events, and building an object per event only to serialise it
 * cost a third of the events' share of the run; the JSON path skips the objects and writes
 * exactly what JSON.stringify writes of them (a test holds the two paths to that).
 */
import type { Normalizer } from '../normalize/values.ts';
import type { DiffEvent, LogicalType } from '../types.ts';
import type { CanonicalRow, MergeEvent } from './merge-join.ts';

/** Characters JSON.stringify would escape (lone surrogates included). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON.stringify writes it; most values need no escape and skip its cost. */
const jsonString = (v: string): string => (NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`);

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const PLAIN_INTEGER = /^(?:0|-?[1-9]\d*)$/;

/** A key value as events carry it: an integer within 2^53 as a number, anything else as text. */
function keyValue(type: LogicalType, v: string | null): string | number {
  if (v === null) return '';
  // Canonical integers of up to 15 digits are always within 2^53.
  if (type === 'integer' && v.length <= 15) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
  }
  if (type === 'integer' && /^-?\d+$/.test(v)) {
    const b = BigInt(v);
    if (b <= MAX_SAFE && b >= -MAX_SAFE) return Number(v);
  }
  return v;
}

export interface EventShapeSpec {
  /** Column names, keys first (the order of a merge row's entries). */
  names: readonly string[];
  /** Logical type of each key column, which decides whether a key value is a number. */
  keyTypes: readonly LogicalType[];
  /** Per column, what makes a value read on each side canonical (keys arrive canonical). */
  left: readonly Normalizer[];
  right: readonly Normalizer[];
}

export interface EventShape {
  toEvent(e: MergeEvent): DiffEvent;
  /** JSON.stringify(toEvent(e)), without building the event. */
  toJson(e: MergeEvent): string;
  /** The key of a row, for error messages. */
  keyObject(row: CanonicalRow): Record<string, string | number>;
}

/**
 * The order in which an object built from these names lists them: JavaScript puts names that are
 * array indices ('0', '10') first, ascending, whatever the order they were set in; JSON.stringify
 * follows it, and so must the JSON written from rows.
 */
function propertyOrder(names: readonly string[]): number[] {
  const probe: Record<string, number> = {};
  names.forEach((n, i) => setProperty(probe, n, i));
  return Object.keys(probe).map((n) => probe[n]!);
}

/**
 * Sets an own property, whatever its name: a column may be called `__proto__`, and assigning
 * that name would set the object's prototype instead, dropping the column from the event.
 */
function setProperty<V>(o: Record<string, V>, name: string, value: V): void {
  if (name === '__proto__') Object.defineProperty(o, name, { value, enumerable: true, writable: true, configurable: true });
  else o[name] = value;
}

export function eventShape(spec: EventShapeSpec): EventShape {
  const { names, keyTypes, left, right } = spec;
  const keyLength = keyTypes.length;
  const quoted = names.map((n) => `${JSON.stringify(n)}:`);
  const keyOrder = propertyOrder(names.slice(0, keyLength));
  const rowOrder = propertyOrder(names);
  // Rank of each column in rowOrder: a changed event's columns listed in object order.
  const rank: number[] = [];
  rowOrder.forEach((c, r) => (rank[c] = r));
  const value = (v: string | null) => (v === null ? 'null' : jsonString(v));

  const keyObject = (row: CanonicalRow) => {
    const o: Record<string, string | number> = {};
    for (let i = 0; i < keyLength; i++) setProperty(o, names[i]!, keyValue(keyTypes[i]!, row[i] ?? null));
    return o;
  };
  const keyJson = (row: CanonicalRow) => {
    let out = '{';
    for (const i of keyOrder) {
      const raw = row[i] ?? null;
      const sep = out.length > 1 ? ',' : '';
      // A plain integer of up to 15 digits is its own JSON number, with no round trip through one.
      if (keyTypes[i] === 'integer' && raw !== null && raw.length <= 15 && PLAIN_INTEGER.test(raw)) {
        out += `${sep}${quoted[i]}${raw}`;
        continue;
      }
      const v = keyValue(keyTypes[i]!, raw);
      out += `${sep}${quoted[i]}${typeof v === 'number' ? String(v) : jsonString(v)}`;
    }
    return `${out}}`;
  };
  const canonical = (row: CanonicalRow, i: number, norms: readonly Normalizer[]) => (i < keyLength ? row[i] ?? null : norms[i]!(row[i] ?? null));

  return {
    keyObject,
    toEvent(e) {
      if (e.type === 'changed') {
        const l: Record<string, string | null> = {};
        const r: Record<string, string | null> = {};
        const cols = e.columns.map((i) => {
          const n = names[i]!;
          setProperty(l, n, left[i]!(e.left[i] ?? null));
          setProperty(r, n, right[i]!(e.right[i] ?? null));
          return n;
        });
        return { type: 'changed', key: keyObject(e.left), columns: cols, left: l, right: r };
      }
      const norms = e.type === 'left_only' ? left : right;
      const row: Record<string, string | null> = {};
      for (let i = 0; i < names.length; i++) setProperty(row, names[i]!, canonical(e.row, i, norms));
      return { type: e.type, key: keyObject(e.row), row };
    },
    toJson(e) {
      if (e.type === 'changed') {
        const cols = e.columns;
        let list = '';
        for (let j = 0; j < cols.length; j++) list += `${j > 0 ? ',' : ''}${jsonString(names[cols[j]!]!)}`;
        // The objects list columns in property order; `columns` keeps the table's order.
        const inOrder = cols.length > 1 ? [...cols].sort((a, b) => rank[a]! - rank[b]!) : cols;
        let l = '{';
        let r = '{';
        for (let j = 0; j < inOrder.length; j++) {
          const i = inOrder[j]!;
          const sep = j > 0 ? ',' : '';
          l += `${sep}${quoted[i]}${value(left[i]!(e.left[i] ?? null))}`;
          r += `${sep}${quoted[i]}${value(right[i]!(e.right[i] ?? null))}`;
        }
        return `{"type":"changed","key":${keyJson(e.left)},"columns":[${list}],"left":${l}},"right":${r}}}`;
      }
      const norms = e.type === 'left_only' ? left : right;
      let row = '{';
      for (let j = 0; j < rowOrder.length; j++) {
        const i = rowOrder[j]!;
        row += `${j > 0 ? ',' : ''}${quoted[i]}${value(canonical(e.row, i, norms))}`;
      }
      return `{"type":"${e.type}","key":${keyJson(e.row)},"row":${row}}}`;
    },
  };
}
