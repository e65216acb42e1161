// A bounded wait on every statement. A network that drops every packet sends
// no error: a statement would wait for its answer for as long as the kernel
// keeps retransmitting (a quarter of an hour), and a CronJob with
// concurrencyPolicy Forbid would skip every tick meanwhile. So each statement
// gets `queryMs` to answer; past it, it is cancelled (postgres.js cancel(),
// the protocol's CancelRequest). A live server then ends it with 57014 and
// the caller sees a QueryTimeout, like a statement_timeout. A server that
// does not answer the cancel either within `cancelMs` is taken as gone:
// ServerSilent, and the connection is ended.
import { codeOf } from './error-code.js';
import type { Sql } from './sql-client.js';

export interface QueryLimits {
  /** How long a statement may go without an answer, ms; 0 = no limit. */
  queryMs: number;
  /** After the cancel, how long to wait for the statement to end before the connection is taken as lost, ms. */
  cancelMs: number;
}

/** The statement got no answer within the limit and was cancelled; the server confirmed. */
export class QueryTimeout extends Error {
  readonly code = 'QUERY_TIMEOUT';
}

/** Nothing came back, not even for the cancel: the connection is taken as lost. */
export class ServerSilent extends Error {
  readonly code = 'SERVER_SILENT';
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Something that settles once and can be asked to stop (a postgres.js query). */
export interface Pending<T> {
  subscribe(resolve: (value: T) => void, reject: (error: unknown) => void): void;
  cancel(): void;
}

/**
 * Waits for `pending` at most `limits.queryMs`; then cancels it and waits at
 * most `limits.cancelMs` more. `onSilent` is told when the second wait runs
 * out too. The timers do not keep the process alive on their own.
 */
export function withDeadline<T>(pending: Pending<T>, limits: QueryLimits, onSilent: (error: ServerSilent) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (limits.queryMs <= 0) return pending.subscribe(resolve, reject);
    let state: 'waiting' | 'cancelling' | 'given up' = 'waiting';
    const giveUp = () => {
      state = 'given up';
      const error = new ServerSilent(`no answer from the server within ${seconds(limits.queryMs)} (QUERY_TIMEOUT), nor to the cancel within ${seconds(limits.cancelMs)} (CANCEL_TIMEOUT): the connection is taken as lost`);
      reject(error);
      onSilent(error);
    };
    const expire = () => {
      state = 'cancelling';
      pending.cancel();
      timer = setTimeout(giveUp, limits.cancelMs);
      timer.unref();
    };
    let timer = setTimeout(expire, limits.queryMs);
    timer.unref();
    pending.subscribe(
      (value) => {
        clearTimeout(timer);
        if (state !== 'given up') resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (state === 'given up') return;
        const cancelled = state === 'cancelling' && codeOf(error) === '57014';
        if (cancelled) reject(new QueryTimeout(`no answer from the server within ${seconds(limits.queryMs)}: the statement was cancelled (QUERY_TIMEOUT)`));
        else reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Work given up on at its deadline. */
export class DeadlineExceeded extends Error {
  readonly code = 'DEADLINE_EXCEEDED';
}

/**
 * Gives `work` at most `ms`: past it, `cancel` is called (to stop what is
 * given up on: a statement's CancelRequest) and the result is a
 * DeadlineExceeded naming `what`. The timer keeps nothing alive on its own.
 */
export function within<T>(ms: number, what: string, work: PromiseLike<T>, cancel?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancel?.();
      reject(new DeadlineExceeded(`${what}: no answer within ${seconds(ms)}`));
    }, ms);
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}


/** The parts of a postgres.js Query used here; `canceller` is its internal cancel, whose promise Query.cancel() drops. */
interface DriverQuery<T> extends Promise<T> {
  canceller?: ((query: DriverQuery<T>) => Promise<void>) | null;
}

/** A postgres.js query as Pending: its own then() starts it; a failed cancel request is not an unhandled rejection. */
function pendingQuery<T>(query: DriverQuery<T>, then: Promise<T>['then']): Pending<T> {
  return {
    subscribe: (resolve, reject) => void then(resolve, reject),
    cancel: () => cancelQuery(query),
  };
}

/** postgres.js's cancel, whose promise Query.cancel() drops: a failed cancel request must not be an unhandled rejection. */
function cancelQuery<T>(query: DriverQuery<T>): void {
  const canceller = query.canceller;
  query.canceller = null;
  canceller?.(query).catch(() => undefined);
}

/** How a guarded client is asked to cancel its statement in flight. */
const CANCEL_RUNNING = Symbol('cancel the statement in flight');

/** Cancels the statement in flight on a client made by guardQueries (outside a transaction), if there is one. */
export function cancelRunning(sql: Sql): void {
  const cancel = (sql as unknown as Record<symbol, unknown>)[CANCEL_RUNNING];
  if (typeof cancel === 'function') (cancel as () => void)();
}

const isTemplate = (args: unknown[]): boolean => Array.isArray((args[0] as { raw?: unknown } | undefined)?.raw);

/**
 * `sql` as every command uses it:
 * - every statement bounded: tagged templates, unsafe() and file() queries,
 *   and inside sql.begin() the transaction's own statements, its BEGIN and
 *   its COMMIT (QUERY_TIMEOUT, CANCEL_TIMEOUT; 0 = unbounded);
 * - outside a transaction, one statement or transaction at a time. PgBouncer
 *   before 1.21 releases a server connection at the ReadyForQuery of one
 *   statement while the answer to the next one's Parse/Describe (sent with
 *   Flush, which gets no ReadyForQuery) is still on its way; that answer is
 *   then dropped ("got packet from server when not linked") and the client
 *   waits forever. Inside a transaction the pooler keeps the connection, so
 *   statements there still go out together.
 * Fragments (a query inside another) are never awaited and stay as they are.
 */
/** What a connection is doing: transactions open on it now (told to whoever sees it close). */
export interface Activity {
  transactions: number;
}

export function guardQueries(sql: Sql, limits: QueryLimits, onSilentConnection: (error: ServerSilent) => void, activity: Activity): Sql {
  // once the server is taken as gone, every failure on this connection is that, whatever the driver then says
  let silence: ServerSilent | undefined;
  const onSilent = (error: ServerSilent) => {
    silence ??= error;
    onSilentConnection(error);
  };
  const explain = (error: unknown): never => {
    throw silence ?? error;
  };
  let tail: Promise<unknown> = Promise.resolve();
  let running: DriverQuery<unknown> | undefined;
  const oneAtATime = <T>(start: () => Promise<T>): Promise<T> => {
    const run = tail.then(start, start);
    tail = run.catch(() => undefined);
    return run;
  };
  const bound = <T>(query: DriverQuery<T>, serial: boolean): DriverQuery<T> => {
    // the query's own then(), which starts it
    const then = query.then.bind(query) as Promise<T>['then'];
    let raced: Promise<T> | undefined;
    // the query runs when first awaited: its wait is bounded from then on
    query.then = function <A = T, B = never>(onfulfilled?: ((value: T) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null) {
      const start = () => withDeadline(pendingQuery(query, then), limits, onSilent);
      const startAlone = () => {
        running = query as DriverQuery<unknown>;
        return start().finally(() => (running = undefined));
      };
      raced ??= serial ? oneAtATime(startAlone) : start();
      return raced.then(onfulfilled, onrejected);
    } as Promise<T>['then'];
    return query;
  };
  const wrap = (target: Sql, serial: boolean): Sql => new Proxy(target, {
    apply(fn, self, args: unknown[]) {
      const result: unknown = Reflect.apply(fn as (...a: unknown[]) => unknown, self, args);
      return isTemplate(args) ? bound(result as DriverQuery<unknown>, serial) : result;
    },
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (property === 'unsafe' || property === 'file') {
        return (...args: unknown[]) => bound((value as (...a: unknown[]) => DriverQuery<unknown>).apply(object, args), serial);
      }
      if (property === CANCEL_RUNNING) return () => running && cancelQuery(running);
      if (property === 'begin') {
        return (...args: unknown[]) => oneAtATime(() => {
          activity.transactions++;
          return boundTransaction(object, args, (tx) => wrap(tx, false), limits, onSilent).finally(() => activity.transactions--);
        }).catch(explain);
      }
      return value;
    },
  });
  return wrap(sql, true);
}

/**
 * sql.begin() with its own statements bounded by `wrap`, and the waits the
 * driver makes alone (BEGIN before the body, COMMIT or ROLLBACK after it)
 * bounded by `limits.queryMs`: past it the connection is taken as lost.
 */
function boundTransaction(sql: Sql, args: unknown[], wrap: (tx: Sql) => Sql, limits: QueryLimits, onSilent: (error: ServerSilent) => void): Promise<unknown> {
  const body = args.pop() as (tx: Sql) => unknown;
  let timer: NodeJS.Timeout | undefined;
  let silent: ((error: ServerSilent) => void) | undefined;
  const arm = (what: string) => {
    if (limits.queryMs <= 0) return;
    timer = setTimeout(() => {
      const error = new ServerSilent(`no answer from the server to ${what} within ${seconds(limits.queryMs)} (QUERY_TIMEOUT): the connection is taken as lost`);
      silent?.(error);
      onSilent(error);
    }, limits.queryMs);
    timer.unref();
  };
  const disarm = () => clearTimeout(timer);
  const given = new Promise<never>((_, reject) => (silent = reject));
  arm('BEGIN');
  const run = (sql.begin as (...a: unknown[]) => Promise<unknown>)(...args, async (tx: Sql) => {
    disarm();
    try {
      return await body(wrap(tx));
    } finally {
      arm('the end of a transaction (COMMIT or ROLLBACK)');
    }
  });
  return Promise.race([run, given]).finally(disarm);
}
