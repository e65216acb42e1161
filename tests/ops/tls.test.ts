// Issue 15, TLS the libpq way, against a real PostgreSQL with ssl = on whose
// pg_hba.conf accepts only TLS (hostssl). The certificates are made here with
// openssl: a CA, a server certificate for localhost / 127.0.0.1, a client
// certificate, and a second CA the server does not use. Every pass runs as
// the least-privileged role (tests/harness/roles.ts). Certificate errors must
// fail at once: within 2 s of what the CLI needs to start.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { logLines, runCli, type CliResult } from '../harness/cli.js';
import { device, wrap } from '../harness/db.js';
import { startEmbedded, type EmbeddedServer } from '../harness/embedded.js';
import { leastPrivilegeOn, ROLE_PASSWORD, rolesFor } from '../harness/roles.js';
import { loadSchema, withDatabase } from '../harness/schema.js';
import { connectLike, waitFor } from '../reliability/helpers.js';
import { requireComponent } from '../harness/component.js';
import postgres from 'postgres';

const NOW = '2026-01-02T00:00:00';
const roles = rolesFor('polycomm_tls_');
/** Logs in with its certificate only (pg_hba.conf `cert`); a member of the pass role. */
const CERT_ROLE = 'polycomm_tls_cert';
const KEY_PASSPHRASE = 'Key-Passphrase-77';
const hasOpenssl = requireComponent('openssl', spawnSync('openssl', ['version']).status === 0, 'openssl is not installed (apt-get install openssl)');

let server: EmbeddedServer;
let dir: string;
let port: number;
let dbUrl: string; // superuser, TLS required
let startupMs = 0;

const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) openssl('req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '3', '-subj', `/CN=polycomm test ${ca}`);
  const sign = (name: string, subject: string, ext: string) => {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(file(`${name}.ext`), ext);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  sign('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  sign('client', `/CN=${CERT_ROLE}`, 'extendedKeyUsage=clientAuth\n');
  // the same client key, encrypted (sslpassword)
  openssl('pkey', '-in', 'client.key', '-out', 'client-enc.key', '-aes256', '-passout', `pass:${KEY_PASSPHRASE}`);
  for (const key of ['client.key', 'client-enc.key']) chmodSync(file(key), 0o600);
  chmodSync(file('server.key'), 0o600);
  // as root the server runs as 'postgres': its key must be its own
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(file('server.key'), uid, gid);
  }
}

/** A CLI run, which must not print the passwords or the key passphrase, whatever its outcome. */
async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const r = await runCli(args, { ...env, HOME: join(dir, 'home') });
  for (const secret of [ROLE_PASSWORD, KEY_PASSPHRASE]) {
    expect(r.stdout + r.stderr, `${args.join(' ')} printed a secret`).not.toContain(secret);
  }
  return r;
}

const pass = (env: Record<string, string>, extra: string[] = []) => cli(['--mode', 'dwr', '--now', NOW, '--connect-timeout', '30', ...extra], env);
const roleUrl = (host = 'localhost', query = '') => `postgres://${roles.pass}:${ROLE_PASSWORD}@${host}:${port}/tls${query}`;

function expectOk(r: CliResult): void {
  expect(r.code, r.stdout.slice(-1500) + r.stderr).toBe(0);
}

/**
 * How long the CLI takes to start, connect and fail at once for a reason that
 * is not TLS (a wrong password over TLS), measured next to the run it is
 * compared with, so a busy machine slows both alike.
 */
async function baselineMs(): Promise<number> {
  const r = await runCli(['--mode', 'dwr', '--connect-timeout', '30'], { DATABASE_URL: roleUrl('localhost', '?sslmode=require').replace(ROLE_PASSWORD, 'wrong-password'), HOME: join(dir, 'home') });
  expect(r.code, r.stderr).toBe(1);
  return r.ms;
}

/** Exit 1, one stderr line matching `pattern`, no retry, and within 2 s of the CLI's start-up. */
async function expectFailsAtOnce(run: () => Promise<CliResult>, pattern: RegExp): Promise<void> {
  startupMs = await baselineMs();
  const r = await run();
  expect(r.code, r.stdout.slice(-1500) + r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  if (process.env.SHOW_TLS) console.log(`${r.ms} ms (start-up ${startupMs} ms): ${lines[0]}`);
  expect(logLines(r.stdout).filter((l) => /retrying/.test(String(l.message)))).toEqual([]);
  expect(r.ms, `failed after ${r.ms} ms; the CLI starts in ${startupMs} ms`).toBeLessThan(startupMs + 2000);
}

describe.skipIf(!hasOpenssl)('TLS against a server that accepts only TLS (hostssl)', () => {
  beforeAll(async () => {
    server = await startEmbedded({ prefix: 'polycomm-tls-pg-' });
    dir = join(server.dir, 'certs');
    mkdirSync(dir);
    mkdirSync(join(dir, 'home'));
    chmodSync(dir, 0o755);
    makeCertificates();
    port = server.port;
    const data = join(server.dir, 'data');
    appendFileSync(join(data, 'postgresql.conf'), [
      '', 'ssl = on', `ssl_cert_file = '${file('server.crt')}'`, `ssl_key_file = '${file('server.key')}'`, `ssl_ca_file = '${file('ca.crt')}'`, '',
    ].join('\n'));
    writeFileSync(join(data, 'pg_hba.conf'), [
      `hostssl all ${CERT_ROLE} 127.0.0.1/32 cert`,
      'hostssl all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'));
    await server.restart();
    const admin = `${server.url}?sslmode=require`;
    const a = postgres(admin, { max: 1, onnotice: () => undefined });
    try {
      await a`create database tls`;
    } finally {
      await a.end();
    }
    dbUrl = withDatabase(admin, 'tls');
    await loadSchema(dbUrl);
    await leastPrivilegeOn(admin, dbUrl, roles);
    const sql = connectLike(dbUrl, 1);
    try {
      await sql`create role ${sql(CERT_ROLE)} login in role ${sql(roles.pass)}`;
      await device(sql, { id: 1, mode: 'dwr' });
      await wrap(sql, { device: 1, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
    } finally {
      await sql.end();
    }
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('the server really refuses a connection without TLS (sslmode=disable): one line saying TLS is required', async () => {
    await expectFailsAtOnce(() => pass({ DATABASE_URL: roleUrl('localhost', '?sslmode=disable') }), /no encryption.*accepts only TLS/);
  });

  it('verify-full with the root certificate, URL form: the pass succeeds over TLS', async () => {
    expectOk(await pass({ DATABASE_URL: roleUrl('localhost', `?sslmode=verify-full&sslrootcert=${file('ca.crt')}`) }));
    // an IP address is checked against the certificate's IP entries
    expectOk(await pass({ DATABASE_URL: roleUrl('127.0.0.1', `?sslmode=verify-full&sslrootcert=${file('ca.crt')}`) }));
  });

  it('verify-full, environment form (PGSSLMODE, PGSSLROOTCERT; the URL, then PG* variables alone)', async () => {
    expectOk(await pass({ DATABASE_URL: roleUrl(), PGSSLMODE: 'verify-full', PGSSLROOTCERT: file('ca.crt') }));
    expectOk(await pass({
      PGHOST: 'localhost', PGPORT: String(port), PGDATABASE: 'tls', PGUSER: roles.pass, PGPASSWORD: ROLE_PASSWORD,
      PGSSLMODE: 'verify-full', PGSSLROOTCERT: file('ca.crt'),
    }));
  });

  it('require: encrypted without verifying the certificate', async () => {
    expectOk(await pass({ DATABASE_URL: roleUrl('localhost', '?sslmode=require') }));
    // the default, prefer, takes TLS where the server offers it
    expectOk(await pass({ DATABASE_URL: roleUrl() }));
  });

  it('client certificate authentication (sslcert + sslkey; an encrypted key with sslpassword; PGSSLCERT/PGSSLKEY)', async () => {
    const base = `postgres://${CERT_ROLE}@localhost:${port}/tls`;
    expectOk(await pass({ DATABASE_URL: `${base}?sslmode=verify-full&sslrootcert=${file('ca.crt')}&sslcert=${file('client.crt')}&sslkey=${file('client.key')}` }));
    expectOk(await pass({ DATABASE_URL: `${base}?sslmode=verify-full&sslrootcert=${file('ca.crt')}&sslcert=${file('client.crt')}&sslkey=${file('client-enc.key')}&sslpassword=${KEY_PASSPHRASE}` }));
    expectOk(await pass({ DATABASE_URL: base, PGSSLMODE: 'verify-ca', PGSSLROOTCERT: file('ca.crt'), PGSSLCERT: file('client.crt'), PGSSLKEY: file('client.key') }));
    // without the certificate the role cannot log in
    const r = await pass({ DATABASE_URL: `${base}?sslmode=verify-full&sslrootcert=${file('ca.crt')}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/certificate/);
  });

  it('a wrong CA fails at once, in one line: unknown CA', async () => {
    await expectFailsAtOnce(() => pass({ DATABASE_URL: roleUrl('localhost', `?sslmode=verify-full&sslrootcert=${file('other-ca.crt')}`) }), /^analyzer: TLS: the server's certificate is not signed by a trusted CA/);
    await expectFailsAtOnce(() => pass({ DATABASE_URL: roleUrl(), PGSSLMODE: 'verify-ca', PGSSLROOTCERT: file('other-ca.crt') }), /not signed by a trusted CA/);
  });

  it('a host name not in the certificate fails at once, in one line: host name mismatch', async () => {
    // hostaddr connects to 127.0.0.1; the certificate must name db.example.invalid, and does not
    await expectFailsAtOnce(() => pass({ DATABASE_URL: roleUrl('db.example.invalid', `?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=${file('ca.crt')}`) }), /^analyzer: TLS: host name mismatch: .*db\.example\.invalid/);
    // verify-ca checks the chain only: the same connection is accepted
    expectOk(await pass({ DATABASE_URL: roleUrl('db.example.invalid', `?hostaddr=127.0.0.1&sslmode=verify-ca&sslrootcert=${file('ca.crt')}`) }));
  });

  it('an expired server certificate fails at once, in one line: expired', async () => {
    // the server's key, certified for 2020 only (openssl ca takes explicit dates)
    writeFileSync(file('ca.cnf'), [
      '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir',
      'certificate = $dir/ca.crt', 'private_key = $dir/ca.key', 'serial = $dir/ca.srl', 'default_md = sha256',
      'policy = any', 'copy_extensions = none', 'x509_extensions = ext', '[any]', 'commonName = supplied',
      '[ext]', 'subjectAltName = DNS:localhost,IP:127.0.0.1', '',
    ].join('\n'));
    writeFileSync(file('index.txt'), '');
    openssl('ca', '-batch', '-config', 'ca.cnf', '-in', 'server.csr', '-out', 'expired.crt', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-notext');
    const good = readFileSync(file('server.crt'));
    const admin = postgres(`${dbUrl}`, { max: 1, onnotice: () => undefined });
    const presents = async (code: string) => {
      const probe = postgres(`${dbUrl}`, { max: 1, onnotice: () => undefined, ssl: { ca: readFileSync(file('ca.crt'), 'utf8'), rejectUnauthorized: true, checkServerIdentity: () => undefined } });
      try {
        await probe`select 1`;
        return code === 'ok' ? true : undefined;
      } catch (error) {
        return (error as { code?: string }).code === code ? true : undefined;
      } finally {
        await probe.end();
      }
    };
    try {
      copyFileSync(file('expired.crt'), file('server.crt'));
      await admin`select pg_reload_conf()`;
      await waitFor('the server to present the expired certificate', () => presents('CERT_HAS_EXPIRED'), 20_000);
      await expectFailsAtOnce(() => pass({ DATABASE_URL: roleUrl('localhost', `?sslmode=verify-full&sslrootcert=${file('ca.crt')}`) }), /^analyzer: TLS: the server's certificate has expired \(CERT_HAS_EXPIRED\)$/);
    } finally {
      writeFileSync(file('server.crt'), good);
      await admin`select pg_reload_conf()`;
      await waitFor('the server to present the valid certificate again', () => presents('ok'), 20_000);
      await admin.end();
    }
  });

  it('a server without TLS fails at once under sslmode=require: "does not support TLS"', async () => {
    const plain = new URL(inject('serverUrl'));
    await expectFailsAtOnce(() => pass({ DATABASE_URL: `postgres://${roles.pass}:x@127.0.0.1:${plain.port}/postgres?sslmode=require` }), /^analyzer: TLS: the server does not support TLS, and sslmode=require requires it$/);
  });

  it('configuration mistakes are usage errors in one line: unreadable sslrootcert, a key others can read, verify-full without a CA', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ DATABASE_URL: roleUrl('localhost', `?sslmode=verify-full&sslrootcert=${file('missing.crt')}`) }, /cannot read sslrootcert .*missing\.crt: ENOENT/],
      [{ DATABASE_URL: roleUrl('localhost', '?sslmode=verify-full') }, /sslmode=verify-full needs the CA/],
      [{ DATABASE_URL: roleUrl(), PGSSLMODE: 'verify_full' }, /invalid sslmode/],
      [{ DATABASE_URL: roleUrl(), PGSSLCERT: file('client.crt') }, /sslcert and sslkey go together/],
      [{ DATABASE_URL: roleUrl(), PGSSLMODE: 'require', PGSSLCERT: file('client.crt'), PGSSLKEY: file('client-enc.key'), PGSSLPASSWORD: 'wrong' }, /cannot use the client certificate/],
    ];
    writeFileSync(file('open.key'), execFileSync('cat', [file('client.key')]));
    chmodSync(file('open.key'), 0o644);
    cases.push([{ DATABASE_URL: roleUrl(), PGSSLMODE: 'require', PGSSLCERT: file('client.crt'), PGSSLKEY: file('open.key') }, /group or world access/]);
    for (const [env, pattern] of cases) {
      const r = await pass(env);
      expect(r.code, JSON.stringify(env) + r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('.pgpass supplies the password (libpq format and matching); ignored with a warning when others can read it', async () => {
    const passfile = file('pgpass');
    writeFileSync(passfile, `# comment\nother.example:*:*:*:nope\nlocalhost:${port}:tls:${roles.pass}:${ROLE_PASSWORD}\n`);
    chmodSync(passfile, 0o600);
    const noPassword = `postgres://${roles.pass}@localhost:${port}/tls?sslmode=verify-full&sslrootcert=${file('ca.crt')}`;
    expectOk(await pass({ DATABASE_URL: noPassword, PGPASSFILE: passfile }));
    // ~/.pgpass, libpq's default place (removed again: the other tests share the home folder)
    const home = join(dir, 'home', '.pgpass');
    writeFileSync(home, `*:*:*:${roles.pass}:${ROLE_PASSWORD}\n`);
    chmodSync(home, 0o600);
    try {
      expectOk(await pass({ DATABASE_URL: noPassword }));
    } finally {
      rmSync(home, { force: true });
    }
    // readable by others: libpq's rule, a warning and no password
    chmodSync(passfile, 0o644);
    const r = await pass({ DATABASE_URL: noPassword, PGPASSFILE: passfile });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WARNING: password file ".*pgpass" has group or world access/);
  });
});
