// From checked documents to the validated model: defaults, Arrow files, fields,
// references across datasets and terms, cycles, policy rules and warnings.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ArrowSchemaError, readArrowSchema, type ArrowSchemaInfo } from './arrow-schema.js';
import type { CheckedDoc } from './check-schema.js';
import type { DiagnosticBag, Pointer } from './diagnostics.js';
import { hashModel } from './digest.js';
import { buildFields, unique, type BuiltFields } from './fields.js';
import { contentKey } from './parse.js';
import { isInside, LIMITS, type LoadOptions } from './load.js';
import {
  bySpelling,
  compareColumnRefs,
  datasetKey,
  DEFAULT_CONFIG,
  fieldPosition,
  formatDatasetRef,
  parseDatasetRef,
  type CatalogConfig,
  type Dataset,
  type DatasetId,
  type GlossaryTerm,
  type Model,
} from './model.js';
import type { CatalogDoc, DatasetDoc, GlossaryTermDoc } from './schema-types.js';
import { loadPositionSupport, type SpecFile } from './source.js';
import { closest, didYouMean } from './suggest.js';

interface DatasetEntry {
  dataset: Dataset;
  doc: DatasetDoc;
  file: SpecFile;
  index: number;
  valid: boolean;
  /** Fields are known (no Arrow or type error hid some of them), so column refs into it can be checked. */
  fieldsKnown: boolean;
  built?: BuiltFields;
  /** Place in model order (compareDatasets): lists of datasets sort by it without comparing names. */
  rank: number;
  /** Set when `dataset` is an earlier analysis's entry for the same document (see AnalysisReuse). */
  reused?: Donor;
  /** The contentKey of the Arrow file its fields were read from (schema: read without error). */
  schemaKey?: string;
}

interface TermEntry {
  term: GlossaryTerm;
  doc: GlossaryTermDoc;
  file: SpecFile;
  index: number;
  valid: boolean;
}

/** Files given in memory (a git tree) instead of read from disk; see LoadOptions.inputs. */
export type InMemoryFiles = Map<string, Buffer>;

/** A finished dataset entry of one analysis, and the documents and Arrow files it depends on. */
interface Donor {
  dataset: Dataset;
  /** Documents of the datasets named by refsOf(doc), in that order (see dependenciesOf). */
  targets: DatasetDoc[];
  /** contentKeys of the Arrow files its fields depend on (see dependenciesOf). */
  schemas: string[];
}

/**
 * What one analysis leaves to the next over mostly the same parsed documents: the
 * two sides of a diff share every unchanged file's documents (the parse cache), and
 * a dataset whose document, file, settings, referenced documents and Arrow files
 * (its own, and those of the datasets its column lineage reads) are all the same
 * gets the same model entry, so the second analysis takes the first one's instead
 * of building it again (fields, references, column lineage). Arrow files are
 * compared by contentKey, which the second analysis must know without reading them
 * (a git tree's blob ids, LoadOptions.keys); without, datasets that depend on one
 * are built again. Only datasets whose file had no diagnostic at all in the first
 * analysis are offered: their references all resolved and were checked, so with
 * the same documents behind them nothing about them can differ but the glossary,
 * which is checked again. Entries are shared, never changed: a model is not
 * modified once built.
 */
export class AnalysisReuse {
  /** By dataset document (an object of the parse cache), filled by the first analysis given this. */
  readonly donors = new WeakMap<DatasetDoc, Donor>();
  /** The first analysis's settings (as JSON): entries depend on the default tenant. */
  config: string | undefined;
}

/** The dataset references a document makes, in a fixed order; `column` for column lineage (which reads the target's fields). */
function refsOf(v: DatasetDoc): Array<{ ref: string; column: boolean }> {
  const out: Array<{ ref: string; column: boolean }> = [];
  for (const ref of v.upstream ?? []) out.push({ ref, column: false });
  if (v.deprecated?.replacement !== undefined) out.push({ ref: v.deprecated.replacement, column: false });
  for (const f of v.fields ?? []) {
    for (const c of f.from ?? []) out.push({ ref: c.slice(0, Math.max(0, c.indexOf(':'))), column: true });
  }
  return out;
}

export async function analyze(docs: CheckedDoc[], root: string, bag: DiagnosticBag, options: Pick<LoadOptions, 'inputs' | 'keys' | 'reuse'> = {}): Promise<Model> {
  const { inputs, keys, reuse } = options;
  const ptr = (d: { file: SpecFile; index: number }, p: Array<string | number>, at: 'key' | 'value' = 'value'): Pointer => ({ file: d.file, doc: d.index, path: p, at });
  // Files are found under the root, so their relative path is a slice (path.relative was ~30 ms at 10k).
  const under = root.endsWith(path.sep) ? root : root + path.sep;
  const rel = (file: SpecFile) =>
    (file.path.startsWith(under) ? file.path.slice(under.length) : path.relative(root, file.path)).split(path.sep).join('/');

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

  // A number or boolean property keeps its text as written, which only the source can tell.
  if (docs.some((d) => d.doc.kind === 'Dataset' && isRecord(d.doc.value.properties) && Object.values(d.doc.value.properties).some((x) => typeof x !== 'string'))) {
    await loadPositionSupport();
  }
  const configJson = JSON.stringify(config);
  const offered = reuse?.config === configJson;
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
    // An earlier analysis's entry for this very document, if it is in the same file (its
    // references are compared below, once they resolve; the settings were compared above).
    let reused = offered ? reuse!.donors.get(v) : undefined;
    if (reused && reused.dataset.sourceFile !== rel(d.file)) reused = undefined;
    const dataset = reused ? reused.dataset : datasetModel(v, id, rel(d.file), d);
    datasets.set(datasetKey(id), { dataset, doc: v, file: d.file, index: d.index, valid: d.valid, fieldsKnown: d.valid, rank: 0, reused });
  }
  // Model order, found once with each name lowered once (compareDatasets lowers both names per comparison).
  const ordered = [...datasets].map(([key, e]) => ({ e, key })).sort((a, b) => {
    const x = a.e.dataset;
    const y = b.e.dataset;
    return x.tenant < y.tenant ? -1 : x.tenant > y.tenant ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
  }).map((o, i) => ((o.e.rank = i), o.e));

  // Resolved once per spelling and tenant: the ~50,000 upstream and ~30,000 column
  // references of 10k datasets name the same few thousand datasets over and over,
  // and building a key string per reference was ~60 ms of an analysis.
  const resolved = new Map<string, Map<string, DatasetEntry | null>>();
  const resolve = (ref: string, tenant: string): DatasetEntry | undefined => {
    let inTenant = resolved.get(tenant);
    if (!inTenant) resolved.set(tenant, (inTenant = new Map()));
    let e = inTenant.get(ref);
    if (e === undefined) inTenant.set(ref, (e = datasets.get(datasetKey(parseDatasetRef(ref, tenant))) ?? null));
    return e ?? undefined;
  };
  const refCandidates = (tenant: string): string[] =>
    [...datasets.values()].map((e) => formatDatasetRef(e.dataset, tenant));
  /** "Did you mean" for a dataset reference: the nearest ref as written, else the nearest name in any tenant. */
  const refHint = (ref: string, tenant: string): string => {
    const direct = closest(ref, refCandidates(tenant));
    if (direct !== undefined) return ` (did you mean "${direct}"?)`;
    const bare = ref.slice(ref.indexOf('/') + 1);
    const byName = new Map<string, DatasetEntry>();
    for (const e of datasets.values()) if (!byName.has(e.dataset.name) || e.dataset.tenant === tenant) byName.set(e.dataset.name, e);
    const name = closest(bare, byName.keys());
    return name === undefined ? '' : ` (did you mean "${formatDatasetRef(byName.get(name)!.dataset, tenant)}"?)`;
  };

  /**
   * What an entry's content depends on besides its own document: the documents its
   * references resolve to (refsOf order), and the contentKeys of the Arrow files its
   * fields come from (its own, then those its column lineage reads); undefined when a
   * reference does not resolve or a key is not known. `keyOf` gives a dataset's key.
   */
  const dependenciesOf = (e: DatasetEntry, keyOf: (t: DatasetEntry) => string | undefined): Omit<Donor, 'dataset'> | undefined => {
    const targets: DatasetDoc[] = [];
    const schemas: string[] = [];
    const addSchema = (t: DatasetEntry): boolean => {
      if (t.doc.schema === undefined) return true;
      const key = keyOf(t);
      if (key !== undefined) schemas.push(key);
      return key !== undefined;
    };
    if (!addSchema(e)) return undefined;
    for (const { ref, column } of refsOf(e.doc)) {
      const t = resolve(ref, e.dataset.tenant);
      if (!t || (column && !addSchema(t))) return undefined;
      targets.push(t.doc);
    }
    return { targets, schemas };
  };
  /** A dataset's Arrow file's contentKey as given, unread (a git tree's blob id). */
  const givenSchemaKey = (t: DatasetEntry): string | undefined => keys?.get(path.resolve(path.dirname(t.file.path), t.doc.schema!));

  // A reused entry needs every reference to name the same document as before (so the
  // same spelling and, as offered, the same fields) and the same Arrow files; else it is built here.
  for (const e of datasets.values()) {
    if (!e.reused) continue;
    const now = dependenciesOf(e, givenSchemaKey);
    if (now && sameList(now.targets, e.reused.targets) && sameList(now.schemas, e.reused.schemas)) continue;
    e.reused = undefined;
    e.dataset = datasetModel(e.doc, e.dataset, rel(e.file), e);
  }

  // Arrow files are keyed only for reuse: a plain build does not hash them.
  const keyOf = reuse ? (abs: string, bytes: Uint8Array) => keys?.get(abs) ?? contentKey(bytes) : undefined;
  await buildAllFields([...datasets.values()].filter((e) => !e.reused), root, bag, ptr, inputs, keyOf);

  // Replacements first: the deprecated-upstream warnings below name them.
  for (const e of datasets.values()) {
    const replacement = e.valid && !e.reused ? e.doc.deprecated?.replacement : undefined;
    if (replacement === undefined) continue;
    const target = resolve(replacement, e.dataset.tenant);
    if (!target) {
      bag.error(ptr(e, ['deprecated', 'replacement']), 'unknown-replacement', `replacement dataset "${replacement}" does not exist${refHint(replacement, e.dataset.tenant)}`);
    } else if (e.dataset.deprecated) {
      e.dataset.deprecated.replacement = { tenant: target.dataset.tenant, name: target.dataset.name };
    }
  }

  // References from datasets.
  for (const e of datasets.values()) {
    if (!e.valid) continue;
    const ds = e.dataset;
    const v = e.doc;
    if (e.reused) {
      // Its references were all found and checked before, and still name the same documents; the glossary may differ.
      checkTerms(v.terms, ['terms'], e);
      v.fields?.forEach((f, i) => checkTerms(f.terms, ['fields', i, 'terms'], e));
      continue;
    }
    const upstreamSet = new Set<DatasetEntry>();
    (v.upstream ?? []).forEach((ref, i) => {
      const target = resolve(ref, ds.tenant);
      if (!target) {
        bag.error(ptr(e, ['upstream', i]), 'unknown-upstream', `unknown upstream dataset "${ref}"${refHint(ref, ds.tenant)}`);
        return;
      }
      if (upstreamSet.has(target)) return;
      upstreamSet.add(target);
      const dep = target.dataset.deprecated;
      if (dep && target !== e) {
        const instead = dep.replacement ? `; use "${formatDatasetRef(dep.replacement, ds.tenant)}" instead` : '';
        const why = dep.reason ? ` (${dep.reason})` : '';
        bag.warning(ptr(e, ['upstream', i]), 'deprecated-upstream', `upstream dataset "${ref}" is deprecated${why}${instead}`);
      }
    });
    ds.upstream = [...upstreamSet].sort((a, b) => a.rank - b.rank).map((t) => ({ tenant: t.dataset.tenant, name: t.dataset.name }));
    checkTerms(v.terms, ['terms'], e);
    v.fields?.forEach((f, i) => checkTerms(f.terms, ['fields', i, 'terms'], e));
    let topLevel: string[] | undefined; // made only for datasets with partition keys
    (v.partitionKeys ?? []).forEach((key, i) => {
      if (!e.fieldsKnown) return;
      topLevel ??= ds.fields.filter((f) => f.depth === 0).map((f) => f.path);
      if (!topLevel.includes(key)) {
        const why = ds.fields.some((f) => f.path === key) ? ' (partition keys must be top-level fields)' : didYouMean(key, topLevel);
        bag.error(ptr(e, ['partitionKeys', i]), 'unknown-partition-key', `partition key "${key}" is not a field of this dataset${why}`);
      }
    });
    checkColumnLineage(e, upstreamSet);
  }

  function checkTerms(list: string[] | undefined, where: Array<string | number>, e: DatasetEntry): void {
    list?.forEach((id, i) => {
      if (!terms.has(id)) bag.error(ptr(e, [...where, i]), 'unknown-term', `unknown glossary term "${id}"${didYouMean(id, terms.keys())}`);
    });
  }

  function checkColumnLineage(e: DatasetEntry, upstream: Set<DatasetEntry>): void {
    const ds = e.dataset;
    for (const { field, ref, where } of e.built?.lineage ?? []) {
      const colon = ref.indexOf(':');
      const dsRef = ref.slice(0, colon);
      const fieldPath = ref.slice(colon + 1);
      const target = resolve(dsRef, ds.tenant);
      if (!target) {
        bag.error(where, 'unknown-lineage-dataset', `column lineage names unknown dataset "${dsRef}"${refHint(dsRef, ds.tenant)}`);
        continue;
      }
      const tid = target.dataset;
      if (!upstream.has(target)) {
        bag.error(where, 'lineage-not-upstream', `column lineage reads "${dsRef}", which is not listed in upstream; add it there`);
        continue;
      }
      if (target.fieldsKnown && fieldPosition(tid, fieldPath) === undefined) {
        const candidates = tid.fields.map((f) => f.path);
        bag.error(where, 'unknown-lineage-field', `dataset "${dsRef}" has no field "${fieldPath}"${didYouMean(fieldPath, candidates)}`);
        continue;
      }
      if (!field.from.some((c) => c.field === fieldPath && c.tenant === tid.tenant && c.name === tid.name)) {
        field.from = [...field.from, { tenant: tid.tenant, name: tid.name, field: fieldPath }];
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
    t.term.related = related.sort();
  }

  reportLineageCycles(datasets, bag, ptr, config.defaultTenant);
  // Usage counts parents as written: a term in a parent cycle is reported for the cycle, not also as unused.
  const usedAsParent = new Set([...terms.values()].map((t) => t.term.parent).filter((p): p is string => p !== null));
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
  for (const id of usedAsParent) used.add(id);
  for (const t of terms.values()) {
    if (!used.has(t.term.id)) bag.warning(ptr(t, ['id']), 'unused-term', `glossary term "${t.term.id}" is not used by any dataset, field or child term`);
  }

  for (const e of datasets.values()) {
    if (!e.reused) for (const f of e.dataset.fields) if (f.from.length > 1) f.from.sort(compareColumnRefs);
  }
  if (reuse && reuse.config === undefined) offer(reuse, configJson, datasets, bag, (e) => dependenciesOf(e, (t) => t.schemaKey));
  const modelDatasets = ordered.map((e) => e.dataset);
  const modelTerms = [...terms.values()].map((t) => t.term).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return modelOf(config, modelDatasets, modelTerms);
}

/**
 * Offers to later analyses (see AnalysisReuse) the entries of valid datasets whose
 * files have no diagnostic: what such an entry holds then depends only on its own
 * document, the documents its references name and the Arrow files its fields come
 * from, which a later analysis compares.
 */
function offer(
  reuse: AnalysisReuse,
  configJson: string,
  datasets: Map<string, DatasetEntry>,
  bag: DiagnosticBag,
  dependenciesOf: (e: DatasetEntry) => Omit<Donor, 'dataset'> | undefined,
): void {
  reuse.config = configJson;
  const flagged = new Set<string>();
  for (const d of bag.items) {
    flagged.add('doc' in d.where ? d.where.file.display : d.where.file);
    if (d.related) flagged.add(d.related.file.display);
  }
  for (const e of datasets.values()) {
    if (!e.valid || flagged.has(e.file.display)) continue;
    const deps = dependenciesOf(e);
    if (deps) reuse.donors.set(e.doc, { dataset: e.dataset, ...deps });
  }
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The model, its hash computed on first use: validate never needs it, and at
 * 10,000 datasets it costs a noticeable share of a build. Made outside analyze()
 * on purpose: a getter created there would share analyze()'s closure context and
 * keep every document, spec file text and pointer alive as long as the model
 * (~500 MB more heap at 50,000 datasets).
 */
function modelOf(config: CatalogConfig, datasets: Dataset[], terms: GlossaryTerm[]): Model {
  let specHash: string | undefined;
  const model = { config, datasets, terms } as Model;
  Object.defineProperty(model, 'specHash', { enumerable: true, get: () => (specHash ??= hashModel(config, datasets, terms)) });
  return model;
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

// A document that broke its schema still becomes a model entry (other specs may
// refer to it), so its values are read defensively: wrong types are left out.
const text = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const texts = (x: unknown): string[] => (Array.isArray(x) ? unique(x.filter((s): s is string => typeof s === 'string')) : []);
const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

function termModel(v: GlossaryTermDoc, sourceFile: string): GlossaryTerm {
  return {
    id: v.id,
    name: text(v.name) ?? v.id,
    definition: text(v.definition) ?? '',
    domain: text(v.domain),
    owner: text(v.owner),
    synonyms: texts(v.synonyms),
    parent: text(v.parent),
    related: [],
    sourceFile,
  };
}

function datasetModel(v: DatasetDoc, id: DatasetId, sourceFile: string, src: { file: SpecFile; index: number }): Dataset {
  const properties: Record<string, string> = {};
  const props: Record<string, unknown> = isRecord(v.properties) ? v.properties : {};
  for (const k of Object.keys(props).sort()) {
    const value = props[k];
    if (typeof value === 'string') properties[k] = value;
    // Numbers and booleans keep their text as written: "1.10" must not become "1.1".
    else if (typeof value === 'number' || typeof value === 'boolean') properties[k] = src.file.scalarSource(src.index, ['properties', k]) ?? String(value);
  }
  const deprecated: unknown = v.deprecated;
  return {
    tenant: id.tenant,
    name: id.name,
    domain: text(v.domain),
    owner: text(v.owner),
    description: text(v.description),
    location: text(v.location),
    format: text(v.format),
    // Tags and terms are sets: kept sorted so that reordering them changes neither the spec hash nor the diff.
    tags: texts(v.tags).sort(),
    terms: texts(v.terms).sort(),
    upstream: [],
    partitionKeys: texts(v.partitionKeys),
    schemaFile: null,
    fields: [],
    deprecated: isRecord(deprecated) ? { since: text(deprecated.since), reason: text(deprecated.reason), replacement: null } : null,
    properties,
    sourceFile,
  };
}

type Ptr = (d: { file: SpecFile; index: number }, p: Array<string | number>, at?: 'key' | 'value') => Pointer;

/** Reads the Arrow files (each once, concurrently) and builds every dataset's fields. */
async function buildAllFields(entries: DatasetEntry[], root: string, bag: DiagnosticBag, ptr: Ptr, inputs?: InMemoryFiles, keyOf?: SchemaKeyOf): Promise<void> {
  let realRoot = root;
  try {
    realRoot = realpathSync.native(root);
  } catch {
    // a root that cannot be resolved was reported by the loader
  }
  const cache = new Map<string, Promise<SchemaRead | string>>();
  const readSchema = (abs: string): Promise<SchemaRead | string> => {
    let p = cache.get(abs);
    if (!p) {
      p = inputs ? readSchemaBytes(abs, inputs.get(abs), keyOf) : readSchemaFile(abs, realRoot, keyOf);
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
        const read = await readSchema(abs);
        if (typeof read === 'string') {
          const code = read.startsWith('schema-') ? read.slice(0, read.indexOf(' ')) : 'schema-file-invalid';
          bag.error(ptr(e, ['schema']), code, `schema file "${v.schema}": ${read.slice(read.indexOf(' ') + 1)}`);
          e.fieldsKnown = false;
          return;
        }
        const { info, key } = read;
        e.schemaKey = key;
        e.dataset.schemaFile = path.relative(root, abs).split(path.sep).join('/');
        if (!e.dataset.description && info.description) e.dataset.description = info.description;
        e.built = buildFields(v.fields, { file: e.file, doc: e.index, arrow: { fields: info.fields, descriptions: info.fieldDescriptions } }, bag);
      }
      e.dataset.fields = e.built.fields;
      // An entry that did not become a field (bad type, missing type) hides it, so
      // column references into this dataset cannot be judged. With an Arrow schema
      // the file alone decides the fields; a bad annotation hides nothing.
      const paths = new Set(e.built.fields.map((f) => f.path));
      if (v.schema === undefined && (v.fields ?? []).some((f) => !paths.has(f.name))) e.fieldsKnown = false;
    }),
  );
}

/** An Arrow schema file read: the schema, and the file's contentKey. */
interface SchemaRead {
  info: ArrowSchemaInfo;
  key?: string;
}

/** An Arrow file's contentKey, from its path or its bytes. */
type SchemaKeyOf = (abs: string, bytes: Uint8Array) => string;

/** The schema (and its key, with `keyOf`), or "<code> <message>" when the file cannot be used. */
async function readSchemaBytes(abs: string, bytes: Buffer | undefined, keyOf?: SchemaKeyOf): Promise<SchemaRead | string> {
  if (!bytes) return 'schema-file-missing file not found';
  if (bytes.length > LIMITS.arrowFileBytes) return `schema-file-invalid is ${bytes.length} bytes; Arrow schema files are limited to ${LIMITS.arrowFileBytes} bytes`;
  try {
    return { info: await readArrowSchema(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), key: keyOf?.(abs, bytes) };
  } catch (e) {
    if (e instanceof ArrowSchemaError) return `schema-file-invalid ${e.message}`;
    throw e;
  }
}

async function readSchemaFile(abs: string, realRoot: string, keyOf?: SchemaKeyOf): Promise<SchemaRead | string> {
  // Synchronous on purpose: for the ~1,000 small files of the 10k benchmark, the
  // promise API's realpath/stat/readFile showed ~200 ms of main-thread time in a profile.
  let real: string;
  try {
    real = realpathSync.native(abs);
  } catch {
    return 'schema-file-missing file not found';
  }
  if (!isInside(realRoot, real)) return 'schema-path-escape resolves (through a symbolic link) outside the specs directory';
  try {
    const st = statSync(real);
    if (!st.isFile()) return 'schema-file-invalid is not a file';
    if (st.size > LIMITS.arrowFileBytes) return `schema-file-invalid is ${st.size} bytes; Arrow schema files are limited to ${LIMITS.arrowFileBytes} bytes`;
    const bytes = readFileSync(real);
    return { info: await readArrowSchema(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), key: keyOf?.(abs, bytes) };
  } catch (e) {
    if (e instanceof ArrowSchemaError) return `schema-file-invalid ${e.message}`;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return `schema-file-invalid cannot be read (${code})`;
    throw e;
  }
}

function reportLineageCycles(datasets: Map<string, DatasetEntry>, bag: DiagnosticBag, ptr: Ptr, defaultTenant: string): void {
  // Nodes in key order; an upstream list names its targets as they are spelled.
  const entries = [...datasets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
  const indexOf = bySpelling(entries.map((e) => e.dataset), (i) => i);
  const graph = adjacency(entries.length, (i, edge) => {
    for (const u of entries[i]!.dataset.upstream) {
      const j = indexOf(u);
      if (j !== undefined) edge(j);
    }
  });
  for (const cycle of findCycles(graph)) {
    // Report at the upstream entry of the first member that closes the cycle.
    const e = entries[cycle[0]!]!;
    const to = datasetKey(entries[cycle[1] ?? cycle[0]!]!.dataset);
    const names = [...cycle, cycle[0]!].map((k) => formatDatasetRef(entries[k]!.dataset, defaultTenant));
    const idx = (e.doc.upstream ?? []).findIndex((r) => datasetKey(parseDatasetRef(r, e.dataset.tenant)) === to);
    bag.error(ptr(e, idx >= 0 ? ['upstream', idx] : ['upstream']), 'lineage-cycle', `lineage cycle: ${names.join(' → ')} (each reads the next as upstream)`);
  }
}

function reportTermCycles(terms: Map<string, TermEntry>, bag: DiagnosticBag, ptr: Ptr): void {
  const ids = [...terms.keys()].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const graph = adjacency(ids.length, (i, edge) => {
    const parent = terms.get(ids[i]!)!.term.parent;
    const j = parent === null ? undefined : index.get(parent);
    if (j !== undefined) edge(j);
  });
  for (const cycle of findCycles(graph)) {
    const t = terms.get(ids[cycle[0]!]!)!;
    bag.error(ptr(t, ['parent']), 'term-cycle', `glossary parent cycle: ${[...cycle, cycle[0]!].map((k) => ids[k]!).join(' → ')}`);
    for (const k of cycle) terms.get(ids[k]!)!.term.parent = null;
  }
}

/** A directed graph on nodes 0..n-1, compressed: node i's edges go to targets[start[i]] .. targets[start[i+1]-1]. */
interface Adjacency {
  start: Int32Array;
  targets: Int32Array;
}

function adjacency(n: number, edgesOf: (i: number, edge: (j: number) => void) => void): Adjacency {
  const start = new Int32Array(n + 1);
  const targets: number[] = [];
  const edge = (j: number): void => void targets.push(j);
  for (let i = 0; i < n; i++) {
    start[i] = targets.length;
    edgesOf(i, edge);
  }
  start[n] = targets.length;
  return { start, targets: Int32Array.from(targets) };
}

/**
 * One cycle per strongly connected component that has one (Tarjan, iterative so
 * deep chains cannot overflow the stack), as node numbers: each cycle starts at its
 * smallest node and follows edges (cycle[i] has an edge to cycle[i+1]); cycles in
 * the order of their first nodes. Callers number their nodes in name order, so
 * "smallest" is the first name.
 */
function findCycles({ start, targets }: Adjacency): number[][] {
  // Integer ids and typed arrays: at 10,000 datasets and 50,000 edges a Map-based walk cost ~0.3 s.
  const n = start.length - 1;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const next = new Int32Array(n);
  const stack: number[] = [];
  const work: number[] = [];
  const cycles: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    index[root] = low[root] = counter++;
    next[root] = start[root]!;
    stack.push(root);
    onStack[root] = 1;
    work.push(root);
    while (work.length > 0) {
      const v = work[work.length - 1]!;
      if (next[v]! < start[v + 1]!) {
        const w = targets[next[v]!++]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          next[w] = start[w]!;
          stack.push(w);
          onStack[w] = 1;
          work.push(w);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const component = new Set<number>();
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.add(w);
        } while (w !== v);
        let selfLoop = false;
        for (let k = start[v]!; k < start[v + 1]!; k++) if (targets[k] === v) selfLoop = true;
        if (component.size > 1 || selfLoop) cycles.push(cycleWithin(component, { start, targets }));
      }
    }
  }
  return cycles.sort((a, b) => a[0]! - b[0]!);
}

/** A shortest cycle through the smallest node of a strongly connected component (BFS, edges in node order). */
function cycleWithin(component: Set<number>, { start: first, targets }: Adjacency): number[] {
  let start = Infinity;
  for (const v of component) start = Math.min(start, v);
  const prev = new Map<number, number>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    for (const w of targets.slice(first[n]!, first[n + 1]!).sort()) {
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
