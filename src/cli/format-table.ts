/** Plain-text tables and human numbers for CLI output. */
import { formatDuration } from '../core/index.js';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Longer cells are cut with "…". */
  readonly max?: number;
}

function cut(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  return max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

/** Columns separated by two spaces; the last column is not padded (no trailing blanks). */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((r) => columns.map((c, i) => cut((r[i] ?? '').replace(/[\r\n\t]+/g, ' '), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: readonly string[]) =>
    columns
      .map((c, i) => {
        const text = r[i] ?? '';
        const w = widths[i] ?? 0;
        if (c.align === 'right') return text.padStart(w);
        return i === columns.length - 1 ? text : text.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/** Bytes in binary units: 512, 1.5K, 12K, 3.4M, 1.0G. */
export function formatSize(bytes: number): string {
  const units = ['K', 'M', 'G', 'T'];
  if (bytes < 1024) return String(bytes);
  let v = bytes;
  let unit = '';
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${unit}`;
}

/** A duration as its largest unit (core/duration.ts: the API's DKIM notes say it too). */
export { formatDuration } from '../core/index.js';

/** A future instant relative to now: "now" when due, else "in 4m". */
export function formatDue(at: number, now: number): string {
  return at <= now ? 'now' : `in ${formatDuration(at - now)}`;
}
