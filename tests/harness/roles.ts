// Least privilege in the tests (issue 15): every integration test's pass runs
// as a role holding exactly what `analyzer grants` prints, and status,
// open-tasks, explain and audit as the `--read-only` role; never as the superuser.
// The global setup creates both roles on the test server and applies the
// printed SQL to the template database, so every test database (a template
// copy) carries the grants. startCli (tests/harness/cli.ts) hands the role's
// URL to a command given a superuser URL of a server registered here.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** The test roles' password (a constant of the test harness, never of the product). */
export const ROLE_PASSWORD = 'least-privilege-test';

export interface TestRoles {
  /** Runs passes: `analyzer grants --role PASS`. */
  pass: string;
  /** Runs status, open-tasks, explain, audit: `analyzer grants --role READ --read-only`. */
  read: string;
}

export function rolesFor(prefix: string): TestRoles {
  return { pass: `${prefix}pass`, read: `${prefix}read` };
}

/** The SQL `analyzer grants` prints for a role (the built CLI, as a DBA would run it). */
export function grantsSql(role: string, readOnly: boolean): string {
  return execFileSync(process.execPath, [CLI, 'grants', '--role', role, ...(readOnly ? ['--read-only'] : [])], { encoding: 'utf8' });
}

/** Creates the roles on a server (LOGIN, no other attribute); idempotent. */
export async function createRoles(serverUrl: string, roles: TestRoles): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    for (const role of [roles.pass, roles.read]) {
      const [exists] = await admin`select 1 from pg_roles where rolname = ${role}`;
      // eslint-disable-next-line no-restricted-properties, no-restricted-syntax -- CREATE ROLE takes no parameters (its password only as a literal); the names and password are harness constants
      if (!exists) await admin.unsafe(`create role "${role}" login password '${ROLE_PASSWORD}'`);
    }
  } finally {
    await admin.end();
  }
}

/** Applies `analyzer grants` for both roles to one database (as its owner: the superuser). */
export async function applyGrants(databaseUrl: string, roles: TestRoles): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
  try {
    // eslint-disable-next-line no-restricted-properties -- applies the script `analyzer grants` prints, as a DBA would
    await sql.unsafe(grantsSql(roles.pass, false));
    // eslint-disable-next-line no-restricted-properties -- as above, the read-only role's script
    await sql.unsafe(grantsSql(roles.read, true));
  } finally {
    await sql.end();
  }
}

/** Drops the roles (after the databases holding their grants are gone); errors ignored. */
export async function dropRoles(serverUrl: string, roles: TestRoles): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    for (const role of [roles.pass, roles.read]) {
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`.catch(() => undefined);
      await admin`drop role if exists ${admin(role)}`.catch(() => undefined);
    }
  } finally {
    await admin.end({ timeout: 2 }).catch(() => undefined);
  }
}

/** The same URL logged in as `role`. */
export function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = ROLE_PASSWORD;
  return u.toString();
}

/** Servers whose superuser URLs startCli swaps for a role's: host:port -> superuser credentials and roles. */
const servers = new Map<string, { superuser: string; password: string; roles: TestRoles }>();

export function registerServer(serverUrl: string, roles: TestRoles): void {
  const u = new URL(serverUrl);
  servers.set(u.host, { superuser: decodeURIComponent(u.username), password: decodeURIComponent(u.password), roles });
}

/** Creates the roles on another server (a test's own), grants them in `databaseUrl`, and registers the server. */
export async function leastPrivilegeOn(serverUrl: string, databaseUrl: string, roles: TestRoles): Promise<void> {
  await createRoles(serverUrl, roles);
  await applyGrants(databaseUrl, roles);
  registerServer(serverUrl, roles);
}

/** Which role runs a command line: a pass as the pass role, reading commands as the read-only role, migrate as given. */
export function roleOf(args: string[], roles: TestRoles): string | undefined {
  const first = args[0];
  if (first === 'status' || first === 'open-tasks' || first === 'explain' || first === 'audit') return roles.read;
  if (first === undefined || first.startsWith('-')) return roles.pass;
  return undefined;
}

/**
 * A superuser URL of a registered server becomes the URL of the role that
 * command runs as; any other URL (a test's own role, a closed port) is kept.
 */
export function leastPrivilegeUrl(url: string, args: string[]): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const server = servers.get(u.host);
  // exactly the superuser's credentials: a wrong password stays wrong
  if (!server || decodeURIComponent(u.username) !== server.superuser || decodeURIComponent(u.password) !== server.password) return url;
  const role = roleOf(args, server.roles);
  return role === undefined ? url : asRole(url, role);
}
