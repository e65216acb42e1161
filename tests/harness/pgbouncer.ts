// PgBouncer for the tests: whether they can run (a missing pgbouncer skips
// them outside CI, fails them in CI), and one in front of the test run's
// server that accepts its roles. The process itself is
// tests/harness/pgbouncer-process.ts.
import { existsSync } from 'node:fs';
import { inject } from 'vitest';
import { requireComponent } from './component.js';
import { PGBOUNCER_BIN, startPgBouncer, type PgBouncer, type PoolMode } from './pgbouncer-process.js';
import { registerServer, rolesFor, ROLE_PASSWORD } from './roles.js';

export { PGBOUNCER_BIN, startPgBouncer, type PgBouncer, type PgBouncerOptions, type PoolMode } from './pgbouncer-process.js';

/**
 * Whether the tests that need PgBouncer run (tests/harness/component.ts):
 * outside CI a missing one skips them with one line, in CI it fails.
 */
export function pgbouncerAvailable(): boolean {
  return requireComponent('PgBouncer', existsSync(PGBOUNCER_BIN), `${PGBOUNCER_BIN} is not installed (Debian package pgbouncer; .ci/run installs it)`);
}

/**
 * PgBouncer in front of the test run's server (vitest's injected serverUrl),
 * accepting its superuser and the least-privileged roles, registered like the
 * server so startCli hands a command the role's URL through the pooler.
 */
export async function startTestPgBouncer(mode: PoolMode, poolSize?: number): Promise<PgBouncer> {
  const serverUrl = inject('serverUrl');
  const roles = rolesFor(inject('databasePrefix'));
  const superuser = new URL(serverUrl);
  const bouncer = await startPgBouncer(serverUrl, {
    mode,
    poolSize,
    users: {
      [decodeURIComponent(superuser.username)]: decodeURIComponent(superuser.password),
      [roles.pass]: ROLE_PASSWORD,
      [roles.read]: ROLE_PASSWORD,
    },
  });
  registerServer(bouncer.url(serverUrl), roles);
  return bouncer;
}
