/**
 * The check configuration file (YAML or JSON): named connections and a list of named checks.
 * Everything is validated up front and every problem is reported at once, each with its path in
 * the file (`checks[2].tolerance: expected a number or a percentage`), so a broken file is fixed
 * in one pass rather than one error per run.
 */
import { readFile } from 'node:fs/promises';
import type { parse } from 'yaml';
import { lazyRequire } from '../lazy-require.ts';
import { ReckonError } from '../errors.ts';
import type { DiffAlgorithm } from '../types.ts';
import { EXACT, parseTolerance, type Tolerance } from './tolerance.ts';

const loadYaml = lazyRequire<{ parse: typeof parse }>('yaml');

export type Grain = 'hour' | 'day' | 'week' | 'month';
export const GRAINS: readonly Grain[] = ['hour', 'day', 'week', 'month'];
export type CheckKind = 'count' | 'sum' | 'keys' | 'diff';
const ALGORITHMS: readonly DiffAlgorithm[] = ['auto', 'stream', 'digest', 'hash'];
export const CHECK_KINDS: readonly CheckKind[] = ['count', 'sum', 'keys', 'diff'];
export type Aggregate = 'sum' | 'min' | 'max' | 'avg' | 'count' | 'count_distinct';
export const AGGREGATES: readonly Aggregate[] = ['sum', 'min', 'max', 'avg', 'count', 'count_distinct'];

/** One side of a check: a table, or a SQL query used as a derived table (count and sum only). */
export interface CheckSide {
  connection: string;
  url: string;
  table?: string;
  query?: string;
  where?: string;
}

export interface PartitionSpec {
  column: string;
  grain: Grain;
  /** The last N periods up to and including the current one (UTC). */
  last?: number;
  /** Inclusive start and exclusive end, `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`. */
  from?: string;
  to?: string;
}

export interface Measure {
  aggregate: Aggregate;
  column: string | null;
}

export interface CheckSpec {
  name: string;
  kind: CheckKind;
  left: CheckSide;
  right: CheckSide;
  partition?: PartitionSpec;
  where?: string;
  measures: Measure[];
  tolerance: Tolerance;
  key?: string[];
  columns?: string[];
  /** How keys and diff checks compare rows (see `reckon diff --algorithm`); default auto. */
  algorithm?: DiffAlgorithm;
  /** How many keys / differences to show per side. */
  sample: number;
}

export interface AlertSpec {
  webhook: string;
  timeoutMs: number;
  retries: number;
}

export interface HistorySpec {
  file?: string;
  url?: string;
  table: string;
}

export interface CheckConfig {
  connections: Record<string, string>;
  checks: CheckSpec[];
  alert?: AlertSpec;
  history?: HistorySpec;
  concurrency: number;
  statementTimeoutMs: number;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Replaces `${NAME}` (and `${NAME:-default}`) with environment variables. */
function interpolate(text: string, path: string, env: NodeJS.ProcessEnv, problems: string[]): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    problems.push(`${path}: environment variable ${name} is not set`);
    return '';
  });
}

/** True for an absolute http(s) URL, the only kind a webhook can be. */
export function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Parses a duration such as `30s`, `5m`, `2h`, `1500ms` or a number of milliseconds. */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

const DATE_OR_TS = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$/;

/** Validates a parsed document; throws one CONFIG error listing every problem. */
export function validateConfig(doc: unknown, env: NodeJS.ProcessEnv = process.env): CheckConfig {
  const problems: string[] = [];
  const p = (path: string, msg: string) => problems.push(`${path}: ${msg}`);
  if (!isObj(doc)) throw new ReckonError('CONFIG', 'config: expected a mapping with connections and checks');
  // A misspelt setting must not be silently ignored: `partiton:` would compare whole tables, where
  // a missing day and an extra day cancel out.
  const known = (o: Obj, path: string, keys: readonly string[]) => {
    for (const k of Object.keys(o)) {
      if (!keys.includes(k)) p(path ? `${path}.${k}` : k, `unknown setting; expected one of ${keys.join(', ')}`);
    }
  };
  known(doc, '', ['connections', 'checks', 'alert', 'history', 'concurrency', 'statement_timeout']);

  // No prototype: a connection may be named __proto__, which a plain object would take as its
  // prototype instead of an entry, leaving that name's checks without a URL.
  const connections: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!isObj(doc.connections)) p('connections', 'expected a mapping of names to connection URLs');
  else {
    for (const [name, raw] of Object.entries(doc.connections)) {
      if (isObj(raw)) known(raw, `connections.${name}`, ['url']);
      const url = isObj(raw) ? raw.url : raw;
      if (typeof url !== 'string' || url.trim() === '') {
        p(`connections.${name}`, 'expected a connection URL (postgres://… or mysql://…)');
        continue;
      }
      const value = interpolate(url, `connections.${name}`, env, problems);
      if (value && !/^(postgres|postgresql|mysql|mariadb):\/\//.test(value)) {
        p(`connections.${name}`, 'expected a URL starting with postgres://, postgresql://, mysql:// or mariadb://');
      }
      connections[name] = value;
    }
  }

  const str = (o: Obj, key: string, path: string, required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) p(`${path}.${key}`, 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      p(`${path}.${key}`, 'expected a non-empty string');
      return undefined;
    }
    return v;
  };
  const names = (o: Obj, key: string, path: string): string[] | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
    if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string' || x === '')) {
      p(`${path}.${key}`, 'expected a list of column names');
      return undefined;
    }
    return list as string[];
  };
  const positive = (v: unknown, path: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      p(path, 'expected a positive whole number');
      return fallback;
    }
    return v;
  };

  const side = (raw: unknown, path: string, kind: CheckKind | undefined): CheckSide | undefined => {
    if (!isObj(raw)) {
      p(path, 'expected a mapping with connection and table (or query)');
      return undefined;
    }
    known(raw, path, ['connection', 'table', 'query', 'where']);
    const connection = str(raw, 'connection', path, true);
    // hasOwn, not `in`: a name such as toString must not resolve to an inherited property.
    if (connection && doc.connections && isObj(doc.connections) && !Object.hasOwn(doc.connections, connection)) {
      p(`${path}.connection`, `unknown connection ${connection}; defined: ${Object.keys(doc.connections).join(', ') || 'none'}`);
    }
    const table = str(raw, 'table', path, false);
    const query = str(raw, 'query', path, false);
    if (!table && !query) p(path, 'needs a table or a query');
    if (table && query) p(path, 'give a table or a query, not both');
    if (query && (kind === 'keys' || kind === 'diff')) p(`${path}.query`, `a ${kind} check reads tables; give a table`);
    const where = str(raw, 'where', path, false);
    return { connection: connection ?? '', url: connection ? connections[connection] ?? '' : '', table, query, where };
  };

  const checks: CheckSpec[] = [];
  if (!Array.isArray(doc.checks) || doc.checks.length === 0) p('checks', 'expected a non-empty list of checks');
  else {
    const seen = new Set<string>();
    doc.checks.forEach((raw, i) => {
      const path = `checks[${i}]`;
      if (!isObj(raw)) return p(path, 'expected a mapping');
      known(raw, path, ['name', 'kind', 'left', 'right', 'partition', 'where', 'aggregate', 'columns', 'column', 'tolerance', 'key', 'sample', 'algorithm']);
      const name = str(raw, 'name', path, true);
      if (name && seen.has(name)) p(`${path}.name`, `duplicate check name ${name}`);
      if (name) seen.add(name);
      const kindRaw = raw.kind;
      let kind: CheckKind | undefined;
      if (typeof kindRaw !== 'string' || !CHECK_KINDS.includes(kindRaw as CheckKind)) {
        p(`${path}.kind`, `expected one of ${CHECK_KINDS.join(', ')}`);
      } else kind = kindRaw as CheckKind;
      const left = side(raw.left, `${path}.left`, kind);
      const right = side(raw.right, `${path}.right`, kind);

      let partition: PartitionSpec | undefined;
      if (raw.partition !== undefined) {
        const pp = `${path}.partition`;
        if (!isObj(raw.partition)) p(pp, 'expected a mapping with column and grain');
        else {
          const part = raw.partition;
          known(part, pp, ['column', 'grain', 'last', 'from', 'to']);
          const column = str(part, 'column', pp, true);
          const grain = (part.grain ?? 'day') as Grain;
          if (!GRAINS.includes(grain)) p(`${pp}.grain`, `expected one of ${GRAINS.join(', ')}`);
          let last: number | undefined;
          if (part.last !== undefined) last = positive(part.last, `${pp}.last`, 1);
          const from = part.from === undefined ? undefined : String(part.from);
          const to = part.to === undefined ? undefined : String(part.to);
          for (const [k, v] of [['from', from], ['to', to]] as const) {
            if (v !== undefined && !DATE_OR_TS.test(v)) p(`${pp}.${k}`, 'expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS');
          }
          if (last !== undefined && (from !== undefined || to !== undefined)) p(pp, 'give last, or from/to, not both');
          if (from && to && from >= to) p(pp, 'from must be before to');
          if (column) partition = { column, grain, last, from, to };
        }
      }

      const measures: Measure[] = [];
      if (kind === 'count') measures.push({ aggregate: 'count', column: null });
      if (kind === 'sum') {
        const aggregate = (raw.aggregate ?? 'sum') as Aggregate;
        if (!AGGREGATES.includes(aggregate)) p(`${path}.aggregate`, `expected one of ${AGGREGATES.join(', ')}`);
        const cols = names(raw, 'columns', path) ?? (typeof raw.column === 'string' ? [raw.column] : undefined);
        if (!cols) p(`${path}.columns`, 'a sum check needs the columns to aggregate');
        else for (const c of cols) measures.push({ aggregate, column: c });
      }

      let tolerance = EXACT;
      if (raw.tolerance !== undefined) {
        const t = parseTolerance(raw.tolerance);
        if (!t) p(`${path}.tolerance`, 'expected a number or a percentage');
        else tolerance = t;
      }
      const sample = positive(raw.sample, `${path}.sample`, 10);
      const key = names(raw, 'key', path);
      const columns = names(raw, 'columns', path);
      const where = str(raw, 'where', path, false);
      const algorithm = str(raw, 'algorithm', path, false) as DiffAlgorithm | undefined;
      if (algorithm !== undefined) {
        if (!ALGORITHMS.includes(algorithm)) p(`${path}.algorithm`, `expected one of ${ALGORITHMS.join(', ')}`);
        else if (kind && kind !== 'keys' && kind !== 'diff') p(`${path}.algorithm`, `only keys and diff checks compare rows; a ${kind} check aggregates in the database`);
      }
      if (name && kind && left && right) {
        checks.push({ name, kind, left, right, partition, where, measures, tolerance, key, columns: kind === 'diff' ? columns : undefined, algorithm, sample });
      }
    });
  }

  let alert: AlertSpec | undefined;
  if (doc.alert !== undefined) {
    if (!isObj(doc.alert)) p('alert', 'expected a mapping with webhook');
    else {
      known(doc.alert, 'alert', ['webhook', 'timeout', 'retries']);
      const webhook = str(doc.alert, 'webhook', 'alert', true);
      const timeoutMs = parseDuration(doc.alert.timeout ?? '10s');
      if (timeoutMs === null) p('alert.timeout', 'expected a duration such as 10s');
      const retries = doc.alert.retries === undefined ? 3 : doc.alert.retries;
      if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) p('alert.retries', 'expected a whole number');
      if (webhook) {
        const url = interpolate(webhook, 'alert.webhook', env, problems);
        // Found now rather than on the day a check fails and the alert cannot be sent.
        if (url && !isHttpUrl(url)) p('alert.webhook', 'expected an http:// or https:// URL');
        alert = { webhook: url, timeoutMs: timeoutMs ?? 10_000, retries: Number(retries) || 0 };
      }
    }
  }

  let history: HistorySpec | undefined;
  if (doc.history !== undefined) {
    if (!isObj(doc.history)) p('history', 'expected a mapping with file and/or connection');
    else {
      known(doc.history, 'history', ['file', 'connection', 'table']);
      const file = str(doc.history, 'file', 'history', false);
      const connection = str(doc.history, 'connection', 'history', false);
      if (connection && !Object.hasOwn(connections, connection)) p('history.connection', `unknown connection ${connection}`);
      if (!file && !connection) p('history', 'needs a file and/or a connection');
      const table = str(doc.history, 'table', 'history', false) ?? 'reckon_check_history';
      history = { file, url: connection ? connections[connection] : undefined, table };
    }
  }

  const concurrency = positive(doc.concurrency, 'concurrency', 4);
  const statementTimeoutMs = doc.statement_timeout === undefined ? 300_000 : parseDuration(doc.statement_timeout);
  if (statementTimeoutMs === null) p('statement_timeout', 'expected a duration such as 5m');

  if (problems.length > 0) {
    throw new ReckonError('CONFIG', `invalid configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  ${problems.join('\n  ')}`);
  }
  return { connections, checks, alert, history, concurrency, statementTimeoutMs: statementTimeoutMs ?? 300_000 };
}

/** Reads and validates a YAML or JSON config file. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<CheckConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ReckonError('CONFIG', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : loadYaml().parse(text);
  } catch (err) {
    throw new ReckonError('CONFIG', `config file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { cause: err });
  }
  return validateConfig(doc, env);
}
