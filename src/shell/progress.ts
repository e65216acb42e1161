// Progress of a long pass (a first pass over months of backlog): on a terminal
// one line updated in place; in JSON logs (or whenever no terminal shows the
// line) a progress log line every PROGRESS_INTERVAL seconds, so `kubectl logs
// -f` shows the pass is alive. The figures come from the pass report; the
// pass tells only how many events each chunk loaded.
import type { LogConfig, ObservabilityConfig } from '../infra/config.js';
import type { Logger } from '../infra/log.js';
import type { PassReport } from './report.js';
import { clockDuration } from './duration.js';

/** What the pass loop calls: after each chunk, with the pending rows the chunk loaded. */
export interface PassProgress {
  chunkDone(events: number): void;
}

/** What the figures are read from: what runs (a pass's mode, or `audit`) and its device counts so far. */
export interface ProgressSource {
  mode: string;
  devices: PassReport['devices'];
}

export interface ProgressHandle extends PassProgress {
  /** Clears the terminal line and stops the timers (before the summary is printed). */
  stop(): void;
}

export interface ProgressFigures {
  mode: string;
  devicesDone: number;
  devicesReady: number;
  events: number;
  eventsPerSecond: number;
  elapsedSeconds: number;
  /** null until a device is done (nothing to extrapolate from) or when all are. */
  etaSeconds: number | null;
}

/** Pure: the figures of a pass so far. */
export function progressFigures(report: ProgressSource, events: number, elapsedMs: number): ProgressFigures {
  const d = report.devices;
  const done = d.processed + d.idle + d.failed + d.skippedOwnedElsewhere;
  const elapsedSeconds = elapsedMs / 1000;
  const left = d.ready - done;
  return {
    mode: report.mode,
    devicesDone: done,
    devicesReady: d.ready,
    events,
    eventsPerSecond: elapsedSeconds > 0 ? Math.round(events / elapsedSeconds) : 0,
    elapsedSeconds: Math.round(elapsedSeconds),
    etaSeconds: done > 0 && left > 0 ? Math.round((elapsedSeconds * left) / done) : null,
  };
}


/** Pure: the one-line text, for the terminal and the log message alike. */
export function progressText(f: ProgressFigures): string {
  const pct = f.devicesReady > 0 ? ` (${Math.floor((100 * f.devicesDone) / f.devicesReady)}%)` : '';
  const eta = f.etaSeconds === null ? '' : `, about ${clockDuration(f.etaSeconds)} left`;
  return `${f.mode}: devices ${f.devicesDone}/${f.devicesReady}${pct}, ${f.events} events, ${f.eventsPerSecond} events/s, elapsed ${clockDuration(f.elapsedSeconds)}${eta}`;
}

const CLEAR = '\r\x1b[2K';
const REDRAW_MS = 1000;
const MIN_DRAW_GAP_MS = 200;

type Write = NodeJS.WriteStream['write'];
/** A stream's write function as it is, unbound: called with the stream as `this` and put back on close. */
const writeOf = (stream: { write: Write }): Write => stream.write;

export interface ProgressStreams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Starts the progress display the configuration and the terminals call for. */
export function startProgress(
  report: ProgressSource,
  config: ObservabilityConfig & Pick<LogConfig, 'logFormat'>,
  logger: Logger,
  streams: ProgressStreams = { stdout: process.stdout, stderr: process.stderr },
): ProgressHandle {
  const started = performance.now();
  let events = 0;
  const figures = () => progressFigures(report, events, performance.now() - started);
  const tty = streams.stdout.isTTY ? streams.stdout : streams.stderr.isTTY ? streams.stderr : undefined;
  const json = config.logFormat ? config.logFormat === 'json' : !streams.stdout.isTTY;
  const line = tty ? terminalLine(tty, [streams.stdout, streams.stderr].filter((s) => s.isTTY)) : undefined;
  const timers: NodeJS.Timeout[] = [];
  if (line) timers.push(setInterval(() => line.draw(progressText(figures())), REDRAW_MS));
  if ((json || !line) && config.progressInterval > 0) {
    timers.push(setInterval(() => {
      const f = figures();
      logger.info(`progress ${progressText(f)}`, { progress: f });
    }, config.progressInterval * 1000));
  }
  timers.forEach((t) => t.unref());
  return {
    chunkDone(loaded: number) {
      events += loaded;
      line?.draw(progressText(figures()), MIN_DRAW_GAP_MS);
    },
    stop() {
      timers.forEach((t) => clearInterval(t));
      line?.close();
    },
  };
}

/**
 * One line at the bottom of the terminal. Anything else written to the
 * terminal's streams (log lines, errors) clears it first and redraws it after,
 * so the line never mixes into them.
 */
function terminalLine(target: NodeJS.WriteStream, terminals: NodeJS.WriteStream[]) {
  let shown = '';
  let lastDraw = -Infinity;
  const originals = new Map<NodeJS.WriteStream, Write>();
  const raw = (text: string) => {
    const original = originals.get(target);
    return original ? original.call(target, text) : target.write(text);
  };
  const fit = (text: string) => text.slice(0, Math.max(20, (target.columns || 80) - 1));
  for (const stream of terminals) {
    const original = writeOf(stream);
    originals.set(stream, original);
    stream.write = function (this: NodeJS.WriteStream, ...args: Parameters<Write>) {
      if (shown) raw(CLEAR);
      const result = original.apply(stream, args);
      if (shown) raw(fit(shown));
      return result;
    } as Write;
  }
  return {
    draw(text: string, minGapMs = 0) {
      const now = performance.now();
      if (now - lastDraw < minGapMs) return;
      lastDraw = now;
      shown = text;
      raw(CLEAR + fit(text));
    },
    close() {
      if (shown) raw(CLEAR);
      shown = '';
      for (const [stream, original] of originals) stream.write = original;
    },
  };
}
