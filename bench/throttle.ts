/**
 * `--throttle 100mbit`: the databases behind a slow link, so the bench shows what a diff costs
 * when the replica is across a network rather than on loopback. Two ways, tried in order:
 *
 * 1. `tc qdisc add dev lo root netem rate …` (root only). It throttles all loopback traffic, both
 *    directions through one queue, for as long as the throttled runs last: other programs on the
 *    machine talking over loopback are slowed too. The URLs stay as they are.
 * 2. When tc is refused (not root, or a kernel without netem: "Specified qdisc kind is unknown"),
 *    the userspace proxy of bench/throttle-proxy.ts in this process, one listener per database,
 *    all sharing one link limited to the rate in each direction. The URLs point at the proxy.
 *
 * Either way the floor clients, reckon and pg_comparator all get the same URLs, so all of them
 * cross the same link. The qdisc is removed and the proxies stopped when the runs end, and the
 * qdisc also when the process exits on an error or a signal.
 */
import { execFileSync } from 'node:child_process';
import type { Engine } from './measure.ts';
import { Link, parseRate, startProxy, type Proxy } from './throttle-proxy.ts';

export interface NetLink {
  /** 'loopback', or the rate as given, e.g. '100mbit': the report's section. */
  label: string;
  /** How the link was made, for the report. */
  method: string;
  urls: Record<Engine, string>;
  close(): Promise<void>;
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  const text = (e.stderr ? e.stderr.toString() : '') || e.message || String(err);
  // tc says "Error: Specified qdisc kind is unknown."; the report adds its own punctuation.
  return (text.trim().split('\n').filter(Boolean)[0] ?? 'unknown error').replace(/^Error: /, '').replace(/\.$/, '');
}

/** Qdiscs this process added and has not removed yet: removed on any exit. */
const installedQdiscs = new Set<string>();

function removeQdisc(dev: string): void {
  try {
    execFileSync('tc', ['qdisc', 'del', 'dev', dev, 'root'], { stdio: 'ignore' });
  } catch {
    // Already gone; nothing else to undo.
  }
  installedQdiscs.delete(dev);
}

let exitHooked = false;
/** A thrown error, process.exit() and Ctrl-C / kill all pass through 'exit', where the qdisc goes. */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const dev of installedQdiscs) removeQdisc(dev);
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) process.once(signal, () => process.exit(code));
}

/** The netem qdisc on lo, or why it could not be added. */
function tryNetem(rate: string): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'not root' };
  hookExit();
  try {
    execFileSync('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'rate', rate], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    return { ok: false, why: firstLine(err) };
  }
  installedQdiscs.add('lo');
  return { ok: true };
}

/** `url` with host and port replaced by the proxy's. */
function viaProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

function targetOf(engine: Engine, url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || (engine === 'postgres' ? 5432 : 3306)) };
}

/** `spec` is 'none' (loopback as it is) or a rate such as '100mbit'. */
export async function openLink(spec: string, urls: Record<Engine, string>, log: (s: string) => void): Promise<NetLink> {
  if (spec === 'none') return { label: 'loopback', method: 'loopback, not throttled', urls, close: async () => {} };
  const bytesPerSecond = parseRate(spec);
  const netem = tryNetem(spec);
  if (netem.ok) {
    log(`throttle ${spec}: tc netem on lo`);
    return {
      label: spec,
      method: `\`tc qdisc add dev lo root netem rate ${spec}\` (all loopback traffic, both directions through one queue)`,
      urls,
      close: async () => removeQdisc('lo'),
    };
  }
  log(`throttle ${spec}: tc netem refused (${netem.why}); userspace proxy instead`);
  const link = new Link(bytesPerSecond);
  const proxies: Proxy[] = [];
  const proxied = { ...urls };
  try {
    for (const engine of ['postgres', 'mysql'] as const) {
      const p = await startProxy(targetOf(engine, urls[engine]), link);
      proxies.push(p);
      proxied[engine] = viaProxy(urls[engine], p.port);
    }
  } catch (err) {
    await Promise.all(proxies.map((p) => p.close()));
    throw err;
  }
  return {
    label: spec,
    method:
      `userspace proxy (bench/throttle-proxy.ts) in front of both databases, ${spec} in each direction shared by all connections, ` +
      `no added latency; tc netem was refused: ${netem.why}`,
    urls: proxied,
    close: async () => void (await Promise.all(proxies.map((p) => p.close()))),
  };
}
