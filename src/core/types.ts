// The contract between the pure analysis core and the shell around it.
// Everything here is plain data: no Dates, no database handles, no clock.

/**
 * A wall-clock time with no zone: microseconds since 1970-01-01T00:00:00 on
 * that wall clock. PostgreSQL `timestamp` (without time zone) values are loaded
 * as `extract(epoch from col) * 1e6`, which is exact, zone-free and the same
 * whatever TZ the process runs in (R9).
 */
export type Micros = number;

export const MICROS_PER_SECOND = 1_000_000;

export type Mode = 'receipts' | 'dwr';

/** One pending `polycomm_suitcase` row as loaded (R2, R3). */
export interface WrapRow {
  /** `polycomm_suitcase.id` (primary key). */
  id: number;
  polycomId: number | null;
  totalid: number | null;
  duration: number | null;
  packageType: number | null;
  /** `dateini_local` */
  start: Micros | null;
  /** `local_date` */
  finish: Micros | null;
  /** `date`: the finish on the Moscow wall clock. */
  finishMoscow: Micros | null;
}

/** One pending `polycommalarm` (id = polycommalarm_id) or `polycommissue` (id = polycommissue_id) row. */
export interface PointRow {
  id: number;
  /** `localdate` */
  local: Micros | null;
  /** `date` */
  moscow: Micros | null;
}

/** One pending `receipts` row. */
export interface ReceiptRow {
  /** `receipt_id` */
  id: number;
  /** `dateclose` */
  local: Micros | null;
  /** `dateclosemoscow` */
  moscow: Micros | null;
  /** `quantitypackageone` */
  single: number | null;
  /** `quantitypackagedouble` */
  double: number | null;
}

/** Everything pending for one device, as the shell loaded it (order of rows is irrelevant). */
export interface DeviceInput {
  deviceId: number;
  wraps: WrapRow[];
  alarms: PointRow[];
  issues: PointRow[];
  /** Always empty in dwr mode. */
  receipts: ReceiptRow[];
}

export interface Settings {
  mode: Mode;
  /** LAST_EVENT_TIME in seconds (R9). */
  lastEventTime: number;
  /** TIMEDELTA_CHECK in seconds (R8). */
  timedeltaCheck: number;
}

export type EventTable = 'polycomm_suitcase' | 'polycommalarm' | 'polycommissue' | 'receipts';

export type RejectReason =
  | 'null_local_time' // R4: a local time the row needs is NULL
  | 'finish_before_start' // R4: a wrap finishes before it starts
  | 'bad_quantity'; // R4: a receipt quantity is NULL or negative

export interface RejectedRow {
  table: EventTable;
  id: number;
  reason: RejectReason;
}

export type TaskType = 1 | 2 | 3 | 4 | 5;
export type AnalyzerIssueType = 7 | 8 | 9;

/**
 * R14: the `polycommissue.id` value that marks the analyzer's own issue rows
 * (device-side issues carry the device's own number there). Never read back as
 * a pending issue (R2).
 */
export const ANALYZER_ISSUE_MARKER = 22222222;

/** R11 task types by number, as operators read them (6 is the device's own, never written by the analyzer). */
export const TASK_TYPE_NAMES: Record<number, string> = {
  1: 'notification',
  2: 'receipt without wrap',
  3: 'receipts without wraps and notification',
  4: 'KPU/KnPU',
  5: 'mixed',
  6: 'motor running without wraps',
};

/** R13, R14: the analyzer's own issue types. */
export const ANALYZER_ISSUE_NAMES: Record<number, string> = {
  7: 'unpaid wrap',
  8: 'double wrap paid as single',
  9: 'single wrap paid as double',
};

/**
 * The counts of one group (docs/rules.md, "4. Receipts mode"): typed and untyped wraps by
 * their wrap_start (S1, S2, SU), positions over its receipts (Q1, Q2), its
 * top-level alarms and issues (nA, nI), receipts (nR) and wraps (nS).
 */
export interface GroupCounts {
  S1: number;
  S2: number;
  SU: number;
  Q1: number;
  Q2: number;
  nA: number;
  nI: number;
  nR: number;
  nS: number;
}

/** A `polycommissue` row the analyzer inserts (R14). `id` column = ANALYZER_ISSUE_MARKER, status = 1, createtime = now. */
export interface AnalyzerIssue {
  type: AnalyzerIssueType;
  /** The wrap's primary key (`polycomm_suitcase.id`), for logs and explain. */
  wrapId: number;
  /** `suitcase` = the wrap's `polycom_id`. */
  suitcase: number | null;
  /** `total` = the wrap's `totalid`. */
  total: number | null;
  duration: number | null;
  /** `localdate` = the wrap's local finish. */
  local: Micros;
  /** `date` = the wrap's Moscow finish (local finish where that is NULL, R3). */
  moscow: Micros;
}

/**
 * One `task_to_event` row, in `ord` order (ord = index + 1).
 * `parent` is the index (0-based, in the same task's `events`) of the wrap entry a nested
 * event or analyzer issue belongs to, or null for top-level entries.
 */
export type TaskEvent =
  | { table: 'polycomm_suitcase'; rowId: number; eventId: number | null; parent: null }
  | { table: 'polycommalarm'; rowId: number; eventId: number; parent: number | null }
  | { table: 'receipts'; rowId: number; eventId: number; parent: null }
  | { table: 'polycommissue'; rowId: number; eventId: number; parent: number | null }
  /** An analyzer issue: its event_id is the polycommissue_id the shell gets when it inserts `issue`. */
  | { table: 'polycommissue'; analyzerIssue: AnalyzerIssue; parent: number };

export interface PlannedTask {
  type: TaskType;
  resolved: boolean;
  /** Latest Moscow time over the group's entries (R8, R16). */
  date: Micros;
  /** Latest local time over the group's entries (R8, R16). */
  localDate: Micros;
  /** receipts mode: R10; dwr mode: false. */
  balanced: boolean;
  events: TaskEvent[];
}

/** R13, R15, R17: the new values of one wrap of a written group (status becomes 1). */
export interface WrapUpdate {
  id: number;
  csp: boolean;
  unpaid: boolean;
  toAccount: boolean;
  inTask: boolean;
  /** The receipt that paid it (`receipts.receipt_id`), null when unpaid. */
  receiptId: number | null;
}

/** R12: 1 = all positions used, 2 = positions left. */
export interface ReceiptUpdate {
  id: number;
  status: 1 | 2;
}

/** R9: a group still in progress; nothing of it is written. */
export interface DeferredGroup {
  firstLocal: Micros;
  latestLocal: Micros;
  latestMoscow: Micros;
  wrapIds: number[];
  alarmIds: number[];
  issueIds: number[];
  receiptIds: number[];
}

/** Everything the shell must write for one device; it applies it without further decisions. */
export interface DevicePlan {
  deviceId: number;
  /** Tasks in timeline order. */
  tasks: PlannedTask[];
  /** Every wrap of every written group (including clean dwr groups, in_task = false). */
  wrapUpdates: WrapUpdate[];
  /** Alarms and issues of written groups, nested or not: status = 1. */
  alarmIds: number[];
  issueIds: number[];
  receiptUpdates: ReceiptUpdate[];
  deferred: DeferredGroup[];
  rejected: RejectedRow[];
  /** R15: dwr groups written without a task (their wraps marked processed). */
  cleanGroups?: number;
  /** R3: how many valid rows had a NULL Moscow time (local time used in its place). */
  moscowFallbacks: number;
}
