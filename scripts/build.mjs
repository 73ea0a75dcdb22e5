// Bundles the CLI into dist/reckon.js (run by `prepare`, so `npm ci` does it). The bundle only
// saves start-up time: loading the TypeScript sources through tsx costs about half a second per
// run, which is a large share of a small diff. bin/reckon.js falls back to the sources whenever
// the bundle is missing or older than any of them, so it can never run stale code.
import { build } from 'esbuild';

await build({
  entryPoints: { reckon: 'src/cli/main.ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir: 'dist',
  sourcemap: 'linked',
  logLevel: 'warning',
});
