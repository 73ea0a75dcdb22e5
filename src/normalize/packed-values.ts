/**
 * Packed values: a row's non-key values as one string, each value escaped as in PostgreSQL's COPY
 * text format (`\N` for NULL; backslash, tab, newline and carriage return escaped) and joined by
 * TAB. Sources may deliver rows this way (ScanRequest.packValues) so that rows which agree can be
 * compared as one string; the escaping is injective, so equal packed strings mean equal values.
 */

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Undoes the backslash escapes of one field (COPY text format). */
export function unescapeField(field: string): string {
  let out = '';
  let i = 0;
  while (i < field.length) {
    const slash = field.indexOf('\\', i);
    if (slash < 0 || slash === field.length - 1) {
      out += field.slice(i);
      break;
    }
    out += field.slice(i, slash);
    const c = field[slash + 1]!;
    if (c in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[c];
      i = slash + 2;
    } else if (c >= '0' && c <= '7') {
      const m = /^[0-7]{1,3}/.exec(field.slice(slash + 1, slash + 4))![0];
      out += String.fromCharCode(Number.parseInt(m, 8));
      i = slash + 1 + m.length;
    } else if (c === 'x' && /[0-9a-fA-F]/.test(field[slash + 2] ?? '')) {
      const m = /^[0-9a-fA-F]{1,2}/.exec(field.slice(slash + 2, slash + 4))![0];
      out += String.fromCharCode(Number.parseInt(m, 16));
      i = slash + 2 + m.length;
    } else {
      out += c;
      i = slash + 2;
    }
  }
  return out;
}

/** One packed field back to its value: `\N` is NULL. */
export function decodeField(field: string): string | null {
  if (field.length >= 2 && field.charCodeAt(0) === 92 && field === '\\N') return null;
  return field.includes('\\') ? unescapeField(field) : field;
}

/** The values of a packed string. */
export function unpackValues(packed: string): (string | null)[] {
  // A loop of indexOf and slice: String.split took twice as long, for every row that becomes an event.
  const escaped = packed.includes('\\');
  const out: (string | null)[] = [];
  let start = 0;
  for (;;) {
    const end = packed.indexOf('\t', start);
    const field = end < 0 ? packed.slice(start) : packed.slice(start, end);
    out.push(escaped ? decodeField(field) : field);
    if (end < 0) return out;
    start = end + 1;
  }
}

/** Separator and NULL mark of packed bytes: bytes that never occur in UTF-8. */
const BYTE_SEPARATOR = 0xff;
const BYTE_NULL = 0xfe;

/** The values of packed bytes (ScanRequest.packValues 'bytes'): UTF-8 text joined by 0xFF, NULL as 0xFE. */
export function unpackBytes(packed: Uint8Array): (string | null)[] {
  const b = Buffer.isBuffer(packed) ? packed : Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const out: (string | null)[] = [];
  let start = 0;
  for (;;) {
    const end = b.indexOf(BYTE_SEPARATOR, start);
    const stop = end < 0 ? b.length : end;
    out.push(stop - start === 1 && b[start] === BYTE_NULL ? null : b.toString('utf8', start, stop));
    if (end < 0) return out;
    start = end + 1;
  }
}

/** Whether two packed entries hold the same values: packed alike and equal byte for byte. */
export function samePacked(a: unknown, b: unknown): boolean {
  if (typeof a === 'string') return a === b;
  return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
}
