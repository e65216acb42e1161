// Runs the built CLI (dist/cli.js) as a child process, as cron or Kubernetes would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { leastPrivilegeUrl, registerServer, rolesFor } from './roles.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<CliResult>;
}

// The test server's superuser URL is handed over as the least-privileged role's
// (tests/harness/roles.ts): a pass as the pass role, status/open-tasks/explain read-only.
try {
  const serverUrl = inject('serverUrl');
  if (serverUrl) registerServer(serverUrl, rolesFor(inject('databasePrefix')));
} catch {
  // a project without the database global setup: nothing to swap
}

/** The command line and environment with every superuser URL of a test server replaced by the role's. */
export function leastPrivileged(args: string[], env: Record<string, string | undefined>) {
  const swapped = args.map((arg, i) => (args[i - 1] === '--database-url' ? leastPrivilegeUrl(arg, args) : arg.startsWith('--database-url=') ? `--database-url=${leastPrivilegeUrl(arg.slice(15), args)}` : arg));
  const url = env.DATABASE_URL;
  return { args: swapped, env: url === undefined ? env : { ...env, DATABASE_URL: leastPrivilegeUrl(url, args) } };
}

export function startCli(commandLine: string[], environment: Record<string, string | undefined> = {}): CliRun {
  const started = Date.now();
  const { args, env } = leastPrivileged(commandLine, environment);
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** The JSON log lines of a run. */
export function logLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}
