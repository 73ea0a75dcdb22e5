import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/reckon.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Node script of this package as a user would, with no terminal attached. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}, direct = false): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // direct: executed through its shebang line (and the node flags on it), this test's node first on PATH.
    const fullEnv = { ...process.env, ...(direct ? { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` } : {}), ...env };
    const [cmd, argv] = direct ? [script, args] : [process.execPath, [script, ...args]];
    const child = spawn(cmd, argv, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the real `reckon` executable as a user would, with no terminal attached. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runScript(BIN, args, env, true);
}
