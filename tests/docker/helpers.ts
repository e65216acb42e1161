// Helpers of the docker tests: run the image as the Kubernetes manifest does,
// databases holding the legacy schema only (what `migrate` starts from).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { leastPrivileged, type CliResult } from '../harness/cli.js';
import { applyGrants, rolesFor } from '../harness/roles.js';
import { createLegacyDatabase as createLegacy } from '../harness/db.js';

/** The Kubernetes manifest's securityContext (docker/k8s), as docker run flags; host network reaches the test server on 127.0.0.1. */
export const K8S_FLAGS = ['--read-only', '--user', '1000:1000', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--network', 'host'];

export const dockerSkip = () => inject('dockerSkip');
export const dockerImage = () => inject('dockerImage');

export interface DockerRun {
  name: string;
  done: Promise<CliResult>;
}

/** What a DBA does after `migrate` on a legacy database: `analyzer grants` for the test's pass and read-only roles. */
export const grantRoles = (url: string) => applyGrants(url, rolesFor(inject('databasePrefix')));

/** docker run --rm (named, labelled for cleanup) of the analyzer image with `args`. */
export function startImage(args: string[], environment: Record<string, string> = {}, flags: string[] = K8S_FLAGS): DockerRun {
  // least privilege (issue 15): a pass runs as the pass role, as on the host (tests/harness/roles.ts)
  const env = leastPrivileged(args, environment).env as Record<string, string>;
  const name = `polycomm-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const envFlags = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const started = Date.now();
  const child = spawn('docker', ['run', '--rm', '--name', name, '--label', `polycomm-test=${process.ppid}`, ...flags, ...envFlags, dockerImage(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started })));
  return { name, done };
}

export const runImage = (args: string[], env: Record<string, string> = {}, flags?: string[]) => startImage(args, env, flags).done;

export function docker(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

/** A fresh database of this run holding only the legacy schema and dictionaries (01, 02: no analyzer additions), no connection left on it. */
export async function createLegacyDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const db = await createLegacy();
  await db.sql.end();
  return db;
}
