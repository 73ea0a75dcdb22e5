/** `npm start`: the embedded demo, run as a user would, on a small table so it stays fast. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScript } from './run-cli.ts';

const DEMO = fileURLToPath(new URL('../../bin/demo.js', import.meta.url));

function runDemo(env: NodeJS.ProcessEnv) {
  return runScript(DEMO, [], env);
}

describe('npm start (bin/demo.js)', () => {
  it('diffs two embedded databases through the CLI, finds exactly the planted drift and exits 0', async () => {
    const r = await runDemo({ RECKON_DEMO_ROWS: '2000' });
    expect(r.stderr).toContain('deleted on the right:       10 rows');
    expect(r.stderr).toContain('inserted on the right:       5 rows');
    expect(r.stderr).toContain('updated on the right:       10 rows');
    // The report is the CLI's own text report, on stdout.
    expect(r.stdout).toMatch(/^left .*: 2,000 rows$/m);
    expect(r.stdout).toMatch(/^right .*: 1,995 rows$/m);
    expect(r.stdout).toMatch(/^only in left:\s+10$/m);
    expect(r.stdout).toMatch(/^only in right:\s+5$/m);
    expect(r.stdout).toMatch(/^changed:\s+10$/m);
    expect(r.stderr).toContain('reckon found 10 only in left, 5 only in right, 10 changed: matches the generated drift.');
    expect(r.code).toBe(0);
  }, 90_000);

  it('rejects a bad row count before starting anything, naming the variable, with exit 2', async () => {
    const r = await runDemo({ RECKON_DEMO_ROWS: '12abc' });
    expect(r.stderr).toContain('RECKON_DEMO_ROWS must be a whole number from 100 to 2,000,000, got "12abc"');
    expect(r.stderr).not.toContain('Starting');
    expect(r.code).toBe(2);
  });
});
