// Aligned plain-text tables for terminal output.
import { paint, type Io } from './io.js';

export function table(io: Pick<Io, 'color'>, headers: string[], rows: string[][], maxWidths: number[] = []): string {
  const clip = (s: string, i: number) => {
    const max = maxWidths[i];
    // Leading spaces are kept: `show` indents nested fields by depth.
    const indent = /^ */.exec(s)![0];
    const one = indent + s.slice(indent.length).replace(/\s+/g, ' ');
    return max && one.length > max ? `${one.slice(0, max - 1)}…` : one;
  };
  const cells = rows.map((r) => r.map(clip));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [paint(io, 'bold', line(headers)), ...cells.map(line)].join('\n') + '\n';
}

/** "key  value" lines with aligned keys, skipping empty values. */
export function keyValues(pairs: Array<[string, string | null | undefined]>): string {
  const shown = pairs.filter(([, v]) => v !== null && v !== undefined && v !== '');
  const w = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + (shown.length ? '\n' : '');
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
