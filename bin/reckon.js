#!/usr/bin/env node
// Runs the bundle that `npm ci` builds (scripts/build.mjs) when it is at least as new as every
// source file, and otherwise the TypeScript sources directly through tsx: `reckon` works right
// after `npm ci`, and a checkout being edited never runs a stale bundle.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/reckon.js', import.meta.url);
const srcDir = fileURLToPath(new URL('../src', import.meta.url));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let main;
if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(srcDir)) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
// A run that stopped on a promise nothing will settle (a bug) would leave Node to exit 13 without
// a word; a batch job is owed the documented error code and a reason.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write('reckon: internal error: the run stopped before finishing, with nothing left to wait for; please report it\n');
  process.exit(2);
});
const code = await main(process.argv.slice(2));
settled = true;
// Flush stdout before exiting: a pipe may still hold the end of the report.
process.stdout.write('', () => process.exit(code));
