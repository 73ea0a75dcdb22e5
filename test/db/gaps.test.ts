/**
 * `reckon gaps` against real PostgreSQL and MariaDB, through the real CLI: runs collapsed at day
 * and hour grain (the first and last period of the range included), a range with no data, short
 * periods against a source on the other engine, thin periods, text and JSON, and exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { ENGINES, createTestDb, type EngineName, type TestDb } from './harness.ts';
import { createTable, type Literal } from './rows.ts';

const DDL: Record<EngineName, string> = {
  postgres: 'id bigint PRIMARY KEY, at timestamptz NOT NULL, d date NOT NULL',
  mariadb: 'id bigint PRIMARY KEY, at datetime(6) NOT NULL, d date NOT NULL',
};

/**
 * January 2024 with rows on every day except the 1st, 5th-7th and 31st; the 10th holds 1 row, the
 * 12th and 13th 2, others 3 (at the first and last microsecond of the day, and noon). The 2nd
 * holds rows in hours 01, 02 and 04 only. One row falls just before the range, one exactly at its
 * end: neither may count.
 */
function eventRows(full: boolean): Literal[][] {
  const rows: Literal[][] = [];
  const add = (ts: string) => rows.push([rows.length + 1, ts, ts.slice(0, 10)]);
  add('2023-12-31 23:59:59.999999');
  for (let day = 1; day <= 31; day++) {
    const date = `2024-01-${String(day).padStart(2, '0')}`;
    if (!full && [1, 5, 6, 7, 31].includes(day)) continue;
    if (!full && day === 2) {
      for (const t of ['01:15:00', '02:30:00.5', '04:59:59.999999']) add(`${date} ${t}`);
      continue;
    }
    const times = ['00:00:00', '12:00:00.123456', '23:59:59.999999'];
    const n = full ? 3 : day === 10 ? 1 : day === 12 || day === 13 ? 2 : 3;
    for (const t of times.slice(0, n).reverse()) add(`${date} ${t}`);
  }
  add('2024-02-01 00:00:00');
  return rows;
}

const dbs = {} as Record<EngineName, TestDb>;

beforeAll(async () => {
  const [pg, my] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  dbs.postgres = pg;
  dbs.mariadb = my;
  for (const db of [pg, my]) {
    const utc = (r: Literal[]) => (db.engine === 'postgres' ? [r[0]!, `${r[1]}+00`, r[2]!] : r);
    await createTable(db, 'events', DDL[db.engine], eventRows(false).map(utc));
    await createTable(db, 'full_events', DDL[db.engine], eventRows(true).map(utc));
  }
});

afterAll(async () => {
  await Promise.all([dbs.postgres?.drop(), dbs.mariadb?.drop()]);
});

const JAN = ['--from', '2024-01-01', '--to', '2024-02-01'];

describe.each(ENGINES)('reckon gaps on %s', (engine) => {
  const other: EngineName = engine === 'postgres' ? 'mariadb' : 'postgres';
  const gaps = (...args: string[]) => runCli(['gaps', dbs[engine].url, dbs[engine].table('events'), '--column', 'at', ...args]);

  it('collapses missing days into runs, the first and last day of the range included, and exits 1', async () => {
    const r = await gaps(...JAN);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'missing  2024-01-01 (1 day)',
        'missing  2024-01-05 .. 2024-01-07 (3 days)',
        'missing  2024-01-31 (1 day)',
        '5 of 31 days need attention, in 3 runs (2024-01-01 00:00:00 to 2024-02-01 00:00:00)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
  });

  it('finds the same runs on a date column', async () => {
    const r = await runCli(['gaps', dbs[engine].url, dbs[engine].table('events'), '--column', 'd', ...JAN, '--format', 'json']);
    expect(r.code).toBe(1);
    const runs = JSON.parse(r.stdout).runs.map((x: { first: string; last: string }) => `${x.first}..${x.last}`);
    expect(runs).toEqual(['2024-01-01..2024-01-01', '2024-01-05..2024-01-07', '2024-01-31..2024-01-31']);
  });

  it('reports every period, with counts, in --format json', async () => {
    const r = await gaps(...JAN, '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ grain: 'day', from: '2024-01-01 00:00:00', to: '2024-02-01 00:00:00' });
    expect(out.periods).toHaveLength(31);
    expect(out.periods[0]).toEqual({ period: '2024-01-01', start: '2024-01-01 00:00:00', end: '2024-01-02 00:00:00', rows: 0, status: 'missing' });
    expect(out.periods[1]).toEqual({ period: '2024-01-02', start: '2024-01-02 00:00:00', end: '2024-01-03 00:00:00', rows: 3, status: 'ok' });
    expect(out.periods[9]).toMatchObject({ period: '2024-01-10', rows: 1, status: 'ok' });
    expect(out.periods[30]).toEqual({ period: '2024-01-31', start: '2024-01-31 00:00:00', end: '2024-02-01 00:00:00', rows: 0, status: 'missing' });
    expect(out.periods.reduce((s: number, p: { rows: number }) => s + p.rows, 0)).toBe(22 * 3 + 3 + 1 + 2 * 2);
    expect(out.runs).toEqual([
      { first: '2024-01-01', last: '2024-01-01', start: '2024-01-01 00:00:00', end: '2024-01-02 00:00:00', periods: 1, status: 'missing' },
      { first: '2024-01-05', last: '2024-01-07', start: '2024-01-05 00:00:00', end: '2024-01-08 00:00:00', periods: 3, status: 'missing' },
      { first: '2024-01-31', last: '2024-01-31', start: '2024-01-31 00:00:00', end: '2024-02-01 00:00:00', periods: 1, status: 'missing' },
    ]);
  });

  it('collapses missing hours, the first and last hour of the range included', async () => {
    const r = await gaps('--from', '2024-01-02', '--to', '2024-01-03', '--grain', 'hour');
    expect(r.stdout).toBe(
      [
        'missing  2024-01-02 00:00 (1 hour)',
        'missing  2024-01-02 03:00 (1 hour)',
        'missing  2024-01-02 05:00 .. 2024-01-02 23:00 (19 hours)',
        '21 of 24 hours need attention, in 3 runs (2024-01-02 00:00:00 to 2024-01-03 00:00:00)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
  });

  it('counts a row at the last microsecond of an hour in that hour, at hour grain with timestamp bounds', async () => {
    const r = await gaps('--from', '2024-01-02 01:00', '--to', '2024-01-02 05:00', '--grain', 'hour', '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.periods.map((p: { period: string; rows: number }) => `${p.period}=${p.rows}`)).toEqual([
      '2024-01-02 01:00=1',
      '2024-01-02 02:00=1',
      '2024-01-02 03:00=0',
      '2024-01-02 04:00=1',
    ]);
    expect(out.runs).toEqual([
      { first: '2024-01-02 03:00', last: '2024-01-02 03:00', start: '2024-01-02 03:00:00', end: '2024-01-02 04:00:00', periods: 1, status: 'missing' },
    ]);
  });

  it('reports a range with no data at all as one missing run', async () => {
    const r = await gaps('--from', '2023-06-01', '--to', '2023-06-04');
    expect(r.stdout).toBe(
      ['missing  2023-06-01 .. 2023-06-03 (3 days)', '3 of 3 days need attention, in 1 run (2023-06-01 00:00:00 to 2023-06-04 00:00:00)', ''].join('\n'),
    );
    expect(r.code).toBe(1);
  });

  it('exits 0 and says so when no period is missing', async () => {
    const r = await gaps('--from', '2024-01-08', '--to', '2024-01-31');
    expect(r.stdout).toBe('no gaps: all 23 days from 2024-01-08 00:00:00 to 2024-01-31 00:00:00 hold rows\n');
    expect(r.code).toBe(0);
  });

  it(`lists periods short of a source on ${other} with --against`, async () => {
    const r = await gaps(...JAN, '--against', dbs[other].url, dbs[other].table('full_events'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'missing  2024-01-01 (1 day)',
        'missing  2024-01-05 .. 2024-01-07 (3 days)',
        'short    2024-01-10 (1 day): 1 row, the source has 3',
        'short    2024-01-12 .. 2024-01-13 (2 days): 4 rows, the source has 6',
        'missing  2024-01-31 (1 day)',
        '8 of 31 days need attention, in 5 runs (2024-01-01 00:00:00 to 2024-02-01 00:00:00)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    const json = JSON.parse((await gaps(...JAN, '--against', dbs[other].url, dbs[other].table('full_events'), '--format', 'json')).stdout);
    expect(json.periods[11]).toMatchObject({ period: '2024-01-12', rows: 2, sourceRows: 3, status: 'short' });
    expect(json.periods[2]).toMatchObject({ period: '2024-01-03', rows: 3, sourceRows: 3, status: 'ok' });
  });

  it('is not short of a source that holds the same rows', async () => {
    const r = await gaps(...JAN, '--against', dbs[other].url, dbs[other].table('events'));
    expect(r.stdout).toBe('no gaps: all 31 days from 2024-01-01 00:00:00 to 2024-02-01 00:00:00 hold rows\n');
    expect(r.code).toBe(0);
  });

  it('flags thin periods with --min-rows', async () => {
    const r = await gaps('--from', '2024-01-08', '--to', '2024-01-31', '--min-rows', '3');
    expect(r.stdout).toBe(
      [
        'thin     2024-01-10 (1 day): 1 row, fewer than 3 a day',
        'thin     2024-01-12 .. 2024-01-13 (2 days): 4 rows, fewer than 3 a day',
        '3 of 23 days need attention, in 2 runs (2024-01-08 00:00:00 to 2024-01-31 00:00:00)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    expect((await gaps('--from', '2024-01-08', '--to', '2024-01-31', '--min-rows', '1')).code).toBe(0);
  });

  it('exits 2 with a message naming an unknown column or table, or a reversed range', async () => {
    const col = await runCli(['gaps', dbs[engine].url, dbs[engine].table('events'), '--column', 'nope', ...JAN]);
    expect(col.code).toBe(2);
    expect(col.stderr).toMatch(/column nope does not exist/);
    expect(col.stdout).toBe('');
    const table = await runCli(['gaps', dbs[engine].url, dbs[engine].table('no_such_table'), '--column', 'at', ...JAN]);
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/no_such_table/);
    const reversed = await gaps('--from', '2024-02-01', '--to', '2024-01-01');
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/--to .* must be after --from/);
  });
});
