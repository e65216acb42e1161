// The schema files load on Debian's PostgreSQL 15 as they do on the embedded
// server (the production image is postgres:15), and migrate and a pass run
// there. Debian's server binaries come from the package postgresql-15, which
// .ci/run installs; elsewhere, without it, the test is skipped with one line
// (tests/harness/component.ts).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { requireComponent } from './component.js';
import { leastPrivilegeOn, rolesFor } from './roles.js';
import { freePort } from './embedded.js';
import { initdbFiles } from './schema.js';
import { loadMigrations } from '../../src/sql/migration-files.js';

const BIN = '/usr/lib/postgresql/15/bin';
const available = requireComponent('postgresql-15', existsSync(join(BIN, 'pg_ctl')), `${BIN} is not there (apt-get install postgresql-15)`);

describe.skipIf(!available)('schema on PostgreSQL 15 (Debian server binaries)', () => {
  const dir = available ? mkdtempSync(join(tmpdir(), 'polycomm-pg15-')) : '';
  const data = join(dir, 'data');
  let started = false;
  // PostgreSQL refuses to run as root: there it runs as the user postgres (the package creates it)
  const asServerUser = (cmd: string, args: string[]) => userInfo().uid === 0
    ? execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: 'pipe', timeout: 60_000 })
    : execFileSync(join(BIN, cmd), args, { stdio: 'pipe', timeout: 60_000 });

  afterAll(() => {
    if (started) {
      try { asServerUser('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']); } catch { /* already down */ }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads every initdb file (schema, dictionaries, seed) and migrates twice', async () => {
    chmodSync(dir, 0o777);
    asServerUser('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C']);
    const port = await freePort();
    asServerUser('pg_ctl', ['-D', data, '-w', '-l', join(data, 'server.log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`, 'start']);
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
      expect(done).toEqual({ n: loadMigrations().length, invalid: 0 });
    } finally {
      await sql.end();
    }
    // the pass as the least-privileged role (tests/harness/roles.ts), as everywhere
    await leastPrivilegeOn(url, url, rolesFor('polycomm_pg15_'));
    const pass = await runCli(['--mode', 'dwr', '--database-url', url]);
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
  }, 120_000);
});
