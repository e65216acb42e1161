// winston: JSON lines on stdout (or readable text on a TTY), plus an optional
// daily-rotated file. Every line passes through redact().
import { createRequire } from 'node:module';
import winston from 'winston';
import type DailyRotateFileType from 'winston-daily-rotate-file';
import type { LogConfig } from './config.js';
import { redact } from './redact.js';

export type Logger = winston.Logger;

const redactFormat = winston.format((info) => {
  info.message = redact(String(info.message));
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (typeof value === 'string' && key !== 'message') info[key] = redact(value);
  }
  return info;
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

export function createLogger(config: LogConfig, isTTY = Boolean(process.stdout.isTTY)): LogHandle {
  const json = config.logFormat ? config.logFormat === 'json' : !isTTY;
  const base = winston.format.combine(winston.format.timestamp(), redactFormat());
  const transports: winston.transport[] = [
    new winston.transports.Console({ format: json ? winston.format.json() : textFormat }),
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
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      const flushed = (async () => {
        const ended = new Promise<void>((resolve) => logger.once('finish', () => resolve()));
        logger.end();
        await ended;
        // the rotating file's own stream flushes after the logger finishes:
        // end it and wait until its last line is on disk
        const stream = (file as unknown as { logStream?: { end(cb: () => void): void } } | undefined)?.logStream;
        if (stream) await new Promise<void>((resolve) => stream.end(() => resolve()));
      })();
      await Promise.race([flushed, timeout]);
    },
  };
}
