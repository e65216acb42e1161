// The schema files load on Debian's PostgreSQL 15 as they do on the embedded
// server (the production image is postgres:15). Skipped where those server
// binaries are not installed.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { leastPrivilegeOn, rolesFor } from './roles.js';
import { freePort } from './embedded.js';
import { initdbFiles } from './schema.js';

const BIN = '/usr/lib/postgresql/15/bin';
const available = existsSync(join(BIN, 'pg_ctl')) && userInfo().uid === 0 && hasPostgresUser();

function hasPostgresUser(): boolean {
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!available)('schema on PostgreSQL 15 (Debian server binaries)', () => {
  const dir = available ? mkdtempSync(join(tmpdir(), 'polycomm-pg15-')) : '';
  const data = join(dir, 'data');
  let started = false;
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: 'pipe', timeout: 60_000 });

  afterAll(() => {
    if (started) {
      try { asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']); } catch { /* already down */ }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads every initdb file (schema, dictionaries, seed) and migrates twice', async () => {
    chmodSync(dir, 0o777);
    asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C']);
    const port = await freePort();
    asPostgres('pg_ctl', ['-D', data, '-w', '-l', join(data, 'server.log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`, 'start']);
    started = true;
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const sql = postgres(url, { max: 1, onnotice: () => undefined });
    try {
      const [version] = await sql<{ server_version: string }[]>`show server_version`;
      expect(version!.server_version).toMatch(/^15\./);
      // eslint-disable-next-line no-restricted-properties -- the repository's static docker/initdb files
      for (const file of initdbFiles({ seed: true })) await sql.file(file);
      const tables = await sql<{ n: number }[]>`select count(*)::int as n from pg_tables where schemaname = 'public'`;
      expect(tables[0]!.n).toBeGreaterThanOrEqual(10);
      for (let i = 0; i < 2; i++) {
        const r = await runCli(['migrate', '--database-url', url]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
      }
      const [done] = await sql<{ n: number; invalid: number }[]>`
        select (select count(*)::int from analyzer_migration) as n, (select count(*)::int from pg_index where not indisvalid) as invalid`;
      expect(done).toEqual({ n: 10, invalid: 0 });
    } finally {
      await sql.end();
    }
    // the pass as the least-privileged role (tests/harness/roles.ts), as everywhere
    await leastPrivilegeOn(url, url, rolesFor('polycomm_pg15_'));
    const pass = await runCli(['--mode', 'dwr', '--database-url', url]);
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
  }, 120_000);
});
