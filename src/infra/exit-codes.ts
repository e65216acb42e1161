// The documented exit codes (README "Exit codes").
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  STALE: 3,
} as const;
