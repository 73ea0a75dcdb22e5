/**
 * Prints one plain closing line, `N passed, N failed[, N skipped]`, after vitest's own summary,
 * so tools that read a run's last lines (CI among them) see the outcome without parsing vitest.
 */
import { writeSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    const line = `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
    // vitest prints its own summary after the reporters' hooks; writing at exit, synchronously,
    // makes this the last line whatever order the reporters run in.
    process.once('exit', () => writeSync(1, line));
  }
}
