/**
 * The canonical row encoding and its 64-bit xxhash. Each field is its class tag, its UTF-8 byte
 * length, a colon and the canonical text; NULL is the single out-of-band tag `N`. The encoding is
 * a prefix code, so ('ab','c') and ('a','bc'), or NULL and 'N', can never encode alike.
 */
import xxhash from 'xxhash-wasm';
import type { ValueClass } from './values.ts';

export function encodeRow(classes: readonly ValueClass[], values: readonly (string | null)[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) out += 'N';
    else out += `${classes[i]}${Buffer.byteLength(v, 'utf8')}:${v}`;
  }
  return out;
}

type Hasher = Awaited<ReturnType<typeof xxhash>>;
let hasher: Hasher | undefined;

/** Loads the wasm hasher once; call before rowHash. */
export async function loadHasher(): Promise<void> {
  hasher ??= await xxhash();
}

/** xxhash64 (seed 0) of a row's canonical encoding. */
export function rowHash(classes: readonly ValueClass[], values: readonly (string | null)[]): bigint {
  if (!hasher) throw new Error('rowHash called before loadHasher()');
  return hasher.h64(encodeRow(classes, values));
}
