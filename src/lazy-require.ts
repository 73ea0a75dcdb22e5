/**
 * Drivers and parsers loaded on first use. pg and mysql2 each cost about 60 ms of start-up to
 * load, and yaml about 15 ms: a run that never talks to an engine, or reads no YAML, should not
 * pay for them (a diff of two PostgreSQL tables never needs mysql2). They are CommonJS packages,
 * so a synchronous require serves the synchronous constructors that use them.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(name) as T);
}
