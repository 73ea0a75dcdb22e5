/**
 * Finds the databases the tests run against, in this order: URLs from the environment
 * (RECKON_TEST_PG_URL, RECKON_TEST_MYSQL_URL), the local servers on their default ports, or
 * containers started with testcontainers when a Docker engine answers. Otherwise it stops the run
 * with a message saying what to start.
 */
import net from 'node:net';
import type { TestProject } from 'vitest/node';

const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/test';
const LOCAL_MYSQL = 'mysql://root@127.0.0.1:3306/test';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

type Stoppable = { stop(): Promise<unknown> };
const containers: Stoppable[] = [];

async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startPostgresContainer(): Promise<string> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const c = await new GenericContainer('postgres:15')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
    .start();
  containers.push(c);
  return `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/test`;
}

async function startMariaDbContainer(): Promise<string> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const c = await new GenericContainer('mariadb:10.11')
    .withEnvironment({ MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1', MARIADB_DATABASE: 'test' })
    .withExposedPorts(3306)
    .withWaitStrategy(Wait.forLogMessage(/ready for connections/, 2))
    .start();
  containers.push(c);
  return `mysql://root@${c.getHost()}:${c.getMappedPort(3306)}/test`;
}

async function resolve(envName: string, localUrl: string, port: number, start: () => Promise<string>, what: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (await portOpen(port)) return localUrl;
  if (await dockerAvailable()) return start();
  throw new Error(
    `No ${what} for the tests: set ${envName}, start a local server on 127.0.0.1:${port}, ` +
      `or make a Docker engine available for testcontainers.`,
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pgUrl = await resolve('RECKON_TEST_PG_URL', LOCAL_PG, 5432, startPostgresContainer, 'PostgreSQL');
  const mysqlUrl = await resolve('RECKON_TEST_MYSQL_URL', LOCAL_MYSQL, 3306, startMariaDbContainer, 'MySQL/MariaDB');
  project.provide('pgUrl', pgUrl);
  project.provide('mysqlUrl', mysqlUrl);
  return async () => {
    await Promise.all(containers.map((c) => c.stop()));
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    mysqlUrl: string;
  }
}
