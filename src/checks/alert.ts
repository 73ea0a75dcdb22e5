/**
 * Failure alerts: a JSON POST to a webhook, Slack-compatible (`text`) with the structured results
 * beside it. Delivery is retried with backoff under a timeout per attempt; an alert that cannot be
 * delivered is reported, and never hides the results or changes the exit code.
 */
import type { AlertSpec } from './config.ts';
import type { RunResult } from './results.ts';

function summaryText(run: RunResult): string {
  const bad = run.checks.filter((c) => c.status !== 'pass');
  const lines = bad.map((c) => {
    if (c.status === 'error') return `• ${c.name}: ERROR ${c.error}`;
    const failing = c.rows.filter((r) => r.status === 'fail');
    const first = failing
      .slice(0, 3)
      .map((r) => `${r.partition ?? ''} ${r.measure} left ${r.left ?? '—'} right ${r.right ?? '—'}${r.note ? ` (${r.note})` : ''}`.trim())
      .join('; ');
    return `• ${c.name}: ${failing.length} partition(s) failed — ${first}${failing.length > 3 ? '; …' : ''}`;
  });
  return `reckon: ${bad.length} of ${run.checks.length} reconciliation checks ${run.status === 'error' ? 'failed or could not run' : 'failed'}\n${lines.join('\n')}`;
}

export interface AlertOutcome {
  delivered: boolean;
  attempts: number;
  error?: string;
}

export async function sendAlert(spec: AlertSpec, run: RunResult, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<AlertOutcome> {
  const body = JSON.stringify({ text: summaryText(run), reckon: run });
  let lastError = '';
  const attempts = spec.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(spec.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(spec.timeoutMs),
      });
      if (res.ok) return { delivered: true, attempts: attempt };
      lastError = `HTTP ${res.status}`;
      // A 4xx other than throttling will not get better by retrying.
      if (res.status >= 400 && res.status < 500 && res.status !== 429) return { delivered: false, attempts: attempt, error: lastError };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      lastError = e.name === 'TimeoutError' ? `no answer within ${spec.timeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
    }
    if (attempt < attempts) await sleep(Math.min(30_000, 500 * 2 ** (attempt - 1)));
  }
  return { delivered: false, attempts, error: lastError };
}

/** The webhook URL without credentials or query string, for messages. */
export function webhookLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return 'the webhook';
  }
}
