// The documented exit codes (docs/operations.md "Outcome and exit codes").
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  STALE: 3,
  /** audit --fail-on-findings found a stored value that differs from the rules. */
  FINDINGS: 3,
} as const;
