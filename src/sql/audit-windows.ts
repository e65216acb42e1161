// audit (issue 23): the local-time windows of a chunk of devices, as the
// array literals every audit load unnests (one row per device).
import { formatMicros, type Span } from '../core/index.js';
import { numberArray, textArray } from './array-literal.js';

export interface DeviceWindow {
  deviceId: number;
  code: number;
  window: Span;
}

export interface WindowArrays {
  devices: string;
  codes: string;
  from: string;
  to: string;
  /** the earliest start and the latest end of all the windows */
  lowest: string;
  highest: string;
}

export function windowArrays(windows: readonly DeviceWindow[]): WindowArrays {
  return {
    devices: numberArray(windows.map((w) => w.deviceId)),
    codes: numberArray(windows.map((w) => w.code)),
    from: textArray(windows.map((w) => formatMicros(w.window.from))),
    to: textArray(windows.map((w) => formatMicros(w.window.to))),
    lowest: formatMicros(Math.min(...windows.map((w) => w.window.from))),
    highest: formatMicros(Math.max(...windows.map((w) => w.window.to))),
  };
}
