// statement_timeout and lock_timeout for the rest of the current transaction
// only (set_config(..., true) is SET LOCAL): a transaction pooler keeps them
// inside the transaction, where a session SET would stay on a server
// connection that the pooler then hands to another client.
import type { Sql } from '../infra/db.js';

export interface LocalTimeouts {
  /** ms, 0 = the server's own setting */
  statementTimeout: number;
  /** ms, 0 = the server's own setting */
  lockTimeout: number;
}

export async function setLocalTimeouts(tx: Sql, timeouts: LocalTimeouts): Promise<void> {
  const statement = timeouts.statementTimeout > 0 ? `${timeouts.statementTimeout}ms` : null;
  const lock = timeouts.lockTimeout > 0 ? `${timeouts.lockTimeout}ms` : null;
  if (statement === null && lock === null) return;
  await tx`
    select case when ${statement}::text is null then null else set_config('statement_timeout', ${statement}::text, true) end,
           case when ${lock}::text is null then null else set_config('lock_timeout', ${lock}::text, true) end`;
}
