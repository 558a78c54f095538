// Diagnostics: user mistakes as values. A problem is first recorded against a
// place in a YAML document (a Pointer); line and column are resolved only when
// the diagnostics are reported, so clean files never pay for positions.
import { loadPositionSupport, type SpecFile } from './source.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  code: string;
  message: string;
}

/** A place in a spec document: the node at `path`, or its key when `at` is 'key'. */
export interface Pointer {
  file: SpecFile;
  doc: number;
  path: ReadonlyArray<string | number>;
  at?: 'key' | 'value';
}

/** A place given directly (file-level problems, YAML syntax errors). */
export interface Position {
  file: string;
  line: number;
  column: number;
}

export interface PendingDiagnostic {
  where: Pointer | Position;
  severity: Severity;
  code: string;
  message: string;
  /** A second place named in the message as `{related}` (e.g. the first definition of a duplicate). */
  related?: Pointer;
}

export class DiagnosticBag {
  readonly items: PendingDiagnostic[] = [];

  error(where: Pointer | Position, code: string, message: string, related?: Pointer): void {
    this.items.push({ where, severity: 'error', code, message, related });
  }

  warning(where: Pointer | Position, code: string, message: string, related?: Pointer): void {
    this.items.push({ where, severity: 'warning', code, message, related });
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === 'error').length;
  }

  /** Resolves every pointer to a line and column and sorts by file, line, column. */
  async resolve(): Promise<Diagnostic[]> {
    if (this.items.some((d) => 'doc' in d.where || d.related)) await loadPositionSupport();
    const out = this.items.map((d): Diagnostic => {
      const pos = positionOf(d.where);
      let message = d.message;
      if (d.related) {
        const rel = positionOf(d.related);
        message = message.replace('{related}', `${rel.file}:${rel.line}:${rel.column}`);
      }
      return { file: visible(pos.file), line: pos.line, column: pos.column, severity: d.severity, code: d.code, message: visible(message) };
    });
    return sortDiagnostics(out);
  }
}

function positionOf(where: Pointer | Position): Position {
  if ('doc' in where) return where.file.locate(where.doc, where.path, where.at ?? 'value');
  return where;
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort(
    (a, b) =>
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      compareStrings(a.code, b.code) ||
      compareStrings(a.message, b.message),
  );
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function countDiagnostics(list: Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const d of list) if (d.severity === 'error') errors++;
  return { errors, warnings: list.length - errors };
}

/** Control characters quoted from a spec (a line break, a terminal escape) as \uXXXX: hostile input cannot forge output lines. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
