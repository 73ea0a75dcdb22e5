/**
 * Per-test databases: each call makes a uniquely named PostgreSQL schema or MySQL database and
 * drops it afterwards, so test files run in parallel and rerun cleanly.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { inject } from 'vitest';

export type EngineName = 'postgres' | 'mariadb';

export interface TestDb {
  engine: EngineName;
  /** URL reckon connects with. */
  url: string;
  /** The name to give reckon for a table created with exec(). */
  table(name: string): string;
  /** Runs SQL (several statements allowed) with the test schema/database as the default. */
  exec(sql: string): Promise<void>;
  /** Runs one query and returns its rows as arrays. */
  query(sql: string): Promise<unknown[][]>;
  /** Drops the schema/database and closes connections. */
  drop(): Promise<void>;
}

export const ENGINES: EngineName[] = ['postgres', 'mariadb'];

/** Every ordered pair of engines: each same-engine pairing and both directions across them. */
export const PAIRINGS: readonly [EngineName, EngineName][] = [
  ['postgres', 'postgres'],
  ['mariadb', 'mariadb'],
  ['postgres', 'mariadb'],
  ['mariadb', 'postgres'],
];

function uniqueName(): string {
  return `reckon_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

async function createPg(): Promise<TestDb> {
  const base = inject('pgUrl');
  const schema = uniqueName();
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  return {
    engine: 'postgres',
    url: base,
    table: (name) => `${schema}.${name}`,
    exec: async (sql) => void (await client.query(sql)),
    query: async (sql) => (await client.query({ text: sql, rowMode: 'array' })).rows as unknown[][],
    drop: async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

async function createMysql(): Promise<TestDb> {
  const base = inject('mysqlUrl');
  const db = uniqueName();
  const u = new URL(base);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    multipleStatements: true,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  await conn.query(`CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await conn.query(`USE ${db}`);
  await conn.query(`SET time_zone = '+00:00'`);
  u.pathname = `/${db}`;
  return {
    engine: 'mariadb',
    url: u.toString(),
    table: (name) => name,
    exec: async (sql) => void (await conn.query(sql)),
    query: async (sql) => (await conn.query({ sql, rowsAsArray: true }))[0] as unknown[][],
    drop: async () => {
      await conn.query(`DROP DATABASE ${db}`);
      await conn.end();
    },
  };
}

export function createTestDb(engine: EngineName): Promise<TestDb> {
  return engine === 'postgres' ? createPg() : createMysql();
}
