/** Check results for people (a table), for machines (JSON) and for CI systems (JUnit XML). */
import type { CheckResult, PartitionRow, RunResult } from './results.ts';

const MAX_PASS_ROWS = 3;

function cell(v: string | null | undefined): string {
  return v === null || v === undefined ? '—' : v;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function rowsFor(c: CheckResult): string[][] {
  if (c.status === 'error') return [[c.name, '', '', '', '', 'ERROR']];
  const failing = c.rows.filter((r) => r.status === 'fail');
  // Passing partitions are summarised so a 365-day check stays readable; every failure is listed.
  const shown: PartitionRow[] = failing.length > 0 ? failing : c.rows.slice(0, MAX_PASS_ROWS);
  const out = shown.map((r) => [
    c.name,
    [r.partition ?? '', r.measure === 'count' ? '' : r.measure].join(' ').trim(),
    cell(r.left),
    cell(r.right),
    cell(r.difference) + (r.note ? ` (${r.note})` : ''),
    r.status.toUpperCase(),
  ]);
  if (failing.length === 0 && c.rows.length > MAX_PASS_ROWS) {
    out.push([c.name, `… ${c.rows.length - MAX_PASS_ROWS} more partitions`, '', '', '', 'PASS']);
  }
  if (failing.length > 0 && c.rows.length > failing.length) {
    out.push([c.name, `${c.rows.length - failing.length} other rows`, '', '', '', 'PASS']);
  }
  return out;
}

export function textReport(run: RunResult): string {
  const rows = run.checks.flatMap(rowsFor);
  const parts = [table(['check', 'partition', 'left', 'right', 'difference', 'status'], rows)];
  for (const c of run.checks) {
    if (c.error) parts.push(`${c.name}: ERROR ${c.error}`);
    if (c.samples?.leftOnly?.length) parts.push(`${c.name}: first keys only in left: ${c.samples.leftOnly.map((k) => JSON.stringify(k)).join(' ')}`);
    if (c.samples?.rightOnly?.length) parts.push(`${c.name}: first keys only in right: ${c.samples.rightOnly.map((k) => JSON.stringify(k)).join(' ')}`);
    if (c.samples?.differences?.length) parts.push(`${c.name}: first differences:\n${c.samples.differences.map((d) => `  ${JSON.stringify(d)}`).join('\n')}`);
  }
  const counts = { pass: 0, fail: 0, error: 0 };
  for (const c of run.checks) counts[c.status]++;
  parts.push(
    `${run.checks.length} checks: ${counts.pass} passed, ${counts.fail} failed, ${counts.error} errors (${(run.durationMs / 1000).toFixed(1)} s) — ${run.status.toUpperCase()}`,
  );
  if (run.alert && !run.alert.delivered) parts.push(`alert NOT delivered after ${run.alert.attempts} attempts: ${run.alert.error}`);
  return parts.join('\n\n') + '\n';
}

export function jsonReport(run: RunResult): string {
  return JSON.stringify(run, null, 2) + '\n';
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function junitReport(run: RunResult): string {
  const failures = run.checks.filter((c) => c.status === 'fail').length;
  const errors = run.checks.filter((c) => c.status === 'error').length;
  const cases = run.checks.map((c) => {
    const attrs = `classname="reckon.${xml(c.kind)}" name="${xml(c.name)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
    if (c.status === 'error') return `    <testcase ${attrs}>\n      <error message="${xml(c.error ?? 'error')}"/>\n    </testcase>`;
    if (c.status === 'fail') {
      const lines = c.rows
        .filter((r) => r.status === 'fail')
        .map((r) => `${r.partition ?? ''} ${r.measure}: left ${cell(r.left)}, right ${cell(r.right)}, difference ${cell(r.difference)}${r.note ? ` (${r.note})` : ''}`);
      return `    <testcase ${attrs}>\n      <failure message="${xml(`${lines.length} partition(s) out of tolerance`)}">${xml(lines.join('\n'))}</failure>\n    </testcase>`;
    }
    return `    <testcase ${attrs}/>`;
  });
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="reckon check" tests="${run.checks.length}" failures="${failures}" errors="${errors}" time="${(run.durationMs / 1000).toFixed(3)}">\n` +
    `  <testsuite name="reckon check" tests="${run.checks.length}" failures="${failures}" errors="${errors}" timestamp="${run.startedAt}">\n` +
    cases.join('\n') +
    `\n  </testsuite>\n</testsuites>\n`
  );
}
