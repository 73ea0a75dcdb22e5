/**
 * A login of its own for one test, so the test can see (and kill) exactly the connections reckon
 * opened for it, while other test files run diffs against the same servers in parallel.
 */
import { randomBytes } from 'node:crypto';
import type { TestDb } from './harness.ts';

/** One server connection opened by the login. */
export interface Backend {
  id: string;
  /** PostgreSQL: pg_stat_activity.state; MariaDB: PROCESSLIST.COMMAND. */
  state: string;
  /** The statement it runs, when the server reports one. */
  query: string;
  /** Inside an open transaction (a scan holds one from its first row to its last). */
  inTransaction: boolean;
}

export interface Login {
  /** The test database's URL, connecting as this login. */
  url: string;
  user: string;
  /** The login's current connections (PostgreSQL: those with application_name reckon). */
  backends(): Promise<Backend[]>;
  /** Drops the connection `id` from the server side, as a crash or a DBA would. */
  kill(id: string): Promise<void>;
  drop(): Promise<void>;
}

/**
 * Creates a login that may read the test schema/database. Call it after creating the tables
 * (PostgreSQL grants SELECT on the tables that exist).
 */
export async function createLogin(db: TestDb): Promise<Login> {
  const user = `reckon_u_${randomBytes(4).toString('hex')}`;
  const u = new URL(db.url);
  u.username = user;
  u.password = '';
  if (db.engine === 'postgres') {
    const schema = db.table('x').split('.')[0]!;
    await db.exec(`CREATE ROLE ${user} LOGIN`);
    await db.exec(`GRANT USAGE ON SCHEMA ${schema} TO ${user}; GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${user}`);
    return {
      url: u.toString(),
      user,
      backends: async () =>
        (
          await db.query(
            `SELECT pid::text, coalesce(state, ''), coalesce(query, ''), xact_start IS NOT NULL FROM pg_stat_activity
              WHERE usename = '${user}' AND application_name = 'reckon'`,
          )
        ).map(([id, state, query, tx]) => ({ id: String(id), state: String(state), query: String(query), inTransaction: tx === true })),
      kill: async (id) => void (await db.query(`SELECT pg_terminate_backend(${Number(id)})`)),
      drop: async () => {
        await db.exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${user}'`);
        await db.exec(`DROP OWNED BY ${user}; DROP ROLE ${user}`);
      },
    };
  }
  const database = u.pathname.slice(1);
  await db.exec(`CREATE USER '${user}'@'%'`);
  await db.exec(`GRANT SELECT ON \`${database}\`.* TO '${user}'@'%'`);
  return {
    url: u.toString(),
    user,
    backends: async () =>
      (
        await db.query(
          `SELECT ID, COMMAND, COALESCE(INFO, ''),
                  ID IN (SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX)
             FROM information_schema.PROCESSLIST WHERE USER = '${user}'`,
        )
      ).map(([id, state, query, tx]) => ({ id: String(id), state: String(state), query: String(query), inTransaction: Number(tx) === 1 })),
    kill: async (id) => {
      try {
        await db.exec(`KILL ${Number(id)}`);
      } catch (err) {
        // The connection may have ended on its own between listing and killing it.
        if ((err as { code?: string }).code !== 'ER_NO_SUCH_THREAD') throw err;
      }
    },
    drop: async () => {
      for (const [id] of await db.query(`SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '${user}'`)) {
        await db.exec(`KILL ${Number(id)}`).catch(() => {});
      }
      await db.exec(`DROP USER '${user}'@'%'`);
    },
  };
}

/** Polls `probe` until it returns true or `ms` pass; returns the last result. */
export async function eventually(probe: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
