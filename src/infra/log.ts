// winston: JSON lines on stdout (or readable text on a TTY), plus an optional
// daily-rotated file. Every line passes through the command's Redactor, and
// the console lines through its Output (so the progress line never mixes in).
import { createRequire } from 'node:module';
import winston from 'winston';
import type DailyRotateFileType from 'winston-daily-rotate-file';
import type { LogConfig } from './config.js';
import { within } from './deadline.js';
import { Writable } from 'node:stream';
import type { Output } from './output.js';
import type { Redactor } from './redact.js';

export type Logger = winston.Logger;

/** Every string of the entry, nested ones too (a report's errors), with the secrets hidden. */
const redactFormat = (redactor: Redactor) => winston.format((info) => {
  for (const key of Object.keys(info)) info[key] = redactor.redactDeep(info[key]);
  return info;
})();

/** The console lines, handed to the Output. */
const consoleStream = (output: Output) => new Writable({
  write(chunk: Buffer, _encoding, done) {
    void output.print(chunk.toString()).then(() => done());
  },
});

const textFormat = winston.format.printf((info) => {
  const { level, message, timestamp, ...rest } = info;
  const fields = Object.entries(rest)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${fields ? ' ' + fields : ''}`;
});

export interface LogHandle {
  logger: Logger;
  /** Flush every transport; resolves when files are written. */
  close(): Promise<void>;
}

export function createLogger(config: LogConfig, output: Output): LogHandle {
  const json = config.logFormat ? config.logFormat === 'json' : !output.stdoutIsTTY;
  const base = winston.format.combine(winston.format.timestamp(), redactFormat(output.redactor));
  const transports: winston.transport[] = [
    new winston.transports.Stream({ stream: consoleStream(output), format: json ? winston.format.json() : textFormat }),
  ];
  let file: DailyRotateFileType | undefined;
  if (config.logDir) {
    // loaded only when asked for: it and its dependencies are a tenth of the CLI's start
    const DailyRotateFile = createRequire(import.meta.url)('winston-daily-rotate-file') as typeof DailyRotateFileType;
    file = new DailyRotateFile({
      dirname: config.logDir,
      filename: 'analyzer-%DATE%.log',
      datePattern: 'YYYY-MM-DD',
      maxSize: config.logMaxSize,
      maxFiles: config.logMaxFiles,
      format: winston.format.json(),
    });
    transports.push(file);
  }
  const logger = winston.createLogger({ level: config.logLevel, format: base, transports });
  return {
    logger,
    close: async () => {
      // never hang the exit on a transport that does not report back
      const flushed = (async () => {
        const ended = new Promise<void>((resolve) => logger.once('finish', () => resolve()));
        logger.end();
        await ended;
        // the rotating file's own stream flushes after the logger finishes:
        // end it and wait until its last line is on disk
        const stream = (file as unknown as { logStream?: { end(cb: () => void): void } } | undefined)?.logStream;
        if (stream) await new Promise<void>((resolve) => stream.end(() => resolve()));
      })();
      await within(2000, 'flushing the log', flushed).catch(() => undefined);
    },
  };
}
