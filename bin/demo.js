#!/usr/bin/env node
// `npm start`: diffs two generated tables in embedded PostgreSQL (PGlite), so a fresh clone shows a
// real diff after `npm ci` with no database server. Runs the TypeScript sources through tsx, like
// bin/reckon.js.
import { register } from 'tsx/esm/api';

register();
const { runDemo } = await import('../src/demo/demo.ts');
const code = await runDemo();
// Flush stdout before exiting: a pipe may still hold the end of the report.
process.stdout.write('', () => process.exit(code));
