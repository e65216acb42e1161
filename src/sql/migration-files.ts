// The numbered migrations shipped with the analyzer: src/sql/migrations/
// NNNN_name.sql, copied to dist/sql/migrations/ by the build (the image ships
// dist/). Each file is one step, applied once, in version order, and recorded
// in analyzer_migration with the sha256 of its text (docs/migrations.md).
//
// A file is either
//   - one `create [unique] index concurrently if not exists NAME on TABLE ...`
//     statement, alone: built outside a transaction, rebuilt when invalid; or
//   - any other statements: run in one transaction under a short lock_timeout.
// `-- baseline: column T.C | function F(ARGS) | table T | index I` lines name
// the objects docker/initdb/03-analyzer.sql used to create: a database that
// already holds all of them gets the step recorded, not run.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASELINE_KINDS = ['column', 'function', 'table', 'index'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

export interface BaselineObject {
  kind: BaselineKind;
  /** `table.column`, `name(argtypes)`, or a relation name */
  name: string;
}

export interface Migration {
  version: number;
  /** The file name without version and extension: `receipt_id`. */
  name: string;
  /** `0001_receipt_id`: how logs and --status name it. */
  label: string;
  text: string;
  /** sha256 of the text, line endings normalised to \n (a CRLF checkout does not change it). */
  checksum: string;
  /** The index a concurrent step builds; undefined for a transactional step. */
  index: { name: string; table: string } | undefined;
  baseline: BaselineObject[];
}

export class MigrationFileError extends Error {}

/** Where the migrations are: next to this module, in src/ and in dist/ alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const CONCURRENT_INDEX =
  /^create\s+(?:unique\s+)?index\s+concurrently\s+if\s+not\s+exists\s+([a-z_][a-z0-9_]*)\s+on\s+(?:only\s+)?([a-z_][a-z0-9_]*)\b[^;]*;?$/i;
const BASELINE_LINE = /^--\s*baseline:\s*(\S+)\s+(.+?)\s*$/;

export const checksumOf = (text: string): string => createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');

/** One migration file's text, checked and described. */
export function parseMigration(fileName: string, text: string): Migration {
  const match = FILE_NAME.exec(fileName);
  if (!match) throw new MigrationFileError(`migration file ${fileName}: expected NNNN_name.sql (four digits, lower-case name)`);
  const version = Number(match[1]);
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const baseline = lines.flatMap((line): BaselineObject[] => {
    const b = BASELINE_LINE.exec(line.trim());
    if (!b) return [];
    if (!(BASELINE_KINDS as readonly string[]).includes(b[1]!)) {
      throw new MigrationFileError(`migration file ${fileName}: baseline object kind '${b[1]}' is not one of ${BASELINE_KINDS.join(', ')}`);
    }
    return [{ kind: b[1] as BaselineKind, name: b[2]! }];
  });
  const code = lines.filter((line) => !line.trim().startsWith('--')).join('\n').trim();
  if (code === '') throw new MigrationFileError(`migration file ${fileName} holds no statement`);
  const index = CONCURRENT_INDEX.exec(code);
  if (!index && /\bconcurrently\b/i.test(code)) {
    throw new MigrationFileError(
      `migration file ${fileName}: a CONCURRENTLY statement must be alone in its file and read \`create index concurrently if not exists NAME on TABLE ...\``,
    );
  }
  return {
    version,
    name: match[2]!,
    label: `${match[1]}_${match[2]}`,
    text,
    checksum: checksumOf(text),
    index: index ? { name: index[1]!.toLowerCase(), table: index[2]!.toLowerCase() } : undefined,
    baseline,
  };
}

/** Every migration of `dir`, in version order; a misnamed or duplicate file is an error, not skipped. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  } catch (error) {
    throw new MigrationFileError(`the migrations folder ${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): rebuild with npm run build`);
  }
  if (files.length === 0) throw new MigrationFileError(`no migrations in ${dir}: rebuild with npm run build`);
  const migrations = files.map((f) => parseMigration(f, readFileSync(join(dir, f), 'utf8')));
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new MigrationFileError(`two migrations share version ${migrations[i]!.version}: ${migrations[i - 1]!.label}, ${migrations[i]!.label}`);
    }
  }
  return migrations;
}
