// The password file (~/.pgpass, PGPASSFILE) with libpq's rules, through the
// pgpass package: host:port:database:user:password lines, '*' wildcards, the
// first match wins, and a file others can read is ignored with a warning.
import { createReadStream, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { getPassword, usePgPass, warnTo } from 'pgpass/lib/helper.js';
import type { Target } from './connection-target.js';

/**
 * The password of the first matching line of `file`, looked up once, when the
 * driver first asks. `warn` gets libpq's warnings (one line each).
 */
export function passfilePassword(file: string | undefined, target: Target, warn: (line: string) => void, onPassword: (password: string) => void): () => Promise<string> {
  let lookup: Promise<string> | undefined;
  return () => (lookup ??= new Promise<string>((resolve) => {
    if (!file) return resolve('');
    let stats;
    try {
      stats = statSync(file);
    } catch {
      return resolve(''); // no password file: as libpq, no password
    }
    // the package keeps its warning stream in a module of its own: set it for this lookup
    warnTo(new Writable({
      write(chunk: Buffer, _encoding, done) {
        warn(chunk.toString().trim());
        done();
      },
    }));
    if (!usePgPass(stats, file)) return resolve('');
    const info = { host: target.host, port: target.port, database: target.database, user: target.user };
    getPassword(info, createReadStream(file), (password) => {
      if (password) onPassword(password);
      resolve(password ?? '');
    });
  }));
}
