// The settings of `analyzer migrate` alone (README "Upgrading: analyzer
// migrate", docs/migrations.md), apart from the connection settings every
// command shares.
import { defaultOf, wholeNumber, type SettingSpec } from './config.js';

export interface MigrateSettings {
  /** lock_timeout (ms) under which a step that locks a table requests its lock (MIGRATE_LOCK_TIMEOUT). */
  lockTimeoutMs: number;
  /** How many times such a step is tried again after a lock timeout, with backoff (MIGRATE_LOCK_RETRIES). */
  lockRetries: number;
}

export const MIGRATE_SETTINGS: SettingSpec[] = [
  {
    key: 'migrateLockTimeout', flag: '--migrate-lock-timeout <ms>', env: 'MIGRATE_LOCK_TIMEOUT', default: '100',
    description: "lock_timeout of a step that locks a table (ALTER TABLE ...): the device feed's inserts queue behind the request at most this long",
    parse: wholeNumber('MIGRATE_LOCK_TIMEOUT / --migrate-lock-timeout', 1),
  },
  {
    key: 'migrateLockRetries', flag: '--migrate-lock-retries <n>', env: 'MIGRATE_LOCK_RETRIES', default: '30',
    description: 'times such a step is tried again after a lock timeout (backoff 0.25 s doubling to 10 s: 30 is about 4 minutes)',
    parse: wholeNumber('MIGRATE_LOCK_RETRIES / --migrate-lock-retries', 0),
  },
];

export function parseMigrateSettings(raw: Record<string, unknown>): MigrateSettings {
  const value = (key: string) => raw[key] ?? defaultOf(MIGRATE_SETTINGS.find((s) => s.key === key)!);
  return { lockTimeoutMs: value('migrateLockTimeout') as number, lockRetries: value('migrateLockRetries') as number };
}
