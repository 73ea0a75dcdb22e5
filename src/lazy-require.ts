/**
 * Drivers and parsers loaded on first use. pg and mysql2 each cost about 60 ms of start-up to
 * load, and yaml about 15 ms: a run that never talks to an engine, or reads no YAML, should not
 * pay for them (a diff of two PostgreSQL tables never needs mysql2). They are CommonJS packages,
 * so a synchronous require serves the synchronous constructors that use them.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** `name` loaded on first call; `around` wraps the load (see lazyRequirePg). */
export function lazyRequire<T>(name: string, around: (load: () => T) => T = (f) => f()): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= around(() => load(name) as T));
}

/**
 * pg, loaded as lazyRequire would, except that while it loads the global `Response` reads as
 * undefined. pg asks at load time whether it runs in a Cloudflare Worker, on Node 20 (which has no
 * `navigator`) by building a fetch Response, and that first touch of `Response` makes Node load its
 * whole fetch implementation: about 16 ms of every run that reads PostgreSQL. Node is never a
 * Worker, so pg takes its Node sockets either way; the global's lazy definition is put back as it was.
 */
export function lazyRequirePg<T>(): () => T {
  return lazyRequire<T>('pg', (loadPg) => {
    const response = Object.getOwnPropertyDescriptor(globalThis, 'Response');
    if (!response?.configurable) return loadPg();
    Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true });
    try {
      return loadPg();
    } finally {
      Object.defineProperty(globalThis, 'Response', response);
    }
  });
}
