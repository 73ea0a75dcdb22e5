/**
 * Pure SQL text per engine: quoting, the byte-order ORDER BY, keyset predicates and the select
 * expressions that make each engine send a value in a form normalize/ can read exactly. No I/O.
 */
import type { Key, KeyRange, LogicalType, TableRef } from '../types.ts';
import type { ScanRequest } from './source.ts';

export type Engine = 'postgres' | 'mysql';

export function quoteIdent(engine: Engine, name: string): string {
  return engine === 'postgres' ? `"${name.replace(/"/g, '""')}"` : `\`${name.replace(/`/g, '``')}\``;
}

export function qualifiedTable(engine: Engine, t: TableRef): string {
  const name = quoteIdent(engine, t.name);
  return t.schema ? `${quoteIdent(engine, t.schema)}.${name}` : name;
}

/**
 * Parses `schema.table` (or `db.table`); each part may be quoted with "" or `` to hold a dot.
 * Returns null schema when only a table is given.
 */
export function parseTableName(text: string): TableRef | null {
  const parts: string[] = [];
  let i = 0;
  while (i <= text.length) {
    const q = text[i];
    if (q === '"' || q === '`') {
      let j = i + 1;
      let part = '';
      for (;;) {
        if (j >= text.length) return null;
        if (text[j] === q) {
          if (text[j + 1] === q) {
            part += q;
            j += 2;
            continue;
          }
          break;
        }
        part += text[j++];
      }
      parts.push(part);
      i = j + 1;
    } else {
      const dot = text.indexOf('.', i);
      const end = dot < 0 ? text.length : dot;
      parts.push(text.slice(i, end));
      i = end;
    }
    if (i >= text.length) break;
    if (text[i] !== '.') return null;
    i++;
  }
  if (parts.length === 0 || parts.length > 2 || parts.some((p) => p.length === 0)) return null;
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: null, name: parts[0]! };
}

export interface KeyColumn {
  name: string;
  type: LogicalType;
  collation: string | null;
}

function isTextual(type: LogicalType): boolean {
  return type === 'text' || type === 'char' || type === 'other' || type === 'json';
}

/**
 * The expression a key column is ordered and compared by, giving UTF-8 byte order for text
 * whatever the column's collation. Where the collation already is byte order the bare column is
 * used, so the engine can walk an index instead of sorting.
 */
export function keyExpression(engine: Engine, col: KeyColumn): string {
  const id = quoteIdent(engine, col.name);
  // MariaDB's UUID type orders by its storage form, which swaps the groups of RFC 4122 UUIDs;
  // its binary cast is the 16 bytes in text order, which is the order of the canonical text.
  if (engine === 'mysql' && col.type === 'uuid') return `CAST(${id} AS BINARY)`;
  if (!isTextual(col.type)) return id;
  const coll = col.collation ?? '';
  if (engine === 'postgres') {
    return coll === 'C' || coll === 'POSIX' ? id : `${id} COLLATE "C"`;
  }
  // Only the NO PAD binary collations of UTF-8 order by bytes. utf8mb4_bin and utf8(mb3)_bin are
  // PAD SPACE: they compare 'a' as 'a   …', so 'a\t' sorts before 'a' (seen on MariaDB 10.11), and
  // every other collation (the common case-insensitive defaults) is further still from byte
  // order. Non-UTF-8 columns are converted first so the bytes compared are UTF-8 bytes.
  if (/^utf8(mb[34])?_nopad_bin$/.test(coll) || coll === 'utf8mb4_0900_bin') return id;
  if (coll.startsWith('utf8')) return `CAST(${id} AS BINARY)`;
  return `CAST(CONVERT(${id} USING utf8mb4) AS BINARY)`;
}

/** The expression a column is selected by, so the driver receives text normalize/ reads exactly. */
export function selectExpression(engine: Engine, name: string, type: LogicalType): string {
  const id = quoteIdent(engine, name);
  if (engine === 'mysql') {
    switch (type) {
      case 'bytes':
        return `HEX(${id})`;
      case 'json':
        // MySQL's JSON type would be parsed by the driver (rounding numbers); text is exact.
        return `CAST(${id} AS CHAR)`;
      case 'float4':
        // MySQL prints FLOAT with 6 significant digits; the double holds the stored value exactly.
        return `CAST(${id} AS DOUBLE)`;
      default:
        return id;
    }
  }
  // The UTC wall time of the instant: the same text MySQL sends for DATETIME(6), so matching rows
  // usually agree byte for byte and skip normalisation (the canonical form is unchanged). Sessions
  // run in UTC (postgres.ts), so the plain cast is that wall time, without a zone lookup per row.
  if (type === 'timestamptz') return `(${id})::timestamp`;
  return id;
}

/** A placeholder for bound parameter n (1-based), typed so the comparison stays exact. */
function placeholder(engine: Engine, n: number, type: LogicalType): string {
  if (engine === 'postgres') return type === 'bytes' ? `decode(ltrim($${n}, '\\x'), 'hex')` : `$${n}`;
  switch (type) {
    case 'integer':
    case 'decimal':
    case 'boolean':
      // A bare string parameter against a numeric column is compared as a double in MySQL, which
      // rounds keys beyond 2^53; DECIMAL keeps the comparison exact.
      return 'CAST(? AS DECIMAL(65,30))';
    case 'bytes':
      return 'UNHEX(?)';
    case 'uuid':
      // Compared with the 16-byte binary cast of keyExpression.
      return "UNHEX(REPLACE(?, '-', ''))";
    case 'text':
    case 'char':
    case 'other':
    case 'json':
      return 'CAST(? AS BINARY)';
    default:
      return '?';
  }
}

/**
 * A PostgreSQL string literal. Sessions run with standard_conforming_strings on, where a
 * backslash is an ordinary character and only the quote needs doubling.
 */
export function pgLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class Params {
  readonly values: string[] = [];
  /** inline: write values as literals (PostgreSQL only), for statements that take no parameters. */
  constructor(
    private readonly engine: Engine,
    private readonly inline = false,
  ) {}
  add(value: string, type: LogicalType): string {
    if (this.inline) {
      const lit = pgLiteral(value);
      return type === 'bytes' ? `decode(ltrim(${lit}, '\\x'), 'hex')` : lit;
    }
    this.values.push(value);
    return placeholder(this.engine, this.values.length, type);
  }
}

/** `key OP bound` in lexicographic order over the key columns, where OP is > , >= or <. */
function keyPredicate(engine: Engine, cols: readonly KeyColumn[], bound: Key, op: '>' | '>=' | '<', params: Params): string {
  const exprs = cols.map((c) => keyExpression(engine, c));
  if (cols.length === 1) return `${exprs[0]} ${op} ${params.add(bound[0]!, cols[0]!.type)}`;
  if (engine === 'postgres') {
    const ps = cols.map((c, i) => params.add(bound[i]!, c.type));
    return `(${exprs.join(', ')}) ${op} (${ps.join(', ')})`;
  }
  // MySQL: spelled-out lexicographic comparison, led by a sargable bound on the first column.
  const strict = op === '>=' ? '>' : op;
  // MySQL binds ? by position, so the lead's parameter must be added first: it comes first in the text.
  const lead = `${exprs[0]} ${op === '<' ? '<=' : '>='} ${params.add(bound[0]!, cols[0]!.type)}`;
  const terms: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eqs = [];
    for (let j = 0; j < i; j++) eqs.push(`${exprs[j]} = ${params.add(bound[j]!, cols[j]!.type)}`);
    const last = i === cols.length - 1 ? op : strict;
    eqs.push(`${exprs[i]} ${last} ${params.add(bound[i]!, cols[i]!.type)}`);
    terms.push(eqs.length > 1 ? `(${eqs.join(' AND ')})` : eqs[0]!);
  }
  return `(${lead} AND (${terms.join(' OR ')}))`;
}

export interface BuiltQuery {
  text: string;
  values: string[];
}

export function rangeConditions(engine: Engine, cols: readonly KeyColumn[], range: KeyRange, where: string | undefined, params: Params): string[] {
  const conds: string[] = [];
  if (where && where.trim()) conds.push(`(${where})`);
  if (range.from) conds.push(keyPredicate(engine, cols, range.from, '>=', params));
  if (range.after) conds.push(keyPredicate(engine, cols, range.after, '>', params));
  if (range.to) conds.push(keyPredicate(engine, cols, range.to, '<', params));
  if (range.parts) {
    if (range.parts.length === 0) conds.push('1 = 0');
    else {
      const each = range.parts.map((p) => {
        const bounds: string[] = [];
        if (p.from) bounds.push(keyPredicate(engine, cols, p.from, '>=', params));
        if (p.to) bounds.push(keyPredicate(engine, cols, p.to, '<', params));
        return bounds.length === 0 ? '1 = 1' : bounds.join(' AND ');
      });
      conds.push(each.length === 1 ? each[0]! : `(${each.map((e) => `(${e})`).join(' OR ')})`);
    }
  }
  return conds;
}

/**
 * The rows whose keys are in `keys`, compared exactly (byte order for text, as keyExpression).
 * PostgreSQL also gets the bare column: under a deterministic collation its equality is byte
 * equality, and it lets an index on the column find the rows instead of a scan of the table.
 */
export function keyListCondition(engine: Engine, cols: readonly KeyColumn[], keys: readonly Key[], params: Params): string {
  if (keys.length === 0) return 'FALSE';
  const tuple = (parts: string[]) => (parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`);
  // Bound once: PostgreSQL's $n may be named twice, and only PostgreSQL uses the list twice.
  const list = keys.map((k) => tuple(cols.map((c, i) => params.add(k[i]!, c.type)))).join(', ');
  const exact = `${tuple(cols.map((c) => keyExpression(engine, c)))} IN (${list})`;
  if (engine !== 'postgres' || cols.every((c) => keyExpression(engine, c) === quoteIdent(engine, c.name))) return exact;
  return `${tuple(cols.map((c) => quoteIdent(engine, c.name)))} IN (${list}) AND ${exact}`;
}

function orderBy(engine: Engine, cols: readonly KeyColumn[]): string {
  return cols.map((c) => `${keyExpression(engine, c)} ASC`).join(', ');
}

const PACKABLE: ReadonlySet<LogicalType> = new Set([
  'integer',
  'decimal',
  'boolean',
  'float4',
  'float8',
  'text',
  'char',
  'uuid',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'json',
]);

/**
 * Whether MySQL can send these columns packed (normalize/packed-values.ts). BIT and the other
 * types the driver reads as bytes or objects must reach the normalisers as the driver gives them.
 */
export function mysqlCanPack(columns: ScanRequest['columns']): boolean {
  return columns.length > 1 && columns.every((c) => PACKABLE.has(c.type) && !/^bit\b/i.test(c.nativeType ?? ''));
}

/** A text value as its UTF-8 bytes: a cast where it is stored as UTF-8 already (a conversion costs the server). */
function mysqlUtf8Bytes(expr: string, collation: string | null | undefined): string {
  return `CAST(${collation?.startsWith('utf8') ? expr : `CONVERT(${expr} USING utf8mb4)`} AS BINARY)`;
}

/**
 * One value as packed text: COPY-text escaping by REPLACE under a binary collation (compared byte
 * for byte: a REPLACE under the column's own collation costs the server more than the whole scan),
 * with the strings spelled in hex so no SQL escaping mode can change them. The result stays
 * utf8mb4 text, which the driver decodes as it reads the row; casting the row to bytes and converting
 * it back cost MariaDB a fifth of its scan. Only text can hold a backslash, tab or newline; numbers
 * and dates are left to CONCAT_WS, which writes them as the protocol would. Only a nullable column
 * pays for IFNULL.
 */
function mysqlPackedField(expr: string, column: ScanRequest['columns'][number]): string {
  const hex = (h: string) => `_utf8mb4 X'${h}'`;
  let e = expr;
  if (column.type === 'text' || column.type === 'char' || column.type === 'json') {
    e = `${column.collation?.startsWith('utf8mb4') ? expr : `CONVERT(${expr} USING utf8mb4)`} COLLATE utf8mb4_bin`;
    e = `REPLACE(${e}, ${hex('5C')}, ${hex('5C5C')})`;
    e = `REPLACE(REPLACE(REPLACE(${e}, ${hex('09')}, ${hex('5C74')}), ${hex('0A')}, ${hex('5C6E')}), ${hex('0D')}, ${hex('5C72')})`;
  }
  return column.nullable === false ? e : `IFNULL(${e}, ${hex('5C4E')})`;
}

/** A row's values as packed text (ScanRequest.packValues true): COPY-text fields joined by TAB. */
function mysqlPackedText(values: readonly string[], columns: ScanRequest['columns']): string {
  return `CONCAT_WS(_utf8mb4 X'09', ${values.map((v, i) => mysqlPackedField(v, columns[i]!)).join(', ')})`;
}

/**
 * A row's values as packed bytes (see ScanRequest.packValues): joined by 0xFF, NULL as a lone
 * 0xFE, bytes that never occur in UTF-8, so no value needs escaping. Text that is not stored as
 * UTF-8 is converted (a latin1 'ÿ' is the byte 0xFF); other types are written in ASCII. Without the
 * escaping this costs MariaDB about half as much as the text form, and the driver hands the
 * result over undecoded.
 */
function mysqlPackedBytes(values: readonly string[], columns: ScanRequest['columns']): string {
  const fields = values.map((v, i) => {
    const c = columns[i]!;
    // As bytes: beside the binary NULL mark and separator, MariaDB would otherwise try to read
    // 0xFE and 0xFF as text (JSON is text too: selectExpression casts it to CHAR).
    const text = c.type === 'text' || c.type === 'char' || c.type === 'json' ? mysqlUtf8Bytes(v, c.collation) : v;
    return c.nullable === false ? text : `IFNULL(${text}, X'FE')`;
  });
  return `CONCAT_WS(X'FF', ${fields.join(', ')})`;
}

/** The ordered scan of a key range; `limit` turns it into one keyset page. */
export function buildScanQuery(engine: Engine, req: ScanRequest, limit?: number, inline = false): BuiltQuery {
  if (inline && engine !== 'postgres') throw new Error('inline bounds are for PostgreSQL COPY only');
  const params = new Params(engine, inline);
  const keys = req.keyColumns.map((c) => selectExpression(engine, c.name, c.type));
  const values = req.columns.map((c) =>
    engine === 'postgres' && c.type === 'timestamptz' && c.withOffset ? quoteIdent(engine, c.name) : selectExpression(engine, c.name, c.type),
  );
  // MySQL rows then arrive as keys plus one string, which the driver decodes far faster than
  // many fields, and which compares whole when the rows agree.
  const select =
    req.digest !== undefined
      ? [...keys, req.digest]
      : engine === 'mysql' && req.packValues && mysqlCanPack(req.columns)
        ? [...keys, req.packValues === 'bytes' ? mysqlPackedBytes(values, req.columns) : mysqlPackedText(values, req.columns)]
        : [...keys, ...values];
  // PostgreSQL plans a list of many key intervals (KeyRange.parts) ORed together as one bitmap
  // scan per interval, for five times the CPU of a join to the list: one index scan per interval.
  const parts = req.range.parts;
  const partsJoin =
    engine === 'postgres' && parts && parts.length > 1 && req.keyColumns.length === 1 && req.keyColumns[0]!.type === 'integer' && parts.every((p) => p.to);
  const conds = rangeConditions(engine, req.keyColumns, partsJoin ? { ...req.range, parts: undefined } : req.range, req.where, params);
  if (req.keys) conds.push(keyListCondition(engine, req.keyColumns, req.keys, params));
  if (partsJoin) {
    // LATERAL fixes the plan's shape, the list outside and an index scan per interval inside,
    // whatever the planner estimates for a bound it cannot see.
    const k = keyExpression(engine, req.keyColumns[0]!);
    const list = (vals: string[]) => `ARRAY[${vals.map((v) => params.add(v, 'integer')).join(', ')}]::int8[]`;
    const los = list(parts.map((p) => p.from?.[0] ?? '-9223372036854775808'));
    const his = list(parts.map((p) => p.to![0]!));
    conds.push(`${k} >= reckon_parts.reckon_lo`, `${k} < reckon_parts.reckon_hi`);
    const inner = `SELECT ${select[0]} AS reckon_k0${select.slice(1).map((e) => `, ${e}`).join('')} FROM ${qualifiedTable(engine, req.table)} WHERE ${conds.join(' AND ')} OFFSET 0`;
    return {
      text:
        `SELECT reckon_s.* FROM unnest(${los}, ${his}) AS reckon_parts(reckon_lo, reckon_hi) CROSS JOIN LATERAL (${inner}) reckon_s ` +
        `ORDER BY reckon_s.reckon_k0` +
        (limit !== undefined ? ` LIMIT ${Math.floor(limit)}` : ''),
      values: params.values,
    };
  }
  const text =
    `SELECT ${select.join(', ')} FROM ${qualifiedTable(engine, req.table)}` +
    (conds.length ? ` WHERE ${conds.join(' AND ')}` : '') +
    ` ORDER BY ${orderBy(engine, req.keyColumns)}` +
    (limit !== undefined ? ` LIMIT ${Math.floor(limit)}` : '');
  return { text, values: params.values };
}

/** Row count of the filtered table, for sampling. */
export function buildCountQuery(engine: Engine, table: TableRef, where: string | undefined): BuiltQuery {
  return {
    text: `SELECT COUNT(*) FROM ${qualifiedTable(engine, table)}${where && where.trim() ? ` WHERE (${where})` : ''}`,
    values: [],
  };
}

/**
 * The key columns of one row of the filtered table with a NULL in a key column, if any. Range
 * and resume predicates never select such a row (NULL compares as unknown), so it is looked for
 * on its own.
 */
export function buildNullKeyQuery(engine: Engine, table: TableRef, cols: readonly { name: string }[], where: string | undefined): BuiltQuery {
  const ids = cols.map((c) => quoteIdent(engine, c.name));
  return {
    text:
      `SELECT ${ids.join(', ')} FROM ${qualifiedTable(engine, table)} WHERE (${ids.map((id) => `${id} IS NULL`).join(' OR ')})` +
      (where && where.trim() ? ` AND (${where})` : '') +
      ' LIMIT 1',
    values: [],
  };
}

/** The key at a row offset of the ordered, filtered table: one split point for parallel ranges. */
export function buildKeyAtOffsetQuery(
  engine: Engine,
  table: TableRef,
  cols: readonly KeyColumn[],
  where: string | undefined,
  offset: number,
): BuiltQuery {
  const select = cols.map((c) => selectExpression(engine, c.name, c.type));
  return {
    text:
      `SELECT ${select.join(', ')} FROM ${qualifiedTable(engine, table)}` +
      (where && where.trim() ? ` WHERE (${where})` : '') +
      ` ORDER BY ${orderBy(engine, cols)} LIMIT 1 OFFSET ${Math.floor(offset)}`,
    values: [],
  };
}
