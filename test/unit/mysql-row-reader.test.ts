/**
 * The MySQL row reader on hand-made packets: every length encoding of the protocol (including the
 * 8-byte one, which no test table reaches), a packet cut short, and the results it leaves to
 * mysql2. test/db/mysql-row-reader.test.ts holds it to mysql2's own parse on real results.
 */
import { describe, expect, it } from 'vitest';
import { rowReader, type ResultField } from '../../src/sources/mysql-row-reader.ts';

const LONGLONG: ResultField = { columnType: 8, characterSet: 63, encoding: 'binary' };
const INT: ResultField = { columnType: 3, characterSet: 63, encoding: 'binary' };
const TEXT: ResultField = { columnType: 253, characterSet: 224, encoding: 'utf8' };
const BYTES: ResultField = { columnType: 252, characterSet: 63, encoding: 'binary' };

/** A field with its length written in the given encoding: 1, 2, 3 or 8 bytes (251 = NULL). */
function field(value: Buffer | null, width: 1 | 3 | 4 | 9 = 1): Buffer {
  if (value === null) return Buffer.from([251]);
  const n = value.length;
  const head =
    width === 1
      ? Buffer.from([n])
      : width === 3
        ? Buffer.from([252, n & 0xff, n >> 8])
        : width === 4
          ? Buffer.from([253, n & 0xff, (n >> 8) & 0xff, n >> 16])
          : Buffer.concat([Buffer.from([254]), Buffer.from(new BigUint64Array([BigInt(n)]).buffer)]);
  return Buffer.concat([head, value]);
}

/** A packet as mysql2 hands it on: a 4-byte header, then the payload, inside a larger buffer. */
function packet(...fields: Buffer[]): { buffer: Buffer; start: number; end: number } {
  const payload = Buffer.concat(fields);
  const buffer = Buffer.concat([Buffer.from('junk'), Buffer.alloc(4), payload, Buffer.from('more')]);
  return { buffer, start: 8, end: 8 + payload.length };
}

describe('rowReader', () => {
  it('reads each length encoding, NULL, signed integers and every kind of value', () => {
    const read = rowReader([LONGLONG, INT, INT, TEXT, TEXT, TEXT, BYTES, TEXT, TEXT])!;
    const long = 'é'.repeat(40_000);
    const p = packet(
      field(Buffer.from('-9223372036854775808')),
      field(Buffer.from('-42')),
      field(Buffer.from('+7'), 3),
      field(Buffer.from('😀 tab\there')),
      field(null),
      field(Buffer.from(long), 4),
      field(Buffer.from([0, 255, 10]), 9),
      field(Buffer.from('')),
      field(Buffer.from('short'), 9),
    );
    expect(read(p.buffer, p.start, p.end)).toEqual([
      '-9223372036854775808',
      -42,
      7,
      '😀 tab\there',
      null,
      long,
      Buffer.from([0, 255, 10]),
      '',
      'short',
    ]);
  });

  it('throws when a field runs past the end of its packet', () => {
    const read = rowReader([LONGLONG, TEXT])!;
    const p = packet(field(Buffer.from('1')), field(Buffer.from('abcdef')));
    expect(() => read(p.buffer, p.start, p.end - 2)).toThrow(/ends inside its field 2 \(2 bytes short\)/);
  });

  it('leaves to mysql2 the types and character sets it does not read', () => {
    expect(rowReader([LONGLONG, TEXT, BYTES])).toBeDefined();
    expect(rowReader([LONGLONG, { columnType: 5, characterSet: 63, encoding: 'binary' }])).toBeUndefined(); // DOUBLE
    expect(rowReader([LONGLONG, { columnType: 245, characterSet: 63, encoding: 'binary' }])).toBeUndefined(); // JSON
    expect(rowReader([LONGLONG, { ...TEXT, extendedFormat: 'json' }])).toBeUndefined(); // MariaDB JSON
    expect(rowReader([LONGLONG, { columnType: 253, characterSet: 8, encoding: 'latin1' }])).toBeUndefined();
    expect(rowReader([{ columnType: 16, characterSet: 63, encoding: 'binary' }])).toBeUndefined(); // BIT
  });
});
