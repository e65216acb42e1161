// R1: which devices take part in a pass of a mode, and what to warn about.
import type { Mode } from './types.js';

export interface ReadyCodeRow {
  /** timestamps.devicecode as stored (may be junk or NULL). */
  devicecode: string | null;
  kind: Mode;
  /** CAST(devicecode AS int) as the server does it, null when that would fail (junk). */
  codeInt: number | null;
  /** The device whose code it matches, null when none does. */
  deviceId: number | null;
  title: string | null;
}

export interface ReadyDevice {
  id: number;
  code: number;
  title: string | null;
}

export interface ReadySelection {
  /** Devices of the mode, each once, by id. */
  devices: ReadyDevice[];
  /** Devices ready in both modes: skipped by both (configuration conflict). */
  conflicts: ReadyDevice[];
  /** Distinct ready devicecode values of this mode that are not an integer (logged once each). */
  junkCodes: (string | null)[];
  /** Distinct ready integer codes of this mode with no polycomm_device row. */
  unknownCodes: number[];
}

export function selectReady(rows: ReadyCodeRow[], mode: Mode, only?: number[]): ReadySelection {
  const kinds = new Map<number, { device: ReadyDevice; modes: Set<Mode> }>();
  const junk = new Set<string | null>();
  const unknown = new Set<number>();
  for (const row of rows) {
    if (row.codeInt === null) {
      if (row.kind === mode) junk.add(row.devicecode);
      continue;
    }
    if (row.deviceId === null) {
      if (row.kind === mode) unknown.add(row.codeInt);
      continue;
    }
    const entry = kinds.get(row.deviceId) ?? { device: { id: row.deviceId, code: row.codeInt, title: row.title }, modes: new Set<Mode>() };
    entry.modes.add(row.kind);
    kinds.set(row.deviceId, entry);
  }
  const wanted = only ? new Set(only) : undefined;
  const devices: ReadyDevice[] = [];
  const conflicts: ReadyDevice[] = [];
  for (const { device, modes } of [...kinds.values()].sort((a, b) => a.device.id - b.device.id)) {
    if (!modes.has(mode) || (wanted && !wanted.has(device.id))) continue;
    if (modes.size > 1) conflicts.push(device);
    else devices.push(device);
  }
  return {
    devices,
    conflicts,
    junkCodes: [...junk],
    unknownCodes: [...unknown].sort((a, b) => a - b),
  };
}
