// What the process itself can tell a pass: a stop signal (SIGTERM, SIGINT)
// or the pass's own time limit (MAX_DURATION), an exception nobody caught, an
// event loop that emptied with the pass unfinished, a grace period run out.
// Each handler and timer is removed by dispose().
import type { Logger } from '../infra/log.js';
import type { PassEnding } from './outcome.js';

/** After a stop signal the device in flight gets this long to commit or roll back. */
export const STOP_GRACE_MS = 4000;

export interface ProcessWatch {
  /** Set on a stop signal or at the time limit: the pass takes no new device. */
  stop: { requested: boolean };
  /** Why the pass was told to stop (SIGTERM, SIGINT, MAX_DURATION), if it was. */
  signal(): string | undefined;
  /** Settles when the process ends the pass from outside (never, for a pass that ends by itself). */
  ended: Promise<PassEnding>;
  dispose(): void;
}

/** `maxDurationMs`: stop as on SIGTERM after this long (0: never). */
export function watchProcess(logger: Logger, maxDurationMs = 0, graceMs = STOP_GRACE_MS): ProcessWatch {
  const stop = { requested: false };
  let signal: string | undefined;
  let grace: NodeJS.Timeout | undefined;
  let settle: ((ending: PassEnding) => void) | undefined;
  const ended = new Promise<PassEnding>((resolve) => {
    settle = (ending) => {
      settle = undefined;
      resolve(ending);
    };
  });
  const requestStop = (name: string, why: string) => {
    if (stop.requested) return;
    stop.requested = true;
    signal = name;
    logger.warn(`${why}: finishing the device in flight, taking no new one`);
    // never outlive the grace period: a transaction still open is rolled back by the server
    grace = setTimeout(() => {
      logger.error('the device in flight did not finish in time: exiting, PostgreSQL rolls it back');
      settle?.({ kind: 'grace-expired' });
    }, graceMs);
    grace.unref();
  };
  const onSignal = (name: NodeJS.Signals) => requestStop(name, `${name} received`);
  const limit = maxDurationMs > 0
    ? setTimeout(() => requestStop('MAX_DURATION', `the pass reached its time limit (MAX_DURATION ${maxDurationMs / 1000} s)`), maxDurationMs)
    : undefined;
  limit?.unref();
  const onUncaught = (error: unknown) => {
    if (settle) settle({ kind: 'uncaught', error });
    // the pass is already ending: say so, with the stack, and let it finish
    else logger.error(`uncaught exception while the pass was ending: ${String(error)}`, { stack: error instanceof Error ? error.stack : undefined });
  };
  const onBeforeExit = () => settle?.({ kind: 'stalled' });
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onUncaught);
  process.on('beforeExit', onBeforeExit);
  return {
    stop,
    signal: () => signal,
    ended,
    dispose: () => {
      if (grace) clearTimeout(grace);
      if (limit) clearTimeout(limit);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('uncaughtException', onUncaught);
      process.off('beforeExit', onBeforeExit);
    },
  };
}
