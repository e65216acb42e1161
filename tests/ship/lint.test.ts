// The architecture rules are lint rules (eslint.config.js): this plants a violation
// of each in a file of the right place and expects the rule to fire, shows that
// the allowed forms pass, and lints the real tree clean. (They replace the
// regular-expression tests tests/core/purity.test.ts and sql-safety.test.ts.)
//
// Type-aware rules are turned off here so that planted snippets need no place in a
// TypeScript project and the tree lints in seconds; `npm run lint` (CI, before the
// tests) runs the whole configuration.
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [{ files: ['**/*.ts'], ...(tseslint.configs.disableTypeChecked as Linter.Config) }],
});

interface Finding {
  rule: string | null;
  line: number;
  message: string;
}

/** The findings for `code` as if it were the file `filePath` (relative to the repository); planted snippets may leave names unused. */
async function lint(code: string, filePath: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return result!.messages
    .filter((m) => m.ruleId !== '@typescript-eslint/no-unused-vars')
    .map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }));
}

/** The rules whose findings in `code` a disable comment hid, and the reasons given. */
async function suppressed(code: string, filePath: string): Promise<{ rule: string | null; reasons: string[] }[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return result!.suppressedMessages.map((m) => ({ rule: m.ruleId, reasons: m.suppressions.map((s) => s.justification) }));
}

/** The rules that fired on `code` in `filePath`. */
const rules = async (code: string, filePath: string) => [...new Set((await lint(code, filePath)).map((f) => f.rule))].sort();

const CORE = 'src/core/planted.ts';

describe('lint: src/core is pure (no I/O, no clock, no process)', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", 'node:fs'],
    ["import { readFileSync } from 'fs';", 'fs'],
    ["import { writeFile } from 'node:fs/promises';", 'node:fs/promises'],
    ["import { spawn } from 'node:child_process';", 'node:child_process'],
    ["import { connect } from 'node:net';", 'node:net'],
    ["import { request } from 'node:http';", 'node:http'],
    ["import { cpus } from 'node:os';", 'node:os'],
    ["import process from 'node:process';", 'node:process'],
    ["import { Worker } from 'node:worker_threads';", 'node:worker_threads'],
    ["import postgres from 'postgres';", 'postgres'],
    ["import type { Sql } from 'postgres';", 'postgres (types too)'],
    ["import winston from 'winston';", 'winston'],
    ["import { Command } from 'commander';", 'commander'],
    ["import { systemNow } from '../infra/clock.js';", 'the shell\'s clock (outside src/core)'],
    ["import { loadDevices } from '../shell/load.js';", 'the shell'],
    ["import { unpack } from '../sql/packed-rows.js';", 'src/sql'],
    ["export { readFileSync } from 'node:fs';", 'a re-export'],
  ])('imports: %s (%s) is refused', async (code) => {
    expect(await rules(code, CORE)).toEqual(['no-restricted-imports']);
  });

  it('imports: sibling core modules and luxon are allowed', async () => {
    expect(await lint("import { DateTime } from 'luxon';\nimport type { Micros } from './types.js';\nexport { analyzeDevice } from './plan.js';\nexport const f = (m: Micros) => DateTime.fromMillis(m / 1000, { zone: 'UTC' }).toISO();", CORE)).toEqual([]);
  });

  it.each([
    ['export const t = Date.now();', 'Date.now'],
    ['export const t = new Date();', 'new Date() (no arguments)'],
    ["export const t = new Date('2026-01-01').getTime();", 'new Date(text) (the global Date at all, as before)'],
    ['export const t = performance.now();', 'performance.now'],
    ['export const e = process.env.NOW;', 'process.env'],
    ['export const h = () => process.exit(1);', 'process.exit'],
    ["export const l = () => console.log('x');", 'console.log'],
    ["export const l = () => console.error('x');", 'console.error'],
    ['export const g = globalThis;', 'globalThis'],
    ['export const r = () => setTimeout(() => undefined, 1);', 'setTimeout'],
  ])('globals: %s (%s) is refused', async (code) => {
    expect(await rules(code, CORE)).toEqual(['no-restricted-globals']);
  });

  it('randomness: Math.random is refused', async () => {
    expect(await rules('export const r = Math.random();', CORE)).toEqual(['no-restricted-properties']);
  });

  it.each([
    ["import { DateTime } from 'luxon';\nexport const t = DateTime.now();", 'no-restricted-properties'],
    ["import { DateTime } from 'luxon';\nexport const now = DateTime.now;", 'no-restricted-properties'],
    ["import { DateTime } from 'luxon';\nexport const t = DateTime.local();", 'no-restricted-syntax'],
    ["import { DateTime } from 'luxon';\nexport const t = DateTime.utc();", 'no-restricted-syntax'],
    ["import { DateTime as D } from 'luxon';\nexport const t = D.now();", 'no-restricted-syntax'],
    ["import * as luxon from 'luxon';\nexport const t = luxon.DateTime.now();", 'no-restricted-syntax'],
    ["import luxon from 'luxon';\nexport const t = luxon.DateTime.now();", 'no-restricted-syntax'],
    ["import { DateTime } from 'luxon';\nconst { now } = DateTime;\nexport const t = now();", 'no-restricted-syntax'],
    ["import { Settings } from 'luxon';\nexport const z = Settings.defaultZone;", 'no-restricted-syntax'],
    ["export const m = () => import('node:fs');", 'no-restricted-syntax'],
  ])("luxon's clock: %s is refused (%s)", async (code, rule) => {
    expect(await rules(code, CORE)).toContain(rule);
  });

  it("luxon with explicit values is allowed (DateTime.local(y, m, d), DateTime.utc(...), fromISO)", async () => {
    const code = "import { DateTime } from 'luxon';\nexport const a = DateTime.local(2026, 1, 10, { zone: 'UTC' });\nexport const b = DateTime.utc(2026, 1, 10);\nexport const c = DateTime.fromISO('2026-01-10T00:00:00Z');";
    expect(await lint(code, CORE)).toEqual([]);
  });

  it('the same code outside src/core is not held to the core rules', async () => {
    expect(await lint("import { readFileSync } from 'node:fs';\nexport const t = Date.now() + readFileSync('x').length;\nconsole.log(process.pid);", 'src/infra/planted.ts')).toEqual([]);
  });
});

describe('lint: the shell reaches the core through src/core/index.ts only', () => {
  it.each([
    ["import { selectReady } from '../core/devices.js';", 'src/shell/planted.ts'],
    ["import type { Mode } from '../../core/types.js';", 'src/shell/commands/planted.ts'],
    ["import { formatMicros } from '../core/time.js';", 'src/sql/planted.ts'],
    ["import type { Micros } from '../core/types.js';", 'src/infra/planted.ts'],
    ["import { analyzeDevice } from './core/plan.js';", 'src/planted.ts'],
    ["import type { Micros } from '../src/core/types.js';", 'generator/planted.ts'],
    ["import type { Mode } from '../src/core/types.js';", 'bench/planted.ts'],
    ["import type { Mode } from '../src/core/types.js';", 'scripts/planted.ts'],
  ])('%s in %s is refused', async (code, file) => {
    const findings = await lint(code, file);
    expect(findings.map((f) => f.rule)).toEqual(['no-restricted-imports']);
    expect(findings[0]!.message).toMatch(/src\/core\/index\.ts/);
  });

  it('through the index it is allowed (and tests may reach the modules they test)', async () => {
    expect(await lint("import { selectReady, type Mode } from '../core/index.js';\nexport const f = (m: Mode) => selectReady([], m);", 'src/shell/planted.ts')).toEqual([]);
    expect(await lint("import { selectReady } from '../../src/core/devices.js';\nexport const f = selectReady;", 'tests/core/planted.test.ts')).toEqual([]);
  });
});

describe('lint: SQL is postgres.js tagged templates (everywhere)', () => {
  const where = ['src/sql/planted.ts', 'src/shell/planted.ts', 'src/core/planted.ts', 'generator/planted.ts', 'tests/pass/planted.test.ts'];
  // postgres.js's client, declared here (src/core may not import postgres)
  const header = 'interface Sql { <T>(s: TemplateStringsArray, ...v: unknown[]): Promise<T>; (name: string): unknown; unsafe(q: string): Promise<unknown>; file(f: string): Promise<unknown> }\n'
    + 'declare const sql: Sql;\ndeclare const id: number;\ndeclare const table: string;\n';

  it.each(where)('sql.unsafe and sql.file are refused in %s', async (file) => {
    expect(await rules(`${header}export const a = () => sql.unsafe('select 1');`, file)).toEqual(['no-restricted-properties']);
    expect(await rules(`${header}export const a = () => sql.file('x.sql');`, file)).toEqual(['no-restricted-properties']);
    expect(await rules(`${header}const { unsafe } = sql;\nexport const a = unsafe;`, file)).toEqual(['no-restricted-properties']);
  });

  it.each(where)('untagged and concatenated SQL text is refused in %s', async (file) => {
    expect(await rules(`${header}export const q = \`select * from task where id = \${id}\`;`, file)).toEqual(['no-restricted-syntax']);
    expect(await rules(`${header}export const q = \`\n  delete from \${table}\`;`, file)).toEqual(['no-restricted-syntax']);
    expect(await rules(`${header}export const q = 'select * from task where id = ' + id;`, file)).toEqual(['no-restricted-syntax']);
    expect(await rules(`${header}export const q = "UPDATE task SET status = 1 WHERE id = " + String(id);`, file)).toEqual(['no-restricted-syntax']);
    expect(await rules(`${header}let q = '';\nq += 'insert into task values (' + id + ')';\nexport { q };`, file)).toEqual(['no-restricted-syntax']);
  });

  it.each(where)('tagged templates pass in %s', async (file) => {
    expect(await lint(`${header}export const a = () => sql\`select * from task where id = \${id}\`;\nexport const b = () => sql<{ n: number }[]>\`select count(*) as n from \${sql(table)}\`;`, file)).toEqual([]);
  });

  it('an exception needs a disable comment that names the rule and says why', async () => {
    const allowed = `${header}// eslint-disable-next-line no-restricted-properties -- the reviewed, static migration file\nexport const a = () => sql.file('migration.sql');`;
    expect(await lint(allowed, 'src/sql/planted.ts')).toEqual([]);
    const noReason = `${header}// eslint-disable-next-line no-restricted-properties\nexport const a = () => sql.unsafe('select 1');`;
    expect(await rules(noReason, 'src/sql/planted.ts')).toEqual(['project/disable-needs-reason']);
    // a blanket disable hides its own finding too: the tree check below looks for it among the hidden ones
    const blanket = `${header}/* eslint-disable -- everything */\nexport const a = () => sql.unsafe('select 1');`;
    expect(await lint(blanket, 'src/sql/planted.ts')).toEqual([]);
    expect(await suppressed(blanket, 'src/sql/planted.ts')).toEqual([
      { rule: 'project/disable-needs-reason', reasons: ['everything'] },
      { rule: 'no-restricted-properties', reasons: ['everything'] },
    ]);
    const blanketLine = `${header}export const a = () => sql.unsafe('select 1'); // eslint-disable-line -- because`;
    expect((await suppressed(blanketLine, 'src/sql/planted.ts')).map((m) => m.rule)).toContain('project/disable-needs-reason');
    // a disable comment with nothing to disable is an error too (no stale exceptions)
    const stale = `${header}// eslint-disable-next-line no-restricted-properties -- was sql.unsafe once\nexport const a = () => sql\`select 1\`;`;
    expect((await lint(stale, 'src/sql/planted.ts')).map((f) => f.message)).toEqual([expect.stringMatching(/Unused eslint-disable directive/)]);
  });
});

describe('lint: the tree', () => {
  it('src, tests, bench, generator and scripts lint clean', async () => {
    const results = await eslint.lintFiles(['.']);
    const findings = results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(ROOT.length)}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(findings).toEqual([]);
    // every exception names its rules and says why (a blanket disable hides the rule that says so: it shows here)
    const exceptions = results.flatMap((r) => r.suppressedMessages.map((m) => ({
      at: `${r.filePath.slice(ROOT.length)}:${m.line}`, rule: m.ruleId, reasons: m.suppressions.map((s) => s.justification.trim()),
    })));
    expect(exceptions.filter((e) => e.rule === 'project/disable-needs-reason' || e.reasons.includes(''))).toEqual([]);
    // the reviewed exceptions today: the migration file, the initdb files in tests, CREATE ROLE's password literal
    expect(exceptions.filter((e) => e.at.startsWith('src/')).map((e) => `${e.at} ${e.rule}`)).toEqual([expect.stringMatching(/^src\/sql\/migrate\.ts:\d+ no-restricted-properties$/)]);
    const linted = results.map((r) => r.filePath.slice(ROOT.length));
    for (const dir of ['src/core/', 'src/shell/', 'src/sql/', 'src/infra/', 'tests/', 'bench/', 'generator/', 'scripts/']) {
      expect(linted.some((f) => f.startsWith(dir)), `${dir} is linted`).toBe(true);
    }
    expect(linted).toContain('src/cli.ts');
  }, 120_000);
});
