// The outcome of a pass: one value, decided once, from which the exit code,
// the report's status and error, the run-history row and the stderr line all
// follow. Deciding it is pure: the command gathers the evidence (how the pass
// ended, whether its connection was seen closing, a stop signal) and asks.
import { DatabaseUnreachable, describeError, isConnectionCode } from '../infra/db-errors.js';
import { ServerSilent } from '../infra/deadline.js';
import postgres from 'postgres';
import { EXIT } from '../infra/exit-codes.js';

/** How the pass's work came to an end, as the command saw it. */
export type PassEnding =
  | { kind: 'completed' }
  /** the pass's own code threw (awaited, so caught) */
  | { kind: 'threw'; error: unknown }
  /** an exception nobody caught: the driver's, or a bug */
  | { kind: 'uncaught'; error: unknown }
  /** the event loop emptied with the pass unfinished: a statement that never settles */
  | { kind: 'stalled' }
  /** a stop signal's grace period ran out with the device in flight */
  | { kind: 'grace-expired' };

/** Why a pass did not succeed, beyond its devices. */
export type FatalError =
  | { kind: 'connection-lost'; message: string }
  /** a known failure with a clear message: the database unreachable, a statement refused */
  | { kind: 'error'; message: string }
  /** a programming error: its message and stack go to the log */
  | { kind: 'unexpected'; message: string; stack: string | undefined };

export type PassOutcome =
  | { status: 'succeeded' }
  | { status: 'failed'; fatal: FatalError | undefined; failedDevices: number }
  | { status: 'interrupted'; signal: string; fatal: FatalError | undefined; failedDevices: number };

export interface Evidence {
  ending: PassEnding;
  /** devices that failed and rolled back (the pass went on without them) */
  failedDevices: number;
  /** the stop signal received, if any */
  signal: string | undefined;
  /** postgres.js reported the pass's connection closed while the pass ran */
  connectionClosed: boolean;
  /** ... and a transaction was open on it then */
  closedInTransaction?: boolean;
}

interface ConnectionEvidence {
  closed: boolean;
  closedInTransaction: boolean;
}

/** Errors after which this session (and its locks) cannot go on. */
export class PassAborted extends Error {}

/** The error says the connection is gone (a socket error, PostgreSQL's own "terminating connection", a server silent past the limits). */
export function isConnectionLost(error: unknown): boolean {
  return error instanceof PassAborted || error instanceof ServerSilent || isConnectionCode(error);
}

/**
 * The driver's own failure after it reported the connection closed: an error
 * of its class, or, when the connection closed under an open transaction, the
 * TypeError postgres.js 3.4.9 throws from its write timer then
 * (porsager/postgres#1208). Decided by class and evidence, never by stack text.
 */
function driverFailure(ending: PassEnding & { error: unknown }, connection: ConnectionEvidence): boolean {
  if (!connection.closed) return false;
  if (ending.kind === 'uncaught' && ending.error instanceof TypeError) return connection.closedInTransaction;
  return ending.error instanceof postgres.PostgresError;
}

/**
 * An error with a database or system code, or one of ours with a message
 * meant for the operator; anything else is a bug.
 */
function isExpected(error: unknown): boolean {
  if (error instanceof DatabaseUnreachable) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '';
}

function unexpected(error: unknown): FatalError {
  const name = error instanceof Error ? error.name : typeof error;
  return { kind: 'unexpected', message: `unexpected error: ${name}: ${describeError(error)}`, stack: error instanceof Error ? error.stack : undefined };
}

/**
 * What ended the pass, decided by evidence. postgres.js 3.4.9 can throw an
 * uncaught TypeError when the backend of an open transaction dies
 * (porsager/postgres#1208), or leave a statement forever unsent so the event
 * loop empties: those are a lost connection only when the driver reported the
 * connection closed; an exception from anywhere else is what it is.
 */
export function diagnose(ending: PassEnding, connectionClosed: boolean, closedInTransaction = false): FatalError | undefined {
  const connection = { closed: connectionClosed, closedInTransaction };
  switch (ending.kind) {
    case 'completed':
    case 'grace-expired':
      return undefined;
    case 'stalled':
      return connectionClosed
        ? { kind: 'connection-lost', message: 'connection lost: a statement never completed (the connection closed under the driver)' }
        : unexpected(new Error('the pass stopped with a statement that never completed, its connection still open'));
    case 'threw':
    case 'uncaught': {
      const { error } = ending;
      // a bare socket error ("read ECONNRESET") says what broke, not what it means
      if (error instanceof PassAborted) return { kind: 'connection-lost', message: error.message };
      if (isConnectionLost(error) || driverFailure(ending, connection)) {
        return { kind: 'connection-lost', message: `connection lost: ${describeError(error)}` };
      }
      if (ending.kind === 'threw' && isExpected(error)) return { kind: 'error', message: describeError(error) };
      return unexpected(error);
    }
  }
}

export function decideOutcome(evidence: Evidence): PassOutcome {
  const fatal = diagnose(evidence.ending, evidence.connectionClosed, evidence.closedInTransaction);
  const { failedDevices, signal } = evidence;
  if (signal !== undefined) return { status: 'interrupted', signal, fatal, failedDevices };
  if (fatal || failedDevices > 0) return { status: 'failed', fatal, failedDevices };
  return { status: 'succeeded' };
}

export function exitCode(outcome: PassOutcome): number {
  return outcome.status === 'succeeded' ? EXIT.OK : EXIT.FAILURE;
}

/** The report's `error`: the fatal error only (failed devices are listed in `failures`). */
export function fatalMessage(outcome: PassOutcome): string | null {
  return outcome.status === 'succeeded' ? null : outcome.fatal?.message ?? null;
}

/** The one stderr line of a pass that ended on a fatal error (none otherwise). */
export function stderrLine(outcome: PassOutcome): string | undefined {
  const fatal = outcome.status === 'succeeded' ? undefined : outcome.fatal;
  if (!fatal) return undefined;
  return fatal.kind === 'unexpected' ? `${fatal.message} (a bug, not a lost connection: the stack is in the log)` : fatal.message;
}
