/**
 * The rows of a streamed mysql2 query, in chunks, taken straight from its 'result' events.
 *
 * mysql2's `query.stream()` pushes each row through an object-mode Readable and emits a second
 * event for it, which together cost a tenth of a PostgreSQL↔MariaDB diff's CPU. Here each row
 * goes into the chunk being built; the connection is paused while two full chunks wait for the
 * consumer and resumed when it takes one, so memory stays bounded and the server waits on TCP
 * backpressure as before.
 *
 * Where the result's columns allow, rows are read off their packets by mysql-row-reader.ts rather
 * than by mysql2. That takes one internal of mysql2's Query: once its column definitions are read,
 * it asks `this.row` for the handler of each row packet, so a handler set on the query itself is
 * used. Should a later mysql2 not ask, its rows still arrive as 'result' events, parsed by mysql2.
 */
import type { PoolConnection, Query } from 'mysql2';
import type { RawRow } from '../types.ts';
import { rowReader, type ResultField, type RowReader } from './mysql-row-reader.ts';

/** A row packet as mysql2 hands it to a query's row handler (lib/packets/packet.js). */
interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}

type RowHandler = (this: Query, packet: RowPacket, connection: unknown) => unknown;

/** The mysql2 settings (a query's own, else its connection's) that decide how it parses rows. */
interface ParseSettings {
  rowsAsArray?: boolean;
  nestTables?: unknown;
  typeCast?: unknown;
  dateStrings?: unknown;
  supportBigNumbers?: boolean;
  bigNumberStrings?: boolean;
  decimalNumbers?: boolean;
}

/**
 * Whether mysql2 would give the values mysql-row-reader.ts makes: rows as arrays, dates and big
 * numbers as strings, no typeCast. MySqlSource's pool and scans are set up so; anything else is
 * left to mysql2.
 */
function parsedAsReaderReads(query: Query, conn: PoolConnection): boolean {
  const own = (query as unknown as { options?: ParseSettings }).options ?? {};
  const base = (conn as unknown as { config?: ParseSettings }).config ?? {};
  const get = <K extends keyof ParseSettings>(k: K): ParseSettings[K] => own[k] ?? base[k];
  const typeCast = get('typeCast');
  return (
    get('rowsAsArray') === true &&
    !get('nestTables') &&
    (typeCast === undefined || typeCast === true) &&
    get('dateStrings') === true &&
    get('supportBigNumbers') === true &&
    get('bigNumberStrings') === true &&
    !get('decimalNumbers')
  );
}

export class ResultChunks {
  private readonly ready: RawRow[][] = [];
  private current: RawRow[] = [];
  private ended = false;
  private error: Error | undefined;
  private paused = false;
  private wake: (() => void) | undefined;
  /** Whether the rows are read off their packets here rather than parsed by mysql2 (for tests). */
  readsPackets = false;

  constructor(
    private readonly conn: PoolConnection,
    query: Query,
    private readonly size: number,
  ) {
    query.on('result', (row) => this.add(row as unknown as RawRow));
    this.readRows(query);
    query.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    query.on('error', (err: Error) => this.fail(err));
  }

  private add(row: RawRow): void {
    this.current.push(row);
    if (this.current.length < this.size) return;
    this.ready.push(this.current);
    this.current = [];
    if (this.ready.length >= 2 && !this.paused) {
      this.paused = true;
      this.conn.pause();
    }
    this.wake?.();
  }

  /** Takes over mysql2's row handler for results this reader can read (see the header). */
  private readRows(query: Query): void {
    const q = query as unknown as { row?: RowHandler };
    const parsed = q.row;
    if (typeof parsed !== 'function' || !parsedAsReaderReads(query, this.conn)) return;
    let read: RowReader | undefined;
    query.on('fields', (fields: ResultField[]) => {
      read = rowReader(fields);
      this.readsPackets = read !== undefined;
    });
    const add = (row: RawRow) => this.add(row);
    q.row = function (packet, connection) {
      if (read === undefined || packet.isEOF()) {
        // mysql2's own handling: the end of the result, or a row it parses and emits.
        const next = parsed.call(this, packet, connection);
        return next === parsed ? q.row : next;
      }
      add(read(packet.buffer, packet.offset, packet.end) as RawRow);
      return q.row;
    };
  }

  /** Ends the reading with an error (mysql2 tells a lost connection only to the connection). */
  fail(err: Error): void {
    this.error ??= err;
    this.wake?.();
  }

  async *chunks(): AsyncGenerator<RawRow[]> {
    for (;;) {
      const chunk = this.ready.shift();
      if (chunk) {
        if (this.paused && this.ready.length < 2) {
          this.paused = false;
          // Handles the packets held back while paused, which may fill and pause again.
          this.conn.resume();
        }
        yield chunk;
        continue;
      }
      if (this.error) throw this.error;
      if (this.ended) {
        if (this.current.length > 0) {
          const last = this.current;
          this.current = [];
          yield last;
        }
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
