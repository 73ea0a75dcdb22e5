/** Config validation: every problem reported at once, each with its path, before anything runs. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseDuration, validateConfig } from '../../src/checks/config.ts';
import { decText } from '../../src/checks/exact.ts';
import { ReckonError } from '../../src/errors.ts';

const PG = 'postgres://reckon@db1:5432/shop';
const MY = 'mysql://reckon@db2:3306/dwh';

function validDoc(): Record<string, unknown> {
  return {
    connections: { app: PG, dwh: MY },
    checks: [
      { name: 'orders_per_day', kind: 'count', left: { connection: 'app', table: 'public.orders' }, right: { connection: 'dwh', table: 'orders' }, partition: { column: 'created_at', grain: 'day', last: 7 } },
      { name: 'revenue', kind: 'sum', columns: ['amount', 'tax'], tolerance: '1%', left: { connection: 'app', table: 'orders' }, right: { connection: 'dwh', query: 'SELECT * FROM f' } },
    ],
  };
}

/** The problems of an invalid document, one per line, without the heading. */
function problemsOf(doc: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    validateConfig(doc, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ReckonError);
    expect((err as ReckonError).code).toBe('CONFIG');
    expect((err as ReckonError).exitCode).toBe(2);
    const [heading, ...lines] = (err as Error).message.split('\n');
    expect(heading).toMatch(new RegExp(`^invalid configuration \\(${lines.length} problems?\\):$`));
    return lines.map((l) => l.trim());
  }
  throw new Error('expected the config to be rejected');
}

describe('validateConfig', () => {
  it('accepts a valid config and fills in the defaults', () => {
    const c = validateConfig(validDoc(), {});
    expect(c.concurrency).toBe(4);
    expect(c.statementTimeoutMs).toBe(300_000);
    expect(c.connections).toEqual({ app: PG, dwh: MY });
    expect(c.checks[0]).toMatchObject({ name: 'orders_per_day', kind: 'count', measures: [{ aggregate: 'count', column: null }], sample: 10 });
    expect(c.checks[0]!.left).toMatchObject({ connection: 'app', url: PG, table: 'public.orders' });
    expect(c.checks[0]!.tolerance).toMatchObject({ kind: 'absolute', text: '0' });
    expect(c.checks[1]!.measures).toEqual([
      { aggregate: 'sum', column: 'amount' },
      { aggregate: 'sum', column: 'tax' },
    ]);
    expect(c.checks[1]!.tolerance.kind).toBe('relative');
    expect(decText((c.checks[1]!.tolerance as { fraction: { n: bigint; scale: number } }).fraction)).toBe('0.01');
    expect(c.checks[1]!.right.query).toBe('SELECT * FROM f');
  });

  it('reports every mistake at once, each with its path', () => {
    const doc = {
      connections: { app: PG, dwh: 'http://nope', empty: '' },
      concurrency: 0,
      statement_timeout: 'soon',
      alert: { retries: -1, timeout: 'never' },
      history: { connection: 'nowhere' },
      checks: [
        { name: 'a', kind: 'count', left: { connection: 'app', table: 't' }, right: { connection: 'missing', table: 't' } },
        { name: 'a', kind: 'counts', left: { connection: 'app' }, right: { connection: 'app', table: 't', query: 'SELECT 1' } },
        { name: 'c', kind: 'sum', tolerance: 'a lot', left: { connection: 'app', table: 't' }, right: { connection: 'app', table: 't' } },
        { name: 'd', kind: 'keys', sample: 0, left: { connection: 'app', query: 'SELECT 1' }, right: { connection: 'app', table: 't' }, partition: { column: 'c', grain: 'fortnight', last: 0 } },
        { name: 'e', kind: 'count', left: { connection: 'app', table: 't' }, right: { connection: 'app', table: 't' }, partition: { column: 'c', from: '2024-02-01', to: '2024-01-01' } },
        { name: 'f', kind: 'count', left: { connection: 'app', table: 't' }, right: { connection: 'app', table: 't' }, partition: { column: 'c', last: 3, from: 'yesterday' } },
        { name: 'g', kind: 'sum', aggregate: 'median', columns: ['x'], tolerance: -1, left: { connection: 'app', table: 't' }, right: 'app.t' },
        'not a check',
        { name: 'i', kind: 'diff', algorithm: 'fast', left: { connection: 'app', table: 't' }, right: { connection: 'app', table: 't' } },
        { name: 'j', kind: 'count', algorithm: 'hash', left: { connection: 'app', table: 't' }, right: { connection: 'app', table: 't' } },
      ],
    };
    expect(problemsOf(doc)).toEqual([
      'connections.dwh: expected a URL starting with postgres://, postgresql://, mysql:// or mariadb://',
      'connections.empty: expected a connection URL (postgres://… or mysql://…)',
      'checks[0].right.connection: unknown connection missing; defined: app, dwh, empty',
      'checks[1].name: duplicate check name a',
      'checks[1].kind: expected one of count, sum, keys, diff',
      'checks[1].left: needs a table or a query',
      'checks[1].right: give a table or a query, not both',
      'checks[2].columns: a sum check needs the columns to aggregate',
      'checks[2].tolerance: expected a number or a percentage',
      'checks[3].left.query: a keys check reads tables; give a table',
      'checks[3].partition.grain: expected one of hour, day, week, month',
      'checks[3].partition.last: expected a positive whole number',
      'checks[3].sample: expected a positive whole number',
      'checks[4].partition: from must be before to',
      'checks[5].partition.from: expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS',
      'checks[5].partition: give last, or from/to, not both',
      'checks[6].right: expected a mapping with connection and table (or query)',
      'checks[6].aggregate: expected one of sum, min, max, avg, count, count_distinct',
      'checks[6].tolerance: expected a number or a percentage',
      'checks[7]: expected a mapping',
      'checks[8].algorithm: expected one of auto, stream, digest, hash',
      'checks[9].algorithm: only keys and diff checks compare rows; a count check aggregates in the database',
      'alert.webhook: is required',
      'alert.timeout: expected a duration such as 10s',
      'alert.retries: expected a whole number',
      'history.connection: unknown connection nowhere',
      'concurrency: expected a positive whole number',
      'statement_timeout: expected a duration such as 5m',
    ]);
  });

  it('reports misspelt settings at every level instead of ignoring them', () => {
    const doc = validDoc();
    const checks = doc.checks as Record<string, unknown>[];
    checks[0] = { ...checks[0], partiton: { column: 'created_at', grain: 'day' }, partition: { column: 'created_at', grian: 'week', last: 7 } };
    checks[1] = { ...checks[1], tolerence: '1%', right: { connection: 'dwh', query: 'SELECT 1', wehre: 'x' } };
    const problems = problemsOf({ ...doc, concurency: 2, alert: { webhook: 'https://h.example/x', retry: 1 }, history: { file: 'h.jsonl', tabel: 't' }, connections: { app: { url: PG, pasword: 'x' }, dwh: MY } });
    expect(problems).toEqual([
      'concurency: unknown setting; expected one of connections, checks, alert, history, concurrency, statement_timeout',
      'connections.app.pasword: unknown setting; expected one of url',
      'checks[0].partiton: unknown setting; expected one of name, kind, left, right, partition, where, aggregate, columns, column, tolerance, key, sample, algorithm',
      'checks[0].partition.grian: unknown setting; expected one of column, grain, last, from, to',
      'checks[1].tolerence: unknown setting; expected one of name, kind, left, right, partition, where, aggregate, columns, column, tolerance, key, sample, algorithm',
      'checks[1].right.wehre: unknown setting; expected one of connection, table, query, where',
      'alert.retry: unknown setting; expected one of webhook, timeout, retries',
      'history.tabel: unknown setting; expected one of file, connection, table',
    ]);
  });

  it('rejects a webhook that is not an http(s) URL, found before any check fails', () => {
    for (const webhook of ['hooks.slack.com/services/T1', 'ftp://example.com/x', 'mailto:ops@example.com']) {
      expect(problemsOf({ ...validDoc(), alert: { webhook } })).toEqual(['alert.webhook: expected an http:// or https:// URL']);
    }
    expect(validateConfig({ ...validDoc(), alert: { webhook: 'https://hooks.slack.com/services/T1' } }, {}).alert?.webhook).toBe('https://hooks.slack.com/services/T1');
  });

  it('rejects a document that is not a mapping, and empty sections', () => {
    expect(() => validateConfig('checks: []', {})).toThrow(/expected a mapping/);
    expect(problemsOf({})).toEqual(['connections: expected a mapping of names to connection URLs', 'checks: expected a non-empty list of checks']);
    expect(problemsOf({ connections: { a: PG }, checks: [] })).toEqual(['checks: expected a non-empty list of checks']);
  });

  it('names a missing side and a missing connection on a side', () => {
    expect(problemsOf({ connections: { a: PG }, checks: [{ name: 'x', kind: 'count', left: { table: 't' } }] })).toEqual([
      'checks[0].left.connection: is required',
      'checks[0].right: expected a mapping with connection and table (or query)',
    ]);
  });

  it('does not take an inherited property for a connection name', () => {
    const doc = validDoc();
    (doc.checks as { left: { connection: string } }[])[0]!.left.connection = 'toString';
    expect(problemsOf(doc)).toEqual(['checks[0].left.connection: unknown connection toString; defined: app, dwh']);
  });
});

describe('${ENV} interpolation', () => {
  it('takes connection URLs and the webhook from the environment, with defaults', () => {
    const doc = { ...validDoc(), connections: { app: '${APP_URL}', dwh: 'mysql://reckon:${DWH_PW}@db2/${DWH_DB:-dwh}' }, alert: { webhook: '${HOOK}' } };
    const c = validateConfig(doc, { APP_URL: PG, DWH_PW: 's3cret', HOOK: 'https://hooks.example/T1' });
    expect(c.connections).toEqual({ app: PG, dwh: 'mysql://reckon:s3cret@db2/dwh' });
    expect(c.checks[0]!.left.url).toBe(PG);
    expect(c.checks[1]!.right.url).toBe('mysql://reckon:s3cret@db2/dwh');
    expect(c.alert).toEqual({ webhook: 'https://hooks.example/T1', timeoutMs: 10_000, retries: 3 });
  });

  it('reports each unset variable as a config problem with its path', () => {
    const doc = { ...validDoc(), connections: { app: '${APP_URL}', dwh: 'mysql://u:${DWH_PW}@db2/dwh' }, alert: { webhook: '${HOOK}' } };
    expect(problemsOf(doc, { DWH_PW: '' })).toEqual([
      'connections.app: environment variable APP_URL is not set',
      'connections.dwh: environment variable DWH_PW is not set',
      'alert.webhook: environment variable HOOK is not set',
    ]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reckon-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads YAML with percentages, durations and unquoted dates', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(
      file,
      [
        'connections:',
        '  app: ${APP_URL}',
        'statement_timeout: 2m',
        'checks:',
        '  - name: revenue',
        '    kind: sum',
        '    columns: amount',
        '    tolerance: 1%',
        '    left: { connection: app, table: orders }',
        '    right: { connection: app, table: orders_copy }',
        '    partition: { column: created_at, grain: week, from: 2024-01-01, to: 2024-02-01 }',
      ].join('\n'),
    );
    const c = await loadConfig(file, { APP_URL: PG });
    expect(c.statementTimeoutMs).toBe(120_000);
    expect(c.checks[0]).toMatchObject({ tolerance: { kind: 'relative', text: '1%' }, partition: { column: 'created_at', grain: 'week', from: '2024-01-01', to: '2024-02-01' } });
    expect(c.checks[0]!.measures).toEqual([{ aggregate: 'sum', column: 'amount' }]);
  });

  it('keeps a connection named __proto__ as a connection', async () => {
    const file = join(dir, 'proto.yaml');
    await writeFile(
      file,
      ['connections:', `  __proto__: ${PG}`, `  dwh: ${MY}`, 'checks:', '  - name: c', '    kind: count', '    left: { connection: __proto__, table: orders }', '    right: { connection: dwh, table: orders }'].join('\n'),
    );
    const c = await loadConfig(file, {});
    expect(Object.entries(c.connections)).toEqual([
      ['__proto__', PG],
      ['dwh', MY],
    ]);
    expect(c.checks[0]!.left.url).toBe(PG);
  });

  it('reports a file that does not parse, and one that does not exist, as config errors', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'checks: [\n');
    await expect(loadConfig(bad)).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('is not valid YAML') });
    const badJson = join(dir, 'bad.json');
    await writeFile(badJson, '{"checks": ');
    await expect(loadConfig(badJson)).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('is not valid JSON') });
    await expect(loadConfig(join(dir, 'absent.yaml'))).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('cannot read config file') });
  });
});

describe('parseDuration', () => {
  it.each([
    ['1500ms', 1500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    [250, 250],
    ['250', 250],
  ] as const)('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['soon', '-1s', '5 minutes', '', -5, Number.NaN, null])('%j is not a duration', (value) => {
    expect(parseDuration(value)).toBeNull();
  });
});
