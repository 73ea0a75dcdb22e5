/**
 * `reckon check` run as a user would: config files in a temp dir, real PostgreSQL and MariaDB, the
 * real executable. Exit codes, report formats, config problems, unreachable servers (and their
 * passwords), webhooks alive and dead, history, ${ENV}, --only and --every.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../db/harness.ts';
import { runCli } from './run-cli.ts';

let pg: TestDb;
let my: TestDb;
const dir = mkdtempSync(join(tmpdir(), 'reckon-check-cli-'));
let configCount = 0;

/** Writes a config (an object as JSON, a string as YAML) into the temp dir and returns its path. */
function writeConfig(doc: object | string): string {
  const file = join(dir, `config-${++configCount}.${typeof doc === 'string' ? 'yaml' : 'json'}`);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return file;
}

const side = (db: TestDb, table: string, extra: object = {}) => ({ connection: db === pg ? 'pg' : 'my', table: db.table(table), ...extra });

/** Three checks: one that passes, one that fails (sales_bad lacks a row on 2024-01-02), one more passing. */
function baseDoc(extra: object = {}) {
  return {
    connections: { pg: pg.url, my: my.url },
    checks: [
      { name: 'counts_ok', kind: 'count', left: side(pg, 'sales'), right: side(my, 'sales'), partition: { column: 'sold_at', grain: 'day' } },
      { name: 'sums_bad', kind: 'sum', columns: ['amount'], left: side(pg, 'sales'), right: side(my, 'sales_bad'), partition: { column: 'sold_at', grain: 'day' } },
      { name: 'keys_ok', kind: 'keys', key: ['id'], left: side(pg, 'sales'), right: side(my, 'sales') },
    ],
    ...extra,
  };
}

interface Hook {
  url: string;
  bodies: unknown[];
  close(): Promise<void>;
}

/** A local webhook on 127.0.0.1 that answers every POST with `status` and keeps the JSON bodies. */
async function startHook(status = 200): Promise<Hook> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      bodies.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(text) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/T123/secret-path`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

/** A port that was just listened on and closed: nothing answers there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

beforeAll(async () => {
  [pg, my] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  // 240 sales over 2024-01-01..04, 60 a day; sales_bad lacks id 6 (2024-01-02).
  await pg.exec(`CREATE TABLE sales (id int PRIMARY KEY, sold_at timestamptz NOT NULL, amount numeric(10,2) NOT NULL);
    INSERT INTO sales SELECT g, timestamptz '2024-01-01 00:00:00+00' + ((g - 1) % 4) * interval '1 day' + g * interval '1 minute', g * 1.5
      FROM generate_series(1, 240) g;`);
  await my.exec(`CREATE TABLE sales (id int PRIMARY KEY, sold_at datetime(6) NOT NULL, amount decimal(10,2) NOT NULL);
    INSERT INTO sales SELECT seq, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ((seq - 1) % 4) DAY + INTERVAL seq MINUTE, seq * 1.5 FROM seq_1_to_240;
    CREATE TABLE sales_bad AS SELECT * FROM sales WHERE id <> 6;
    ALTER TABLE sales_bad ADD PRIMARY KEY (id);`);
});

afterAll(async () => {
  await Promise.all([pg?.drop(), my?.drop()]);
});

describe('exit codes and reports', () => {
  it('exits 0 when every check passes', async () => {
    const r = await runCli(['check', '--config', writeConfig(baseDoc()), '--only', 'counts_ok,keys_ok']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 checks: 2 passed, 0 failed, 0 errors .* PASS/);
    expect(r.stdout).not.toMatch(/sums_bad/);
  });

  it('exits 1 when a check fails and lists the failing partition', async () => {
    const r = await runCli(['check', '--config', writeConfig(baseDoc())]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sums_bad\s+2024-01-02 sum\(amount\)\s+\S+\s+\S+\s+9\s+FAIL/);
    expect(r.stdout).toMatch(/3 checks: 2 passed, 1 failed, 0 errors .* FAIL/);
  });

  it('exits 2 when a check cannot run, and still runs and reports the others', async () => {
    const doc = baseDoc();
    doc.checks.push({ name: 'no_table', kind: 'count', left: side(pg, 'sales'), right: side(my, 'nope') } as never);
    const r = await runCli(['check', '--config', writeConfig(doc)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/no_table: ERROR .*nope/);
    expect(r.stdout).toMatch(/4 checks: 2 passed, 1 failed, 1 errors .* ERROR/);
  });

  it('--format json gives the structured results', async () => {
    const r = await runCli(['check', '--config', writeConfig(baseDoc()), '--format', 'json']);
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout);
    expect(run).toMatchObject({ runId: expect.any(String), startedAt: expect.any(String), durationMs: expect.any(Number), status: 'fail' });
    expect(run.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['counts_ok', 'pass'],
      ['sums_bad', 'fail'],
      ['keys_ok', 'pass'],
    ]);
    const counts = run.checks[0].rows;
    expect(counts).toHaveLength(4);
    expect(counts[0]).toEqual({ partition: '2024-01-01', measure: 'count', left: '60', right: '60', difference: '0', status: 'pass' });
    expect(run.checks[1].rows.filter((x: { status: string }) => x.status === 'fail')).toEqual([
      { partition: '2024-01-02', measure: 'sum(amount)', left: '10800', right: '10791', difference: '9', status: 'fail' },
    ]);
  });

  it('--format junit: one testcase per check, a failure element for a failed one, an error element for an error', async () => {
    const doc = baseDoc();
    doc.checks.push({ name: 'no_table', kind: 'count', left: side(pg, 'sales'), right: side(my, 'nope') } as never);
    const out = join(dir, 'report.xml');
    const r = await runCli(['check', '--config', writeConfig(doc), '--format', 'junit', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const xml = readFileSync(out, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(xml).toMatch(/<testsuites [^>]*tests="4" failures="1" errors="1"/);
    expect(xml).toMatch(/<testsuite [^>]*tests="4" failures="1" errors="1"/);
    const cases = [...xml.matchAll(/<testcase ([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({
      name: /(?:^| )name="([^"]*)"/.exec(m[1]!)![1],
      classname: /classname="([^"]*)"/.exec(m[1]!)![1],
      body: m[3] ?? '',
    }));
    expect(cases.map((c) => c.name)).toEqual(['counts_ok', 'sums_bad', 'keys_ok', 'no_table']);
    expect(cases.map((c) => c.classname)).toEqual(['reckon.count', 'reckon.sum', 'reckon.keys', 'reckon.count']);
    expect(cases[0]!.body).toBe('');
    expect(cases[1]!.body).toMatch(/<failure message="1 partition\(s\) out of tolerance">2024-01-02 sum\(amount\): left 10800, right 10791, difference 9<\/failure>/);
    expect(cases[2]!.body).toBe('');
    expect(cases[3]!.body).toMatch(/^\s*<error message="[^"]*nope[^"]*"\/>\s*$/);
    // Balanced tags: every opened element is closed.
    for (const tag of ['testsuites', 'testsuite', 'testcase', 'failure']) {
      const opened = (xml.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
      const selfClosed = (xml.match(new RegExp(`<${tag} [^>]*/>`, 'g')) ?? []).length;
      expect((xml.match(new RegExp(`</${tag}>`, 'g')) ?? []).length).toBe(opened - selfClosed);
    }
  });

  it('escapes names and messages in the junit XML', async () => {
    const doc = baseDoc();
    doc.checks = [{ ...doc.checks[1]!, name: 'a<b>&"c"' }];
    const r = await runCli(['check', '--config', writeConfig(doc), '--format', 'junit']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('name="a&lt;b&gt;&amp;&quot;c&quot;"');
  });
});

describe('config problems', () => {
  it('reports every mistake with its path and exits 2 before connecting anywhere', async () => {
    const doc = {
      connections: { pg: 'postgres://nobody@127.0.0.1:1/x', bad: 'ftp://x' },
      checks: [
        { name: 'a', kind: 'count', left: { connection: 'pg', table: 't' }, right: { connection: 'pg', table: 't' } },
        { name: 'b', kind: 'volume', left: { connection: 'pg', table: 't' }, right: { connection: 'ghost', table: 't' } },
        { name: 'c', kind: 'sum', columns: ['x'], tolerance: 'some', left: { connection: 'pg', table: 't' }, right: { connection: 'pg' } },
      ],
    };
    const r = await runCli(['check', '--config', writeConfig(doc)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('reckon: invalid configuration (5 problems):');
    expect(lines.slice(1).map((l) => l.trim())).toEqual([
      'connections.bad: expected a URL starting with postgres://, postgresql://, mysql:// or mariadb://',
      'checks[1].kind: expected one of count, sum, keys, diff',
      'checks[1].right.connection: unknown connection ghost; defined: pg, bad',
      'checks[2].right: needs a table or a query',
      'checks[2].tolerance: expected a number or a percentage',
    ]);
  });

  it('a YAML syntax error names the file', async () => {
    const file = writeConfig('checks:\n  - name: [unclosed\n');
    const r = await runCli(['check', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`config file ${file} is not valid YAML`);
  });

  it('takes ${ENV} from the environment, and reports an unset one as a config problem', async () => {
    const yaml = [
      'connections:',
      '  pg: ${RECKON_T_PG_URL}',
      '  my: ${RECKON_T_MY_URL}',
      'checks:',
      '  - name: counts',
      '    kind: count',
      `    left: { connection: pg, table: ${pg.table('sales')} }`,
      `    right: { connection: my, table: ${my.table('sales')} }`,
      '    partition: { column: sold_at, grain: day }',
    ].join('\n');
    const file = writeConfig(yaml);
    const ok = await runCli(['check', '--config', file], { RECKON_T_PG_URL: pg.url, RECKON_T_MY_URL: my.url });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const missing = await runCli(['check', '--config', file], { RECKON_T_PG_URL: pg.url, RECKON_T_MY_URL: '' });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('connections.my: environment variable RECKON_T_MY_URL is not set');
  });

  it('--only with an unknown check name is an error', async () => {
    const r = await runCli(['check', '--config', writeConfig(baseDoc()), '--only', 'counts_ok,nonesuch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no check named nonesuch');
  });
});

describe('unreachable databases', () => {
  const PG_SECRET = 'Pg-s3cret-Xy7';
  const MY_SECRET = 'My-s3cret-Qz9';

  it('exits 2, names the connection and never shows a password, in every format and in the alert', async () => {
    const port = await closedPort();
    const hook = await startHook();
    try {
      const doc = {
        connections: {
          warehouse: `postgres://reckon:${PG_SECRET}@127.0.0.1:${port}/dwh`,
          // A wrong password against the real MariaDB: refused, with the password in our URL only.
          shop: `${new URL(my.url).protocol}//root:${MY_SECRET}@${new URL(my.url).host}${new URL(my.url).pathname}`,
          pg: pg.url,
        },
        alert: { webhook: hook.url, retries: 0 },
        checks: [
          { name: 'to_warehouse', kind: 'count', left: side(pg, 'sales'), right: { connection: 'warehouse', table: 'sales' } },
          { name: 'from_shop', kind: 'count', left: { connection: 'shop', table: 'sales' }, right: side(pg, 'sales') },
        ],
      };
      const file = writeConfig(doc);
      for (const format of ['text', 'json', 'junit']) {
        const r = await runCli(['check', '--config', file, '--format', format]);
        expect(r.code).toBe(2);
        for (const secret of [PG_SECRET, MY_SECRET]) {
          expect(r.stdout).not.toContain(secret);
          expect(r.stderr).not.toContain(secret);
        }
        expect(r.stdout).toMatch(/connection warehouse/);
        expect(r.stdout).toMatch(/connection shop/);
      }
      const text = await runCli(['check', '--config', file]);
      expect(text.stdout).toMatch(/to_warehouse: ERROR connection warehouse: cannot reach PostgreSQL at postgres:\/\/reckon:\*\*\*@127\.0\.0\.1:\d+\/dwh/);
      expect(text.stdout).toMatch(/from_shop: ERROR connection shop: MySQL at mysql:\/\/root:\*\*\*@/);
      expect(hook.bodies.length).toBeGreaterThan(0);
      expect(JSON.stringify(hook.bodies)).not.toContain(PG_SECRET);
      expect(JSON.stringify(hook.bodies)).not.toContain(MY_SECRET);
    } finally {
      await hook.close();
    }
  });

  it('names the connection and hides the password of a URL that does not parse', async () => {
    const doc = baseDoc();
    // An unescaped '#' in a password is a common reason a URL does not parse.
    (doc.connections as Record<string, string>).my = `mysql://root:Pw#${MY_SECRET}@127.0.0.1:3306/x`;
    const r = await runCli(['check', '--config', writeConfig(doc), '--only', 'counts_ok']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(MY_SECRET);
    expect(r.stdout).toMatch(/counts_ok: ERROR connection my: not a connection URL/);
  });

  it('hides a password given as ?password= too', async () => {
    const port = await closedPort();
    const doc = baseDoc();
    (doc.connections as Record<string, string>).pg = `postgres://reckon@127.0.0.1:${port}/dwh?password=${PG_SECRET}`;
    const r = await runCli(['check', '--config', writeConfig(doc), '--only', 'counts_ok']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(PG_SECRET);
    expect(r.stdout).toMatch(/connection pg/);
  });
});

describe('alerts', () => {
  it('POSTs the failure to the webhook: a text naming the failed check and the structured results', async () => {
    const hook = await startHook();
    try {
      const r = await runCli(['check', '--config', writeConfig(baseDoc({ alert: { webhook: hook.url } }))]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('');
      expect(hook.bodies).toHaveLength(1);
      const { method, contentType, body } = hook.bodies[0] as { method: string; contentType: string; body: { text: string; reckon: { status: string; checks: { name: string; status: string; rows: unknown[] }[] } } };
      expect(method).toBe('POST');
      expect(contentType).toBe('application/json');
      expect(body.text).toMatch(/sums_bad/);
      expect(body.text).toMatch(/2024-01-02/);
      expect(body.text).not.toMatch(/counts_ok|keys_ok/);
      expect(body.reckon.status).toBe('fail');
      expect(body.reckon.checks.map((c) => [c.name, c.status])).toEqual([
        ['counts_ok', 'pass'],
        ['sums_bad', 'fail'],
        ['keys_ok', 'pass'],
      ]);
      expect(body.reckon.checks[1]!.rows).toContainEqual({ partition: '2024-01-02', measure: 'sum(amount)', left: '10800', right: '10791', difference: '9', status: 'fail' });
    } finally {
      await hook.close();
    }
  });

  it('does not call the webhook when everything passes; --alert-webhook overrides the config', async () => {
    const configured = await startHook();
    const override = await startHook();
    try {
      const file = writeConfig(baseDoc({ alert: { webhook: configured.url } }));
      const pass = await runCli(['check', '--config', file, '--only', 'counts_ok']);
      expect(pass.code).toBe(0);
      expect(configured.bodies).toHaveLength(0);
      const fail = await runCli(['check', '--config', file, '--alert-webhook', override.url]);
      expect(fail.code).toBe(1);
      expect(configured.bodies).toHaveLength(0);
      expect(override.bodies).toHaveLength(1);
    } finally {
      await Promise.all([configured.close(), override.close()]);
    }
  });

  it('--alert-webhook that is not an http(s) URL is a usage error, before any check runs', async () => {
    const r = await runCli(['check', '--config', writeConfig(baseDoc()), '--alert-webhook', 'hooks.example.com/x']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--alert-webhook: expected an http:// or https:// URL');
  });

  it('a webhook on a closed port does not change the exit code and is reported on stderr', async () => {
    const port = await closedPort();
    const r = await runCli(['check', '--config', writeConfig(baseDoc({ alert: { webhook: `http://127.0.0.1:${port}/hook`, retries: 1 } })), '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/alert to http:\/\/127\.0\.0\.1:\d+\/… not delivered after 2 attempt\(s\): .*ECONNREFUSED/);
    const run = JSON.parse(r.stdout);
    expect(run.alert).toMatchObject({ delivered: false, attempts: 2 });
    expect(run.checks[1].status).toBe('fail');
  });

  it('a webhook answering 500 is retried, does not change the exit code and is reported on stderr', async () => {
    const hook = await startHook(500);
    try {
      const r = await runCli(['check', '--config', writeConfig(baseDoc({ alert: { webhook: hook.url, retries: 2 } }))]);
      expect(r.code).toBe(1);
      expect(hook.bodies).toHaveLength(3);
      expect(r.stderr).toMatch(/not delivered after 3 attempt\(s\): HTTP 500/);
      // The webhook's path may hold a token (Slack's do): it is never printed.
      expect(r.stderr).not.toContain('secret-path');
      expect(r.stdout).toMatch(/sums_bad/);
      expect(r.stdout).toMatch(/alert NOT delivered/);
    } finally {
      await hook.close();
    }
  });

  it('an undeliverable alert leaves exit code 2 for a check that could not run', async () => {
    const port = await closedPort();
    const doc = baseDoc({ alert: { webhook: `http://127.0.0.1:${port}/hook`, retries: 0 } });
    doc.checks = [{ name: 'no_table', kind: 'count', left: side(pg, 'sales'), right: side(my, 'nope') } as never];
    const r = await runCli(['check', '--config', writeConfig(doc)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not delivered/);
  });
});

describe('history', () => {
  it('appends records to the JSONL file and the PostgreSQL table, and --history flags a changed status', async () => {
    const file = join(dir, 'history.jsonl');
    // The history database session runs in New York time: stored times must still be the UTC instants.
    const historyUrl = `${pg.url}${pg.url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c TimeZone=America/New_York')}`;
    const table = pg.table('check_history');
    await my.exec('CREATE TABLE sales_copy AS SELECT * FROM sales; ALTER TABLE sales_copy ADD PRIMARY KEY (id);');
    const doc = {
      connections: { pg: pg.url, my: my.url, hist: historyUrl },
      history: { file, connection: 'hist', table },
      checks: [
        { name: 'copy_counts', kind: 'count', left: side(pg, 'sales'), right: side(my, 'sales_copy'), partition: { column: 'sold_at', grain: 'day' } },
        { name: 'steady', kind: 'count', left: side(pg, 'sales'), right: side(my, 'sales') },
      ],
    };
    const config = writeConfig(doc);
    const first = await runCli(['check', '--config', config]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    await my.exec('DELETE FROM sales_copy WHERE id = 10');
    const second = await runCli(['check', '--config', config]);
    expect(second.code).toBe(1);

    const records = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => [r.check, r.status])).toEqual([
      ['copy_counts', 'pass'],
      ['steady', 'pass'],
      ['copy_counts', 'fail'],
      ['steady', 'pass'],
    ]);
    expect(records[0].run_id).toBe(records[1].run_id);
    expect(records[2].run_id).not.toBe(records[0].run_id);
    expect(records[2]).toMatchObject({ kind: 'count', partitions: 4, failed_partitions: ['2024-01-02'], duration_ms: expect.any(Number) });
    expect(records[2].values).toEqual([{ partition: '2024-01-02', measure: 'count', left: '60', right: '59', difference: '1', status: 'fail' }]);

    const rows = await pg.query(`SELECT run_id, check_name, status, extract(epoch from time)::text, record->>'time' FROM ${table} ORDER BY time, check_name`);
    expect(rows.map((r) => [r[1], r[2]])).toEqual([
      ['copy_counts', 'pass'],
      ['steady', 'pass'],
      ['copy_counts', 'fail'],
      ['steady', 'pass'],
    ]);
    for (const r of rows) expect(Number(r[3]) * 1000).toBeCloseTo(Date.parse(r[4] as string), 0);

    const history = await runCli(['check', '--config', config, '--history']);
    expect(history.code).toBe(0);
    const lines = history.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const changed = lines.filter((l) => /changed/.test(l));
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(/copy_counts\s+FAIL\s+1\s+\d+ ms\s+changed \(was pass\)/);
    expect(lines.filter((l) => /steady/.test(l)).every((l) => !/changed/.test(l))).toBe(true);

    const asJson = await runCli(['check', '--config', config, '--history', '--format', 'json']);
    expect(JSON.parse(asJson.stdout).map((r: { check: string; status: string }) => [r.check, r.status])).toEqual(records.map((r) => [r.check, r.status]));
  });

  it('--history reads the JSONL file when no history table is configured', async () => {
    const file = join(dir, 'history-file-only.jsonl');
    const config = writeConfig(baseDoc({ history: { file } }));
    expect((await runCli(['check', '--config', config, '--only', 'sums_bad'])).code).toBe(1);
    const doc = baseDoc({ history: { file } });
    doc.checks[1]!.right = side(my, 'sales') as never;
    expect((await runCli(['check', '--config', writeConfig(doc), '--only', 'sums_bad'])).code).toBe(0);
    const history = await runCli(['check', '--config', config, '--history']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/sums_bad\s+FAIL\s+1 /);
    expect(history.stdout).toMatch(/sums_bad\s+PASS\s+0\s+\d+ ms\s+changed \(was fail\)/);
  });
});

describe('--every', () => {
  it('runs on a cron schedule with seconds until SIGTERM, then exits 0', async () => {
    const BIN = fileURLToPath(new URL('../../bin/reckon.js', import.meta.url));
    const child = spawn(process.execPath, [BIN, 'check', '--config', writeConfig(baseDoc()), '--only', 'counts_ok', '--every', '* * * * * *'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const twoRuns = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no two scheduled runs within 8 s; stderr: ${stderr}`)), 8000);
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if ((stderr.match(/scheduled run finished/g) ?? []).length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      await twoRuns;
    } finally {
      child.kill('SIGTERM');
    }
    const code = await exited;
    expect(code).toBe(0);
    expect(stderr).toMatch(/running 1 checks on schedule "\* \* \* \* \* \*" \(UTC\)/);
    expect(stderr).toMatch(/scheduled run finished with exit code 0/);
    expect((stdout.match(/1 checks: 1 passed/g) ?? []).length).toBeGreaterThanOrEqual(2);
  }, 15_000);

  it('rejects an unknown --only name at once instead of failing every scheduled run', async () => {
    const r = await runCli(['check', '--config', writeConfig(baseDoc()), '--only', 'nonesuch', '--every', '* * * * * *']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no check named nonesuch');
  });

  it('rejects a bad cron expression as a config error', async () => {
    const r = await runCli(['check', '--config', writeConfig(baseDoc()), '--every', 'every morning']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--every: not a cron expression/);
  });
});
