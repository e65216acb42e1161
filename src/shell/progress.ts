// Progress of a long pass (a first pass over months of backlog): on a terminal
// one line updated in place; in JSON logs (or whenever no terminal shows the
// line) a progress log line every PROGRESS_INTERVAL seconds, so `kubectl logs
// -f` shows the pass is alive. The figures come from the pass report; the
// pass tells only how many events each chunk loaded.
import type { LogConfig, ObservabilityConfig } from '../infra/config.js';
import type { Io } from './session.js';
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

const REDRAW_MS = 1000;
const MIN_DRAW_GAP_MS = 200;

/** Starts the progress display the configuration and the terminals call for. */
export function startProgress(report: ProgressSource, config: ObservabilityConfig & Pick<LogConfig, 'logFormat'>, io: Io): ProgressHandle {
  const { logger, output } = io;
  const started = performance.now();
  let events = 0;
  const figures = () => progressFigures(report, events, performance.now() - started);
  const terminal = output.statusTerminal();
  const json = config.logFormat ? config.logFormat === 'json' : !output.stdoutIsTTY;
  let lastDraw = -Infinity;
  const draw = (minGapMs = 0) => {
    if (!terminal || performance.now() - lastDraw < minGapMs) return;
    lastDraw = performance.now();
    output.showStatus(terminal, progressText(figures()));
  };
  const timers: NodeJS.Timeout[] = [];
  if (terminal) timers.push(setInterval(() => draw(), REDRAW_MS));
  if ((json || !terminal) && config.progressInterval > 0) {
    timers.push(setInterval(() => {
      const f = figures();
      logger.info(`progress ${progressText(f)}`, { progress: f });
    }, config.progressInterval * 1000));
  }
  timers.forEach((t) => t.unref());
  return {
    chunkDone(loaded: number) {
      events += loaded;
      draw(MIN_DRAW_GAP_MS);
    },
    stop() {
      timers.forEach((t) => clearInterval(t));
      if (terminal) output.clearStatus();
    },
  };
}
