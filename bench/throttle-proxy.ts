/**
 * A throttled link in userspace, for machines where `tc … netem` is not available: a TCP proxy
 * per database whose bytes go through one shared link, limited to a rate in each direction. The
 * link is shared by every connection and both databases, as a diff host's one network link would
 * be: the two floor clients, or reckon's two sides, compete for it the same way.
 *
 * The rate limit is a token bucket without burst: each chunk read from a socket reserves the
 * link for length / rate seconds after whatever is already reserved in its direction, and is
 * written on when that reservation ends. The socket it came from stays paused until then, so a
 * sender that outruns the link fills the kernel's buffers and TCP slows it down, as a real link
 * would; nothing queues up in this process. No latency is added.
 *
 * Standalone, to try a throttled reckon by hand:
 *   node --import tsx bench/throttle-proxy.ts --rate 100mbit --listen 15432 --target 127.0.0.1:5432
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** "100mbit", "20mbit", "500kbit", "1gbit", "64000bit" (tc's units: bits per second) to bytes per second. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/i.exec(text.trim());
  if (!m) throw new Error(`not a rate: ${text} (expected e.g. 100mbit, 20mbit, 500kbit)`);
  const scale = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 }[m[2]!.toLowerCase() as 'bit'];
  const bytes = (Number(m[1]) * scale) / 8;
  if (!(bytes >= 1000)) throw new Error(`rate too low to diff anything: ${text}`);
  return bytes;
}

/** One direction of the link: when it is next free, in performance.now() milliseconds. */
class Direction {
  private nextFree = 0;
  constructor(private readonly bytesPerMs: number) {}

  /** Reserves the link for `bytes` and returns the milliseconds until they have crossed it. */
  reserve(bytes: number): number {
    const now = performance.now();
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + bytes / this.bytesPerMs;
    return this.nextFree - now;
  }
}

/** The shared link: one direction towards the databases, one back. */
export class Link {
  readonly up: Direction;
  readonly down: Direction;
  constructor(readonly bytesPerSecond: number) {
    this.up = new Direction(bytesPerSecond / 1000);
    this.down = new Direction(bytesPerSecond / 1000);
  }
}

/** Copies `from` to `to` through one direction of the link, in order, pausing `from` meanwhile. */
function pump(from: net.Socket, to: net.Socket, dir: Direction): void {
  let inFlight = 0;
  let ended = false;
  from.on('data', (chunk: Buffer) => {
    from.pause();
    inFlight++;
    setTimeout(() => {
      inFlight--;
      if (to.destroyed) return;
      const resume = () => {
        if (ended && inFlight === 0) to.end();
        else from.resume();
      };
      if (to.write(chunk)) resume();
      else to.once('drain', resume);
    }, dir.reserve(chunk.length));
  });
  // The end is passed on only after the last chunk has crossed the link.
  from.on('end', () => {
    ended = true;
    if (inFlight === 0) to.end();
  });
}

export interface Proxy {
  /** The local port the proxy listens on (127.0.0.1). */
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (`listenPort`, default any free port) and forwards to `target` through `link`. */
export async function startProxy(target: { host: string; port: number }, link: Link, listenPort = 0): Promise<Proxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true });
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      // Either side failing ends the pair; the other end sees a closed connection, as over a real link.
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    // A clean close travels as an end through pump(), after the bytes still crossing the link.
    pump(client, upstream, link.up);
    pump(upstream, client, link.down);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rate: { type: 'string' }, listen: { type: 'string' }, target: { type: 'string' } } });
  const [host, port] = (values.target ?? '').split(':');
  if (!values.rate || !values.listen || !host || !port) {
    process.stderr.write('usage: throttle-proxy.ts --rate 100mbit --listen PORT --target HOST:PORT\n');
    process.exit(2);
  }
  const proxy = await startProxy({ host, port: Number(port) }, new Link(parseRate(values.rate)), Number(values.listen));
  process.stderr.write(`127.0.0.1:${proxy.port} -> ${values.target} at ${values.rate} each way; Ctrl-C to stop\n`);
}
