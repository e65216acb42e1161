// How many devices the pass loads at once. A chunk is bounded by devices
// (--chunk-size) and by pending rows (--chunk-events): the rows of a device
// are only known once loaded, so the first chunk holds one device and each
// next one as many as fit the row bound at the density just seen. Memory then
// stays flat however deep each device's backlog is; one device is never split
// (its timeline is analysed whole).

export interface ChunkBounds {
  /** Most devices in a chunk (>= 1). */
  maxDevices: number;
  /** Pending rows a chunk aims at; 0 = bounded by devices only. */
  targetEvents: number;
}

export function firstChunkSize(bounds: ChunkBounds): number {
  return bounds.targetEvents > 0 ? 1 : bounds.maxDevices;
}

/**
 * The next chunk's size after one that loaded `events` pending rows for
 * `devices` owned devices (no owned devices tell nothing: the size stays).
 */
export function nextChunkSize(bounds: ChunkBounds, current: number, devices: number, events: number): number {
  if (bounds.targetEvents === 0) return bounds.maxDevices;
  if (devices === 0) return current;
  const fit = Math.floor((devices * bounds.targetEvents) / Math.max(1, events));
  return Math.max(1, Math.min(bounds.maxDevices, fit));
}
