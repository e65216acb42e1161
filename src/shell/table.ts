// Plain-text tables for people at a terminal: left-aligned columns two spaces
// apart, optionally indented and with a dashed rule under the header.
export interface TableOptions {
  /** put before every line */
  indent?: string;
  /** a line of dashes under the header */
  rule?: boolean;
}

export function table(header: string[], rows: string[][], options: TableOptions = {}): string[] {
  const { indent = '', rule = false } = options;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => (indent + cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).trimEnd();
  return [line(header), ...(rule ? [line(widths.map((w) => '-'.repeat(w)))] : []), ...rows.map(line)];
}
