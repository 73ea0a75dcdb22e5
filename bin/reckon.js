#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `reckon` works right after `npm ci`
// with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Flush stdout before exiting: a pipe may still hold the end of the report.
process.stdout.write('', () => process.exit(code));
