// The settings of `analyzer migrate` alone (docs/migrations.md), apart from
// the connection settings every command shares.
import { flag, required, valueOf, wholeNumber, type Setting } from './settings.js';
import { ConfigError } from './config.js';

export interface MigrateSettings {
  /** lock_timeout (ms) under which a step that locks a table requests its lock (MIGRATE_LOCK_TIMEOUT). */
  lockTimeoutMs: number;
  /** How many times such a step is tried again after a lock timeout, with backoff (MIGRATE_LOCK_RETRIES). */
  lockRetries: number;
}

export const MIGRATE = {
  migrateLockTimeout: {
    key: 'migrateLockTimeout', flag: '--migrate-lock-timeout <ms>', env: 'MIGRATE_LOCK_TIMEOUT', default: '100',
    description: "lock_timeout of a step that locks a table (ALTER TABLE ...): the device feed's inserts queue behind the request at most this long",
    read: required(wholeNumber(1)),
  },
  migrateLockRetries: {
    key: 'migrateLockRetries', flag: '--migrate-lock-retries <n>', env: 'MIGRATE_LOCK_RETRIES', default: '30',
    description: 'times such a step is tried again after a lock timeout (backoff 0.25 s doubling to 10 s: 30 is about 4 minutes)',
    read: required(wholeNumber(0)),
  },
} satisfies Record<string, Setting<unknown>>;

/** migrate's own options. */
export const MIGRATE_OPTIONS = {
  status: { key: 'status', flag: '--status', description: 'list the migrations, applied and pending, and change nothing', read: flag },
  json: { key: 'json', flag: '--json', description: 'with --status: print one JSON document', read: flag },
} satisfies Record<string, Setting<unknown>>;

export function parseMigrateSettings(raw: Record<string, unknown>): MigrateSettings {
  return { lockTimeoutMs: valueOf(raw, MIGRATE.migrateLockTimeout), lockRetries: valueOf(raw, MIGRATE.migrateLockRetries) };
}

export function parseMigrateOptions(raw: Record<string, unknown>): { status: boolean; json: boolean } {
  const options = { status: valueOf(raw, MIGRATE_OPTIONS.status), json: valueOf(raw, MIGRATE_OPTIONS.json) };
  if (options.json && !options.status) throw new ConfigError('--json goes with --status (migrate itself logs; see --log-format)');
  return options;
}
