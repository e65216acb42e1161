// `analyzer migrate`: the statements of docker/initdb/03-analyzer.sql (copied
// to dist/sql/migration.sql by the build), in one transaction, serialised by
// an advisory lock so two migrations never interleave. Idempotent.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Sql } from '../infra/db.js';

const MIGRATION_LOCK = 0x5043_4d31; // 'PCM1'

export function migrationFile(): string {
  const candidates = [
    new URL('./migration.sql', import.meta.url), // dist/sql/
    new URL('../../docker/initdb/03-analyzer.sql', import.meta.url), // source tree
  ];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(path)) return path;
  }
  throw new Error('migration.sql not found next to the analyzer; rebuild with npm run build');
}

export async function migrate(sql: Sql): Promise<void> {
  const file = migrationFile();
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    // eslint-disable-next-line no-restricted-properties -- the reviewed migration shipped with the analyzer (dist/sql/migration.sql): static, no input in it
    await tx.file(file);
  });
}
