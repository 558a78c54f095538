// Diagnostics as GitHub annotations at file/line, within GitHub's per-step limits
// (10 errors and 10 warnings per step, the Action's own included); the rest go to the summary.
import path from 'node:path';
import type { Diagnostic } from '../spec/index.js';
import { DIAGNOSTIC_ANNOTATIONS } from './constants.js';

export interface AnnotationSink {
  error(message: string, props: AnnotationProps): void;
  warning(message: string, props: AnnotationProps): void;
}

export interface AnnotationProps {
  title: string;
  file: string;
  startLine: number;
  startColumn: number;
}

/** Emits the first annotations of each severity; returns how many were left for the summary. */
export function annotate(list: Diagnostic[], sink: AnnotationSink, workspace: string): { shown: number; omitted: number } {
  let errors = 0;
  let warnings = 0;
  let omitted = 0;
  for (const d of list) {
    const props: AnnotationProps = { title: `MetaFuse ${d.code}`, file: workspacePath(d.file, workspace), startLine: d.line, startColumn: d.column };
    if (d.severity === 'error') {
      if (errors++ < DIAGNOSTIC_ANNOTATIONS.error) sink.error(d.message, props);
      else omitted++;
    } else if (warnings++ < DIAGNOSTIC_ANNOTATIONS.warning) {
      sink.warning(d.message, props);
    } else {
      omitted++;
    }
  }
  return { shown: list.length - omitted, omitted };
}

/** Annotations need paths relative to the repository root, with forward slashes. */
export function workspacePath(file: string, workspace: string): string {
  const rel = path.relative(workspace, path.resolve(file));
  return (rel.startsWith('..') ? file : rel).split(path.sep).join('/');
}
