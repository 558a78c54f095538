// From checked documents to the validated model: defaults, Arrow files, fields,
// references across datasets and terms, cycles, policy rules and warnings.
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ArrowSchemaError, readArrowSchema, type ArrowSchemaInfo } from './arrow-schema.js';
import type { CheckedDoc } from './check-schema.js';
import type { DiagnosticBag, Pointer } from './diagnostics.js';
import { buildFields, unique, type BuiltFields } from './fields.js';
import { isInside, LIMITS } from './load.js';
import {
  compareDatasets,
  datasetKey,
  DEFAULT_CONFIG,
  formatDatasetRef,
  parseDatasetRef,
  type CatalogConfig,
  type Dataset,
  type DatasetId,
  type GlossaryTerm,
  type Model,
} from './model.js';
import type { CatalogDoc, DatasetDoc, GlossaryTermDoc } from './schema-types.js';
import type { SpecFile } from './source.js';
import { didYouMean } from './suggest.js';

interface DatasetEntry {
  dataset: Dataset;
  doc: DatasetDoc;
  file: SpecFile;
  index: number;
  valid: boolean;
  /** Fields are known (no Arrow or type error hid some of them), so column refs into it can be checked. */
  fieldsKnown: boolean;
  built?: BuiltFields;
}

interface TermEntry {
  term: GlossaryTerm;
  doc: GlossaryTermDoc;
  file: SpecFile;
  index: number;
  valid: boolean;
}

export async function analyze(docs: CheckedDoc[], root: string, bag: DiagnosticBag): Promise<Model> {
  const ptr = (d: { file: SpecFile; index: number }, p: Array<string | number>, at: 'key' | 'value' = 'value'): Pointer => ({ file: d.file, doc: d.index, path: p, at });
  const rel = (file: SpecFile) => path.relative(root, file.path).split(path.sep).join('/');

  // Catalog settings first: they give the default tenant and the policy.
  let config: CatalogConfig = DEFAULT_CONFIG;
  let catalogDoc: CheckedDoc | undefined;
  for (const d of docs) {
    if (d.doc.kind !== 'Catalog') continue;
    if (catalogDoc) {
      bag.error(ptr(d, ['kind']), 'duplicate-catalog', 'only one Catalog document is allowed; the first is at {related}', ptr(catalogDoc, ['kind']));
      continue;
    }
    catalogDoc = d;
    if (d.valid) config = catalogConfig(d.doc.value);
  }

  const terms = new Map<string, TermEntry>();
  for (const d of docs) {
    if (d.doc.kind !== 'GlossaryTerm') continue;
    const v = d.doc.value;
    const first = terms.get(v.id);
    if (first) {
      bag.error(ptr(d, ['id']), 'duplicate-term', `glossary term "${v.id}" is already defined at {related}`, ptr(first, ['id']));
      continue;
    }
    terms.set(v.id, { term: termModel(v, rel(d.file)), doc: v, file: d.file, index: d.index, valid: d.valid });
  }

  const datasets = new Map<string, DatasetEntry>();
  for (const d of docs) {
    if (d.doc.kind !== 'Dataset') continue;
    const v = d.doc.value;
    const id = { tenant: v.tenant ?? config.defaultTenant, name: v.name };
    const first = datasets.get(datasetKey(id));
    if (first) {
      const same = first.dataset.name === v.name ? '' : ` (as "${first.dataset.name}"; names are case-insensitive)`;
      bag.error(ptr(d, ['name']), 'duplicate-dataset', `dataset "${formatDatasetRef(id, config.defaultTenant)}" is already defined${same} at {related}`, ptr(first, ['name']));
      continue;
    }
    datasets.set(datasetKey(id), { dataset: datasetModel(v, id, rel(d.file)), doc: v, file: d.file, index: d.index, valid: d.valid, fieldsKnown: d.valid });
  }

  await buildAllFields([...datasets.values()], root, bag, ptr);

  const resolve = (ref: string, tenant: string): DatasetEntry | undefined => datasets.get(datasetKey(parseDatasetRef(ref, tenant)));
  const refCandidates = (tenant: string): string[] =>
    [...datasets.values()].map((e) => formatDatasetRef(e.dataset, tenant));

  // Replacements first: the deprecated-upstream warnings below name them.
  for (const e of datasets.values()) {
    const replacement = e.valid ? e.doc.deprecated?.replacement : undefined;
    if (replacement === undefined) continue;
    const target = resolve(replacement, e.dataset.tenant);
    if (!target) {
      bag.error(ptr(e, ['deprecated', 'replacement']), 'unknown-replacement', `replacement dataset "${replacement}" does not exist${didYouMean(replacement, refCandidates(e.dataset.tenant))}`);
    } else if (e.dataset.deprecated) {
      e.dataset.deprecated.replacement = { tenant: target.dataset.tenant, name: target.dataset.name };
    }
  }

  // References from datasets.
  for (const e of datasets.values()) {
    if (!e.valid) continue;
    const ds = e.dataset;
    const v = e.doc;
    const upstream: DatasetId[] = [];
    (v.upstream ?? []).forEach((ref, i) => {
      const target = resolve(ref, ds.tenant);
      if (!target) {
        bag.error(ptr(e, ['upstream', i]), 'unknown-upstream', `unknown upstream dataset "${ref}"${didYouMean(ref, refCandidates(ds.tenant))}`);
        return;
      }
      if (upstream.some((u) => datasetKey(u) === datasetKey(target.dataset))) return;
      upstream.push({ tenant: target.dataset.tenant, name: target.dataset.name });
      const dep = target.dataset.deprecated;
      if (dep && datasetKey(target.dataset) !== datasetKey(ds)) {
        const instead = dep.replacement ? `; use "${formatDatasetRef(dep.replacement, ds.tenant)}" instead` : '';
        const why = dep.reason ? ` (${dep.reason})` : '';
        bag.warning(ptr(e, ['upstream', i]), 'deprecated-upstream', `upstream dataset "${ref}" is deprecated${why}${instead}`);
      }
    });
    ds.upstream = upstream;
    checkTerms(v.terms, ['terms'], e);
    v.fields?.forEach((f, i) => checkTerms(f.terms, ['fields', i, 'terms'], e));
    const topLevel = ds.fields.filter((f) => f.depth === 0).map((f) => f.path);
    (v.partitionKeys ?? []).forEach((key, i) => {
      if (!e.fieldsKnown) return;
      if (!topLevel.includes(key)) {
        const why = ds.fields.some((f) => f.path === key) ? ' (partition keys must be top-level fields)' : didYouMean(key, topLevel);
        bag.error(ptr(e, ['partitionKeys', i]), 'unknown-partition-key', `partition key "${key}" is not a field of this dataset${why}`);
      }
    });
    checkColumnLineage(e);
  }

  function checkTerms(list: string[] | undefined, where: Array<string | number>, e: DatasetEntry): void {
    list?.forEach((id, i) => {
      if (!terms.has(id)) bag.error(ptr(e, [...where, i]), 'unknown-term', `unknown glossary term "${id}"${didYouMean(id, terms.keys())}`);
    });
  }

  function checkColumnLineage(e: DatasetEntry): void {
    const ds = e.dataset;
    for (const { field, ref, where } of e.built?.lineage ?? []) {
      const colon = ref.indexOf(':');
      const dsRef = ref.slice(0, colon);
      const fieldPath = ref.slice(colon + 1);
      const target = resolve(dsRef, ds.tenant);
      if (!target) {
        bag.error(where, 'unknown-lineage-dataset', `column lineage names unknown dataset "${dsRef}"${didYouMean(dsRef, refCandidates(ds.tenant))}`);
        continue;
      }
      const tid = target.dataset;
      if (!ds.upstream.some((u) => datasetKey(u) === datasetKey(tid))) {
        bag.error(where, 'lineage-not-upstream', `column lineage reads "${dsRef}", which is not listed in upstream; add it there`);
        continue;
      }
      if (target.fieldsKnown && !tid.fields.some((f) => f.path === fieldPath)) {
        const candidates = tid.fields.map((f) => f.path);
        bag.error(where, 'unknown-lineage-field', `dataset "${dsRef}" has no field "${fieldPath}"${didYouMean(fieldPath, candidates)}`);
        continue;
      }
      if (!field.from.some((c) => datasetKey(c) === datasetKey(tid) && c.field === fieldPath)) {
        field.from.push({ tenant: tid.tenant, name: tid.name, field: fieldPath });
      }
    }
  }

  // References between glossary terms.
  for (const t of terms.values()) {
    if (!t.valid) continue;
    if (t.doc.parent !== undefined && !terms.has(t.doc.parent)) {
      bag.error(ptr(t, ['parent']), 'unknown-parent', `unknown parent term "${t.doc.parent}"${didYouMean(t.doc.parent, terms.keys())}`);
      t.term.parent = null;
    }
    const related: string[] = [];
    t.doc.related?.forEach((id, i) => {
      if (!terms.has(id)) bag.error(ptr(t, ['related', i]), 'unknown-related', `unknown related term "${id}"${didYouMean(id, terms.keys())}`);
      else if (!related.includes(id)) related.push(id);
    });
    t.term.related = related;
  }

  reportLineageCycles(datasets, bag, ptr, config.defaultTenant);
  reportTermCycles(terms, bag, ptr);

  // Policy rules and warnings.
  for (const e of datasets.values()) {
    if (!e.valid) continue;
    const ds = e.dataset;
    if (config.policy.requireOwner && !ds.owner) {
      bag.error(ptr(e, ['name'], 'key'), 'missing-owner', `dataset "${ds.name}" has no owner (policy requireOwner); add owner: <team or e-mail>`);
    }
    if (!ds.description) {
      if (config.policy.requireDescription) {
        bag.error(ptr(e, ['name'], 'key'), 'missing-description', `dataset "${ds.name}" has no description (policy requireDescription)`);
      } else {
        bag.warning(ptr(e, ['name'], 'key'), 'no-description', `dataset "${ds.name}" has no description`);
      }
    }
  }
  const used = new Set<string>();
  for (const e of datasets.values()) {
    for (const id of e.dataset.terms) used.add(id);
    for (const f of e.dataset.fields) for (const id of f.terms) used.add(id);
  }
  for (const t of terms.values()) if (t.term.parent) used.add(t.term.parent);
  for (const t of terms.values()) {
    if (!used.has(t.term.id)) bag.warning(ptr(t, ['id']), 'unused-term', `glossary term "${t.term.id}" is not used by any dataset, field or child term`);
  }

  const modelDatasets = [...datasets.values()].map((e) => e.dataset).sort(compareDatasets);
  const modelTerms = [...terms.values()].map((t) => t.term).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { config, datasets: modelDatasets, terms: modelTerms, specHash: hashModel(config, modelDatasets, modelTerms) };
}

function catalogConfig(v: CatalogDoc): CatalogConfig {
  return {
    name: v.name ?? null,
    defaultTenant: v.defaults?.tenant ?? DEFAULT_CONFIG.defaultTenant,
    policy: {
      requireOwner: v.policy?.requireOwner ?? DEFAULT_CONFIG.policy.requireOwner,
      requireDescription: v.policy?.requireDescription ?? DEFAULT_CONFIG.policy.requireDescription,
      breakingChanges: v.policy?.breakingChanges ?? DEFAULT_CONFIG.policy.breakingChanges,
    },
    publishTarget: v.publish?.target ?? null,
  };
}

function termModel(v: GlossaryTermDoc, sourceFile: string): GlossaryTerm {
  return {
    id: v.id,
    name: v.name,
    definition: v.definition,
    domain: v.domain ?? null,
    owner: v.owner ?? null,
    synonyms: unique(v.synonyms ?? []),
    parent: v.parent ?? null,
    related: [],
    sourceFile,
  };
}

function datasetModel(v: DatasetDoc, id: DatasetId, sourceFile: string): Dataset {
  const properties: Record<string, string> = {};
  for (const k of Object.keys(v.properties ?? {}).sort()) properties[k] = String((v.properties as Record<string, unknown>)[k]);
  return {
    tenant: id.tenant,
    name: id.name,
    domain: v.domain ?? null,
    owner: v.owner ?? null,
    description: v.description ?? null,
    location: v.location ?? null,
    format: v.format ?? null,
    tags: unique(v.tags ?? []),
    terms: unique(v.terms ?? []),
    upstream: [],
    partitionKeys: unique(v.partitionKeys ?? []),
    schemaFile: null,
    fields: [],
    deprecated: v.deprecated
      ? { since: v.deprecated.since ?? null, reason: v.deprecated.reason ?? null, replacement: null }
      : null,
    properties,
    sourceFile,
  };
}

type Ptr = (d: { file: SpecFile; index: number }, p: Array<string | number>, at?: 'key' | 'value') => Pointer;

/** Reads the Arrow files (each once, concurrently) and builds every dataset's fields. */
async function buildAllFields(entries: DatasetEntry[], root: string, bag: DiagnosticBag, ptr: Ptr): Promise<void> {
  const realRoot = await realpath(root).catch(() => root);
  const cache = new Map<string, Promise<ArrowSchemaInfo | string>>();
  const readSchema = (abs: string): Promise<ArrowSchemaInfo | string> => {
    let p = cache.get(abs);
    if (!p) {
      p = readSchemaFile(abs, realRoot);
      cache.set(abs, p);
    }
    return p;
  };
  await Promise.all(
    entries.map(async (e) => {
      if (!e.valid) return;
      const v = e.doc;
      if (v.schema === undefined) {
        e.built = buildFields(v.fields, { file: e.file, doc: e.index }, bag);
      } else {
        const abs = path.resolve(path.dirname(e.file.path), v.schema);
        if (!isInside(root, abs)) {
          bag.error(ptr(e, ['schema']), 'schema-path-escape', `schema file "${v.schema}" is outside the specs directory`);
          e.fieldsKnown = false;
          return;
        }
        const info = await readSchema(abs);
        if (typeof info === 'string') {
          const code = info.startsWith('schema-') ? info.slice(0, info.indexOf(' ')) : 'schema-file-invalid';
          bag.error(ptr(e, ['schema']), code, `schema file "${v.schema}": ${info.slice(info.indexOf(' ') + 1)}`);
          e.fieldsKnown = false;
          return;
        }
        e.dataset.schemaFile = path.relative(root, abs).split(path.sep).join('/');
        if (!e.dataset.description && info.description) e.dataset.description = info.description;
        e.built = buildFields(v.fields, { file: e.file, doc: e.index, arrow: { fields: info.fields, descriptions: info.fieldDescriptions } }, bag);
      }
      e.dataset.fields = e.built.fields;
      // An entry that did not become a field (bad type, missing type) hides it, so
      // column references into this dataset cannot be judged.
      const paths = new Set(e.built.fields.map((f) => f.path));
      if ((v.fields ?? []).some((f) => !paths.has(f.name))) e.fieldsKnown = false;
    }),
  );
}

/** The schema, or "<code> <message>" when the file cannot be used. */
async function readSchemaFile(abs: string, realRoot: string): Promise<ArrowSchemaInfo | string> {
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    return 'schema-file-missing file not found';
  }
  if (!isInside(realRoot, real)) return 'schema-path-escape resolves (through a symbolic link) outside the specs directory';
  try {
    const st = await stat(real);
    if (!st.isFile()) return 'schema-file-invalid is not a file';
    if (st.size > LIMITS.arrowFileBytes) return `schema-file-invalid is ${st.size} bytes; Arrow schema files are limited to ${LIMITS.arrowFileBytes} bytes`;
    const bytes = await readFile(real);
    return await readArrowSchema(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    if (e instanceof ArrowSchemaError) return `schema-file-invalid ${e.message}`;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return `schema-file-invalid cannot be read (${code})`;
    throw e;
  }
}

function reportLineageCycles(datasets: Map<string, DatasetEntry>, bag: DiagnosticBag, ptr: Ptr, defaultTenant: string): void {
  const keys = [...datasets.keys()].sort();
  const edges = new Map<string, string[]>();
  for (const k of keys) edges.set(k, datasets.get(k)!.dataset.upstream.map(datasetKey));
  for (const cycle of findCycles(keys, edges)) {
    // Report at the upstream entry of the first member that closes the cycle.
    const [from, to] = [cycle[0]!, cycle[1] ?? cycle[0]!];
    const e = datasets.get(from)!;
    const names = [...cycle, cycle[0]!].map((k) => formatDatasetRef(datasets.get(k)!.dataset, defaultTenant));
    const idx = (e.doc.upstream ?? []).findIndex((r) => datasetKey(parseDatasetRef(r, e.dataset.tenant)) === to);
    bag.error(ptr(e, idx >= 0 ? ['upstream', idx] : ['upstream']), 'lineage-cycle', `lineage cycle: ${names.join(' → ')} (each reads the next as upstream)`);
  }
}

function reportTermCycles(terms: Map<string, TermEntry>, bag: DiagnosticBag, ptr: Ptr): void {
  const ids = [...terms.keys()].sort();
  const edges = new Map(ids.map((id) => [id, terms.get(id)!.term.parent ? [terms.get(id)!.term.parent!] : []]));
  for (const cycle of findCycles(ids, edges)) {
    const t = terms.get(cycle[0]!)!;
    bag.error(ptr(t, ['parent']), 'term-cycle', `glossary parent cycle: ${[...cycle, cycle[0]!].join(' → ')}`);
    for (const id of cycle) terms.get(id)!.term.parent = null;
  }
}

/**
 * One cycle per strongly connected component that has one (Tarjan, iterative so
 * deep chains cannot overflow the stack). Each cycle starts at its smallest key
 * and follows edges: cycle[i] has an edge to cycle[i+1].
 */
export function findCycles(nodes: string[], edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const out = edges.get(top.node) ?? [];
      if (top.next < out.length) {
        const w = out[top.next++]!;
        if (!edges.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== top.node);
        const selfLoop = component.length === 1 && out.includes(top.node);
        if (component.length > 1 || selfLoop) cycles.push(cycleWithin(new Set(component), edges));
      }
    }
  }
  return cycles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** A shortest cycle through the smallest node of a strongly connected component (BFS). */
function cycleWithin(component: Set<string>, edges: Map<string, string[]>): string[] {
  const start = [...component].sort()[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    for (const w of [...(edges.get(n) ?? [])].sort()) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [n];
        while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
        return path;
      }
      if (!prev.has(w)) {
        prev.set(w, n);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** sha256 of the model in a canonical JSON form (sorted keys, sorted collections). */
function hashModel(config: CatalogConfig, datasets: Dataset[], terms: GlossaryTerm[]): string {
  return createHash('sha256').update(canonicalJson({ config, datasets, terms })).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}
