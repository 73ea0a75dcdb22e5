/**
 * The command table and the one place where failures become exit codes:
 * 0 identical, 1 differences found, 2 error (bad arguments, connection, schema, duplicate keys,
 * out-of-order streams). No message leaves here with a password in it.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ReckonError, scrubSecrets } from '../errors.ts';
import { backfillCommand } from './backfill-command.ts';
import { checkCommand } from './check-command.ts';
import { diffCommand } from './diff-command.ts';
import { gapsCommand } from './gaps-command.ts';
import { packageVersion } from './version.ts';
import type { DiffAlgorithm } from '../types.ts';

/** Every failure exits 2; commands return 0 (identical, passed) or 1 (differences, failed) themselves. */
export const EXIT_ERROR = 2;

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    }
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number`);
    return n;
  };
}

function columnList(value: string): string[] {
  const cols = value.split(',').map((c) => c.trim());
  if (cols.some((c) => c.length === 0)) throw new InvalidArgumentError('expected comma-separated column names');
  return cols;
}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

function buildProgram(io: Io, setResult: (p: Promise<number>) => void): Command {
  const program = new Command('reckon')
    .description('Reconcile database tables: prove a copy holds exactly what its source holds.')
    .version(packageVersion(), '-V, --version', 'print reckon\'s version and exit')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('diff')
    .description('Stream two tables in key order and list rows only on the left, only on the right, and changed.')
    .argument('<left-url>', 'postgres://… or mysql://… (mariadb://…)')
    .argument('<left-table>', 'schema.table (PostgreSQL, default schema public) or [db.]table (MySQL)')
    .argument('<right-url>', 'connection URL of the right side')
    .argument('<right-table>', 'table on the right side')
    .option('-k, --key <cols>', 'comma-separated key columns (default: the primary key)', columnList)
    .option('-c, --columns <cols>', 'columns to compare (default: all columns present on both sides)', columnList)
    .option('-w, --where <sql>', 'SQL filter applied to both sides')
    .option('--left-where <sql>', 'SQL filter for the left side only')
    .option('--right-where <sql>', 'SQL filter for the right side only')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'jsonl', 'json']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--concurrency <n>', 'key ranges diffed at once', positiveInt('--concurrency'), 1)
    .option('--chunk-size <n>', 'rows per fetch', positiveInt('--chunk-size'), 1000)
    .option('--retries <n>', 'reconnects after a lost connection, resuming from the last key', nonNegativeInt('--retries'), 3)
    .addOption(
      new Option(
        '--algorithm <algorithm>',
        'stream: read every row; digest: the databases hash every row, and only rows whose hashes differ are read; ' +
          'hash: the databases hash key ranges, and only differing ranges are read; auto: hash when it can pay, else digest or stream',
      )
        .choices(['auto', 'stream', 'digest', 'hash'])
        .default('auto'),
    )
    .option('--progress', 'show a progress line on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .action((leftUrl: string, leftTable: string, rightUrl: string, rightTable: string, o: Record<string, unknown>) => {
      setResult(
        diffCommand({
          leftUrl,
          leftTable,
          rightUrl,
          rightTable,
          key: o.key as string[] | undefined,
          columns: o.columns as string[] | undefined,
          where: o.where as string | undefined,
          leftWhere: o.leftWhere as string | undefined,
          rightWhere: o.rightWhere as string | undefined,
          format: o.format as 'text' | 'jsonl' | 'json',
          output: o.output as string | undefined,
          concurrency: o.concurrency as number,
          chunkSize: o.chunkSize as number,
          retries: o.retries as number,
          algorithm: o.algorithm as DiffAlgorithm,
          progress: o.progress as boolean | undefined,
        }),
      );
    });
  program
    .command('check')
    .description('Run the count, sum, keys and diff reconciliation checks of a config file.')
    .requiredOption('--config <file>', 'YAML or JSON file with connections and checks')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'junit']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--alert-webhook <url>', 'POST a JSON message here when a check fails (overrides the config)')
    .option('--concurrency <n>', 'checks run at once (overrides the config)', positiveInt('--concurrency'))
    .option('--only <names>', 'run only these checks (comma-separated)', columnList)
    .option('--every <cron>', 'stay running and run the checks on this cron schedule (UTC), never overlapping')
    .option('--history', 'show recent results from the history and flag checks whose status changed')
    .option('--history-limit <n>', 'how many history records to show', positiveInt('--history-limit'), 50)
    .action((o: Record<string, unknown>) => {
      setResult(
        checkCommand({
          config: o.config as string,
          format: o.format as 'text' | 'json' | 'junit',
          output: o.output as string | undefined,
          alertWebhook: o.alertWebhook as string | undefined,
          concurrency: o.concurrency as number | undefined,
          only: o.only as string[] | undefined,
          every: o.every as string | undefined,
          history: o.history as boolean | undefined,
          historyLimit: o.historyLimit as number,
          stderr: io.stderr,
        }),
      );
    });
  program
    .command('gaps')
    .description('List the periods of a table that hold no rows (or fewer than a source), collapsed into runs.')
    .argument('<url>', 'connection URL')
    .argument('<table>', 'table to inspect')
    .requiredOption('--column <col>', 'date or timestamp column that places a row in a period')
    .requiredOption('--from <date>', 'first day (or timestamp) of the range, inclusive')
    .requiredOption('--to <date>', 'end of the range, exclusive')
    .addOption(new Option('--grain <grain>', 'period length').choices(['hour', 'day', 'week', 'month']).default('day'))
    .option('-w, --where <sql>', 'SQL filter (applied to both tables with --against)')
    .option('--against <url-and-table...>', 'a source to compare per-period counts with: <url> <table>')
    .option('--min-rows <n>', 'flag periods with fewer rows than this as thin', positiveInt('--min-rows'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .action((url: string, table: string, o: Record<string, unknown>) => {
      const against = o.against as string[] | undefined;
      if (against && against.length !== 2) throw new InvalidArgumentError('--against takes two values: <url> <table>');
      setResult(
        gapsCommand({
          url,
          table,
          column: o.column as string,
          from: o.from as string,
          to: o.to as string,
          grain: o.grain as 'hour' | 'day' | 'week' | 'month',
          where: o.where as string | undefined,
          against: against as [string, string] | undefined,
          minRows: o.minRows as number | undefined,
          format: o.format as 'text' | 'json',
          output: o.output as string | undefined,
        }),
      );
    });
  program
    .command('backfill')
    .description('Fill a range of a table (or only its gaps) in verified, checkpointed, rate-limited batches.')
    .argument('[target-url]', 'connection URL of the table to fill')
    .argument('[target-table]', 'the table to fill')
    .option('--config <file>', 'read options from the backfill: section of this YAML/JSON file (flags win)')
    .option('--column <col>', 'date or timestamp column that places a row in a period')
    .option('--from <date>', 'start of the range, inclusive')
    .option('--to <date>', 'end of the range, exclusive')
    .option('--grain <grain>', 'period: hour, day, week or month (default day)')
    .option('--batch <n>', 'periods per batch (default 1)', positiveInt('--batch'))
    .option('--gaps', 'fill only the periods found missing (or short against --source)')
    .option('--sql <template>', 'action: a statement run on the target in the batch transaction, with :start and :end bound')
    .option('--command <template>', 'action: a shell command with {start} and {end}; non-zero exit fails the batch')
    .option('--copy', 'action: copy the window from --source with an upsert, one transaction per batch')
    .option('--source <url-and-table...>', 'the source of truth: <url> <table> (copied from, and verified against)')
    .option('-w, --where <sql>', 'filter on the target')
    .option('--source-where <sql>', 'filter on the source')
    .option('--tolerance <t>', 'allowed per-period count difference against the source (e.g. 0 or 1%)')
    .option('--min-rows <n>', 'without a source: rows each period must hold after its batch (default 1)', positiveInt('--min-rows'))
    .option('--concurrency <n>', 'batches run at once (default 1: in order)', positiveInt('--concurrency'))
    .option('--pause <duration>', 'pause between batches, e.g. 30s')
    .option('--max-rows-per-second <n>', 'throttle copy writes', positiveInt('--max-rows-per-second'))
    .option('--statement-timeout <duration>', 'per statement (and per command), e.g. 10m')
    .option('--retries <n>', 'retries of a batch after a transient error, with backoff (default 3)', nonNegativeInt('--retries'))
    .option('--job <name>', 'checkpoint name (default: derived from the table, range, batch and action)')
    .option('--state-table <name>', 'checkpoint table in the target (default reckon_backfill_state, next to the target table)')
    .option('--audit <file>', 'JSONL audit log of every batch (default reckon-backfill.jsonl)')
    .option('--audit-table <name>', 'also record every batch (failures too) in this table of the target, created if missing')
    .option('--dry-run', 'print the plan (batches, action, estimated rows) and touch nothing')
    .addOption(new Option('--format <format>', 'output format (default text)').choices(['text', 'json']))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--progress', 'show progress on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .action((targetUrl: string | undefined, targetTable: string | undefined, o: Record<string, unknown>) => {
      setResult(
        backfillCommand({
          ...(o as Partial<import('./backfill-command.ts').BackfillCommandOptions>),
          targetUrl,
          targetTable,
          format: o.format as 'text' | 'json' | undefined,
          progress: o.progress as boolean | undefined,
          stderr: io.stderr,
        }),
      );
    });
  return program;
}

/** Everything in argv that is a URL, so its password can be scrubbed from any message. */
function urlsIn(argv: readonly string[]): string[] {
  return argv.filter((a) => /^[a-z][a-z0-9+.-]*:\/\//i.test(a));
}

/** Runs the CLI with the given arguments (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }): Promise<number> {
  const secrets = urlsIn(argv);
  let result: Promise<number> | undefined;
  const program = buildProgram(
    { stdout: io.stdout, stderr: (s) => io.stderr(scrubSecrets(s, secrets)) },
    (p) => (result = p),
  );
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    if (!result) {
      program.outputHelp();
      return EXIT_ERROR;
    }
    return await result;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every usage mistake is an error like any other.
      return err.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    if (err instanceof ReckonError) {
      io.stderr(`reckon: ${scrubSecrets(err.message, secrets)}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    // A reader that stops early (`| head`) closes the pipe under the report: say so plainly.
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') {
      io.stderr('reckon: the output was closed before the report was written in full\n');
      return EXIT_ERROR;
    }
    io.stderr(`reckon: unexpected error: ${scrubSecrets(message, secrets)}\n`);
    return EXIT_ERROR;
  }
}
