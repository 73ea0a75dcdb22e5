/** Which columns a diff keys on and compares, decided from both tables' catalogs. */
import { ReckonError } from '../errors.ts';
import type { ColumnInfo, TableInfo, TableRef } from '../types.ts';
import { keyOrderFor } from './compare-keys.ts';

/** A column compared on both sides. */
export interface ColumnPair {
  name: string;
  left: ColumnInfo;
  right: ColumnInfo;
}

export interface Plan {
  keys: ColumnPair[];
  compared: ColumnPair[];
  leftOnly: string[];
  rightOnly: string[];
}

function findColumn(info: TableInfo, name: string): ColumnInfo | undefined {
  return info.columns.find((c) => c.name === name) ?? info.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

export function tableLabel(t: TableRef): string {
  return t.schema ? `${t.schema}.${t.name}` : t.name;
}

/** Decides key and compared columns from both catalogs; every mistake is a SCHEMA/CONFIG error. */
export function planColumns(left: TableInfo, right: TableInfo, key: string[] | undefined, columns: string[] | undefined): Plan {
  const keyNames = key && key.length > 0 ? key : left.primaryKey;
  if (keyNames.length === 0) {
    throw new ReckonError(
      'SCHEMA',
      `table ${tableLabel(left.table)} has no primary key: name unique key columns with --key`,
    );
  }
  const pair = (name: string, what: string): ColumnPair => {
    const l = findColumn(left, name);
    if (!l) throw new ReckonError('SCHEMA', `${what} ${name} does not exist in the left table ${tableLabel(left.table)}`);
    const r = findColumn(right, name);
    if (!r) throw new ReckonError('SCHEMA', `${what} ${name} does not exist in the right table ${tableLabel(right.table)}`);
    return { name: l.name, left: l, right: r };
  };
  const keys = keyNames.map((n) => pair(n, 'key column'));
  for (const k of keys) {
    const lo = keyOrderFor(k.left.logicalType);
    const ro = keyOrderFor(k.right.logicalType);
    if ((lo === 'number') !== (ro === 'number')) {
      throw new ReckonError(
        'SCHEMA',
        `key column ${k.name} is ${k.left.nativeType} on the left but ${k.right.nativeType} on the right: ` +
          `keys must order the same way on both sides`,
      );
    }
  }
  const isKey = (c: ColumnInfo, side: 'left' | 'right') => keys.some((k) => k[side] === c);
  let compared: ColumnPair[];
  const leftOnly: string[] = [];
  const rightOnly: string[] = [];
  // An explicit empty list compares keys only (the keys check uses that).
  if (columns) {
    compared = columns.map((n) => pair(n, 'column')).filter((p) => !isKey(p.left, 'left'));
  } else {
    compared = [];
    for (const l of left.columns) {
      if (isKey(l, 'left')) continue;
      const r = findColumn(right, l.name);
      if (r) compared.push({ name: l.name, left: l, right: r });
      else leftOnly.push(l.name);
    }
    for (const r of right.columns) {
      if (!isKey(r, 'right') && !findColumn(left, r.name)) rightOnly.push(r.name);
    }
  }
  return { keys, compared, leftOnly, rightOnly };
}

