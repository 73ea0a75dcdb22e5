/**
 * PostgreSQL's binary COPY format, for the byte-for-byte merge of two PostgreSQL servers
 * (diff/text-merge.ts): the server sends each value by its type's send function, which costs it
 * about a quarter less than writing the text COPY sends (1M rows of the bench's `orders` table:
 * 0.58-0.74 s against 0.79-0.92 s into /dev/null), and equal values of one type are equal bytes
 * just as their texts are. Only the rows whose bytes differ are decoded, here, into the very text
 * a text COPY sends for them, so the rest of reckon reads them as it always has.
 *
 * A tuple is a 16-bit field count and, per field, a 32-bit length (-1: NULL) and that many bytes,
 * and the server sends each in a CopyData message of its own, whose length says where the tuple
 * ends: one read per row where walking its fields would take one per field. The stream opens with
 * a 19-byte header and closes with a field count of -1; binaryTuples takes both off.
 *
 * Only types whose binary form is a plain function of the value, and whose text this file can
 * write exactly as the server does, are read this way (binaryKind); a scan with any other column
 * is read as text.
 */
import type { LogicalType, RawRow } from '../types.ts';
import { baseType } from './row-text.ts';
import type { RecordFraming } from './source.ts';

/** How one selected column's binary value is turned into its COPY text. */
export type BinaryKind = 'int' | 'numeric' | 'text' | 'bool' | 'date' | 'timestamp' | 'timestamptz' | 'uuid';

/** What decides a column's kind: its logical type, the native type, how the scan selects it. */
export interface BinaryColumn {
  type: LogicalType;
  nativeType?: string;
  /** A timestamptz selected as itself (ScanRequest withOffset); otherwise it is cast to timestamp. */
  withOffset?: boolean;
}

const NATIVE_KINDS: Record<string, BinaryKind> = {
  smallint: 'int',
  integer: 'int',
  bigint: 'int',
  numeric: 'numeric',
  text: 'text',
  'character varying': 'text',
  character: 'text',
  boolean: 'bool',
  date: 'date',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  uuid: 'uuid',
};

/** The kind each logical type must come with: reckon reads the column as that type. */
const LOGICAL_KINDS: Partial<Record<LogicalType, BinaryKind>> = {
  integer: 'int',
  decimal: 'numeric',
  text: 'text',
  char: 'text',
  boolean: 'bool',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  uuid: 'uuid',
};

/**
 * The kind a selected column is decoded as, or undefined when the scan must be read as text: a
 * type outside NATIVE_KINDS (a domain, an enum, oid, floats, json…) or one whose logical type
 * says otherwise. A timestamptz the scan casts to its UTC wall time arrives as a timestamp.
 */
export function binaryKind(c: BinaryColumn): BinaryKind | undefined {
  if (c.nativeType === undefined) return undefined;
  const kind = NATIVE_KINDS[baseType(c.nativeType)];
  if (kind === undefined || LOGICAL_KINDS[c.type] !== kind) return undefined;
  return kind === 'timestamptz' && !c.withOffset ? 'timestamp' : kind;
}

/** The 11-byte signature that opens a binary COPY, then 32-bit flags and header-extension length. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
/** A CopyData message's header: `d` and the 32-bit length of the message (itself included). */
const MESSAGE = 5;
const COPY_DATA = 0x64;
/** The trailer's message: a header and a field count of -1. */
const TRAILER = MESSAGE + 2;
const EMPTY = Buffer.alloc(0);

/** The 32-bit big-endian length at `p`, read without the bounds checks of readUInt32BE. */
const length32 = (b: Buffer, p: number) => b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);

/**
 * The tuples of a binary COPY as its CopyData messages (copy-out.ts without filler), one tuple a
 * message: the header is cut out of the first message, whose length is mended to match, and the
 * trailer (a lone field count of -1, a message of its own) is held back and checked at the end,
 * so every message left is a tuple.
 */
export async function* binaryTuples(buffers: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = EMPTY;
  let held: Buffer = EMPTY;
  for await (let b of buffers) {
    if (head !== undefined) {
      head = head.length > 0 ? Buffer.concat([head, b]) : b;
      if (head.length < MESSAGE + HEADER_BYTES) continue;
      if (head[0] !== COPY_DATA || !head.subarray(MESSAGE, MESSAGE + SIGNATURE.length).equals(SIGNATURE)) {
        throw new Error('binary COPY data without its signature');
      }
      const cut = HEADER_BYTES + head.readUInt32BE(MESSAGE + SIGNATURE.length + 4);
      if (head.length < MESSAGE + cut) continue;
      // The first message's header moves up to just before its tuple, over the file header's end.
      const length = head.readUInt32BE(1) - cut;
      head[cut] = COPY_DATA;
      head.writeUInt32BE(length, cut + 1);
      b = head.subarray(cut);
      head = undefined;
    }
    if (held.length > 0) {
      if (b.length >= TRAILER) yield held;
      else b = Buffer.concat([held, b]);
    }
    if (b.length > TRAILER) yield b.subarray(0, b.length - TRAILER);
    held = b.length > TRAILER ? b.subarray(b.length - TRAILER) : b;
  }
  if (head !== undefined || held.length !== TRAILER || held[0] !== COPY_DATA || held.readUInt32BE(1) !== TRAILER - 1 || held.readInt16BE(MESSAGE) !== -1) {
    throw new Error('binary COPY data ended without its trailer');
  }
}

/** End (exclusive) of the tuple message that starts at `start`, or -1 when it has not all arrived. */
export function tupleEnd(buf: Buffer, start: number): number {
  if (start + MESSAGE > buf.length) return -1;
  const end = start + 1 + length32(buf, start + 1);
  return end <= buf.length ? end : -1;
}

/**
 * How many bytes of `next` complete the tuple message whose first bytes are `head` (cut where one
 * buffer ended), or -1 when `next` does not hold its end either.
 */
export function tupleEndAcross(head: Buffer, next: Buffer): number {
  const h = head.length;
  if (h + next.length < MESSAGE) return -1;
  const bytes = Buffer.concat([head.subarray(0, MESSAGE), next.subarray(0, Math.max(0, MESSAGE - h))]);
  const k = 1 + length32(bytes, 1) - h;
  return k <= next.length ? k : -1;
}

/** Records that are binary COPY tuples, a message each. */
export const TUPLE_FRAMING: RecordFraming = {
  end: tupleEnd,
  endIn: tupleEndAcross,
  terminator: 0,
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** numeric_out of a binary numeric: base-10000 digits, their weight, a sign and a display scale. */
function numericText(b: Buffer, p: number): string {
  const ndigits = b.readInt16BE(p);
  const weight = b.readInt16BE(p + 2);
  const sign = b.readUInt16BE(p + 4);
  const dscale = b.readInt16BE(p + 6);
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  const digit = (i: number) => (i >= 0 && i < ndigits ? b.readInt16BE(p + 8 + 2 * i) : 0);
  let out = sign === 0x4000 ? '-' : '';
  if (weight < 0) out += '0';
  else {
    out += String(digit(0));
    for (let i = 1; i <= weight; i++) out += pad(digit(i), 4);
  }
  if (dscale > 0) {
    let frac = '';
    for (let i = weight + 1; frac.length < dscale; i++) frac += pad(digit(i), 4);
    out += '.' + frac.slice(0, dscale);
  }
  return out;
}

/** 2000-01-01, PostgreSQL's epoch, as days since 1970-01-01. */
const PG_EPOCH_DAYS = 10957;
const US_PER_DAY = 86_400_000_000n;

/** A proleptic Gregorian date from days since 1970-01-01 (Hinnant's civil_from_days). */
function civil(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: era * 400 + yoe + (m <= 2 ? 1 : 0), m, d };
}

/** A date as DateStyle ISO writes it: year 0 and before are 1 BC and before. */
function dateText(pgDays: number): { text: string; bc: boolean } {
  const { y, m, d } = civil(pgDays + PG_EPOCH_DAYS);
  const bc = y <= 0;
  return { text: `${pad(bc ? 1 - y : y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, bc };
}

/** timestamp_out (or timestamptz_out in a UTC session, `+00` before any ` BC`) of microseconds since 2000-01-01. */
function timestampText(us: bigint, zone: boolean): string {
  if (us === 0x7fffffffffffffffn) return 'infinity';
  if (us === -0x8000000000000000n) return '-infinity';
  let days = us / US_PER_DAY;
  let rem = us % US_PER_DAY;
  if (rem < 0n) {
    rem += US_PER_DAY;
    days -= 1n;
  }
  const date = dateText(Number(days));
  const t = Number(rem);
  const secs = Math.floor(t / 1_000_000);
  const micros = t % 1_000_000;
  let text = `${date.text} ${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  if (micros > 0) text += '.' + pad(micros, 6).replace(/0+$/, '');
  if (zone) text += '+00';
  return date.bc ? `${text} BC` : text;
}

function uuidText(b: Buffer, p: number): string {
  const h = b.toString('hex', p, p + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** One value's COPY text from its `len` binary bytes at `p`. */
function valueText(kind: BinaryKind, b: Buffer, p: number, len: number): string {
  switch (kind) {
    case 'int':
      return len === 8 ? b.readBigInt64BE(p).toString() : String(len === 4 ? b.readInt32BE(p) : b.readInt16BE(p));
    case 'numeric':
      return numericText(b, p);
    case 'text':
      return b.toString('utf8', p, p + len);
    case 'bool':
      return b[p] ? 't' : 'f';
    case 'date': {
      const days = b.readInt32BE(p);
      if (days === 0x7fffffff) return 'infinity';
      if (days === -0x80000000) return '-infinity';
      const d = dateText(days);
      return d.bc ? `${d.text} BC` : d.text;
    }
    case 'timestamp':
    case 'timestamptz':
      return timestampText(b.readBigInt64BE(p), kind === 'timestamptz');
    case 'uuid':
      return uuidText(b, p);
  }
}

/** The row one tuple message holds, as a text COPY gives it. */
export function decodeTuple(record: Buffer, kinds: readonly BinaryKind[]): RawRow {
  const n = record.readInt16BE(MESSAGE);
  if (n !== kinds.length) throw new Error(`binary COPY tuple has ${n} fields, expected ${kinds.length}`);
  let p = MESSAGE + 2;
  const row: RawRow = [];
  for (const kind of kinds) {
    const len = record.readInt32BE(p);
    p += 4;
    if (len < 0) row.push(null);
    else {
      row.push(valueText(kind, record, p, len));
      p += len;
    }
  }
  return row;
}
