// `analyzer migrate --status`: what is applied, what is pending, what changed
// since it was applied, and whether each migration's index is valid. Reads
// only: no lock, and no analyzer_migration table is created.
import type { Sql } from '../infra/db.js';
import { VERSION } from '../infra/version.js';
import { loadMigrations, type Migration } from '../sql/migration-files.js';
import { appliedMigrations, indexState, migrationTableExists, baselinePresent, type AppliedMigration } from '../sql/migration-state.js';
import { table } from './table.js';

export type MigrationState = 'applied' | 'pending' | 'changed';

export interface MigrationStatusRow {
  version: number;
  migration: string;
  state: MigrationState;
  appliedAt: string | null;
  analyzerVersion: string | null;
  /** recorded from objects already there, not run */
  baseline: boolean;
  checksum: string;
  /** the checksum recorded when it was applied, when it differs from the file's */
  appliedChecksum: string | null;
  /** the index the migration builds, and its state: valid, invalid (an interrupted build), missing */
  index: { name: string; state: 'valid' | 'invalid' | 'missing' } | null;
  /** pending, but its objects are already there: migrate records it as the baseline without running it */
  presentAsBaseline: boolean;
}

export interface MigrationStatus {
  analyzerVersion: string;
  tableExists: boolean;
  applied: number;
  pending: number;
  changed: number;
  invalidIndexes: string[];
  migrations: MigrationStatusRow[];
  /** applied rows no migration of this analyzer has (a newer analyzer applied them) */
  unknown: AppliedMigration[];
}

export async function migrationStatus(sql: Sql, migrations: Migration[] = loadMigrations()): Promise<MigrationStatus> {
  const tableExists = await migrationTableExists(sql);
  const applied = new Map((tableExists ? await appliedMigrations(sql) : []).map((a) => [a.version, a]));
  const rows: MigrationStatusRow[] = [];
  for (const m of migrations) {
    const a = applied.get(m.version);
    const state: MigrationState = !a ? 'pending' : a.checksum === m.checksum ? 'applied' : 'changed';
    let index: MigrationStatusRow['index'] = null;
    if (m.index) {
      const s = await indexState(sql, m.index.name);
      index = { name: m.index.name, state: s.valid ? 'valid' : s.exists ? 'invalid' : 'missing' };
    }
    const presentAsBaseline = !a && m.baseline.length > 0 && await baselinePresent(sql, m.baseline);
    rows.push({
      version: m.version, migration: m.label, state, appliedAt: a?.applied_at ?? null, analyzerVersion: a?.analyzer_version ?? null,
      baseline: a?.baseline ?? false, checksum: m.checksum, appliedChecksum: state === 'changed' ? a!.checksum : null, index, presentAsBaseline,
    });
  }
  const known = new Set(migrations.map((m) => m.version));
  return {
    analyzerVersion: VERSION,
    tableExists,
    applied: rows.filter((r) => r.state === 'applied').length,
    pending: rows.filter((r) => r.state === 'pending').length,
    changed: rows.filter((r) => r.state === 'changed').length,
    invalidIndexes: rows.filter((r) => r.state !== 'pending' && r.index && r.index.state !== 'valid').map((r) => r.index!.name),
    migrations: rows,
    unknown: [...applied.values()].filter((a) => !known.has(a.version)),
  };
}

/** The status for a person at a terminal. */
export function formatMigrationStatus(status: MigrationStatus): string {
  const lines = [
    `migrations of analyzer ${status.analyzerVersion}: ${status.applied} applied, ${status.pending} pending`
      + (status.changed > 0 ? `, ${status.changed} CHANGED since applied (migrate refuses to run)` : '')
      + (status.tableExists ? '' : ' (no analyzer_migration table yet)'),
    '',
    ...table(['migration', 'state', 'applied at (UTC)', 'by', 'note'], status.migrations.map((r) => [
      r.migration,
      r.state === 'changed' ? 'CHANGED' : r.state,
      r.appliedAt ?? '',
      r.analyzerVersion ?? '',
      note(r),
    ]), { rule: true }),
  ];
  for (const u of status.unknown) lines.push(`unknown to this analyzer: ${String(u.version).padStart(4, '0')}_${u.name} (applied ${u.applied_at} by analyzer ${u.analyzer_version})`);
  return lines.join('\n') + '\n';
}

function note(r: MigrationStatusRow): string {
  const notes: string[] = [];
  if (r.baseline) notes.push('baseline (found, not run)');
  if (r.state === 'changed') notes.push(`applied with checksum ${r.appliedChecksum!.slice(0, 12)}, file has ${r.checksum.slice(0, 12)}`);
  if (r.presentAsBaseline) notes.push('objects already there: migrate records it as baseline');
  if (r.index && r.state !== 'pending' && r.index.state !== 'valid') notes.push(`index ${r.index.name} ${r.index.state.toUpperCase()}: migrate builds it again`);
  if (r.index && r.state === 'pending' && r.index.state === 'invalid') notes.push(`index ${r.index.name} INVALID: migrate drops and builds it`);
  return notes.join('; ');
}
