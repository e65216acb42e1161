// Files a reader may pick up at any moment: written to a temporary name and
// renamed, so nobody ever sees half a file.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** `<prefix>-<UTC timestamp>-<short random id>.json` in `dir` (created if missing); returns its path. */
export function writeJsonFile(dir: string, prefix: string, document: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `${prefix}-${stamp}-${randomBytes(3).toString('hex')}.json`);
  writeAtomically(path, JSON.stringify(document, null, 2) + '\n');
  return path;
}
