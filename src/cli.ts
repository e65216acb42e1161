#!/usr/bin/env node
// The command line: parse and validate settings, set up logging, run one
// command, flush, exit with a documented code (0 done, 1 failure, 2 usage).
import './infra/runtime-flags.js'; // first: V8 settings for a one-pass process
import { Command, CommanderError, Help, Option } from 'commander';
import {
  CONNECTION_SETTINGS, ConfigError, LOG_SETTINGS, OBSERVABILITY_SETTINGS, PASS_SETTINGS, defaultOf, idList, wholeNumber,
  parseConnection, parseLog, parseMode, parsePass, type LogConfig, type SettingSpec,
} from './infra/config.js';
import { createLogger, type LogHandle } from './infra/log.js';
import { Redactor } from './infra/redact.js';
import { Output } from './infra/output.js';
import { EXIT } from './infra/exit-codes.js';
import { runMigrate } from './shell/commands/migrate.js';
import { runPassCommand } from './shell/commands/pass.js';
import { parseExplainOptions, runExplain } from './shell/commands/explain.js';
import { EXPLAIN_FORMATS } from './shell/explain-document.js';
import { parseStatusOptions, runStatus } from './shell/commands/status.js';
import { parseOpenTasksOptions, parseSince, runOpenTasks } from './shell/commands/open-tasks.js';
import { VERSION } from './infra/version.js';
import { runGrants } from './shell/commands/grants.js';
import { AUDIT_FORMATS, AUDIT_SETTINGS, parseAuditOptions, runAudit } from './shell/commands/audit.js';
import { RoleNameError } from './shell/privileges.js';

const env = process.env;
/** The process's one output: stdout, stderr and the status line, with the secrets of its connection hidden. */
const output = new Output(new Redactor());

/** A setting as a commander option: flag > environment variable > default, each value checked by the spec's parser. */
function settingOption(spec: SettingSpec, fromEnv: boolean): Option {
  const option = new Option(spec.flag, `${spec.description} [env ${spec.env}${spec.default !== undefined ? `, default ${spec.default}` : ''}]`);
  if (spec.parse) {
    if (fromEnv) option.env(spec.env);
    const parse = spec.parse;
    // an empty variable (FOO= in a compose file) means "not set"
    option.argParser((text: string, previous: unknown) => (text.trim() === '' ? previous : parse(text, previous)));
  }
  if (spec.default !== undefined) option.default(defaultOf(spec), spec.default);
  return option;
}

/** A setting's help says its variable and default itself (`[env X, default Y]`); other options get commander's. */
const plainHelp = new Help();
const settingHelp = { optionDescription: (option: Option) => (option.description.includes(' [env ') ? option.description : plainHelp.optionDescription(option)) };

function addSettings(command: Command, specs: SettingSpec[], fromEnv = true): Command {
  for (const spec of specs) command.addOption(settingOption(spec, fromEnv));
  return command;
}

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

type Raw = Record<string, unknown>;

function migrateCommand(): Command {
  const migrate = new Command('migrate').description('apply the analyzer schema changes (receipt_id column, indexes, run history); safe to run twice');
  addSettings(migrate, [...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  return migrate.action(async (options: Raw) => {
    const config = { ...parseConnection(options), ...parseLog(options) };
    const log = createLogger(config, output);
    await finish(await runMigrate(config, { logger: log.logger, output }), log);
  });
}

const EXPLAIN_OMITS = ['devices', 'dryRun', 'reportDir', 'chunkSize', 'chunkEvents', 'runHistoryDays'];

function explainCommand(): Command {
  const explain = new Command('explain')
    .description("why a pass decides what it does (cuts, groups, task types, payments, verdicts, rule numbers): --device shows a device's pending timeline, --task rebuilds an existing task's group from its events and neighbours and sets the stored rows beside the rules; writes nothing")
    .addHelpText('after', `
Examples:
  analyzer explain --mode receipts --device 3
  analyzer explain --task 51234
  analyzer explain --task 51234 --format html --out task-51234.html`);
  explain.addOption(new Option('--device <id>', 'the device id (polycomm_device.id): its pending events'));
  explain.addOption(new Option('--task <id>', 'the task id (task.id): its group rebuilt and checked; --mode defaults to the mode the device is ready for'));
  explain.addOption(new Option('--format <format>', 'text, json or html').choices(EXPLAIN_FORMATS).default('text'));
  explain.addOption(new Option('--out <file>', 'write there instead of stdout'));
  explain.addOption(new Option('--around <seconds>', "--task: seconds of the device's events loaded before and after the task's own").default('3600'));
  addSettings(explain, [...PASS_SETTINGS.filter((s) => !EXPLAIN_OMITS.includes(s.key)), ...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  return explain.action(async (options: Raw) => {
    const { device, task, format, out, around, ...rest } = options;
    const explainOptions = parseExplainOptions({ device, task, format, out, around }, rest.mode !== undefined);
    // --task takes the device's mode when none is given (a placeholder until then)
    const config = parsePass(explainOptions.modeGiven || !('task' in explainOptions.target) ? rest : { ...rest, mode: 'receipts' }, env);
    const log = createLogger(quiet(config), output);
    await finish(await runExplain(config, explainOptions, { logger: log.logger, output }), log);
  });
}

function statusCommand(): Command {
  const status = new Command('status')
    .description('run history: the latest runs per mode, hung runs (running longer than --stale-after) and the pending backlog; writes nothing');
  status.addOption(new Option('--mode <mode>', 'only this mode (receipts or dwr)').argParser(parseMode));
  status.addOption(new Option('--limit <n>', 'runs shown per mode').default(10).argParser(wholeNumber('--limit', 1)));
  status.addOption(new Option('--stale-after <seconds>', "a 'running' row older than this is hung").default(3600).argParser(wholeNumber('--stale-after', 0)));
  status.addOption(new Option('--fail-on-stale', 'exit 3 when a run is hung or the latest finished run of a mode failed'));
  status.addOption(new Option('--json', 'print one JSON document'));
  addSettings(status, [...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  return status.action(async (options: Raw) => {
    const { mode, limit, staleAfter, failOnStale, json, ...rest } = options;
    const statusOptions = parseStatusOptions({ mode, limit, staleAfter, failOnStale, json });
    const config = { ...parseConnection(rest), ...parseLog(rest) };
    const log = createLogger(quiet(config, statusOptions.json), output);
    await finish(await runStatus(config, statusOptions, { logger: log.logger, output }), log);
  });
}

function openTasksCommand(): Command {
  const openTasks = new Command('open-tasks')
    .description('the unresolved tasks: number, list, counts by type and by device; with --out-dir also as a JSON file; writes nothing in the database');
  openTasks.addOption(new Option('--device <id...>', 'only these device ids').argParser(idList('--device', () => true, 'a device id')));
  openTasks.addOption(new Option('--type <n...>', 'only these task types (1-6, R11)').argParser(idList('--type', (n) => n >= 1 && n <= 6, 'a task type 1-6')));
  openTasks.addOption(new Option('--since <date>', 'only tasks dated (Moscow) at or after this: YYYY-MM-DD or YYYY-MM-DDTHH:MM').argParser(parseSince));
  openTasks.addOption(new Option('--limit <n>', 'tasks listed, newest first (the counts are always complete)').default(200).argParser(wholeNumber('--limit', 0)));
  openTasks.addOption(new Option('--out-dir <dir>', 'also write the report as JSON there (open-tasks-<UTC timestamp>-<id>.json)'));
  openTasks.addOption(new Option('--json', 'print the report as one JSON document'));
  addSettings(openTasks, [...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  return openTasks.action(async (options: Raw) => {
    const { device, type, since, limit, outDir, json, ...rest } = options;
    const taskOptions = parseOpenTasksOptions({ device, type, since, limit, outDir, json });
    const config = { ...parseConnection(rest), ...parseLog(rest) };
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
  audit.addOption(new Option('--from <time>', 'start of the period, device-local (included)').makeOptionMandatory());
  audit.addOption(new Option('--to <time>', 'end of the period, device-local (excluded)').makeOptionMandatory());
  audit.addOption(new Option('--mode <mode>', 'only this mode (receipts or dwr); default both').argParser(parseMode));
  audit.addOption(new Option('--device <id...>', 'only these device ids (polycomm_device.id)').argParser(idList('--device', () => true, 'a device id')));
  audit.addOption(new Option('--format <format>', 'text, json or html').choices(AUDIT_FORMATS).default('text'));
  audit.addOption(new Option('--out <file>', 'write there instead of stdout'));
  audit.addOption(new Option('--fail-on-findings', 'exit 3 when there is a finding (CI-style checks)'));
  audit.addOption(new Option('--around <seconds>', "seconds of each device's events loaded before and after the period at first (widened until the groups at its edges are whole)").default(3600).argParser(wholeNumber('--around', 0)));
  addSettings(audit, [...AUDIT_SETTINGS, ...OBSERVABILITY_SETTINGS.filter((s) => s.key === 'progressInterval'), ...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  return audit.action(async (options: Raw) => {
    const o = parseAuditOptions(options);
    const config = { ...parseConnection(options), ...parseLog(options) };
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

const SUBCOMMANDS = ['migrate', 'explain', 'status', 'open-tasks', 'audit', 'grants'];

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
  const subcommand = SUBCOMMANDS.includes(process.argv[2] ?? '');
  addSettings(root, [...PASS_SETTINGS, ...OBSERVABILITY_SETTINGS, ...CONNECTION_SETTINGS, ...LOG_SETTINGS], !subcommand);
  root.action(async (options: Raw) => {
    const config = parsePass(options, env);
    const log = createLogger(config, output);
    await finish(await runPassCommand(config, { logger: log.logger, output }), log);
  });
  for (const command of [migrateCommand(), explainCommand(), statusCommand(), openTasksCommand(), auditCommand(), grantsCommand()]) root.addCommand(command);
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
