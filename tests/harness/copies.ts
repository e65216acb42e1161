// A generated backlog loaded once into a source database, and fresh copies of
// it (CREATE DATABASE ... TEMPLATE, milliseconds) for each case of a test
// file; every copy is dropped at the end, with the report folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, type GenerateOptions } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { createTestDatabase, type TestDb } from './db.js';

export interface Copies {
  /** The database holding the loaded backlog (never passed over: copy it). */
  source: TestDb;
  /** A folder for the passes' reports, removed by close(). */
  reportRoot: string;
  /** Rows the backlog holds. */
  rows: number;
  /** A fresh copy of the source, dropped by close(). */
  copy(): Promise<TestDb>;
  /** Drops a copy before the end (long loops of copies). */
  drop(db: TestDb): Promise<void>;
  close(): Promise<void>;
}

export async function generatedCopies(options: GenerateOptions, name: string): Promise<Copies> {
  const reportRoot = mkdtempSync(join(tmpdir(), `polycomm-${name}-`));
  const source = await createTestDatabase();
  const dbs: TestDb[] = [source];
  const { total } = await loadDataset(source.sql, generate(options));
  await source.sql`vacuum analyze`;
  return {
    source,
    reportRoot,
    rows: total,
    async copy() {
      const db = await createTestDatabase({ template: source });
      dbs.push(db);
      return db;
    },
    async drop(db) {
      dbs.splice(dbs.indexOf(db), 1);
      await db.drop();
    },
    async close() {
      for (const d of dbs) await d.drop().catch(() => undefined);
      rmSync(reportRoot, { recursive: true, force: true });
    },
  };
}
