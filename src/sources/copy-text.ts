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

  /**
   * The row as its keys and its values' text as sent, still escaped (packed-values.ts reads the
   * same escapes, so a NULL or a tab in a value keeps the row packed); undefined when a key holds
   * an escape, for the row to be decoded field by field.
   */
  private packed(line: string): RawRow | undefined {
    const k = this.keyCount!;
    let at = this.skip - 1;
    for (let i = 0; i < k; i++) {
      at = line.indexOf('\t', at + 1);
      if (at < 0) return undefined;
    }
    const escape = line.indexOf('\\', this.skip);
    if (escape >= 0 && escape < at) return undefined;
    const row: RawRow = k === 1 ? [line.slice(this.skip, at)] : tabFields(line, this.skip, at);
    row.push(line.slice(at + 1));
    return row;
  }

  /** The complete rows in `data` (plus what was left over from the previous buffer). */
  push(data: Buffer): RawRow[] {
    const buf = this.rest ? Buffer.concat([this.rest, data]) : data;
    const last = buf.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.rest = buf;
      return [];
    }
    this.rest = last + 1 < buf.length ? buf.subarray(last + 1) : undefined;
    // A newline byte never occurs inside a multi-byte UTF-8 character, so cutting there is safe.
    const lines = buf.toString('utf8', 0, last).split('\n');
    const rows: RawRow[] = new Array(lines.length);
    const pack = this.keyCount !== undefined && this.width > this.keyCount + 1;
    for (let r = 0; r < lines.length; r++) {
      const line = lines[r]!;
      if (pack) {
        const row = this.packed(line);
        if (row) {
          rows[r] = row;
          continue;
        }
      }
      const fields = tabFields(line, this.skip);
      if (fields.length !== this.width) {
        throw new Error(`COPY row has ${fields.length} fields, expected ${this.width}`);
      }
      rows[r] = fields;
      // Most rows hold no NULL and no escape: one scan of the line settles it.
      if (line.indexOf('\\') < 0) continue;
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        if (f.length >= 2 && f.charCodeAt(0) === 92) {
          fields[i] = f === '\\N' ? null : unescapeField(f);
        } else if (f.includes('\\')) {
          fields[i] = unescapeField(f);
        }
      }
    }
    return rows;
  }

  /** Checks that the stream ended on a row boundary. */
  end(): void {
    if (this.rest && this.rest.length > 0) throw new Error('COPY data ended in the middle of a row');
  }
}
