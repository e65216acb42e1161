// Public API of the pure analysis core (R3-R17; every rule number cited in the
// code is a heading of docs/rules.md). No database, clock, logger, filesystem
// or process access anywhere under src/core.

export * from './types.js';
export { analyzeDevice } from './plan.js';
export { selectReady } from './devices.js';
export type { ReadyCodeRow, ReadyDevice, ReadySelection } from './devices.js';
export { explainDevice } from './explain.js';
export type {
  EntryKindName,
  ExplainedCut,
  ExplainedEntry,
  ExplainedGroup,
  ExplainedNested,
  ExplainedReceipt,
  ExplainedWrap,
  Explanation,
} from './explain.js';
export { formatMicros } from './time.js';
export { Scratch } from './scratch.js';
export { explainTask } from './explain-task.js';
export type {
  Difference,
  DiffValue,
  GroupBoundary,
  LoadedWindow,
  LocatedLink,
  StoredAnalyzerIssue,
  StoredLink,
  StoredStatus,
  StoredTask,
  StoredTaskRows,
  StoredWrapState,
  TaskExplanation,
} from './explain-task.js';
export { auditDevice, FINDING_KINDS, outOfOrder } from './audit.js';
export type { AuditInput, AuditLink, AuditPoint, AuditReceipt, AuditWrap, DeviceAudit, Finding, FindingKind, FindingValue, NotCompared } from './audit.js';
export { windowEdges } from './audit-window.js';
export type { Span, WindowEdges, WindowRows } from './audit-window.js';
