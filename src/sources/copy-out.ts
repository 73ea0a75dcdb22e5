/**
 * `COPY … TO STDOUT` as a pg submittable that hands over the rows' bytes with as little work per
 * row as the protocol allows. PostgreSQL sends every row as its own CopyData message; this reads
 * the socket itself while the COPY runs, copies each message's payload into one buffer per
 * network chunk (no object per row), and gives the socket back to pg's parser at the first
 * message that is not row data (CopyDone, an error), so pg completes the query as usual.
 * Backpressure: the socket is only read while the consumer wants more.
 */
import { Readable } from 'node:stream';

/** The slice of pg's Connection this needs. */
interface PgConnection {
  stream: import('node:net').Socket;
  query(text: string): void;
}

const COPY_DATA = 0x64; // 'd'
const COPY_OUT_RESPONSE = 0x48; // 'H'
const COPY_DONE = 0x63; // 'c'
const NOTICE = 0x4e; // 'N'
const PARAMETER_STATUS = 0x53; // 'S'
const NOTIFICATION = 0x41; // 'A'

export class CopyOut extends Readable {
  private connection: PgConnection | undefined;
  private pgHandler: ((b: Buffer) => void) | undefined;
  private pending: Buffer | undefined;
  private wanted = false;
  private attached = false;
  private readonly onReadable = () => this.pump();

  constructor(readonly text: string) {
    super({ highWaterMark: 64 * 1024 });
  }

  /** Called by pg when this query's turn comes. */
  submit(connection: PgConnection): void {
    this.connection = connection;
    const socket = connection.stream;
    const handlers = socket.listeners('data') as ((b: Buffer) => void)[];
    if (handlers.length !== 1) throw new Error(`COPY reader expected one data listener on the socket, found ${handlers.length}`);
    this.pgHandler = handlers[0]!;
    socket.removeListener('data', this.pgHandler);
    socket.pause();
    this.attached = true;
    socket.on('readable', this.onReadable);
    connection.query(this.text);
  }

  override _read(): void {
    this.wanted = true;
    this.pump();
  }

  private pump(): void {
    if (!this.attached || !this.wanted) return;
    const socket = this.connection!.stream;
    let chunk: Buffer | null;
    while (this.attached && this.wanted && (chunk = socket.read() as Buffer | null) !== null) this.parse(chunk);
  }

  private parse(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    const out = Buffer.allocUnsafe(buf.length);
    let outLength = 0;
    let pos = 0;
    let handBackAt = -1;
    while (buf.length - pos >= 5) {
      const code = buf[pos]!;
      const length = buf.readUInt32BE(pos + 1);
      if (code === COPY_DATA) {
        if (buf.length - pos < 1 + length) break;
        outLength += buf.copy(out, outLength, pos + 5, pos + 1 + length);
        pos += 1 + length;
      } else if (code === COPY_OUT_RESPONSE || code === NOTICE || code === PARAMETER_STATUS || code === NOTIFICATION) {
        if (buf.length - pos < 1 + length) break;
        pos += 1 + length;
      } else {
        // CopyDone, an ErrorResponse or anything else ends the row data: pg's own parser takes
        // over from here (it completes the query, or reports the error to handleError).
        handBackAt = code === COPY_DONE && buf.length - pos >= 1 + length ? pos + 1 + length : pos;
        break;
      }
    }
    if (outLength > 0) this.wanted = this.push(out.subarray(0, outLength));
    if (handBackAt >= 0) {
      this.detach(buf.subarray(handBackAt));
      if (buf[pos] === COPY_DONE) this.push(null);
      return;
    }
    if (pos < buf.length) this.pending = buf.subarray(pos);
  }

  private detach(rest: Buffer): void {
    const socket = this.connection!.stream;
    this.attached = false;
    socket.removeListener('readable', this.onReadable);
    socket.on('data', this.pgHandler!);
    if (rest.length > 0) this.pgHandler!(rest);
    // Let pg's handler run before the socket flows again.
    process.nextTick(() => socket.resume());
  }

  /** pg: the query failed (an ErrorResponse, or the connection ended). */
  handleError(err: Error): void {
    if (this.attached) this.detach(Buffer.alloc(0));
    this.destroy(err);
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {}
}
