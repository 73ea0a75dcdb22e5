import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unpackRow } from '../../src/diff/merge-join.ts';
import { CopyTextParser, unescapeCopyField } from '../../src/sources/copy-text.ts';

/** COPY text escaping as PostgreSQL writes it, to build inputs. */
function escape(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

function feed(rows: (string | null)[][], cuts: number[]): (string | null)[][] {
  const bytes = Buffer.from(rows.map((r) => r.map(escape).join('\t') + '\n').join(''), 'utf8');
  const parser = new CopyTextParser(rows[0]?.length ?? 1);
  const out: (string | null)[][] = [];
  let at = 0;
  for (const c of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b).concat(bytes.length)) {
    out.push(...(parser.push(bytes.subarray(at, c)) as (string | null)[][]));
    at = c;
  }
  parser.end();
  return out;
}

describe('COPY text parser', () => {
  it('reads NULL, empty strings, escapes and non-ASCII text', () => {
    const rows = [
      ['1', null, '', 'a\tb', 'line\nbreak', 'back\\slash', '\\N', 'é😀中'],
      ['2', 'x', '\r', '\\', '', null, 'N', 'plain'],
    ];
    expect(feed(rows, [])).toEqual(rows);
  });

  it('gives the same rows wherever the network cuts the bytes, even inside a UTF-8 character', () => {
    const rows = [['1', 'é😀中', 'x'], ['2', 'ß\t\\', null], ['3', '', '😀']];
    const total = Buffer.byteLength(rows.map((r) => r.map(escape).join('\t') + '\n').join(''));
    for (let c = 1; c < total; c++) expect(feed(rows, [c])).toEqual(rows);
  });

  it('round-trips any values split at random points (property)', () => {
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(400), { maxLength: 6 }), (rows, cuts) => {
        // PostgreSQL text cannot hold NUL; everything else must survive.
        const clean = rows.map((r) => r.map((v) => (v === null ? null : v.replace(/\0/g, ''))));
        expect(feed(clean, cuts)).toEqual(clean);
      }),
    );
  });

  it('packs the values of every row whose keys hold no escape, NULLs and escapes included, and unpacking gives the values (property)', () => {
    const value = fc.option(fc.string({ unit: fc.constantFrom('a', 'é', '\\', '\t', '\n', '\r', 'N', '\b'), maxLength: 6 }), { nil: null });
    const key = fc.string({ unit: fc.constantFrom('k', '1', '\\', '\t'), minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.array(fc.tuple(key, key, value, value, value), { minLength: 1, maxLength: 20 }), (k, tuples) => {
        const rows = tuples.map(([a, b, ...values]) => [a, ...(k === 2 ? [b] : []), ...values]);
        const width = k + 3;
        const bytes = Buffer.from(rows.map((r) => r.map(escape).join('\t') + '\n').join(''), 'utf8');
        const parsed = new CopyTextParser(width, k).push(bytes);
        expect(parsed.length).toBe(rows.length);
        parsed.forEach((row, i) => {
          const keyEscaped = rows[i]!.slice(0, k).some((v) => escape(v) !== v);
          expect(row.length).toBe(keyEscaped ? width : k + 1);
          expect(unpackRow(row as (string | null)[], k, width)).toEqual(rows[i]);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('packs and splits alike wherever the network cuts framed rows (property)', () => {
    // Rows as copy-out.ts leaves them: filler bytes in front of each line, cut anywhere, with the
    // escapes that decide packing now and then a whole buffer away from the row they belong to.
    const value = fc.option(fc.string({ unit: fc.constantFrom('a', 'é', '😀', '\\', '\t', '\n', 'N'), maxLength: 5 }), { nil: null });
    const key = fc.string({ unit: fc.constantFrom('k', '1', 'é', '\\'), minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value, value), { minLength: 1, maxLength: 30 }), fc.array(fc.nat(600), { maxLength: 8 }), (rows, cuts) => {
        const bytes = Buffer.from(rows.map((r) => '   ' + r.map(escape).join('\t') + '\n').join(''), 'utf8');
        const whole = new CopyTextParser(3, 1, 3).push(Buffer.from(bytes));
        const parser = new CopyTextParser(3, 1, 3);
        const pieces: unknown[] = [];
        let at = 0;
        for (const c of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b).concat(bytes.length)) {
          pieces.push(...parser.push(Buffer.from(bytes.subarray(at, c))));
          at = c;
        }
        parser.end();
        expect(pieces).toEqual(whole);
        expect(whole.map((r) => unpackRow([...(r as (string | null)[])], 1, 3))).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes octal and hex escapes', () => {
    expect(unescapeCopyField('\\101\\x42\\7')).toBe('AB\x07');
  });

  it('refuses a row with the wrong number of fields and data that stops mid-row', () => {
    expect(() => new CopyTextParser(2).push(Buffer.from('1\t2\t3\n'))).toThrow(/3 fields, expected 2/);
    const p = new CopyTextParser(2);
    p.push(Buffer.from('1\t2\n3\t'));
    expect(() => p.end()).toThrow(/middle of a row/);
  });
});
