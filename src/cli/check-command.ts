/** `reckon check`: run the reconciliation checks of a config file, once or on a cron schedule. */
import { Cron } from 'croner';
import { sendAlert, webhookLabel } from '../checks/alert.ts';
import { isHttpUrl, loadConfig, type CheckConfig } from '../checks/config.ts';
import { appendHistoryFile, appendHistoryTable, historyReport, readHistory, recordsOf } from '../checks/history.ts';
import { jsonReport, junitReport, textReport } from '../checks/report.ts';
import { exitCodeOf, type RunResult } from '../checks/results.ts';
import { runChecks } from '../checks/run-checks.ts';
import { ReckonError } from '../errors.ts';
import { openOutput } from './output.ts';

export interface CheckCommandOptions {
  config: string;
  format: 'text' | 'json' | 'junit';
  output?: string;
  alertWebhook?: string;
  concurrency?: number;
  only?: string[];
  every?: string;
  history?: boolean;
  historyLimit: number;
  stderr: (s: string) => void;
}

async function runOnce(config: CheckConfig, o: CheckCommandOptions): Promise<number> {
  const run: RunResult = await runChecks(config, { only: o.only, concurrency: o.concurrency });
  const alert = o.alertWebhook ? { webhook: o.alertWebhook, timeoutMs: config.alert?.timeoutMs ?? 10_000, retries: config.alert?.retries ?? 3 } : config.alert;
  if (alert && run.status !== 'pass') {
    run.alert = await sendAlert(alert, run);
    if (!run.alert.delivered) {
      o.stderr(`reckon: alert to ${webhookLabel(alert.webhook)} not delivered after ${run.alert.attempts} attempt(s): ${run.alert.error}\n`);
    }
  }
  if (config.history) {
    const records = recordsOf(run);
    // The audit trail is written whatever the outcome; failing to write it is reported loudly but
    // does not change what the checks found.
    if (config.history.file) {
      await appendHistoryFile(config.history.file, records).catch((err: Error) => o.stderr(`reckon: history file not written: ${err.message}\n`));
    }
    if (config.history.url) {
      await appendHistoryTable(config.history.url, config.history.table, records).catch((err: Error) =>
        o.stderr(`reckon: history table not written: ${err.message}\n`),
      );
    }
  }
  const out = await openOutput(o.output);
  try {
    await out.write(o.format === 'json' ? jsonReport(run) : o.format === 'junit' ? junitReport(run) : textReport(run));
  } finally {
    await out.close();
  }
  return exitCodeOf(run.status);
}

export async function checkCommand(o: CheckCommandOptions): Promise<number> {
  const config = await loadConfig(o.config);
  if (o.alertWebhook !== undefined && !isHttpUrl(o.alertWebhook)) {
    throw new ReckonError('CONFIG', '--alert-webhook: expected an http:// or https:// URL');
  }
  if (o.history) {
    if (!config.history) throw new ReckonError('CONFIG', `${o.config} has no history section: add history.file or history.connection`);
    const records = await readHistory({ ...config.history, limit: o.historyLimit });
    const out = await openOutput(o.output);
    try {
      await out.write(o.format === 'json' ? JSON.stringify(records, null, 2) + '\n' : historyReport(records));
    } finally {
      await out.close();
    }
    return 0;
  }
  if (!o.every) return runOnce(config, o);

  // Checked now, not at the first scheduled run: a typo would otherwise fail every run, forever.
  const unknown = (o.only ?? []).filter((n) => !config.checks.some((c) => c.name === n));
  if (unknown.length) throw new ReckonError('CONFIG', `no check named ${unknown.join(', ')} in the config`);
  const selected = o.only && o.only.length > 0 ? o.only.length : config.checks.length;

  let job: Cron;
  try {
    // protect: a run still going when the next is due makes that one skip, never overlap.
    job = new Cron(o.every, { protect: true, timezone: 'UTC' }, async () => {
      try {
        const code = await runOnce(config, o);
        o.stderr(`reckon: scheduled run finished with exit code ${code}; next at ${job.nextRun()?.toISOString() ?? 'never'}\n`);
      } catch (err) {
        o.stderr(`reckon: scheduled run failed: ${(err as Error).message}\n`);
      }
    });
  } catch (err) {
    throw new ReckonError('CONFIG', `--every: not a cron expression: ${o.every} (${(err as Error).message})`);
  }
  o.stderr(`reckon: running ${selected} checks on schedule "${o.every}" (UTC); next at ${job.nextRun()?.toISOString()}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      job.stop();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
