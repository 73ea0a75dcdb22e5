/**
 * The daily-reconciliation config in README.md is fixtures/reconcile.yaml, byte for byte, and it
 * loads: the example users copy is the one the tests read, so neither can drift from the code.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/checks/config.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = join(ROOT, 'fixtures', 'reconcile.yaml');

describe('README config example', () => {
  it('is fixtures/reconcile.yaml', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /```yaml\n(# reconcile\.yaml[^]*?)```/.exec(readme);
    expect(m, 'README.md has a yaml block starting "# reconcile.yaml"').not.toBeNull();
    expect(m![1]).toBe(readFileSync(FIXTURE, 'utf8'));
  });

  it('loads, with every check, its partition and tolerance as documented', async () => {
    const env = {
      APP_DB_URL: 'postgres://reckon:secret@app-db:5432/shop',
      WAREHOUSE_URL: 'mysql://reckon:secret@dwh:3306/analytics',
      SLACK_WEBHOOK_URL: 'https://hooks.example.com/T000/B000',
    };
    const c = await loadConfig(FIXTURE, env);
    expect(c.checks.map((k) => [k.name, k.kind])).toEqual([
      ['orders_per_day', 'count'],
      ['revenue_per_day', 'sum'],
      ['order_keys', 'keys'],
      ['yesterday_rows', 'diff'],
    ]);
    expect(c.statementTimeoutMs).toBe(600_000);
    expect(c.checks[1]!.measures).toEqual([
      { aggregate: 'sum', column: 'amount' },
      { aggregate: 'sum', column: 'tax' },
    ]);
    expect(c.checks[0]!.partition).toMatchObject({ column: 'created_at', grain: 'day', last: 7 });
    expect(c.checks[1]!.left.url).toBe(env.APP_DB_URL);
    expect(c.checks[1]!.right.url).toBe(env.WAREHOUSE_URL);
  });

  it('refuses to load without the environment it names', async () => {
    await expect(loadConfig(FIXTURE, {})).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('APP_DB_URL') });
  });
});
