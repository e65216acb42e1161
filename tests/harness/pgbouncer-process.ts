// A real PgBouncer (Debian's package) started and stopped like the other real
// components: its configuration is the stock one but for what a caller must
// say: where the server is, the pool mode, a small pool (so clients share
// server connections, as on a busy production pooler) and an auth file with
// the logins. Nothing is put in ignore_startup_parameters. No vitest here:
// the bench starts one too (`npm run bench -- --pooled`); the tests' helpers
// are in tests/harness/pgbouncer.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from './embedded.js';

export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';

export type PoolMode = 'session' | 'transaction' | 'statement';

export interface PgBouncer {
  /** The server URL with the pooler's host and port in place of the server's. */
  url(serverUrl: string): string;
  port: number;
  mode: PoolMode;
  /** The pooler's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** PgBouncer refuses to run as root: as root it runs as `nobody`. */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface PgBouncerOptions {
  mode: PoolMode;
  /** Logins the pooler accepts, with their passwords (it logs in to the server with the same). */
  users: Record<string, string>;
  /** Server connections per database and user (default 3). */
  poolSize?: number;
}

export async function startPgBouncer(serverUrl: string, options: PgBouncerOptions): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const dir = mkdtempSync(join(tmpdir(), 'polycomm-pgbouncer-'));
  const port = await freePort();
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(join(dir, 'userlist.txt'), Object.entries(options.users).map(([user, password]) => `${quote(user)} ${quote(password)}\n`).join(''));
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432}`,
    '[pgbouncer]',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = md5',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    `pool_mode = ${options.mode}`,
    `default_pool_size = ${options.poolSize ?? 3}`,
    'max_client_conn = 200',
    '',
  ].join('\n'));
  const user = runAs();
  chmodSync(dir, 0o700);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    for (const f of ['userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), user.uid, user.gid);
  }
  const child: ChildProcess = spawn(PGBOUNCER_BIN, [join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'], ...(user ?? {}) });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => child.kill('SIGTERM');
  process.once('exit', kill);
  const log = () => {
    try {
      return readFileSync(join(dir, 'pgbouncer.log'), 'utf8') + stderr;
    } catch {
      return stderr;
    }
  };
  try {
    await listening(port, exited);
  } catch (error) {
    kill();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PgBouncer did not start: ${(error as Error).message}\n${log()}`, { cause: error });
  }
  return {
    port,
    mode: options.mode,
    url: (url: string) => {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    log,
    async stop() {
      process.off('exit', kill);
      kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the port accepts a connection; rejects if the process exits first or after 10 s. */
async function listening(port: number, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error('the process exited');
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('it did not listen within 10 s');
}

