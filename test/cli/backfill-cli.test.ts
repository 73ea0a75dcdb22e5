/**
 * `reckon backfill` as a user runs it: the `backfill:` section of a config file (with ${VAR} in
 * URLs, flags winning over the file, unknown keys refused), --gaps filling only missing and short
 * periods, and exit 2 for every usage mistake.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDiff } from '../db/collect.ts';
import { createTestDb, type TestDb } from '../db/harness.ts';
import { createItems, dayCounts, itemRows, readAudit, rowCount, tableExists } from '../db/backfill-data.ts';
import { runCli } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'reckon-backfill-cli-'));
const IN_RANGE = "at >= '2024-01-01' AND at < '2024-01-11'";
const rows = itemRows(1, 10, (day) => 30 + day);

let pgDb: TestDb;
let myDb: TestDb;

beforeAll(async () => {
  [pgDb, myDb] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  await createItems(pgDb, 'items', rows);
  for (const t of ['from_config', 'from_list', 'dry', 'gappy']) await createItems(myDb, t, []);
});

afterAll(async () => {
  await Promise.all([pgDb?.drop(), myDb?.drop()]);
});

function configFile(name: string, yaml: string): string {
  const file = join(tmp, name);
  writeFileSync(file, yaml);
  return file;
}

async function sameAsSource(table: string): Promise<boolean> {
  const { summary } = await collectDiff({
    left: { url: pgDb.url, table: pgDb.table('items') },
    right: { url: myDb.url, table: myDb.table(table) },
    where: IN_RANGE,
  });
  return summary.identical && summary.right_rows === rows.length - 2;
}

describe('reckon backfill --config', () => {
  it('runs a copy from the backfill: section, with ${VAR} in the target URL and snake_case keys', async () => {
    const audit = join(tmp, 'config.jsonl');
    const file = configFile(
      'copy.yaml',
      `backfill:
  target:
    url: \${RECKON_TEST_TARGET}
    table: from_config
  source:
    url: ${pgDb.url}
    table: ${pgDb.table('items')}
  column: at
  from: 2024-01-01
  to: 2024-01-11
  batch: 4
  copy: true
  state_table: bf_state
  audit: ${audit}
  max_rows_per_second: 1000000
`,
    );
    const r = await runCli(['backfill', '--config', file], { RECKON_TEST_TARGET: myDb.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 3 batches filled and verified, [\d,]+ rows written\n$/);
    expect(await sameAsSource('from_config')).toBe(true);
    expect(readAudit(audit).map((a) => a.window.start)).toEqual(['2024-01-01 00:00:00', '2024-01-05 00:00:00', '2024-01-09 00:00:00']);
    expect(await tableExists(myDb, 'bf_state')).toBe(true);
  });

  it('accepts the source as a [url, table] list, and lets flags win over the file', async () => {
    const file = configFile(
      'list.yaml',
      `backfill:
  target: { url: "${myDb.url}", table: from_list }
  source: ["${pgDb.url}", "${pgDb.table('items')}"]
  column: at
  from: "2024-01-01"
  to: "2024-01-11"
  batch: 10
  copy: true
  state_table: bf_state
  audit: ${join(tmp, 'list.jsonl')}
`,
    );
    const r = await runCli(['backfill', '--config', file, '--batch', '5', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).batches).toHaveLength(2);
    expect(await sameAsSource('from_list')).toBe(true);
  });

  it('--dry-run on the command line turns a config run into a plan that writes nothing', async () => {
    const audit = join(tmp, 'dry.jsonl');
    const file = configFile(
      'dry.yaml',
      `backfill:
  target: { url: "${myDb.url}", table: dry }
  source: { url: "${pgDb.url}", table: "${pgDb.table('items')}" }
  column: at
  from: "2024-01-01"
  to: "2024-01-11"
  batch: 5
  copy: true
  state_table: bf_dry_state
  audit: ${audit}
`,
    );
    const r = await runCli(['backfill', '--config', file, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dry run: nothing was written/);
    expect(r.stdout).toMatch(/2 batches to run, 0 already done; action: copy\n$/);
    expect(await rowCount(myDb, myDb.table('dry'))).toBe(0);
    expect(await tableExists(myDb, 'bf_dry_state')).toBe(false);
    expect(readAudit(audit)).toEqual([]);
  });

  it('refuses an unknown key in the backfill: section, naming it', async () => {
    const file = configFile(
      'typo.yaml',
      `backfill:
  target: { url: "${myDb.url}", table: dry }
  source: { url: "${pgDb.url}", table: "${pgDb.table('items')}" }
  column: at
  from: "2024-01-01"
  to: "2024-01-11"
  batch_size: 5
  copy: true
`,
    );
    const r = await runCli(['backfill', '--config', file, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/batch_size/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for a file without a backfill: section, or one that cannot be read', async () => {
    const empty = await runCli(['backfill', '--config', configFile('empty.yaml', 'checks: []\n')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/has no backfill: section/);
    const missing = await runCli(['backfill', '--config', join(tmp, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read config file/);
  });
});

describe('reckon backfill --gaps', () => {
  it('fills only the periods missing or short against the source, then finds nothing to fill', async () => {
    // Days 1-3 and 7-10 already complete, day 5 half there, days 4 and 6 empty.
    const day = (r: (typeof rows)[number]) => String(r[2]).slice(0, 10);
    const half = rows.filter((r) => day(r) === '2024-01-05').filter((_, i) => i % 2 === 0);
    const complete = rows.filter((r) => day(r) >= '2024-01-01' && day(r) <= '2024-01-10' && !['2024-01-04', '2024-01-05', '2024-01-06'].includes(day(r)));
    await createItems(myDb, 'gappy_seed', [...half, ...complete]);
    await myDb.exec('INSERT INTO gappy SELECT * FROM gappy_seed');
    const audit = join(tmp, 'gaps.jsonl');
    const args = [
      'backfill', myDb.url, myDb.table('gappy'), '--copy', '--gaps', '--source', pgDb.url, pgDb.table('items'),
      '--column', 'at', '--from', '2024-01-01', '--to', '2024-01-11', '--batch', '7', '--state-table', 'bf_state', '--audit', audit,
    ];
    const r = await runCli(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 3 batches filled and verified/);
    // One batch per run of one status: missing 4th, short 5th, missing 6th; nothing else rewritten.
    expect(readAudit(audit).map((a) => `${a.window.start}..${a.window.end}`)).toEqual([
      '2024-01-04 00:00:00..2024-01-05 00:00:00',
      '2024-01-05 00:00:00..2024-01-06 00:00:00',
      '2024-01-06 00:00:00..2024-01-07 00:00:00',
    ]);
    expect(await sameAsSource('gappy')).toBe(true);
    expect(await dayCounts(myDb, myDb.table('gappy'))).toEqual(await dayCounts(pgDb, pgDb.table('items'), 'at', IN_RANGE));

    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('nothing to fill: no gaps between 2024-01-01 and 2024-01-11\n');
    expect(readAudit(audit)).toHaveLength(3);
  });
});

describe('reckon backfill usage errors', () => {
  const base = () => [myDb.url, myDb.table('dry'), '--column', 'at', '--from', '2024-01-01', '--to', '2024-01-11'];

  it.each([
    ['no action', [], /give exactly one action/],
    ['two actions', ['--copy', '--sql', 'SELECT :start'], /give exactly one action/],
    ['--copy without --source', ['--copy'], /a copy backfill needs a source/],
    ['a bad grain', ['--copy', '--source', 'postgres://x/y', 't', '--grain', 'year'], /--grain must be hour, day, week or month/],
    ['a zero batch', ['--sql', 'SELECT :start', '--batch', '0'], /--batch must be a positive integer/],
    ['a sql template without :start or :end', ['--sql', 'DELETE FROM dry', '--min-rows', '1'], /must use :start and\/or :end/],
  ])('exits 2 for %s', async (_, extra, message) => {
    const r = await runCli(['backfill', ...base(), ...(extra as string[]), '--state-table', 'bf_usage_state', '--audit', join(tmp, 'usage.jsonl')]);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.code).toBe(2);
    expect(await rowCount(myDb, myDb.table('dry'))).toBe(0);
  });

  it('exits 2 when the target table is missing the column', async () => {
    const r = await runCli(['backfill', myDb.url, myDb.table('dry'), '--column', 'nope', '--from', '2024-01-01', '--to', '2024-01-02', '--sql', 'SELECT :start', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/column nope does not exist/);
  });
});
