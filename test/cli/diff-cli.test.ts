import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../db/harness.ts';
import { runCli } from './run-cli.ts';

let pgDb: TestDb;
let myDb: TestDb;

beforeAll(async () => {
  [pgDb, myDb] = await Promise.all([createTestDb('postgres'), createTestDb('mariadb')]);
  await pgDb.exec(`CREATE TABLE t (id bigint PRIMARY KEY, amount numeric(10,2), label text);
    INSERT INTO t VALUES (1, 10.50, 'a'), (2, 20.00, 'b'), (3, 30.00, 'c'), (9007199254740993, 1, 'big')`);
  await myDb.exec(`CREATE TABLE t (id bigint PRIMARY KEY, amount decimal(12,3), label varchar(10));
    INSERT INTO t VALUES (1, 10.510, 'a'), (3, 30.000, 'c'), (4, 40, 'd'), (9007199254740993, 1, 'big')`);
  await myDb.exec(`CREATE TABLE same (id bigint PRIMARY KEY, amount decimal(12,3), label varchar(10));
    INSERT INTO same VALUES (1, 10.5, 'a'), (2, 20, 'b'), (3, 30, 'c'), (9007199254740993, 1, 'big')`);
});

afterAll(async () => {
  await Promise.all([pgDb?.drop(), myDb?.drop()]);
});

describe('reckon --version', () => {
  it('prints the version in package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('reckon diff', () => {
  it('says so, and exits 2, when the reader closes its output early (| head)', async () => {
    await pgDb.exec(`CREATE TABLE wide AS SELECT g AS id, g AS v FROM generate_series(1, 20000) g; ALTER TABLE wide ADD PRIMARY KEY (id);
      CREATE TABLE wide2 AS SELECT g AS id, g + 1 AS v FROM generate_series(1, 20000) g; ALTER TABLE wide2 ADD PRIMARY KEY (id)`);
    const bin = fileURLToPath(new URL('../../bin/reckon.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'diff', pgDb.url, pgDb.table('wide'), pgDb.url, pgDb.table('wide2'), '--format', 'jsonl'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Like head -1: the first chunk, then the pipe closed.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toBe('reckon: the output was closed before the report was written in full\n');
  });

  it('writes one JSON object per line with --format jsonl, the summary last, and exits 1 on differences', async () => {
    const r = await runCli(['diff', pgDb.url, pgDb.table('t'), myDb.url, myDb.table('t'), '--format', 'jsonl']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { type: 'changed', key: { id: 1 }, columns: ['amount'], left: { amount: '10.5' }, right: { amount: '10.51' } },
      { type: 'left_only', key: { id: 2 }, row: { id: '2', amount: '20', label: 'b' } },
      { type: 'right_only', key: { id: 4 }, row: { id: '4', amount: '40', label: 'd' } },
      {
        type: 'summary',
        left_rows: 4,
        right_rows: 4,
        left_only: 1,
        right_only: 1,
        changed: 1,
        identical: false,
        elapsed_ms: expect.any(Number),
        algorithm: 'stream',
        bytes_received: { left: expect.any(Number), right: expect.any(Number) },
      },
    ]);
  });

  it('exits 0 and says IDENTICAL for tables equal by meaning (10.5 = 10.500, keys beyond 2^53)', async () => {
    const r = await runCli(['diff', pgDb.url, pgDb.table('t'), myDb.url, myDb.table('same'), '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/IDENTICAL/);
    expect(r.stdout).toMatch(/4 rows/);
  });

  it('keeps key values beyond 2^53 exact, as strings', async () => {
    const r = await runCli(['diff', pgDb.url, pgDb.table('t'), myDb.url, myDb.table('t'), '--format', 'jsonl', '-w', 'id > 100', '--left-where', "label <> 'big'"]);
    expect(r.code).toBe(1);
    const first = JSON.parse(r.stdout.split('\n')[0]!);
    expect(first).toEqual({ type: 'right_only', key: { id: '9007199254740993' }, row: { id: '9007199254740993', amount: '1', label: 'big' } });
  });

  it('writes a single JSON document with --format json to the file named by -o', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reckon-cli-'));
    const file = join(dir, 'report.json');
    const r = await runCli(['diff', pgDb.url, pgDb.table('t'), myDb.url, myDb.table('t'), '--format', 'json', '-o', file, '--concurrency', '2']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.events.map((e: { type: string }) => e.type)).toEqual(['changed', 'left_only', 'right_only']);
    expect(doc.summary).toMatchObject({ type: 'summary', changed: 1, identical: false });
  });

  it('takes --algorithm digest, with the streaming answer, between engines and between two PostgreSQL tables', async () => {
    const jsonl = async (args: string[]) => {
      const r = await runCli([...args, '--format', 'jsonl', '--algorithm', 'digest']);
      expect(r.code).toBe(1);
      return r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; key?: unknown; algorithm?: string });
    };
    const across = await jsonl(['diff', pgDb.url, pgDb.table('t'), myDb.url, myDb.table('t')]);
    expect(across.map((e) => [e.type, e.key])).toEqual([['changed', { id: 1 }], ['left_only', { id: 2 }], ['right_only', { id: 4 }], ['summary', undefined]]);
    expect(across.at(-1)!.algorithm).toBe('digest');
    await pgDb.exec(`CREATE TABLE t2 AS SELECT * FROM t; ALTER TABLE t2 ADD PRIMARY KEY (id); UPDATE t2 SET label = 'B' WHERE id = 2`);
    const pg = await jsonl(['diff', pgDb.url, pgDb.table('t'), pgDb.url, pgDb.table('t2')]);
    expect(pg).toEqual([
      { type: 'changed', key: { id: 2 }, columns: ['label'], left: { label: 'b' }, right: { label: 'B' } },
      expect.objectContaining({ type: 'summary', changed: 1, left_rows: 4, algorithm: 'digest' }),
    ]);
    // The text report says how the rows were compared: a digest run read only the differing rows.
    const text = await runCli(['diff', pgDb.url, pgDb.table('t'), myDb.url, myDb.table('t'), '--algorithm', 'digest', '--no-progress']);
    expect(text.stdout).toMatch(/compared by: +row hashes in the databases, differing rows read/);
  });

  it('refuses an unknown --algorithm, listing the choices, with exit 2', async () => {
    const r = await runCli(['diff', pgDb.url, pgDb.table('t'), myDb.url, myDb.table('t'), '--algorithm', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('auto, stream, digest, hash');
  });

  it('prints a readable text report naming the changed column', async () => {
    const r = await runCli(['diff', pgDb.url, pgDb.table('t'), myDb.url, myDb.table('t')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('changed     id=1  amount: "10.5" -> "10.51"');
    expect(r.stdout).toMatch(/DIFFERENT: 3 differences/);
  });

  it('exits 2 and names the table when it does not exist', async () => {
    const r = await runCli(['diff', pgDb.url, pgDb.table('missing'), myDb.url, 't']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/missing does not exist/);
  });

  it('exits 2 on bad arguments', async () => {
    expect((await runCli(['diff', pgDb.url, 't'])).code).toBe(2);
    expect((await runCli(['diff', pgDb.url, 't', myDb.url, 't', '--chunk-size', '0'])).code).toBe(2);
    expect((await runCli(['diff', pgDb.url, 't', myDb.url, 't', '--format', 'xml'])).code).toBe(2);
    expect((await runCli(['diff', 'redis://x', 't', myDb.url, 't'])).code).toBe(2);
  });

  it('never prints a password, even when the server rejects it or is unreachable', async () => {
    const secret = 'Sup3rS3cretPw';
    const badAuth = new URL(myDb.url);
    badAuth.password = secret;
    const r1 = await runCli(['diff', badAuth.toString(), 't', myDb.url, 't']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/refused the credentials/);
    const unreachable = `postgres://someone:${secret}@127.0.0.1:1/test`;
    const r2 = await runCli(['diff', unreachable, 't', myDb.url, 't']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/cannot reach PostgreSQL/);
    for (const r of [r1, r2]) expect(r.stdout + r.stderr).not.toContain(secret);
  });
});
