#!/usr/bin/env node
// The command line: parse and validate settings, set up logging, run one
// command, flush, exit with a documented code (0 done, 1 failure, 2 usage).
import { Command, CommanderError, Option } from 'commander';
import {
  CONNECTION_SETTINGS, ConfigError, LOG_SETTINGS, PASS_SETTINGS,
  parseConnection, parseLog, parsePass, type SettingSpec,
} from './config.js';
import { createLogger, type LogHandle } from './log.js';
import { redact } from './redact.js';
import { EXIT } from './exit-codes.js';
import { runMigrate } from './commands/migrate.js';
import { runPassCommand } from './commands/pass.js';
import { runExplain } from './commands/explain.js';
import { VERSION } from './version.js';

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
  addSettings(root, [...PASS_SETTINGS, ...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
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
  addSettings(explain, [...PASS_SETTINGS.filter((s) => !['devices', 'dryRun', 'reportDir', 'chunkSize', 'runHistoryDays'].includes(s.key)), ...CONNECTION_SETTINGS, ...LOG_SETTINGS]);
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
