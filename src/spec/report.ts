// Diagnostics rendered for people and tools: text lines, JSON, and GitHub
// workflow commands. Shared by the CLI and the Action.
import { countDiagnostics, type Diagnostic } from './diagnostics.js';

export type DiagnosticFormat = 'text' | 'json' | 'github';
export const DIAGNOSTIC_FORMATS: DiagnosticFormat[] = ['text', 'json', 'github'];

/** `file:line:col: severity code: message`, one per line. */
export function formatText(list: Diagnostic[]): string {
  return list.map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}\n`).join('');
}

export interface ValidationReport {
  ok: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

export function validationReport(list: Diagnostic[]): ValidationReport {
  const { errors, warnings } = countDiagnostics(list);
  return { ok: errors === 0, errors, warnings, diagnostics: list };
}

export function formatJson(list: Diagnostic[]): string {
  return `${JSON.stringify(validationReport(list), null, 2)}\n`;
}

/** GitHub workflow commands (`::error file=…,line=…,col=…,title=…::message`). */
export function formatGithub(list: Diagnostic[]): string {
  return list.map((d) => `${githubCommand(d)}\n`).join('');
}

export function githubCommand(d: Diagnostic): string {
  const props = `file=${escapeProperty(d.file)},line=${d.line},col=${d.column},title=${escapeProperty(`MetaFuse ${d.code}`)}`;
  return `::${d.severity} ${props}::${escapeData(d.message)}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatDiagnostics(list: Diagnostic[], format: DiagnosticFormat): string {
  return format === 'json' ? formatJson(list) : format === 'github' ? formatGithub(list) : formatText(list);
}

/** One line such as "2 errors, 1 warning in 14 files". */
export function summaryLine(list: Diagnostic[]): string {
  const { errors, warnings } = countDiagnostics(list);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
