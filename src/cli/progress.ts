/** A one-line progress display on stderr, redrawn in place on a terminal. */
import type { DiffProgress } from '../types.ts';
import { groupDigits } from '../group-digits.ts';

export interface ProgressLine {
  update(p: DiffProgress): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  let drawn = false;
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  return {
    update(p) {
      const secs = p.elapsedMs / 1000;
      const rate = secs > 0 ? Math.round((p.leftRows + p.rightRows) / secs) : 0;
      const pct =
        p.estimatedRows && p.estimatedRows > 0 ? ` ${Math.min(99, Math.floor((100 * p.leftRows) / p.estimatedRows))}%` : '';
      const line = `diff${pct}: left ${groupDigits(p.leftRows)} rows, right ${groupDigits(p.rightRows)} rows, ${groupDigits(p.differences)} differences, ${groupDigits(rate)} rows/s`;
      if (tty) {
        stream.write(`\r\x1b[K${line}`);
        drawn = true;
      } else if (p.elapsedMs - lastPlain >= 2000) {
        // Not a terminal (a log file): a line every two seconds rather than a flood of redraws.
        lastPlain = p.elapsedMs;
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
