/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`) by self time: the top functions, and the
 * time per part of reckon's pipeline (driver parsing, normalisation, merge-join, key compare,
 * chunking, …), which is what decides where optimisation pays.
 *
 * usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  categories: { name: string; ms: number; pct: number }[];
  top: { fn: string; where: string; category: string; ms: number; pct: number }[];
}

/** The pipeline part a function belongs to, from its file and name. */
export function categorise(f: CallFrame): string {
  const { url, functionName: fn } = f;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle (waiting on sockets)';
  if (fn === '(program)') return 'V8/native (unattributed)';
  if (/\/node_modules\/pg-protocol\//.test(url)) return 'driver: pg protocol parsing';
  if (/\/node_modules\/(pg|pg-query-stream|pg-cursor|pg-types)\//.test(url)) return 'driver: pg client/cursor';
  if (/\/node_modules\/mysql2\/lib\/(parsers|packets)\//.test(url)) return 'driver: mysql2 packet/row parsing';
  if (/\/node_modules\/mysql2\//.test(url)) return 'driver: mysql2 connection/stream';
  // mysql2 compiles its row parsers with new Function: no URL, a generated name.
  if (url === '' && /^(TextRow|BinaryRow)/.test(fn)) return 'driver: mysql2 packet/row parsing';
  if (/\/src\/diff\/compare-keys\.ts/.test(url)) return 'key compare';
  if (/\/src\/normalize\/decimal\.ts/.test(url) && /^compare/.test(fn)) return 'key compare';
  if (/\/src\/normalize\//.test(url)) return 'normalisation';
  if (/\/src\/diff\/merge-join\.ts/.test(url)) return 'merge-join';
  if (/\/src\/diff\/diff-tables\.ts/.test(url)) return fn === 'normalizedScan' ? 'normalisation' : 'diff orchestration/events';
  if (/\/src\/diff\/plan\.ts/.test(url)) return 'range queues (plan.ts)';
  if (/\/src\/sources\//.test(url)) return 'source chunking (sources/*.ts)';
  if (/\/src\/cli\/|\/bench\/run-diff\.ts/.test(url)) return 'reporting/output';
  if (/\/node_modules\/(tsx|esbuild|commander)\/|^node:internal\/(modules|bootstrap|deps\/cjs-module-lexer)\//.test(url)) return 'startup (module loading)';
  if (/^wasm:\/\//.test(url)) return 'wasm (cjs-module-lexer at startup; xxhash)';
  if (/^node:internal\/streams\/|^node:stream/.test(url)) return 'node streams (chunking/backpressure)';
  if (/^node:(internal\/)?(net|stream_base_commons|dns|tcp)/.test(url)) return 'socket I/O';
  if (/^node:internal\/(process\/task_queues|async_hooks|timers)|^node:events|^node:internal\/events/.test(url)) return 'async machinery (events, promises)';
  if (url === '' && /^(next|return|throw|processTicksAndRejections|runMicrotasks|\(anonymous\)|)$/.test(fn)) return 'async machinery (events, promises)';
  if (/^node:/.test(url)) return 'other node internals';
  if (url === '') return `native: ${fn || '(anonymous)'}`;
  return 'other';
}

/** Parts that say how, not for whom: their time is charged to the nearest caller with a real part. */
function isGeneric(category: string): boolean {
  return /^(native:|V8\/native|other node internals|node streams|socket I\/O|async machinery|other$)/.test(category);
}

function shortWhere(f: CallFrame): string {
  if (!f.url) return '(native)';
  const path = f.url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules\/|src\/|bench\/)/, '$1');
  return `${path}:${f.lineNumber + 1}`;
}

/** Self time per function and per category of one profile. */
export function summarise(profile: CpuProfile, topN = 15): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  // A buffer's utf8Slice called by pg-protocol is driver parsing, a RegExp run by
  // canonicalTimestamp is normalisation, a socket write by pg-cursor is the cursor's round trip.
  const partOf = (id: number): string => {
    const own = categorise(byId.get(id)!.callFrame);
    if (!isGeneric(own)) return own;
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const c = categorise(byId.get(cur)!.callFrame);
      if (!isGeneric(c)) return c;
    }
    return own;
  };
  const selfUs = new Map<number, number>();
  // Each sample stands for the time until the next one (how DevTools attributes self time).
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const perFn = new Map<string, { fn: string; where: string; category: string; us: number }>();
  const perCat = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(root)') continue;
    const f = node.callFrame;
    const category = partOf(id);
    const where = shortWhere(f);
    const name = f.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const e = perFn.get(key) ?? { fn: name, where, category, us: 0 };
    e.us += us;
    perFn.set(key, e);
    perCat.set(category, (perCat.get(category) ?? 0) + us);
    total += us;
  }
  const pct = (us: number) => (total > 0 ? (100 * us) / total : 0);
  return {
    totalMs: total / 1000,
    categories: [...perCat.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, pct: pct(us) })),
    top: [...perFn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({ fn: e.fn, where: e.where, category: e.category, ms: e.us / 1000, pct: pct(e.us) })),
  };
}

export async function summariseFile(path: string, topN = 15): Promise<ProfileSummary> {
  return summarise(JSON.parse(await readFile(path, 'utf8')) as CpuProfile, topN);
}

/** Markdown tables for a summary. */
export function formatSummary(s: ProfileSummary, title: string): string {
  const lines = [`#### ${title} (${(s.totalMs / 1000).toFixed(1)} s sampled)`, '', '| part | self ms | % |', '|---|---:|---:|'];
  for (const c of s.categories) if (c.pct >= 0.5) lines.push(`| ${c.name} | ${c.ms.toFixed(0)} | ${c.pct.toFixed(1)} |`);
  lines.push('', '| function | where | part | self ms | % |', '|---|---|---|---:|---:|');
  for (const t of s.top) lines.push(`| ${t.fn} | ${t.where} | ${t.category} | ${t.ms.toFixed(0)} | ${t.pct.toFixed(1)} |`);
  lines.push(
    '',
    'Parts: a function\'s self time counts for its own part, or for generic code (natives, Node streams, events) the part of its nearest caller that has one. ' +
      'Self time of optimised code includes what V8 inlined into it: the key comparison and Side.take/peek usually show up as mergeJoin.',
  );
  return lines.join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' } } });
  for (const file of positionals) {
    process.stdout.write(formatSummary(await summariseFile(file, values.top ? Number(values.top) : 15), file) + '\n');
  }
}
