#!/usr/bin/env node
// The command line: parse and validate settings, set up logging, run one
// command, flush, exit with a documented code (0 done, 1 failure, 2 usage).
import './infra/runtime-flags.js'; // first: V8 settings for a one-pass process
import { Command, CommanderError, Option } from 'commander';
import {
  CONNECTION_SETTINGS, ConfigError, LOG_SETTINGS, OBSERVABILITY_SETTINGS, PASS_SETTINGS,
  parseConnection, parseLog, parsePass, type SettingSpec,
} from './infra/config.js';
import { createLogger, type LogHandle } from './infra/log.js';
import { redact } from './infra/redact.js';
import { EXIT } from './infra/exit-codes.js';
import { runMigrate } from './shell/commands/migrate.js';
import { runPassCommand } from './shell/commands/pass.js';
import { runExplain } from './shell/commands/explain.js';
import { parseStatusOptions, runStatus } from './shell/commands/status.js';
import { parseOpenTasksOptions, runOpenTasks } from './shell/commands/open-tasks.js';
import { VERSION } from './infra/version.js';

const env = process.env;

function addSettings(command: Command, specs: SettingSpec[]): Command {
  for (const spec of specs) {
    const help = `${spec.description} [env ${spec.env}${spec.default !== undefined ? `, default ${spec.default}` : ''}]`;
    command.addOption(new Option(spec.flag, help));
  }
  return command;
}

/** Write one line to stderr, password hidden. */
function fail(message: string): void {
  process.stderr.write(`analyzer: ${redact(message).replace(/\s*\n\s*/g, ' ')}\n`);
}

let exiting = false;
async function finish(code: number, log?: LogHandle): Promise<never> {
  if (!exiting) {
    exiting = true;
    if (log) await log.close();
  }
  process.exit(code);
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
  1  failure: database unreachable after the retries, a device failed, or the pass was interrupted
  2  usage or configuration error
  3  status --fail-on-stale found a hung or failed run`);
  addSettings(root, [...PASS_SETTINGS, ...OBSERVABILITY_SETTINGS, ...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  root.action(async (options: Record<string, unknown>) => {
    const config = parsePass(options, env);
    const log = createLogger(config);
    const code = await runPassCommand(config, log.logger);
    await finish(code, log);
  });

  const migrate = new Command('migrate').description('apply the analyzer schema changes (receipt_id column, indexes, run history); safe to run twice');
  addSettings(migrate, [...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  migrate.action(async (options: Record<string, unknown>) => {
    const config = { ...parseConnection(options, env), ...parseLog(options, env) };
    const log = createLogger(config);
    const code = await runMigrate(config, log.logger);
    await finish(code, log);
  });
  root.addCommand(migrate);

  const explain = new Command('explain')
    .description("print a device's pending timeline and what a pass would decide (cuts, groups, task types, payments, verdicts); writes nothing");
  explain.requiredOption('--device <id>', 'the device id (polycomm_device.id)');
  addSettings(explain, [...PASS_SETTINGS.filter((s) => !['devices', 'dryRun', 'reportDir', 'chunkSize', 'chunkEvents', 'runHistoryDays'].includes(s.key)), ...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  explain.action(async (options: Record<string, unknown>) => {
    const { device, ...rest } = options;
    const config = parsePass(rest, env);
    const deviceId = Number(device);
    if (!Number.isSafeInteger(deviceId)) throw new ConfigError(`invalid --device: '${String(device)}' (expected a device id)`);
    const log = createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const code = await runExplain(config, deviceId, log.logger, (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'));
    await finish(code, log);
  });
  root.addCommand(explain);

  const status = new Command('status')
    .description('run history: the latest runs per mode, hung runs (running longer than --stale-after) and the pending backlog; writes nothing');
  status.addOption(new Option('--mode <mode>', 'only this mode (receipts or dwr)'));
  status.addOption(new Option('--limit <n>', 'runs shown per mode, default 10'));
  status.addOption(new Option('--stale-after <seconds>', "a 'running' row older than this is hung, default 3600"));
  status.addOption(new Option('--fail-on-stale', 'exit 3 when a run is hung or the latest finished run of a mode failed'));
  status.addOption(new Option('--json', 'print one JSON document'));
  addSettings(status, [...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  status.action(async (options: Record<string, unknown>) => {
    const { mode, limit, staleAfter, failOnStale, json, ...rest } = options;
    const statusOptions = parseStatusOptions({ mode, limit, staleAfter, failOnStale, json });
    const config = { ...parseConnection(rest, env), ...parseLog(rest, env) };
    const log = createLogger({ ...config, logLevel: config.logLevel === 'info' ? (statusOptions.json ? 'error' : 'warn') : config.logLevel });
    const code = await runStatus(config, statusOptions, log.logger, (text) => process.stdout.write(text));
    await finish(code, log);
  });
  root.addCommand(status);

  const openTasks = new Command('open-tasks')
    .description('the unresolved tasks: number, list, counts by type and by device; with --out-dir also as a JSON file; writes nothing in the database');
  openTasks.addOption(new Option('--device <id...>', 'only these device ids'));
  openTasks.addOption(new Option('--type <n...>', 'only these task types (1-6, R11)'));
  openTasks.addOption(new Option('--since <date>', 'only tasks dated (Moscow) at or after this: YYYY-MM-DD or YYYY-MM-DDTHH:MM'));
  openTasks.addOption(new Option('--limit <n>', 'tasks listed, newest first, default 200 (the counts are always complete)'));
  openTasks.addOption(new Option('--out-dir <dir>', 'also write the report as JSON there (open-tasks-<UTC timestamp>-<id>.json)'));
  openTasks.addOption(new Option('--json', 'print the report as one JSON document'));
  addSettings(openTasks, [...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
  openTasks.action(async (options: Record<string, unknown>) => {
    const { device, type, since, limit, outDir, json, ...rest } = options;
    const taskOptions = parseOpenTasksOptions({ device, type, since, limit, outDir, json });
    const config = { ...parseConnection(rest, env), ...parseLog(rest, env) };
    const log = createLogger({ ...config, logLevel: config.logLevel === 'info' ? (taskOptions.json ? 'error' : 'warn') : config.logLevel });
    const code = await runOpenTasks(config, taskOptions, log.logger, (text) => process.stdout.write(text));
    await finish(code, log);
  });
  root.addCommand(openTasks);
  return root;
}

async function main(): Promise<void> {
  const cli = program();
  for (const command of [cli, ...cli.commands]) {
    command.exitOverride();
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
    if (error instanceof ConfigError) {
      fail(error.message);
      await finish(EXIT.USAGE);
    }
    fail(error instanceof Error ? error.message : String(error));
    await finish(EXIT.FAILURE);
  }
}

void main();
