// Issue 15: the libpq settings as the CLI resolves them (no server needed):
// URL parameters over PGSSL* variables, libpq's defaults, where a connection
// goes, and which parameters never reach the server. The real TLS handshakes
// are in tests/ops/tls.test.ts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/infra/config.js';
import { CONNECTION } from '../../src/infra/config.js';
import { loadConnection } from '../../src/infra/config-files.js';
import { defaultsOf } from '../../src/infra/settings.js';

/** The connection settings as the command line reads them: commander's defaults, then the files, then the checks. */
const parseConnection = (raw: Record<string, unknown>, env: Record<string, string | undefined>) => loadConnection({ ...defaultsOf(CONNECTION), ...raw }, env);
import { connectionTarget } from '../../src/infra/connection-target.js';
import { postgresJsUrl } from '../../src/infra/connection-url.js';
import { describeError } from '../../src/infra/db-errors.js';
import { tlsProblem } from '../../src/infra/tls.js';

const home = mkdtempSync(join(tmpdir(), 'polycomm-libpq-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = (extra: Record<string, string> = {}) => ({ HOME: home, ...extra });
const ca = join(home, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nnot parsed here\n-----END CERTIFICATE-----\n');

describe('sslmode and friends, with libpq meaning', () => {
  it('defaults to prefer; the URL beats PGSSLMODE', () => {
    expect(parseConnection({}, env({ DATABASE_URL: 'postgres://u@h/d' })).tls?.sslmode).toBe('prefer');
    expect(parseConnection({}, env({ DATABASE_URL: 'postgres://u@h/d', PGSSLMODE: 'disable' })).tls?.sslmode).toBe('disable');
    expect(parseConnection({}, env({ DATABASE_URL: 'postgres://u@h/d?sslmode=require', PGSSLMODE: 'disable' })).tls?.sslmode).toBe('require');
  });

  it('require with a root certificate verifies the chain (verify-ca), as libpq does', () => {
    const c = parseConnection({}, env({ DATABASE_URL: `postgres://u@h/d?sslmode=require&sslrootcert=${ca}` }));
    expect(c.tls?.sslmode).toBe('verify-ca');
    expect(c.tls?.rootCert).toMatchObject({ path: ca });
  });

  it('verify-full without any CA is refused; sslrootcert=system uses the trusted CAs', () => {
    expect(() => parseConnection({}, env({ DATABASE_URL: 'postgres://u@h/d?sslmode=verify-full' }))).toThrow(ConfigError);
    expect(parseConnection({}, env({ DATABASE_URL: 'postgres://u@h/d?sslmode=verify-full&sslrootcert=system' })).tls?.rootCert).toBe('system');
  });

  it('~/.postgresql/root.crt is the default root certificate', () => {
    const dir = join(home, 'other-home');
    const pg = join(dir, '.postgresql');
    mkdirSync(dir);
    mkdirSync(pg);
    writeFileSync(join(pg, 'root.crt'), 'x');
    chmodSync(join(pg, 'root.crt'), 0o644);
    const c = parseConnection({}, { HOME: dir, DATABASE_URL: 'postgres://u@h/d?sslmode=verify-full' });
    expect(c.tls?.rootCert).toMatchObject({ path: join(pg, 'root.crt') });
  });

  it('hostaddr and passfile come from the URL or PGHOSTADDR / PGPASSFILE', () => {
    const c = parseConnection({}, env({ DATABASE_URL: 'postgres://u@db.example/d?hostaddr=10.0.0.5&passfile=/tmp/pw' }));
    expect(c.hostaddr).toBe('10.0.0.5');
    expect(c.passfile).toBe('/tmp/pw');
    expect(parseConnection({}, env({ PGHOSTADDR: '10.0.0.6' })).hostaddr).toBe('10.0.0.6');
    expect(parseConnection({}, env()).passfile).toBe(join(home, '.pgpass'));
  });
});

describe('where a connection goes', () => {
  it('host, port, user and database from the URL, else PG* variables, else libpq defaults', () => {
    const base = { connectTimeout: 1, statementTimeout: 0, lockTimeout: 0 };
    expect(connectionTarget({ ...base, databaseUrl: 'postgres://a%40b:pw@db.example:6543/poly%20comm?sslmode=require' }, {}))
      .toEqual({ host: 'db.example', address: 'db.example', port: 6543, user: 'a@b', database: 'poly comm' });
    expect(connectionTarget({ ...base, databaseUrl: 'postgres://u@[::1]:5433/d' }, {})).toMatchObject({ host: '::1', port: 5433 });
    expect(connectionTarget({ ...base, databaseUrl: 'postgres://u@h1:5432,h2:5433/d' }, {})).toMatchObject({ host: 'h1', port: 5432 });
    expect(connectionTarget({ ...base, databaseUrl: undefined, hostaddr: '10.0.0.5' }, { PGHOST: 'db', PGPORT: '7000', PGUSER: 'x' }))
      .toEqual({ host: 'db', address: '10.0.0.5', port: 7000, user: 'x', database: 'x' });
  });

  it('libpq-only parameters never reach the server as settings; others stay', () => {
    expect(postgresJsUrl('postgres://u:p@h/d?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c&sslkey=/k&sslpassword=s&hostaddr=1.2.3.4&passfile=/p&application_name=x'))
      .toBe('postgres://u:p@h/d?application_name=x');
    expect(postgresJsUrl('postgres://u:p@h/d?sslmode=require')).toBe('postgres://u:p@h/d');
    expect(postgresJsUrl('postgres://u:p@h/d')).toBe('postgres://u:p@h/d');
  });
});

describe('TLS errors are named, not retried', () => {
  it('maps certificate errors to what failed', () => {
    const e = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    expect(tlsProblem(e('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toMatch(/not signed by a trusted CA/);
    expect(tlsProblem(e('SELF_SIGNED_CERT_IN_CHAIN'))).toMatch(/unknown CA/);
    expect(tlsProblem(e('ERR_TLS_CERT_ALTNAME_INVALID', "Host: h. is not in the cert's altnames"))).toMatch(/^host name mismatch/);
    expect(tlsProblem(e('CERT_HAS_EXPIRED'))).toMatch(/expired/);
    expect(tlsProblem(e('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'))).toMatch(/handshake failed/);
    expect(tlsProblem(e('ECONNREFUSED'))).toBeUndefined();
    expect(tlsProblem(e('28P01'))).toBeUndefined();
    expect(describeError(e('CERT_HAS_EXPIRED', 'certificate has expired'))).toBe("TLS: the server's certificate has expired (CERT_HAS_EXPIRED)");
  });
});
