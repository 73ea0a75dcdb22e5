import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

/** A server that accepts connections and never says a word: the case a batch job must not hang on. */
let silent: net.Server;
let port = 0;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe('a server that never answers', () => {
  for (const scheme of ['postgres', 'mysql'] as const) {
    it(`fails a ${scheme} diff with exit 2 once connect_timeout passes, naming the server but not the password`, async () => {
      const url = `${scheme}://someone:Hush4ever@127.0.0.1:${port}/db?connect_timeout=1`;
      const started = Date.now();
      const r = await runCli(['diff', url, 't', url, 't']);
      expect(r.code).toBe(2);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(r.stderr).toMatch(/cannot reach|timed out|ETIMEDOUT|timeout/i);
      expect(r.stderr + r.stdout).not.toContain('Hush4ever');
    });
  }
});
