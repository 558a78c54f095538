// The model must not keep the parse-time data alive: documents, spec file texts
// and diagnostic pointers are garbage once analysis is over. (A getter created
// inside analyze() once shared its closure context and kept all of it as long as
// the model: ~500 MB more heap at 50,000 datasets.) Checked with weak references
// and a real garbage collection.
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/spec/analyze.js';
import { checkDocument, type CheckedDoc } from '../../src/spec/check-schema.js';
import { DiagnosticBag } from '../../src/spec/diagnostics.js';
import { loadSpecFiles } from '../../src/spec/load.js';
import type { Model } from '../../src/spec/model.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const SPECS = path.resolve(import.meta.dirname, '../../catalog-specs');

/** Loads and analyses the example specs; returns the model and weak references to what parsing made. */
async function load(): Promise<{ model: Model; files: Array<WeakRef<object>>; docs: Array<WeakRef<object>> }> {
  const bag = new DiagnosticBag();
  const loaded = await loadSpecFiles(SPECS, bag);
  const checked: CheckedDoc[] = [];
  for (const { file, docs } of loaded.files) docs.forEach((value, i) => {
    const c = checkDocument(value, file, i, bag);
    if (c) checked.push(c);
  });
  const model = await analyze(checked, loaded.root, bag);
  expect(bag.errorCount).toBe(0);
  return {
    model,
    files: loaded.files.map((f) => new WeakRef(f.file)),
    docs: loaded.files.flatMap((f) => f.docs.filter((d): d is object => typeof d === 'object' && d !== null).map((d) => new WeakRef(d))),
  };
}

describe('what the model keeps alive', () => {
  it('spec files (and their texts) and parsed documents are collected while the model lives on', async () => {
    const { model, files, docs } = await load();
    expect(files.length).toBeGreaterThan(3);
    expect(docs.length).toBeGreaterThan(3);
    // Let pending promise jobs that still hold locals finish, then collect.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(model.datasets.length).toBeGreaterThan(3);
    expect(files.filter((f) => f.deref() !== undefined)).toHaveLength(0);
    expect(docs.filter((d) => d.deref() !== undefined)).toHaveLength(0);
    // The lazily computed hash still works after the parse data is gone.
    expect(model.specHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
