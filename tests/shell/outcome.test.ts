// The pass's outcome (src/shell/outcome.ts): one value decided from how the
// pass ended and the evidence around it; exit code, report status and error,
// and the stderr line all follow from it.
import { describe, expect, it } from 'vitest';
import { DatabaseUnreachable } from '../../src/infra/db-errors.js';
import {
  decideOutcome, diagnose, exitCode, fatalMessage, PassAborted, stderrLine, type Evidence, type PassEnding,
} from '../../src/shell/outcome.js';

const evidence = (ending: PassEnding, more: Partial<Evidence> = {}): Evidence =>
  ({ ending, failedDevices: 0, signal: undefined, connectionClosed: false, ...more });

/** A TypeError as postgres.js 3.4.9 throws it when the socket of a dead backend is gone (porsager/postgres#1208). */
function driverTypeError(): TypeError {
  const error = new TypeError("Cannot read properties of null (reading 'write')");
  error.stack = `${error.name}: ${error.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:256:22)\n    at process.processImmediate (node:internal/timers:483:21)`;
  return error;
}

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('the outcome of a pass', () => {
  it('a completed pass with no failed device succeeded: exit 0, no error, no stderr line', () => {
    const outcome = decideOutcome(evidence({ kind: 'completed' }));
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(exitCode(outcome)).toBe(0);
    expect(fatalMessage(outcome)).toBeNull();
    expect(stderrLine(outcome)).toBeUndefined();
  });

  it('a completed pass with failed devices failed: exit 1, the devices are the reason (no fatal error, no stderr line)', () => {
    const outcome = decideOutcome(evidence({ kind: 'completed' }, { failedDevices: 2 }));
    expect(outcome).toEqual({ status: 'failed', fatal: undefined, failedDevices: 2 });
    expect(exitCode(outcome)).toBe(1);
    expect(fatalMessage(outcome)).toBeNull();
    expect(stderrLine(outcome)).toBeUndefined();
  });

  it('a stop signal makes it interrupted, whatever else happened: exit 1', () => {
    for (const ending of [{ kind: 'completed' }, { kind: 'grace-expired' }, { kind: 'threw', error: coded('terminating connection', '57P01') }] as PassEnding[]) {
      const outcome = decideOutcome(evidence(ending, { signal: 'SIGTERM', failedDevices: 1 }));
      expect(outcome.status).toBe('interrupted');
      expect(exitCode(outcome)).toBe(1);
    }
    const lost = decideOutcome(evidence({ kind: 'threw', error: coded('terminating connection due to administrator command', '57P01') }, { signal: 'SIGINT' }));
    expect(fatalMessage(lost)).toBe('connection lost: terminating connection due to administrator command (57P01)');
  });

  it('the database unreachable at start fails with its own message', () => {
    const outcome = decideOutcome(evidence({ kind: 'threw', error: new DatabaseUnreachable('database unreachable after 3 attempt(s) in 3s: connect ECONNREFUSED') }));
    expect(outcome).toMatchObject({ status: 'failed', fatal: { kind: 'error' } });
    expect(stderrLine(outcome)).toBe('database unreachable after 3 attempt(s) in 3s: connect ECONNREFUSED');
  });
});

describe('diagnosis: connection lost only on evidence', () => {
  it('an error with a connection code is a lost connection, thrown or uncaught', () => {
    for (const kind of ['threw', 'uncaught'] as const) {
      expect(diagnose({ kind, error: coded('read ECONNRESET', 'ECONNRESET') }, false)).toEqual({ kind: 'connection-lost', message: 'connection lost: read ECONNRESET' });
    }
    expect(diagnose({ kind: 'threw', error: new PassAborted('connection lost while writing: x') }, false))
      .toEqual({ kind: 'connection-lost', message: 'connection lost while writing: x' });
  });

  it("the driver's uncaught TypeError is a lost connection when the driver reported the connection closed under an open transaction", () => {
    expect(diagnose({ kind: 'uncaught', error: driverTypeError() }, true, true)).toMatchObject({ kind: 'connection-lost' });
    // the same error with the connection still open is no proof: reported as what it is
    expect(diagnose({ kind: 'uncaught', error: driverTypeError() }, false)).toMatchObject({ kind: 'unexpected' });
  });

  it('an uncaught programming error is unexpected, even after the connection closed; message and stack kept', () => {
    const bug = new TypeError('plan.tasks is not iterable');
    for (const closed of [false, true]) {
      const fatal = diagnose({ kind: 'uncaught', error: bug }, closed);
      expect(fatal).toEqual({ kind: 'unexpected', message: 'unexpected error: TypeError: plan.tasks is not iterable', stack: bug.stack });
    }
    const outcome = decideOutcome(evidence({ kind: 'uncaught', error: bug }));
    expect(outcome.status).toBe('failed');
    expect(stderrLine(outcome)).toMatch(/^unexpected error: TypeError: plan.tasks is not iterable \(a bug, not a lost connection/);
    expect(stderrLine(outcome)).not.toMatch(/connection lost/);
  });

  it('a programming error thrown inside the pass is unexpected; a database error is reported as it is', () => {
    expect(diagnose({ kind: 'threw', error: new RangeError('Invalid array length') }, false)).toMatchObject({ kind: 'unexpected', message: 'unexpected error: RangeError: Invalid array length' });
    expect(diagnose({ kind: 'threw', error: coded('relation "timestamps" does not exist', '42P01') }, false))
      .toEqual({ kind: 'error', message: 'relation "timestamps" does not exist (42P01)' });
    expect(diagnose({ kind: 'threw', error: 'a string' }, false)).toMatchObject({ kind: 'unexpected' });
  });

  it('a statement that never completes is a lost connection only when the connection closed', () => {
    expect(diagnose({ kind: 'stalled' }, true)).toMatchObject({ kind: 'connection-lost', message: expect.stringMatching(/^connection lost: a statement never completed/) });
    expect(diagnose({ kind: 'stalled' }, false)).toMatchObject({ kind: 'unexpected' });
  });

  it('a grace period run out and a completed pass carry no fatal error', () => {
    expect(diagnose({ kind: 'grace-expired' }, true)).toBeUndefined();
    expect(diagnose({ kind: 'completed' }, true)).toBeUndefined();
  });
});
