#!/usr/bin/env node
// The command line: parse and validate settings, set up logging, run one
// command, flush, exit with a documented code (0 done, 1 failure, 2 usage).
import './infra/runtime-flags.js'; // first: V8 settings for a one-pass process
import { Command, CommanderError, Help, Option } from 'commander';
import {
  ANALYSIS, CONNECTION, LOG, MODE, OBSERVABILITY, PASS, ConfigError, parseAnalysis, parseLog,
  type ConnectionConfig, type LogConfig,
} from './infra/config.js';
import { loadConnection, loadPass } from './infra/config-files.js';
import type { Setting } from './infra/settings.js';
import { createLogger, type LogHandle } from './infra/log.js';
import { MIGRATE, MIGRATE_OPTIONS, parseMigrateOptions, parseMigrateSettings } from './infra/migrate-settings.js';
import { Redactor } from './infra/redact.js';
import { Output } from './infra/output.js';
import { EXIT } from './infra/exit-codes.js';
import { runMigrate } from './shell/commands/migrate.js';
import { runPassCommand } from './shell/commands/pass.js';
import { EXPLAIN_OPTIONS, parseExplainOptions, runExplain } from './shell/commands/explain.js';
import { STATUS_OPTIONS, parseStatusOptions, runStatus } from './shell/commands/status.js';
import { OPEN_TASKS_OPTIONS, parseOpenTasksOptions, runOpenTasks } from './shell/commands/open-tasks.js';
import { VERSION } from './infra/version.js';
import { runGrants } from './shell/commands/grants.js';
import { AUDIT_SETTINGS, parseAuditOptions, runAudit } from './shell/commands/audit.js';
import { RoleNameError } from './shell/privileges.js';

const env = process.env;
/** The process's one output: stdout, stderr and the status line, with the secrets of its connection hidden. */
const output = new Output(new Redactor());

type Raw = Record<string, unknown>;
type Settings = Record<string, Setting<unknown>>;

/**
 * A setting as a commander option: commander owns the sources and their order
 * (flag > variable > the spec's default) and hands over text; the setting's
 * reader checks it (config.ts, settings.ts). An empty variable counts as unset.
 */
function settingOption(spec: Setting<unknown>, fromEnv: boolean): Option {
  const help = spec.env ? ` [env ${spec.env}${spec.default !== undefined ? `, default ${spec.default}` : ''}]` : '';
  const option = new Option(spec.flag, spec.description + help);
  if (spec.env && fromEnv && !spec.readsEnvItself) option.env(spec.env);
  if (spec.default !== undefined) option.default(spec.default);
  if (option.required || option.optional) {
    option.argParser((text: string, previous: unknown) => {
      if (text.trim() === '') return previous;
      if (!option.variadic) return text;
      return [...(Array.isArray(previous) ? previous.map(String) : []), text];
    });
  }
  return option;
}

/** A setting's help says its variable and default itself (`[env X, default Y]`); other options get commander's. */
const plainHelp = new Help();
const settingHelp = { optionDescription: (option: Option) => (option.description.includes(' [env ') ? option.description : plainHelp.optionDescription(option)) };

function addSettings(command: Command, specs: Iterable<Setting<unknown>>, fromEnv = true): Command {
  for (const spec of specs) command.addOption(settingOption(spec, fromEnv));
  return command;
}

const all = (...groups: Settings[]): Setting<unknown>[] => groups.flatMap((g) => Object.values(g));

const connection = (options: Raw): ConnectionConfig => loadConnection(options, env);

/** Write one line to stderr, password hidden. */
function fail(message: string): void {
  output.error(message);
}

let exiting = false;
async function finish(code: number, log?: LogHandle): Promise<never> {
  if (!exiting) {
    exiting = true;
    if (log) await log.close();
  }
  process.exit(code);
}

/** Logs at warn unless asked otherwise (error with --json, so stdout holds the document alone). */
const quiet = (config: LogConfig, json = false): LogConfig =>
  ({ ...config, logLevel: config.logLevel === 'info' ? (json ? 'error' : 'warn') : config.logLevel });

function migrateCommand(): Command {
  const migrate = new Command('migrate')
    .description('apply the pending numbered migrations (receipt_id column, function, run history, indexes built concurrently) on a live database; safe to run twice or two at once');
  addSettings(migrate, all(MIGRATE_OPTIONS, MIGRATE, CONNECTION, LOG));
  return migrate.action(async (options: Raw) => {
    const migrateOptions = parseMigrateOptions(options);
    const config = { ...connection(options), ...parseLog(options) };
    const log = createLogger(migrateOptions.status ? quiet(config, migrateOptions.json) : config, output);
    await finish(await runMigrate(config, parseMigrateSettings(options), migrateOptions, { logger: log.logger, output }), log);
  });
}

function explainCommand(): Command {
  const explain = new Command('explain')
    .description("why a pass decides what it does (cuts, groups, task types, payments, verdicts, rule numbers): --device shows a device's pending timeline, --task rebuilds an existing task's group from its events and neighbours and sets the stored rows beside the rules; writes nothing")
    .addHelpText('after', `
Examples:
  analyzer explain --mode receipts --device 3
  analyzer explain --task 51234
  analyzer explain --task 51234 --format html --out task-51234.html`);
  addSettings(explain, [...all(EXPLAIN_OPTIONS), MODE, ...all(ANALYSIS, CONNECTION, LOG)]);
  return explain.action(async (options: Raw) => {
    const explainOptions = parseExplainOptions(options);
    const config = { ...connection(options), ...parseLog(options), ...parseAnalysis(options) };
    const log = createLogger(quiet(config), output);
    await finish(await runExplain(config, explainOptions, { logger: log.logger, output }), log);
  });
}

function statusCommand(): Command {
  const status = new Command('status')
    .description('run history: the latest runs per mode, hung runs (running longer than --stale-after) and the pending backlog; writes nothing');
  addSettings(status, all(STATUS_OPTIONS, CONNECTION, LOG));
  return status.action(async (options: Raw) => {
    const statusOptions = parseStatusOptions(options);
    const config = { ...connection(options), ...parseLog(options) };
    const log = createLogger(quiet(config, statusOptions.json), output);
    await finish(await runStatus(config, statusOptions, { logger: log.logger, output }), log);
  });
}

function openTasksCommand(): Command {
  const openTasks = new Command('open-tasks')
    .description('the unresolved tasks: number, list, counts by type and by device; with --out-dir also as a JSON file; writes nothing in the database');
  addSettings(openTasks, all(OPEN_TASKS_OPTIONS, CONNECTION, LOG));
  return openTasks.action(async (options: Raw) => {
    const taskOptions = parseOpenTasksOptions(options);
    const config = { ...connection(options), ...parseLog(options) };
    const log = createLogger(quiet(config, taskOptions.json), output);
    await finish(await runOpenTasks(config, taskOptions, { logger: log.logger, output }), log);
  });
}

function auditCommand(): Command {
  const audit = new Command('audit')
    .description('do the stored tasks of a period agree with the rules? Rebuilds every group of the period from the stored events with the core and compares tasks, links, verdicts, receipt statuses and analyzer issues field by field; read-only')
    .addHelpText('after', `
TIME is a device-local wall-clock time, as --now takes it; the period is [--from, --to).
Exit codes: 0 the audit ran (whatever it found), 3 --fail-on-findings and something was found, 2 a bad period or an unknown device, 1 the database failed.
Examples:
  analyzer audit --from '2025-05-01 00:00:00' --to '2025-06-01 00:00:00'
  analyzer audit --from 2025-05-31 --to 2025-06-01 --mode receipts --format html --out audit.html
  analyzer audit --from 2025-05-31 --to 2025-06-01 --format json --fail-on-findings`);
  addSettings(audit, [...AUDIT_SETTINGS, ...all(CONNECTION, LOG)]);
  return audit.action(async (options: Raw) => {
    const o = parseAuditOptions(options);
    const config = { ...connection(options), ...parseLog(options) };
    // the document on stdout: only errors may join it there
    const log = createLogger(o.out === undefined ? quiet(config, o.format !== 'text') : config, output);
    await finish(await runAudit(config, o, { logger: log.logger, output }), log);
  });
}

function grantsCommand(): Command {
  const grants = new Command('grants')
    .description('print the SQL (for psql -f, idempotent) that gives an existing role exactly what a pass needs; with --read-only, what status, open-tasks, explain and audit need')
    .requiredOption('--role <name>', 'the role to grant to (used exactly as written, quoted)')
    .option('--read-only', 'only reading: for a role that runs status, open-tasks, explain and audit');
  grants.action(async (options: { role: string; readOnly?: boolean }) => {
    await finish(runGrants(options.role, options.readOnly === true, (text) => void output.print(text)));
  });
  return grants;
}

function program(): Command {
  const root = new Command('analyzer')
    .description('polycomm-analyzer: one analysis pass reconciling wraps, alarms and issues with fiscal receipts into monitoring tasks (see README)')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .addHelpText('after', `
Exit codes:
  0  the pass (or command) completed
  1  failure: database unreachable after the retries, a device failed, the connection lost, an unexpected error, or the pass was interrupted
  2  usage or configuration error
  3  status --fail-on-stale found a hung or failed run; audit --fail-on-findings found a finding`);
  // commander reads a command's variables before it dispatches to a subcommand:
  // the pass's own (LAST_EVENT_TIME, ...) are read only when the pass runs
  const commands = [migrateCommand(), explainCommand(), statusCommand(), openTasksCommand(), auditCommand(), grantsCommand()];
  const subcommand = commands.some((c) => c.name() === process.argv[2]);
  addSettings(root, [MODE, ...all(ANALYSIS, PASS, OBSERVABILITY, CONNECTION, LOG)], !subcommand);
  root.action(async (options: Raw) => {
    const config = loadPass(options, env);
    const log = createLogger(config, output);
    await finish(await runPassCommand(config, { logger: log.logger, output }), log);
  });
  for (const command of commands) root.addCommand(command);
  return root;
}

async function main(): Promise<void> {
  const cli = program();
  for (const command of [cli, ...cli.commands]) {
    command.exitOverride();
    command.configureHelp(settingHelp);
    command.configureOutput({ writeErr: (text) => fail(text.replace(/^error:\s*/i, '').trim()) });
  }
  try {
    await cli.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        await finish(EXIT.OK);
      }
      await finish(EXIT.USAGE);
    }
    if (error instanceof ConfigError || error instanceof RoleNameError) {
      fail(error.message);
      await finish(EXIT.USAGE);
    }
    fail(error instanceof Error ? error.message : String(error));
    await finish(EXIT.FAILURE);
  }
}

void main();
