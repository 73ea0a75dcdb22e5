/**
 * An in-memory PostgreSQL (PGlite, compiled to WebAssembly) served over the wire protocol on a
 * loopback port by pglite-socket, so the demo reaches it through the same pg source as any server.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  readonly db: PGlite;
  /**
   * A connection URL for reckon. It asks for one connection: pglite-socket multiplexes a single
   * backend, so two open cursors on it interfere, while keyset pages on one connection are safe.
   */
  readonly url: string;
  /** Stops the server and closes the database. Safe to call twice. */
  stop(): Promise<void>;
}

/** Creates an empty in-memory database, or one restored from `dataDir` (a dumpDataDir tarball). */
export function createDatabase(dataDir?: Blob): Promise<PGlite> {
  return PGlite.create(dataDir ? { loadDataDir: dataDir } : {});
}

/** Serves `db` on 127.0.0.1 on a port the OS picks, so two demos (or a test) never collide. */
export async function serve(db: PGlite): Promise<EmbeddedPostgres> {
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  let stopped: Promise<void> | undefined;
  return {
    db,
    url: `postgres://postgres@${server.getServerConn()}/postgres?reckon_connections=1`,
    stop: () =>
      (stopped ??= (async () => {
        await server.stop();
        await db.close();
      })()),
  };
}
