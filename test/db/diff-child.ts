/**
 * Runs diffs in a separate Node process so a test can choose the process time zone: Node fixes TZ
 * at startup for Date and Intl, so setting process.env.TZ inside a running test proves nothing.
 *
 * Usage: TZ=Zone node --import tsx test/db/diff-child.ts '<json array of {left, right} side specs>'
 * Prints one JSON object: the zone the process really runs in, and per job its events and summary.
 */
import type { SideSpec } from '../../src/diff/diff-tables.ts';
import { collectDiff } from './collect.ts';

const jobs = JSON.parse(process.argv[2] ?? '[]') as { left: SideSpec; right: SideSpec }[];
const results = [];
for (const job of jobs) results.push(await collectDiff(job));
process.stdout.write(
  JSON.stringify({
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    // Minutes west of UTC on a date both test zones are off UTC: proves the zone took effect.
    offsetMinutes: new Date('2024-01-01T00:00:00Z').getTimezoneOffset(),
    results,
  }),
);
