/**
 * Stopping early: a consumer that breaks out of the event loop mid-scan must get every connection
 * back (URL sides: closed; a Source the caller passed in: left idle with no open transaction),
 * promptly, without waiting for the rest of the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTables, openSource, type DiffOptions } from '../../src/index.ts';
import { createTestDb, type EngineName, type TestDb } from './harness.ts';
import { createLogin, eventually, type Login } from './logins.ts';
import { createTable, type Literal } from './rows.ts';

const PAIRINGS: [EngineName, EngineName][] = [
  ['postgres', 'postgres'],
  ['mariadb', 'mariadb'],
  ['postgres', 'mariadb'],
];

const ROWS = 20_000;

describe.each(PAIRINGS)('%s ↔ %s', (leftEngine, rightEngine) => {
  let left: TestDb;
  let right: TestDb;
  let leftLogin: Login;
  let rightLogin: Login;

  beforeAll(async () => {
    [left, right] = await Promise.all([createTestDb(leftEngine), createTestDb(rightEngine)]);
    const rows = (side: 'left' | 'right'): Literal[][] =>
      Array.from({ length: ROWS }, (_, i) => [i + 1, side === 'right' && i % 500 === 10 ? `changed ${i}` : `row ${i}`]);
    const ddl = (e: EngineName) => `id int PRIMARY KEY, v ${e === 'postgres' ? 'text' : 'varchar(40)'}`;
    await Promise.all([createTable(left, 'big', ddl(leftEngine), rows('left')), createTable(right, 'big', ddl(rightEngine), rows('right'))]);
    [leftLogin, rightLogin] = await Promise.all([createLogin(left), createLogin(right)]);
  });
  afterAll(async () => {
    await Promise.all([leftLogin?.drop(), rightLogin?.drop()]);
    await Promise.all([left?.drop(), right?.drop()]);
  });

  const options = (concurrency: number, extra: Partial<DiffOptions> = {}): DiffOptions => ({
    left: { url: leftLogin.url, table: left.table('big') },
    right: { url: rightLogin.url, table: right.table('big') },
    concurrency,
    chunkSize: 100,
    ...extra,
  });

  it.each([1, 3])('breaking after the first event closes every connection (concurrency %i)', async (concurrency) => {
    const run = diffTables(options(concurrency));
    let seen = 0;
    let openDuringRun = 0;
    for await (const e of run) {
      seen++;
      expect(e).toMatchObject({ type: 'changed', key: { id: 11 } });
      openDuringRun = (await leftLogin.backends()).length + (await rightLogin.backends()).length;
      break;
    }
    expect(seen).toBe(1);
    // The scan really was mid-stream with connections open, so their release is what is tested.
    expect(openDuringRun).toBeGreaterThanOrEqual(2);
    expect(run.summary).toBeUndefined();
    // Disconnects reach the server asynchronously: poll briefly.
    const gone = await eventually(async () => (await leftLogin.backends()).length + (await rightLogin.backends()).length === 0);
    expect({ left: await leftLogin.backends(), right: await rightLogin.backends(), gone }).toEqual({ left: [], right: [], gone: true });
  });

  it.each([1, 3])('breaking leaves a caller-owned Source idle and reusable (concurrency %i)', async (concurrency) => {
    const leftSource = openSource(leftLogin.url, { maxConnections: concurrency + 1 });
    const rightSource = openSource(rightLogin.url, { maxConnections: concurrency + 1 });
    try {
      const opts = options(concurrency);
      const run = diffTables({ ...opts, left: { ...opts.left, source: leftSource }, right: { ...opts.right, source: rightSource } });
      for await (const _ of run) break;
      // No connection may stay inside a transaction or a half-read result set.
      const busy = async () =>
        [...(await leftLogin.backends()), ...(await rightLogin.backends())].filter(
          (b) => b.inTransaction || (b.state !== 'idle' && b.state !== 'Sleep'),
        );
      await eventually(async () => (await busy()).length === 0);
      expect(await busy()).toEqual([]);
      // The sources still work: a second run over the same Sources completes.
      const again = diffTables({ ...opts, left: { ...opts.left, source: leftSource }, right: { ...opts.right, source: rightSource }, where: 'id <= 600' });
      let changed = 0;
      for await (const e of again) if (e.type === 'changed') changed++;
      expect(changed).toBe(2);
    } finally {
      await Promise.all([leftSource.close(), rightSource.close()]);
    }
    expect(await eventually(async () => (await leftLogin.backends()).length + (await rightLogin.backends()).length === 0)).toBe(true);
  });

  it('throwing inside the loop closes every connection too', async () => {
    const run = diffTables(options(3));
    await expect(
      (async () => {
        for await (const _ of run) throw new Error('consumer failed');
      })(),
    ).rejects.toThrow('consumer failed');
    expect(await eventually(async () => (await leftLogin.backends()).length + (await rightLogin.backends()).length === 0)).toBe(true);
  });
});
