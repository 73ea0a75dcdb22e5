/**
 * Parser for PostgreSQL's COPY text format: rows end with a newline, fields are separated by tabs,
 * `\N` is NULL and a backslash escapes tab, newline, carriage return, backslash and a few others.
 * Reading a scan through COPY instead of a cursor spares a round trip per batch and a native string
 * decode per field: each network chunk is decoded once, up to its last complete row, and split.
 */
import { unescapeField } from '../normalize/packed-values.ts';
import type { RawRow } from '../types.ts';

const NEWLINE = 0x0a;

/** Undoes COPY's backslash escapes in one field (the codec lives with the packed-row format). */
export { unescapeField as unescapeCopyField } from '../normalize/packed-values.ts';

/**
 * The tab-separated fields of `line[from, end)`. A line is a slice of the decoded chunk, and
 * String.split on such a slice costs about twice this loop (1M rows of a key and a digest:
 * 0.35-0.58 s against 0.19-0.24 s), which was the largest part of what reckon spent on a
 * PostgreSQL digest scan.
 */
function tabFields(line: string, from: number, end = line.length): RawRow {
  const out: RawRow = [];
  let p = from;
  for (;;) {
    const t = line.indexOf('\t', p);
    if (t < 0 || t >= end) {
      out.push(line.slice(p, end));
      return out;
    }
    out.push(line.slice(p, t));
    p = t + 1;
  }
}

/** Turns a stream of COPY text bytes into rows; feed every buffer, then call end(). */
export class CopyTextParser {
  private rest: Buffer | undefined;

  /**
   * keyCount, when given, packs the non-key values of escape-free rows (see ScanRequest). skip is
   * the number of filler bytes in front of every line (see copy-out.ts), 0 for plain COPY text.
   */
  constructor(
    private readonly width: number,
    private readonly keyCount?: number,
    private readonly skip = 0,
  ) {}

  /** Position of the next backslash at or after `from` in the text being parsed (-1: none). */
  private escape = -1;
  private escapeText = '';

  /** Whether `s[from, end)` holds a backslash; lines are asked in order, so the text is scanned once. */
  private hasEscape(s: string, from: number, end: number): boolean {
    if (this.escapeText !== s || (this.escape >= 0 && this.escape < from)) {
      this.escapeText = s;
      this.escape = s.indexOf('\\', from);
    }
    return this.escape >= 0 && this.escape < end;
  }

  /**
   * The row as its keys and its values' text as sent, still escaped (packed-values.ts reads the
   * same escapes, so a NULL or a tab in a value keeps the row packed); undefined when a key holds
   * an escape, for the row to be decoded field by field.
   */
  private packed(s: string, start: number, end: number): RawRow | undefined {
    const k = this.keyCount!;
    let at = start - 1;
    for (let i = 0; i < k; i++) {
      at = s.indexOf('\t', at + 1);
      if (at < 0 || at >= end) return undefined;
    }
    if (this.hasEscape(s, start, at)) return undefined;
    const row: RawRow = k === 1 ? [s.slice(start, at)] : tabFields(s, start, at);
    row.push(s.slice(at + 1, end));
    return row;
  }

  /** One line, `s[start, end)` without its newline, as a row. */
  private row(s: string, start: number, end: number, pack: boolean): RawRow {
    if (pack) {
      const row = this.packed(s, start, end);
      if (row) return row;
    }
    const fields = tabFields(s, start, end);
    if (fields.length !== this.width) {
      throw new Error(`COPY row has ${fields.length} fields, expected ${this.width}`);
    }
    // Most rows hold no NULL and no escape: one scan of the text settles it.
    if (!this.hasEscape(s, start, end)) return fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (f.length >= 2 && f.charCodeAt(0) === 92) {
        fields[i] = f === '\\N' ? null : unescapeField(f);
      } else if (f.includes('\\')) {
        fields[i] = unescapeField(f);
      }
    }
    return fields;
  }

  /** The complete rows in `data` (plus what was left over from the previous buffer). */
  push(data: Buffer): RawRow[] {
    const last = data.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.rest = this.rest ? Buffer.concat([this.rest, data]) : data;
      return [];
    }
    const rows: RawRow[] = [];
    const pack = this.keyCount !== undefined && this.width > this.keyCount + 1;
    const skip = this.skip;
    let from = 0;
    if (this.rest) {
      // The row cut by the previous buffer: only its own bytes are joined, not the whole buffer.
      const first = data.indexOf(NEWLINE);
      const line = Buffer.concat([this.rest, data.subarray(0, first)]).toString('utf8');
      rows.push(this.row(line, skip, line.length, pack));
      from = first + 1;
    }
    this.rest = last + 1 < data.length ? data.subarray(last + 1) : undefined;
    if (from > last) return rows;
    // A newline byte never occurs inside a multi-byte UTF-8 character, so cutting there is safe.
    // Lines are cut by indexOf in the decoded text: no string and no array per line.
    const s = data.toString('utf8', from, last + 1);
    for (let start = 0; start < s.length; ) {
      const end = s.indexOf('\n', start);
      rows.push(this.row(s, start + skip, end, pack));
      start = end + 1;
    }
    return rows;
  }

  /** The row one line holds: its bytes from the filler in front to just before its newline. */
  line(bytes: Buffer): RawRow {
    const s = bytes.toString('utf8');
    return this.row(s, this.skip, s.length, this.keyCount !== undefined && this.width > this.keyCount + 1);
  }

  /** Checks that the stream ended on a row boundary. */
  end(): void {
    if (this.rest && this.rest.length > 0) throw new Error('COPY data ended in the middle of a row');
  }
}
