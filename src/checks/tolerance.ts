/**
 * Tolerances: absolute (`0.01`: |left - right| <= 0.01) or relative to the left side, which is the
 * reference (`1%`: |left - right| <= 1% of |left|). Zero by default: values must match exactly.
 * With a relative tolerance and a left value of zero, any non-zero right value fails: no
 * percentage of nothing allows a difference.
 */
import { abs, cmp, mul, parseDec, sub, type Dec } from './exact.ts';

export type Tolerance = { kind: 'absolute'; amount: Dec; text: string } | { kind: 'relative'; fraction: Dec; text: string };

export const EXACT: Tolerance = { kind: 'absolute', amount: { n: 0n, scale: 0 }, text: '0' };

/** Parses `0.01`, `5` or `1%` / `0.5 %`; null when the value is neither a number nor a percentage. */
export function parseTolerance(value: unknown): Tolerance | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    const amount = parseDec(String(value));
    return amount ? { kind: 'absolute', amount, text: String(value) } : null;
  }
  if (typeof value !== 'string') return null;
  const t = value.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) {
    const p = parseDec(pct[1]!)!;
    return { kind: 'relative', fraction: { n: p.n, scale: p.scale + 2 }, text: t };
  }
  if (/^\d+(?:\.\d+)?$/.test(t)) return { kind: 'absolute', amount: parseDec(t)!, text: t };
  return null;
}

/** True when the right value is within tolerance of the left (the reference). */
export function withinTolerance(left: Dec, right: Dec, tol: Tolerance): boolean {
  const diff = abs(sub(left, right));
  const allowed = tol.kind === 'absolute' ? tol.amount : mul(tol.fraction, abs(left));
  return cmp(diff, allowed) <= 0;
}
