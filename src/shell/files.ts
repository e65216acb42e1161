// Files a reader may pick up at any moment (reports, the metrics textfile,
// --out documents): written under a temporary name of their own in the same
// folder, then renamed over the target, so nobody ever sees half a file; the
// temporary file is removed if anything fails. The one writer of such files.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `path` atomically. The temporary name is unique to this
 * write (two processes writing the same file never share one) and starts with
 * '.', so the textfile collector and `ls` skip it.
 */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** `<prefix>-<UTC timestamp>-<short random id>.json` in `dir` (created if missing); returns its path. */
export function writeJsonFile(dir: string, prefix: string, document: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `${prefix}-${stamp}-${randomBytes(3).toString('hex')}.json`);
  writeFileAtomically(path, JSON.stringify(document, null, 2) + '\n');
  return path;
}
