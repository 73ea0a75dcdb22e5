import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyFramer, FRAME_BYTES } from '../../src/sources/copy-out.ts';
import { CopyTextParser } from '../../src/sources/copy-text.ts';

/** One protocol message: a type byte, a length that counts itself, the body. */
function message(code: string, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = Buffer.alloc(5);
  head.write(code, 0, 'latin1');
  head.writeUInt32BE(b.length + 4, 1);
  return Buffer.concat([head, b]);
}

const escape = (v: string | null) =>
  v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');

/** What a server sends for a COPY of these rows, with a notice before the rows given in `noticeAt`. */
function copyOutput(rows: (string | null)[][], noticeAt: number[] = [], ending: Buffer = message('c', '')): Buffer {
  const parts = [message('H', Buffer.from([0, 0, rows[0]?.length ?? 1, 0, 0]))];
  rows.forEach((r, i) => {
    if (noticeAt.includes(i)) parts.push(message('N', 'SNOTICE\0Mdisk is slow\0\0'));
    parts.push(message('d', r.map(escape).join('\t') + '\n'));
  });
  parts.push(ending, message('C', 'COPY 3\0'), message('Z', 'I'));
  return Buffer.concat(parts);
}

/** Feeds the bytes cut at the given points: the rows parsed, and what was handed back. */
function feed(bytes: Buffer, width: number, cuts: number[], keyCount?: number) {
  const framer = new CopyFramer();
  const parser = new CopyTextParser(width, keyCount, FRAME_BYTES);
  const rows: (string | null)[][] = [];
  let rest: Buffer | undefined;
  let ended: string | undefined;
  let at = 0;
  for (const c of [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b).concat(bytes.length)) {
    // The framer writes into the buffer, as it does into the socket's: give it a copy.
    const out = framer.frame(Buffer.from(bytes.subarray(at, c)));
    rows.push(...(parser.push(out.rows) as (string | null)[][]));
    at = c;
    if (out.ended) {
      ended = out.ended;
      rest = Buffer.concat([out.rest!, bytes.subarray(c)]);
      break;
    }
  }
  parser.end();
  return { rows, rest, ended };
}

describe('COPY output framing', () => {
  const rows = [
    ['1', 'plain', null],
    ['2', 'é😀中\ttab', 'back\\slash'],
    ['3', '', 'line\nbreak'],
  ];

  it('turns the messages into rows and hands back what follows CopyDone', () => {
    const bytes = copyOutput(rows);
    const out = feed(bytes, 3, []);
    expect(out.rows).toEqual(rows);
    expect(out.ended).toBe('done');
    expect(out.rest!.subarray(0, 1).toString()).toBe('c');
    expect(out.rest!.length).toBe(bytes.length - bytes.indexOf(message('c', '')));
  });

  it('gives the same rows wherever the network cuts the bytes, notices included', () => {
    // Rows whose message lengths hold a newline, a tab, a backslash or a UTF-8 lead byte: a
    // length byte left in the text would break the row apart or merge into a character.
    const tricky = [['12', '', ''], ['1', 'a', 'b'], ['7', 'x'.repeat(84), ''], ['8', 'y'.repeat(187), '']];
    expect(tricky.map((r) => Buffer.byteLength(r.join('\t') + '\n') + 4)).toEqual([0x09, 0x0a, 0x5c, 0xc3]);
    const all = [...rows, ...tricky];
    const bytes = copyOutput(all, [0, 2]);
    for (let c = 1; c < bytes.length; c++) {
      const out = feed(bytes, 3, [c]);
      expect(out.rows).toEqual(all);
      expect(out.rest!.toString('latin1')).toBe(bytes.subarray(bytes.length - out.rest!.length).toString('latin1'));
      expect(out.rest![0]).toBe('c'.charCodeAt(0));
    }
  });

  it('packs values after the filler, escapes and NULLs as sent, and decodes a row whose key holds an escape', () => {
    const out = feed(copyOutput([['10', 'a', 'b'], ['11', 'c\td', null], ['1\\2', 'e', 'f']]), 3, [9, 30], 1);
    expect(out.rows).toEqual([['10', 'a\tb'], ['11', 'c\\td\t\\N'], ['1\\2', 'e', 'f']]);
  });

  it('stops at an error and hands the error message to pg', () => {
    const error = message('E', 'SFATAL\0C57P01\0Mterminating connection\0\0');
    const bytes = copyOutput(rows, [], error);
    for (const c of [0, bytes.indexOf(error) + 2, bytes.length - 3]) {
      const out = feed(bytes, 3, [c]);
      expect(out.ended).toBe('error');
      expect(out.rows).toEqual(rows);
      expect(out.rest!.subarray(0, error.length)).toEqual(error);
    }
  });

  it('an error before any row ends the COPY at once', () => {
    const error = message('E', 'SERROR\0C42P01\0Mrelation does not exist\0\0');
    const out = feed(Buffer.concat([error, message('Z', 'I')]), 2, []);
    expect(out).toMatchObject({ rows: [], ended: 'error' });
    expect(out.rest!.subarray(0, error.length)).toEqual(error);
  });

  it('round-trips any rows cut at any points (property)', () => {
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: null });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), value, value), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat({ max: 30 }), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (tuples, notices, cuts) => {
          const rows = tuples.map(([k, a, b]) => [String(k), a, b]);
          const bytes = copyOutput(rows, notices);
          const out = feed(bytes, 3, cuts.map((c) => c % bytes.length));
          expect(out.rows).toEqual(rows);
          expect(out.ended).toBe('done');
        },
      ),
      { numRuns: 300 },
    );
  });
});
