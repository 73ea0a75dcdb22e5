/**
 * Failures a user can act on: each is a ReckonError with a stable code, its message names the
 * table, column or key involved, and no password from a connection URL ever appears in the
 * message, the stack, the cause or the error as printed by util.inspect.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReckonError, type DiffOptions, type ErrorCode } from '../../src/index.ts';
import { collectDiff } from './collect.ts';
import { createTestDb, type EngineName, type TestDb } from './harness.ts';
import { createTable } from './rows.ts';

/** Distinctive, so any leak is found by a substring search. */
const PASSWORD = 's3cretPw';

/** Runs the diff, expects it to fail with `code`, and checks the password is nowhere in the error. */
async function expectFailure(opts: DiffOptions, code: ErrorCode, ...mentions: string[]): Promise<ReckonError> {
  let caught: unknown;
  try {
    await collectDiff(opts);
  } catch (err) {
    caught = err;
  }
  expect(caught, 'the diff should have failed').toBeInstanceOf(ReckonError);
  const err = caught as ReckonError;
  expect({ code: err.code, message: err.message }).toMatchObject({ code });
  for (const m of mentions) expect(err.message).toContain(m);
  const cause = err.cause as { message?: unknown; stack?: unknown } | undefined;
  const texts = [err.message, err.stack ?? '', String(cause?.message), String(cause?.stack), String(err), inspect(err, { depth: 6 })];
  for (const text of texts) expect(text).not.toContain(PASSWORD);
  return err;
}

describe.each(['postgres', 'mariadb'] as EngineName[])('%s', (engine) => {
  let db: TestDb;
  /** A URL to the test database that carries a password (accepted by the server). */
  let urlWithPassword: string;
  let mariaUser: string | undefined;

  beforeAll(async () => {
    db = await createTestDb(engine);
    const u = new URL(db.url);
    if (engine === 'postgres') {
      // The local server trusts 127.0.0.1, so the password is never checked, but it is in the URL
      // reckon holds, which is what must not leak.
      u.username = 'postgres';
      u.password = PASSWORD;
    } else {
      mariaUser = `reckon_pw_${randomBytes(4).toString('hex')}`;
      await db.exec(`CREATE USER '${mariaUser}'@'%' IDENTIFIED BY '${PASSWORD}'`);
      await db.exec(`GRANT ALL ON \`${u.pathname.slice(1)}\`.* TO '${mariaUser}'@'%'`);
      u.username = mariaUser;
      u.password = PASSWORD;
    }
    urlWithPassword = u.toString();
    const intDdl = 'k int, v int';
    await Promise.all([
      createTable(db, 'base', 'id int PRIMARY KEY, k int, v int, w int', [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]),
      createTable(db, 'narrow', 'id int PRIMARY KEY, k int, v int', [[1, 1, 1], [2, 2, 2], [3, 3, 3]]),
      createTable(db, 'nopk', intDdl, [[1, 1], [2, 2], [3, 3]]),
      createTable(db, 'dup_left', intDdl, [[1, 1], [2, 2], [3, 3], [3, 4], [4, 4]]),
      createTable(db, 'dup_right', intDdl, [[1, 1], [2, 2], [2, 2], [3, 3]]),
      createTable(db, 'dup_both', intDdl, [[1, 1], [3, 3], [3, 3], [4, 4]]),
      createTable(db, 'null_none', 'id int PRIMARY KEY, code varchar(10) UNIQUE, v int', [[1, 'a', 1], [2, 'b', 2], [3, 'c', 3]]),
      createTable(db, 'null_one', 'id int PRIMARY KEY, code varchar(10) UNIQUE, v int', [[1, 'a', 1], [2, null, 2], [3, 'c', 3]]),
      createTable(db, 'null_two', 'id int PRIMARY KEY, code varchar(10) UNIQUE, v int', [[1, 'a', 1], [2, null, 2], [3, null, 3]]),
    ]);
  });
  afterAll(async () => {
    if (mariaUser) await db?.exec(`DROP USER '${mariaUser}'@'%'`);
    await db?.drop();
  });

  const diff = (leftTable: string, rightTable: string, extra: Partial<DiffOptions> = {}): DiffOptions => ({
    left: { url: urlWithPassword, table: db.table(leftTable) },
    right: { url: urlWithPassword, table: db.table(rightTable) },
    ...extra,
  });

  it('the password-bearing URL works (so the failures below are the ones intended)', async () => {
    const { summary } = await collectDiff(diff('base', 'base'));
    expect(summary).toMatchObject({ left_rows: 3, identical: true });
  });

  describe('duplicate keys', () => {
    it.each([1, 3])('on the left side (concurrency %i) name the key', async (concurrency) => {
      const err = await expectFailure(diff('dup_left', 'nopk', { key: ['k'], concurrency }), 'DUPLICATE_KEY', '"k":3', 'left', '--key');
      expect(err.message).toContain('dup_left');
    });

    it('on the right side name the key', async () => {
      await expectFailure(diff('nopk', 'dup_right', { key: ['k'] }), 'DUPLICATE_KEY', '"k":2', 'right', 'dup_right');
    });

    it('identical duplicates on both sides are still an error, never "identical"', async () => {
      await expectFailure(diff('dup_both', 'dup_both', { key: ['k'] }), 'DUPLICATE_KEY', '"k":3');
    });

    it('a key column that is not unique in a table with a primary key', async () => {
      await expectFailure(diff('dup_left', 'dup_left', { key: ['v'] }), 'DUPLICATE_KEY', '"v":4');
    });
  });

  describe('NULL in a key column (a unique column may hold NULLs) is a SCHEMA error naming the column', () => {
    it.each([
      ['one NULL on the left', 'null_one', 'null_two'],
      ['two NULLs on each side', 'null_two', 'null_two'],
      ['NULLs on the right only', 'null_none', 'null_two'],
    ])('%s', async (_label, l, r) => {
      const columns = ['v'];
      await expectFailure(diff(l, r, { key: ['code'], columns }), 'SCHEMA', 'code', 'NULL', '--key');
      await expectFailure(diff(l, r, { key: ['code'], columns, concurrency: 3 }), 'SCHEMA', 'code', 'NULL');
    });
  });

  it('a table with no primary key and no --key is a SCHEMA error that says to use --key', async () => {
    await expectFailure(diff('nopk', 'nopk'), 'SCHEMA', 'nopk', 'primary key', '--key');
  });

  it.each([
    ['left', 'no_such_table', 'base'],
    ['right', 'base', 'no_such_table'],
  ])('an unknown %s table is a SCHEMA error naming it', async (_side, l, r) => {
    await expectFailure(diff(l, r), 'SCHEMA', 'no_such_table');
  });

  it('an unknown key column is a SCHEMA error naming it', async () => {
    await expectFailure(diff('base', 'base', { key: ['no_such_key'] }), 'SCHEMA', 'no_such_key');
  });

  it('an unknown compared column is a SCHEMA error naming it', async () => {
    await expectFailure(diff('base', 'base', { columns: ['v', 'no_such_column'] }), 'SCHEMA', 'no_such_column');
  });

  it('a compared column missing on the right is a SCHEMA error naming column and side', async () => {
    await expectFailure(diff('base', 'narrow', { columns: ['w'] }), 'SCHEMA', 'w', 'right', 'narrow');
  });

  it('a key column missing on the right is a SCHEMA error naming it', async () => {
    await expectFailure(diff('narrow', 'nopk', { key: ['id'] }), 'SCHEMA', 'id', 'right', 'nopk');
  });

  it('a where clause the database rejects is a QUERY error naming the table', async () => {
    await expectFailure(diff('base', 'base', { where: 'id = = 1' }), 'QUERY', 'base');
  });

  it('an unreachable server is a CONNECTION error', async () => {
    const u = new URL(urlWithPassword);
    u.port = '1';
    const err = await expectFailure(
      { left: { url: u.toString(), table: db.table('base') }, right: { url: urlWithPassword, table: db.table('base') } },
      'CONNECTION',
      '127.0.0.1:1',
    );
    expect(err.message).toContain('***');
  });

  it('a password with URL-escaped characters is hidden in both forms', async () => {
    const u = new URL(urlWithPassword);
    u.port = '1';
    u.password = `${PASSWORD}%2F%40%3F`; // s3cretPw/@?
    const err = await expectFailure(
      { left: { url: urlWithPassword, table: db.table('base') }, right: { url: u.toString(), table: db.table('base') } },
      'CONNECTION',
    );
    expect(err.message).not.toContain('%2F%40%3F');
  });

  if (engine === 'mariadb') {
    it('a wrong password is an AUTH error that does not print the password', async () => {
      const u = new URL(urlWithPassword);
      u.username = 'root';
      u.password = PASSWORD; // root's password is empty
      await expectFailure({ left: { url: u.toString(), table: 'base' }, right: { url: urlWithPassword, table: 'base' } }, 'AUTH', 'root');
      const wrong = new URL(urlWithPassword);
      wrong.password = `${PASSWORD}x`;
      await expectFailure(
        { left: { url: urlWithPassword, table: 'base' }, right: { url: wrong.toString(), table: 'base' } },
        'AUTH',
        mariaUser!,
      );
    });

    it('an unknown database names it', async () => {
      const u = new URL(urlWithPassword);
      u.pathname = '/reckon_no_such_db';
      await expectFailure({ left: { url: u.toString(), table: 'base' }, right: { url: urlWithPassword, table: 'base' } }, 'AUTH', 'reckon_no_such_db');
    });
  } else {
    // The local PostgreSQL trusts 127.0.0.1, so a wrong password cannot be refused; an unknown
    // role and an unknown database are the refusals that are real here.
    it('an unknown role is an AUTH error naming it', async () => {
      const u = new URL(urlWithPassword);
      u.username = 'reckon_no_such_role';
      await expectFailure(
        { left: { url: u.toString(), table: db.table('base') }, right: { url: urlWithPassword, table: db.table('base') } },
        'AUTH',
        'reckon_no_such_role',
      );
    });

    it('an unknown database is a CONNECTION error naming it', async () => {
      const u = new URL(urlWithPassword);
      u.pathname = '/reckon_no_such_db';
      await expectFailure(
        { left: { url: urlWithPassword, table: db.table('base') }, right: { url: u.toString(), table: db.table('base') } },
        'CONNECTION',
        'reckon_no_such_db',
      );
    });
  }
});
