// The spec core's entry point: a specs directory in, a validated model and
// sorted, positioned diagnostics out. Knows nothing of terminals, GitHub or HTTP.
import { analyze, AnalysisReuse } from './analyze.js';
import { checkDocument, type CheckedDoc } from './check-schema.js';
import { DiagnosticBag, countDiagnostics, type Diagnostic } from './diagnostics.js';
import { loadSpecFiles, type LoadOptions } from './load.js';
import type { Model } from './model.js';

export interface SpecResult {
  model: Model;
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
  /** Absolute path of the specs root. */
  root: string;
}

export async function loadSpecs(specsDir: string, options: LoadOptions = {}): Promise<SpecResult> {
  const bag = new DiagnosticBag();
  const { root, files } = await loadSpecFiles(specsDir, bag, options);
  const docs: CheckedDoc[] = [];
  for (const { file, docs: values } of files) {
    values.forEach((value, i) => {
      const checked = checkDocument(value, file, i, bag);
      if (checked) docs.push(checked);
    });
  }
  const model = await analyze(docs, root, bag, options);
  const diagnostics = await bag.resolve();
  return { model, diagnostics, ...countDiagnostics(diagnostics), root };
}

/**
 * Load options for several versions of mostly the same specs (the two sides of a
 * diff): a file parsed for one is not parsed again, and a dataset whose document
 * and references did not change keeps the first analysis's model entry.
 */
export function sharedLoading(): Required<Pick<LoadOptions, 'cache' | 'reuse'>> {
  return { cache: new Map(), reuse: new AnalysisReuse() };
}

export type { AnalysisReuse } from './analyze.js';
export type { Diagnostic, Severity } from './diagnostics.js';
export type { LoadOptions, ParseCache } from './load.js';
export * from './model.js';
