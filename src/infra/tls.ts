// TLS as libpq means it, handed to postgres.js: sslmode to its `ssl` option,
// the SSLRequest probe that tells whether a server speaks TLS at all, and
// certificate errors in words.
import { isIP, Socket } from 'node:net';
import { checkServerIdentity, createSecureContext, type ConnectionOptions } from 'node:tls';
import { ConfigError, type ConnectionConfig, type SslMode, type TlsConfig } from './config.js';
import type { Target } from './connection-target.js';
import { codeOf } from './error-code.js';

/** sslmode as libpq means it, as postgres.js's `ssl` option (a TLS options object where it verifies). */
export function sslOption(mode: SslMode, config: Pick<ConnectionConfig, 'tls'>, target: Target): false | 'prefer' | ConnectionOptions {
  if (mode === 'disable') return false;
  if (mode === 'allow' || mode === 'prefer') return 'prefer';
  const tls = config.tls;
  const options: ConnectionOptions = {
    ...(tls?.cert && tls.key ? { cert: tls.cert.pem, key: tls.key.pem, passphrase: tls.keyPassword } : {}),
    ...(tls?.rootCert && tls.rootCert !== 'system' ? { ca: tls.rootCert.pem } : {}),
  };
  if (mode === 'require') return { ...options, rejectUnauthorized: false };
  // verify-ca: the chain only; verify-full: the chain and the host name (the
  // server's name even when hostaddr or an IP address is connected to)
  const identity = mode === 'verify-full'
    ? (_: string, cert: Parameters<typeof checkServerIdentity>[1]) => checkServerIdentity(target.host, cert)
    : () => undefined;
  return { ...options, rejectUnauthorized: true, checkServerIdentity: identity, ...(isIP(target.host) ? {} : { servername: target.host }) };
}

/** sslmode values under which a server without TLS is an error, not a fallback. */
export const TLS_REQUIRED: ReadonlySet<SslMode> = new Set(['require', 'verify-ca', 'verify-full']);

export class TlsUnavailable extends Error {
  readonly code = 'TLS_UNAVAILABLE';
}

/**
 * Does the server accept TLS? The SSLRequest of the protocol, on a socket of
 * its own: postgres.js would start a handshake even after the server said no
 * and fail with a confusing reset. undefined when the server cannot be reached.
 */
export function serverAcceptsTls(target: Target, timeoutMs: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (value: boolean | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('data', (data: Buffer) => done(data[0] === 0x53)); // 'S'
    socket.connect(target.port, target.address, () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(80877103, 4);
      socket.write(request);
    });
  });
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA', 'CERT_CHAIN_TOO_LONG',
]);

/** What a TLS or certificate error means, in words; undefined for any other error. */
export function tlsProblem(error: unknown): string | undefined {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : '';
  if (error instanceof TlsUnavailable) return message;
  if (UNTRUSTED.has(code)) return `the server's certificate is not signed by a trusted CA (unknown CA; check sslrootcert): ${message}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `host name mismatch: ${message}`;
  if (code === 'CERT_HAS_EXPIRED') return "the server's certificate has expired";
  if (code === 'CERT_NOT_YET_VALID') return "the server's certificate is not valid yet";
  if (/^ERR_(SSL|TLS|OSSL)_/.test(code)) return `TLS handshake failed: ${message}`;
  return undefined;
}

/** A client key that does not open or does not match its certificate is a configuration error, in one line, not a failure mid-handshake. */
export function checkClientCertificate(tls: TlsConfig | undefined): void {
  if (!tls?.cert || !tls.key) return;
  try {
    createSecureContext({ cert: tls.cert.pem, key: tls.key.pem, passphrase: tls.keyPassword });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^error:[0-9A-F]+:/i, '');
    throw new ConfigError(`cannot use the client certificate ${tls.cert.path} with the key ${tls.key.path}: ${reason}`);
  }
}
