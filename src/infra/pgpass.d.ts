// pgpass ships no types: the two helpers the connection uses.
declare module 'pgpass/lib/helper.js' {
  import type { Stats } from 'node:fs';
  import type { Readable, Writable } from 'node:stream';
  export function usePgPass(stats: Stats, file: string): boolean;
  export function getPassword(
    connInfo: { host: string; port: number; database: string; user: string },
    stream: Readable,
    cb: (password: string | undefined) => void,
  ): void;
  export function warnTo(stream: Writable): Writable;
}
