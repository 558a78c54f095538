// The spec hash: sha256 over the catalog settings and one digest per dataset and
// glossary term. Digests are kept per entry, so a second model that shares most of
// its entries with a first (the two sides of a diff) hashes only what differs.
import { createHash } from 'node:crypto';
import type { CatalogConfig, Dataset, GlossaryTerm } from './model.js';

type Entry = Dataset | GlossaryTerm;

/** sha256 (hex) of an entry's canonical JSON, by entry object: models are never changed once built. */
const digests = new WeakMap<Entry, string>();
/** An entry known to mean the same as another (sameMeaning): it takes that one's digest when known. */
const twins = new WeakMap<Entry, Entry>();

/** sha256 (hex) of the normalised model: independent of file order, file names and formatting. */
export function hashModel(config: CatalogConfig, datasets: readonly Dataset[], terms: readonly GlossaryTerm[]): string {
  // Key order is fixed by construction (datasetModel, termModel, buildFields); where a
  // spec lives (its file, how specs are split into files) is not part of its meaning.
  const h = createHash('sha256');
  h.update(canonicalJson(config));
  for (const d of datasets) h.update(`\nD${entryDigest(d)}`);
  for (const t of terms) h.update(`\nT${entryDigest(t)}`);
  return h.digest('hex');
}

/**
 * Digests of the model's entries computed ahead of hashModel, a few per call (so
 * that a caller can fill waits with them): returns false once all are done.
 */
export function digestAhead(datasets: readonly Dataset[], terms: readonly GlossaryTerm[]): () => boolean {
  const entries: readonly Entry[] = [...datasets, ...terms];
  let next = 0;
  return () => {
    const end = Math.min(next + 16, entries.length);
    while (next < end) entryDigest(entries[next++]!);
    return next < entries.length;
  };
}

function entryDigest(entry: Entry): string {
  let digest = digests.get(entry);
  if (digest === undefined) {
    const twin = twins.get(entry);
    digest = (twin && digests.get(twin)) ?? createHash('sha256').update(entryJson(entry)).digest('hex');
    digests.set(entry, digest);
  }
  return digest;
}

function entryJson(entry: Entry): string {
  return JSON.stringify(content(entry));
}

/** What an entry means: all of it but the file that defines it. */
function content(entry: Entry): Omit<Entry, 'sourceFile'> {
  const { sourceFile: _file, ...rest } = entry;
  void _file;
  return rest;
}

/**
 * Whether two entries mean the same: equal in every key, in the same key order,
 * apart from the file that defines them; that is, whether their canonical JSON is
 * the same. When they are, they share one digest from then on, so hashing the
 * second model costs nothing for them. A diff asks this of every pair of entries
 * with the same name, most of which are unchanged.
 */
export function sameMeaning(a: Entry, b: Entry): boolean {
  if (a === b) return true;
  if (!sameJson(content(a), content(b))) return false;
  twins.set(a, b);
  twins.set(b, a);
  return true;
}

/** Deep equality of JSON-like values, key order included (so equal values stringify the same). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** JSON with object keys sorted, for values whose key order is not fixed by construction. */
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
