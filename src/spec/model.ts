// The validated catalog model: what the specs mean once defaults, Arrow files,
// references and types are resolved. Everything downstream (catalog, diff) reads this.

export interface DatasetId {
  tenant: string;
  name: string;
}

export interface ColumnRef extends DatasetId {
  field: string;
}

export interface Field {
  /** Dotted path: `address.city`; equals `name` for a top-level field. */
  path: string;
  name: string;
  /** Path of the enclosing field, null at the top level. */
  parent: string | null;
  depth: number;
  /** 0-based position in the dataset's field list (pre-order, nested fields after their parent). */
  position: number;
  /** Canonical Arrow type (pyarrow's spelling). */
  type: string;
  /** DuckDB's spelling. */
  sqlType: string;
  nullable: boolean;
  description: string | null;
  tags: string[];
  terms: string[];
  /** Column lineage: the upstream fields this one is computed from. */
  from: ColumnRef[];
}

export interface Deprecation {
  since: string | null;
  reason: string | null;
  replacement: DatasetId | null;
}

export interface Dataset extends DatasetId {
  domain: string | null;
  owner: string | null;
  description: string | null;
  location: string | null;
  format: string | null;
  tags: string[];
  terms: string[];
  upstream: DatasetId[];
  partitionKeys: string[];
  /** Arrow schema file, relative to the specs root (forward slashes). */
  schemaFile: string | null;
  fields: Field[];
  deprecated: Deprecation | null;
  properties: Record<string, string>;
  /** Spec file that defines it, relative to the specs root (forward slashes). */
  sourceFile: string;
}

export interface GlossaryTerm {
  id: string;
  name: string;
  definition: string;
  domain: string | null;
  owner: string | null;
  synonyms: string[];
  parent: string | null;
  related: string[];
  sourceFile: string;
}

export interface Policy {
  requireOwner: boolean;
  requireDescription: boolean;
  breakingChanges: 'fail' | 'warn';
}

export interface CatalogConfig {
  name: string | null;
  defaultTenant: string;
  policy: Policy;
  publishTarget: string | null;
}

export interface Model {
  config: CatalogConfig;
  /** Sorted by tenant, then name (case-insensitively). */
  datasets: Dataset[];
  /** Sorted by id. */
  terms: GlossaryTerm[];
  /** sha256 (hex) of the normalised model: independent of file order and formatting. */
  specHash: string;
}

export const DEFAULT_TENANT = 'default';

export const DEFAULT_CONFIG: CatalogConfig = {
  name: null,
  defaultTenant: DEFAULT_TENANT,
  policy: { requireOwner: true, requireDescription: false, breakingChanges: 'fail' },
  publishTarget: null,
};

/** Lookup key of a dataset: names are unique per tenant, case-insensitively. */
export function datasetKey(id: DatasetId): string {
  return `${id.tenant}/${id.name.toLowerCase()}`;
}

/**
 * A lookup by a dataset's exact tenant and name, as a model's references spell
 * their targets: two map lookups, no key string per reference (there are ~90,000
 * at 10k datasets). `valueOf(i)` is the value for `ids[i]`.
 */
export function bySpelling<T>(ids: readonly DatasetId[], valueOf: (i: number) => T): (id: DatasetId) => T | undefined {
  const tenants = new Map<string, Map<string, T>>();
  ids.forEach((id, i) => {
    let inTenant = tenants.get(id.tenant);
    if (!inTenant) tenants.set(id.tenant, (inTenant = new Map()));
    inTenant.set(id.name, valueOf(i));
  });
  return (id) => tenants.get(id.tenant)?.get(id.name);
}

/** Parses "name" or "tenant/name". */
export function parseDatasetRef(ref: string, defaultTenant: string): DatasetId {
  const slash = ref.indexOf('/');
  return slash < 0 ? { tenant: defaultTenant, name: ref } : { tenant: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** `name` in the given tenant, `tenant/name` otherwise. */
export function formatDatasetRef(id: DatasetId, relativeTo: string): string {
  return id.tenant === relativeTo ? id.name : `${id.tenant}/${id.name}`;
}

export function compareDatasets(a: DatasetId, b: DatasetId): number {
  const x = a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0;
  if (x) return x;
  const al = a.name.toLowerCase();
  const bl = b.name.toLowerCase();
  return al < bl ? -1 : al > bl ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Column references in model order: by dataset (compareDatasets), then field path. */
export function compareColumnRefs(a: ColumnRef, b: ColumnRef): number {
  return compareDatasets(a, b) || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0);
}

/** By field list, not by dataset: a list is never changed once built, so its map stays right. */
const positionMaps = new WeakMap<Field[], Map<string, number>>();

/**
 * A field's position in its dataset's field list by path, or undefined: a scan for
 * the usual few dozen fields, a map (built on first use) for wide datasets. Column
 * references are resolved this way by the thousand (analysis, catalog ids).
 */
export function fieldPosition(dataset: { fields: Field[] }, path: string): number | undefined {
  const fields = dataset.fields;
  if (fields.length <= 32) {
    for (let k = 0; k < fields.length; k++) if (fields[k]!.path === path) return k;
    return undefined;
  }
  let map = positionMaps.get(fields);
  if (!map) positionMaps.set(fields, (map = new Map(fields.map((f, k) => [f.path, k]))));
  return map.get(path);
}
