// Least privilege: the one reviewed list of what a pass (and a read-only
// role running status, open-tasks, explain and audit) needs in the database. Both
// `analyzer grants` (the SQL a DBA applies) and the pass's start-up check
// (src/sql/missing-privileges.ts) are views of this list, so they cannot
// drift apart. Verified against every statement in src/sql: no row locks
// (`for update`), no temporary tables, no setval; the transaction-scoped
// advisory locks (R19) need no grant.

import type { Sql } from '../infra/db.js';
import { missingPrivileges, type PrivilegeProbe } from '../sql/missing-privileges.js';

export type PrivilegeKind = 'schema' | 'table' | 'column' | 'sequence' | 'function';

export interface Privilege {
  kind: PrivilegeKind;
  privilege: 'USAGE' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'EXECUTE';
  /** Schema, table, or function signature; for a sequence, the table whose serial column draws from it. */
  object: string;
  /** Column-level UPDATE: the columns; a sequence: the serial column. */
  columns?: readonly string[];
  /** Needed only by a pass that writes (not by --dry-run). */
  writes: boolean;
}

const READ_TABLES = ['timestamps', 'polycomm_device', 'polycomm_issue_type', 'polycomm_suitcase', 'polycommalarm', 'polycommissue', 'receipts'] as const;

/** What `analyzer --mode M` needs (R1-R19, run history). */
export const PASS_PRIVILEGES: readonly Privilege[] = [
  { kind: 'schema', privilege: 'USAGE', object: 'public', writes: false },
  // R1, R2: ready devices, dictionaries and pending rows; the updates' WHERE reads status and ids
  ...READ_TABLES.map((object): Privilege => ({ kind: 'table', privilege: 'SELECT', object, writes: false })),
  { kind: 'function', privilege: 'EXECUTE', object: 'analyzer_code_to_int(text)', writes: false },
  // R14, R16: new tasks, their events, analyzer issues (ids pre-allocated from the sequences)
  { kind: 'table', privilege: 'INSERT', object: 'task', writes: true },
  { kind: 'table', privilege: 'INSERT', object: 'task_to_event', writes: true },
  { kind: 'table', privilege: 'INSERT', object: 'polycommissue', writes: true },
  { kind: 'sequence', privilege: 'USAGE', object: 'task', columns: ['id'], writes: true },
  { kind: 'sequence', privilege: 'USAGE', object: 'task_to_event', columns: ['id'], writes: true },
  { kind: 'sequence', privilege: 'USAGE', object: 'polycommissue', columns: ['polycommissue_id'], writes: true },
  // R17: exactly the columns a pass writes
  { kind: 'column', privilege: 'UPDATE', object: 'polycomm_suitcase', columns: ['status', 'csp', 'unpaid', 'to_account', 'in_task', 'receipt_id'], writes: true },
  { kind: 'column', privilege: 'UPDATE', object: 'polycommalarm', columns: ['status'], writes: true },
  { kind: 'column', privilege: 'UPDATE', object: 'polycommissue', columns: ['status'], writes: true },
  { kind: 'column', privilege: 'UPDATE', object: 'receipts', columns: ['status'], writes: true },
  // run history: a row per pass (insert ... returning, finish, prune)
  { kind: 'table', privilege: 'SELECT', object: 'analyzer_run', writes: true },
  { kind: 'table', privilege: 'INSERT', object: 'analyzer_run', writes: true },
  { kind: 'column', privilege: 'UPDATE', object: 'analyzer_run', columns: ['status', 'finished_at', 'report', 'error'], writes: true },
  { kind: 'table', privilege: 'DELETE', object: 'analyzer_run', writes: true },
  { kind: 'sequence', privilege: 'USAGE', object: 'analyzer_run', columns: ['id'], writes: true },
];

/**
 * What `status`, `open-tasks`, `explain` and `audit` need: reading, nothing
 * else. The audit reads the same tables as explain --task (the event tables
 * whatever their status, task, task_to_event, the device and ready lists).
 */
export const READ_ONLY_PRIVILEGES: readonly Privilege[] = [
  { kind: 'schema', privilege: 'USAGE', object: 'public', writes: false },
  ...[...READ_TABLES, 'task', 'task_to_event', 'analyzer_run'].map((object): Privilege => ({ kind: 'table', privilege: 'SELECT', object, writes: false })),
  { kind: 'function', privilege: 'EXECUTE', object: 'analyzer_code_to_int(text)', writes: false },
];

/** How a privilege reads in a message: `UPDATE (receipt_id) ON polycomm_suitcase`. */
export function describePrivilege(p: Privilege, column?: string): string {
  switch (p.kind) {
    case 'schema': return `${p.privilege} ON SCHEMA ${p.object}`;
    case 'table': return `${p.privilege} ON TABLE ${p.object}`;
    case 'column': return `${p.privilege} (${column ?? p.columns!.join(', ')}) ON TABLE ${p.object}`;
    case 'sequence': return `${p.privilege} ON SEQUENCE of ${p.object}.${p.columns![0]}`;
    case 'function': return `${p.privilege} ON FUNCTION ${p.object}`;
  }
}

export class RoleNameError extends Error {}

/**
 * A role name as the DBA typed it: letters, digits, '_' and '-', at most 63
 * bytes (PostgreSQL's identifier limit). It is always double-quoted in the
 * output, so it is used exactly as given (case included).
 */
export function validateRoleName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/.test(name)) {
    throw new RoleNameError(`invalid --role: '${name}' (expected a role name of letters, digits, '_' or '-', starting with a letter or '_', at most 63 characters)`);
  }
  return name;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * One line of the GRANT script `analyzer grants` prints for a DBA to review and
 * apply (the analyzer never sends it); identifiers quoted, `role` already quoted.
 */
const grant = (privilege: string, on: string, role: string): string => ['GRANT', privilege, 'ON', on, 'TO', `${role};`].join(' ');

/** GRANT statements for `list` to `role`, one per privilege and object kind, grouped so a reviewer reads them at a glance. */
export function grantStatements(list: readonly Privilege[], role: string): string[] {
  const r = quote(validateRoleName(role));
  const out: string[] = [];
  const tables = new Map<string, string[]>();
  for (const p of list) {
    if (p.kind === 'table') tables.set(p.privilege, [...(tables.get(p.privilege) ?? []), p.object]);
  }
  for (const p of list) {
    if (p.kind === 'schema') out.push(grant('USAGE', `SCHEMA ${quote(p.object)}`, r));
  }
  for (const [privilege, objects] of tables) out.push(grant(privilege, `TABLE ${objects.map(quote).join(', ')}`, r));
  for (const p of list) {
    if (p.kind === 'column') out.push(grant(`${p.privilege} (${p.columns!.map(quote).join(', ')})`, `TABLE ${quote(p.object)}`, r));
  }
  for (const p of list) {
    if (p.kind === 'function') out.push(grant('EXECUTE', `FUNCTION ${p.object.replace(/^(\w+)/, (name) => quote(name))}`, r));
  }
  return out;
}

/**
 * A DO block for what needs a name only the database knows: CONNECT on the
 * current database, USAGE on the sequences behind serial columns (legacy
 * databases name them differently).
 */
function dynamicGrants(list: readonly Privilege[], role: string): string {
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const sequences = list.filter((p) => p.kind === 'sequence');
  const lines = [
    'DO $grants$',
    'DECLARE',
    '  pair text[];',
    '  seq text;',
    'BEGIN',
    `  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${literal(role)});`,
  ];
  if (sequences.length > 0) {
    const pairs = sequences.map((p) => `ARRAY[${literal(p.object)}, ${literal(p.columns![0]!)}]`).join(',\n      ');
    lines.push(
      `  FOREACH pair SLICE 1 IN ARRAY ARRAY[\n      ${pairs}]`,
      '  LOOP',
      '    seq := pg_get_serial_sequence(pair[1], pair[2]);',
      "    IF seq IS NULL THEN RAISE EXCEPTION 'no sequence behind %.%', pair[1], pair[2]; END IF;",
      `    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', seq, ${literal(role)});`,
      '  END LOOP;',
    );
  }
  lines.push('END', '$grants$;');
  return lines.join('\n');
}

/** The whole script `analyzer grants` prints: reviewable, one transaction, idempotent. */
export function grantScript(role: string, options: { readOnly: boolean; version: string }): string {
  validateRoleName(role);
  const list = options.readOnly ? READ_ONLY_PRIVILEGES : PASS_PRIVILEGES;
  const what = options.readOnly ? 'a read-only role (analyzer status, open-tasks, explain, audit)' : 'a pass role (analyzer --mode receipts|dwr)';
  return [
    `-- polycomm-analyzer ${options.version}: privileges of ${what}.`,
    `-- Generated by: analyzer grants --role ${role}${options.readOnly ? ' --read-only' : ''}`,
    '-- Apply as the owner of the analyzer\'s tables (after `analyzer migrate`), e.g.',
    '--   psql -v ON_ERROR_STOP=1 -f grants.sql "$OWNER_DATABASE_URL"',
    '-- GRANT is idempotent: applying this twice changes nothing. It only adds',
    '-- privileges; revoke anything else the role was given by hand.',
    '-- The role must exist: CREATE ROLE ... LOGIN PASSWORD ... (docs/configuration.md "Database roles").',
    'BEGIN;',
    ...grantStatements(list, role),
    dynamicGrants(list, role),
    'COMMIT;',
    '',
  ].join('\n');
}

/** One probe per column of a column-level privilege, in list order. */
function probesOf(list: readonly Privilege[]): { probe: PrivilegeProbe; text: string }[] {
  return list.flatMap((p) => (p.kind === 'column' ? p.columns!.map((c) => [p, c] as const) : [[p, p.columns?.[0] ?? ''] as const]))
    .map(([p, column]) => ({ probe: { kind: p.kind, privilege: p.privilege, object: p.object, column }, text: describePrivilege(p, column) }));
}

/** SQLSTATE 42501 (insufficient_privilege): an operator's error, not a bug. */
export class MissingPrivilege extends Error {
  readonly code = '42501';
}

/**
 * Before a pass touches anything: does the role have every privilege it
 * will use? Throws one line naming what is missing, so a pass without its
 * grants writes nothing (not even its run-history row).
 */
export async function requirePassPrivileges(sql: Sql, options: { dryRun: boolean }): Promise<void> {
  const probes = probesOf(PASS_PRIVILEGES.filter((p) => !options.dryRun || !p.writes));
  const { missing, role } = await missingPrivileges(sql, probes.map((p) => p.probe));
  if (missing.length === 0) return;
  const names = missing.map((i) => probes[i]!.text);
  throw new MissingPrivilege(
    `role ${role} lacks ${names.join(', ')} (insufficient_privilege): nothing written; ` +
    `apply \`analyzer grants --role ${role}\` as the owner of the tables (docs/configuration.md "Database roles")`);
}
