/**
 * `COPY … TO STDOUT` read straight off a pg connection's socket.
 *
 * The server sends one CopyData message per row: a `d`, a 4-byte length, the row's text ending in
 * a newline. pg-copy-streams takes each message apart (a buffer slice, a length read and a list
 * push per row), which measured as a fifth of a PostgreSQL↔PostgreSQL diff's CPU. Here the socket's
 * buffers are framed in place instead: each CopyData header is overwritten with FRAME_FILL bytes,
 * so every row line of the buffer starts with exactly FRAME_BYTES filler bytes that the text
 * parser skips (copy-text.ts), and one decode and split serves a whole buffer. Other messages
 * (CopyOutResponse, a notice) are cut out. At CopyDone or an ErrorResponse the connection goes
 * back to pg, which reads the rest (CommandComplete, the error, ReadyForQuery) as usual.
 *
 * Flow control: the socket is read only when the consumer asks for the next buffer, so a slow
 * consumer leaves the data in the kernel's buffers and the server waits.
 */
import type { Socket } from 'node:net';
import type pg from 'pg';

/** Bytes of the message header in front of every row. */
export const FRAME_BYTES = 5;
/** What a header is overwritten with: ASCII, and neither a newline, a tab nor a backslash. */
const FRAME_FILL = 0x20;

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'

/** The part of pg's Connection this uses (stable across pg 8). */
interface PgConnection {
  stream: Socket;
  query(text: string): void;
}

type DataHandler = (data: Buffer) => void;

/** A pg Submittable: `client.query(new CopyOut(sql))`, then iterate `buffers()`. */
export class CopyOut implements pg.Submittable {
  private socket: Socket | undefined;
  private pgData: DataHandler | undefined;
  private error: Error | undefined;
  /** The COPY's output ended: at CopyDone, or at an ErrorResponse whose error pg will report. */
  private ended: 'done' | 'error' | undefined;
  private wake: (() => void) | undefined;
  private readonly onEvent = () => this.wake?.();
  private readonly onClose = () => {
    if (this.ended !== 'done' && !this.error) this.error = new Error('Connection terminated unexpectedly during COPY');
    this.wake?.();
  };

  private readonly framer: CopyFramer;

  /** `fill`: overwrite each row's message header with filler (see CopyFramer). */
  constructor(
    private readonly text: string,
    fill = true,
  ) {
    this.framer = new CopyFramer(fill);
  }

  /** Called by pg when the query's turn comes. */
  submit(pgConnection: pg.Connection): void {
    const connection = pgConnection as unknown as PgConnection;
    const socket = connection.stream;
    const handlers = socket.listeners('data') as DataHandler[];
    if (handlers.length !== 1) throw new Error(`COPY reader: expected pg's one socket data handler, found ${handlers.length}`);
    this.socket = socket;
    this.pgData = handlers[0];
    socket.removeListener('data', this.pgData!);
    socket.pause();
    socket.on('readable', this.onEvent);
    socket.on('close', this.onClose);
    connection.query(this.text);
  }

  handleError(err: Error): void {
    this.error ??= err;
    this.wake?.();
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {}

  /** Hands the connection back to pg, with the bytes it has not seen yet. */
  private detach(ended: 'done' | 'error', rest: Buffer): void {
    this.ended = ended;
    const socket = this.socket!;
    socket.removeListener('readable', this.onEvent);
    // After an ErrorResponse the error is still to come (pg reads it); a closed socket must wake
    // the reader if it never does.
    if (ended === 'done') socket.removeListener('close', this.onClose);
    socket.on('data', this.pgData!);
    if (rest.length > 0) this.pgData!(rest);
    // pg's handler may pause the socket itself while it runs: resume once it has returned.
    process.nextTick(() => socket.resume());
  }

  /**
   * The COPY's rows as buffers of text, each row line preceded by FRAME_BYTES filler bytes (or by
   * its message header, without `fill`); a row may continue into the next buffer. Throws the
   * server's error or a lost connection.
   */
  async *buffers(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (this.error) throw this.error;
        if (this.ended === 'done') return;
        // After an ErrorResponse, only pg reads the socket: wait for the error it parses.
        const chunk = this.ended ? null : (this.socket?.read() as Buffer | null | undefined);
        if (chunk) {
          const { rows, rest, ended } = this.framer.frame(chunk);
          if (ended) this.detach(ended, rest!);
          if (rows.length > 0) yield rows;
          continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      this.socket?.removeListener('close', this.onClose);
    }
  }
}

/**
 * The protocol framing of a COPY's output, separated from the socket so it can be tested on its
 * own: it keeps the state of a message that continues into the next buffer. `fill`: the header of
 * every CopyData message is overwritten with filler, for text; without it, the header (`d` and
 * the message length) stays, which is what delimits binary tuples.
 */
export class CopyFramer {
  constructor(private readonly fill = true) {}

  private code = 0;
  private lengthBytesLeft = 0;
  private length = 0;
  private bodyLeft = 0;

  /**
   * Frames one buffer of the connection's input in place: `rows` holds its row bytes, and `rest`,
   * once the COPY has ended (CopyDone or an ErrorResponse), the input that follows, which is pg's.
   */
  frame(b: Buffer): { rows: Buffer; rest?: Buffer; ended?: 'done' | 'error' } {
    const end = b.length;
    let pos = 0;
    // Byte ranges [from, to) to cut out: headers and bodies of messages that are not rows.
    let cuts: number[] | undefined;
    const cut = (from: number, to: number) => {
      cuts ??= [];
      if (cuts.length > 0 && cuts[cuts.length - 1] === from) cuts[cuts.length - 1] = to;
      else cuts.push(from, to);
    };
    let stop = end;
    let ended: 'done' | 'error' | undefined;
    while (pos < end) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, end - pos);
        if (this.code !== COPY_DATA) cut(pos, pos + n);
        pos += n;
        this.bodyLeft -= n;
        continue;
      }
      if (this.lengthBytesLeft > 0) {
        this.length = this.length * 256 + b[pos]!;
        if (this.code !== COPY_DATA) cut(pos, pos + 1);
        else if (this.fill) b[pos] = FRAME_FILL;
        pos++;
        if (--this.lengthBytesLeft === 0) this.bodyLeft = this.length - 4;
        continue;
      }
      const code = b[pos]!;
      if (code === COPY_DATA && pos + FRAME_BYTES <= end) {
        // The common case: a whole row header in this buffer.
        this.code = code;
        this.bodyLeft = ((b[pos + 1]! << 24) | (b[pos + 2]! << 16) | (b[pos + 3]! << 8) | b[pos + 4]!) - 4;
        if (this.fill) {
          b[pos] = FRAME_FILL;
          b[pos + 1] = FRAME_FILL;
          b[pos + 2] = FRAME_FILL;
          b[pos + 3] = FRAME_FILL;
          b[pos + 4] = FRAME_FILL;
        }
        pos += FRAME_BYTES;
        continue;
      }
      if (code === COPY_DONE || code === ERROR_RESPONSE) {
        stop = pos;
        ended = code === COPY_DONE ? 'done' : 'error';
        break;
      }
      this.code = code;
      this.lengthBytesLeft = 4;
      this.length = 0;
      if (code !== COPY_DATA) cut(pos, pos + 1);
      else if (this.fill) b[pos] = FRAME_FILL;
      pos++;
    }
    const rows = cuts ? keep(b, cuts, stop) : stop === end ? b : b.subarray(0, stop);
    return ended ? { rows, rest: b.subarray(stop), ended } : { rows };
  }
}


/** The bytes of b before `stop` outside the given ranges. */
function keep(b: Buffer, cuts: readonly number[], stop: number): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < cuts.length; i += 2) {
    if (cuts[i]! > at) parts.push(b.subarray(at, cuts[i]!));
    at = cuts[i + 1]!;
  }
  if (at < stop) parts.push(b.subarray(at, stop));
  return Buffer.concat(parts);
}
