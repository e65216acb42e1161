// Issue 15, secrets: the connection URL read from a mounted file
// (DATABASE_URL_FILE / --database-url-file, the convention of the official
// database images; Kubernetes secret volumes, systemd LoadCredential=).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, device, wrap, type TestDb } from '../harness/db.js';
import { asRole, ROLE_PASSWORD, rolesFor } from '../harness/roles.js';

const NOW = '2026-01-02T00:00:00';
const roles = rolesFor(inject('databasePrefix'));
let db: TestDb;
const dir = mkdtempSync(join(tmpdir(), 'polycomm-secrets-'));
const secretFile = join(dir, 'database-url');

beforeAll(async () => {
  db = await createTestDatabase();
  await device(db.sql, { id: 1, mode: 'dwr' });
  await wrap(db.sql, { device: 1, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
  // as a secret volume or `kubectl create secret --from-file` leaves it: a trailing newline
  writeFileSync(secretFile, `${asRole(db.url, roles.pass)}\n`);
  chmodSync(secretFile, 0o400);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('DATABASE_URL_FILE', () => {
  it('a pass reads its URL from the file (trailing newline trimmed), by variable and by flag', async () => {
    const byEnv = await runCli(['--mode', 'dwr', '--now', NOW], { DATABASE_URL_FILE: secretFile });
    expect(byEnv.code, byEnv.stdout.slice(-1500) + byEnv.stderr).toBe(0);
    // the pass really ran on that database: the wrap is processed (R17) and the run recorded
    const [state] = await db.sql<{ wraps: number; runs: number }[]>`
      select (select count(*)::int from polycomm_suitcase where status = 1) as wraps, (select count(*)::int from analyzer_run) as runs`;
    expect(state).toEqual({ wraps: 1, runs: 1 });
    const byFlag = await runCli(['--mode', 'dwr', '--now', NOW, '--database-url-file', secretFile]);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    const status = await runCli(['status'], { DATABASE_URL_FILE: secretFile });
    expect(status.code, status.stderr).toBe(0);
    for (const r of [byEnv, byFlag, status]) expect(r.stdout + r.stderr).not.toContain(ROLE_PASSWORD);
  });

  it('a missing or empty file, or both forms at once, is a configuration error in one line (exit 2)', async () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    const cases: [Record<string, string>, string[], RegExp][] = [
      [{ DATABASE_URL_FILE: join(dir, 'missing') }, [], /cannot read DATABASE_URL_FILE .*missing: ENOENT/],
      [{}, ['--database-url-file', join(dir, 'missing')], /cannot read --database-url-file .*missing: ENOENT/],
      [{ DATABASE_URL_FILE: empty }, [], /DATABASE_URL_FILE .*empty is empty/],
      [{ DATABASE_URL_FILE: secretFile, DATABASE_URL: 'postgres://x@127.0.0.1/x' }, [], /DATABASE_URL and DATABASE_URL_FILE are both set/],
      [{ DATABASE_URL_FILE: dir }, [], /cannot read DATABASE_URL_FILE .*: EISDIR/],
    ];
    for (const [env, args, pattern] of cases) {
      const r = await runCli(['--mode', 'dwr', ...args], env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('the password in the file is never printed, even when the connection fails', async () => {
    const wrong = join(dir, 'wrong-database');
    writeFileSync(wrong, `${asRole(db.url, roles.pass).replace(/\/[^/]*$/, '/no_such_database')}\n`);
    const r = await runCli(['--mode', 'dwr', '--connect-timeout', '1'], { DATABASE_URL_FILE: wrong });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(ROLE_PASSWORD);
  });
});
