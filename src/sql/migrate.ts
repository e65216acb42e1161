// Runs one migration file (src/sql/migrations, shipped as dist/sql/migrations)
// as it is: the one place the analyzer sends SQL text it did not build as a
// tagged template. Without parameters postgres.js sends it as a simple query,
// so a file may hold several statements (inside the caller's transaction) or
// one CREATE INDEX CONCURRENTLY (outside any).
import type { Sql } from '../infra/db.js';

export async function runMigrationText(sql: Sql, text: string): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- a reviewed migration file shipped with the analyzer (src/sql/migrations): static, no input in it
  await sql.unsafe(text);
}
