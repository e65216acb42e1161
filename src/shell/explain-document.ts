// What `analyzer explain` prints, as one document: the core's Explanation (and
// for --task the TaskExplanation) plus the device and settings it was made
// with. Text, JSON and HTML are three views of this one document
// (explain-views.ts picks one).
import { formatMicros } from '../core/index.js';
import type { Explanation, Mode, TaskExplanation } from '../core/index.js';

export type ExplainFormat = 'text' | 'json' | 'html';
export const EXPLAIN_FORMATS: readonly ExplainFormat[] = ['text', 'json', 'html'];

/** R1 for the device in the explained mode. */
export type Readiness = 'ready' | 'conflict' | 'not_ready';

export interface ExplainDocument {
  format: 'polycomm-analyzer explain';
  version: 1;
  kind: 'device' | 'task';
  device: { id: number; title: string | null; code: number };
  mode: Mode;
  /** Where the mode came from: --mode, the device's readiness, the task's receipt links, or assumed (receipts). */
  modeSource: 'option' | 'ready' | 'links' | 'assumed';
  readiness: Readiness;
  settings: { lastEventTime: number; timedeltaCheck: number; timezone: string };
  /** --device: the pending events; --task: every event of the loaded window. */
  explanation: Explanation;
  /** --task only. Its own `explanation` is the same object as above (written once in JSON). */
  task?: TaskExplanation;
}

const READINESS_TEXT: Record<Readiness, string> = {
  ready: 'ready for this mode: a pass would process it',
  conflict: 'ready in BOTH modes: configuration conflict, every pass skips it (R1)',
  not_ready: 'NOT ready for this mode: a pass would not process it (R1)',
};

const MODE_SOURCE_TEXT: Record<ExplainDocument['modeSource'], string> = {
  option: '',
  ready: ' (the mode the device is ready for)',
  links: ' (the task links receipts; the device is ready for neither mode or both)',
  assumed: ' (assumed: the device is ready for neither mode or both and the task links no receipt; pass --mode)',
};

export function renderHeader(doc: ExplainDocument): string {
  const d = doc.device;
  return [
    `device ${d.id} (${d.title ?? 'untitled'}, code ${d.code}), mode ${doc.mode}${MODE_SOURCE_TEXT[doc.modeSource]}`,
    READINESS_TEXT[doc.readiness],
    `settings: LAST_EVENT_TIME ${doc.settings.lastEventTime}s, TIMEDELTA_CHECK ${doc.settings.timedeltaCheck}s, zone ${doc.settings.timezone}`,
    '',
  ].join('\n');
}

/** JSON: the document as data; for --task the window explanation is written once, under `explanation`. */
export function renderJson(doc: ExplainDocument): string {
  const task = doc.task === undefined ? undefined : { ...doc.task, explanation: undefined };
  return JSON.stringify({ ...doc, task }, null, 2) + '\n';
}

/** 'YYYY-MM-DD HH:MM:SS' or 'NULL'. */
export const timeText = (m: number | null): string => (m === null ? 'NULL' : formatMicros(m));
