/**
 * Bytes read from a source's database sockets, live and closed, so a run can report how much data
 * it moved (the point of in-database hashing over a slow link).
 */
import type { Socket } from 'node:net';

export class ByteCounter {
  private readonly live = new Set<Socket>();
  private closed = 0;

  /** Starts counting a connection's socket; safe to call twice for one socket. */
  track(socket: Socket | undefined): void {
    if (!socket || this.live.has(socket)) return;
    this.live.add(socket);
    socket.once('close', () => {
      this.closed += socket.bytesRead;
      this.live.delete(socket);
    });
  }

  get total(): number {
    let n = this.closed;
    for (const s of this.live) n += s.bytesRead;
    return n;
  }
}
