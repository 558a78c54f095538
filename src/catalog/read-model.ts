// The catalog file read back into the same Model the specs produce, so that a
// diff can compare any two of: specs directory, catalog file, git commit, store URL.
import { compareColumnRefs, DEFAULT_CONFIG, type CatalogConfig, type Dataset, type Field, type GlossaryTerm, type Model, type Policy } from '../spec/model.js';
import type { ObservationRow } from './observations.js';
import type { Catalog } from './open.js';

export function readModel(cat: Catalog): Model {
  const db = cat.db;
  const meta = Object.fromEntries(db.prepare('SELECT key, value FROM catalog_meta').all<{ key: string; value: string | null }>().map((r) => [r.key, r.value]));
  let policy: Policy = DEFAULT_CONFIG.policy;
  try {
    if (meta.policy) policy = { ...DEFAULT_CONFIG.policy, ...(JSON.parse(meta.policy) as Partial<Policy>) };
  } catch {
    // an unreadable policy falls back to the defaults
  }
  const config: CatalogConfig = {
    name: meta.catalog_name ?? null,
    defaultTenant: meta.default_tenant ?? DEFAULT_CONFIG.defaultTenant,
    policy,
    publishTarget: meta.publish_target ?? null,
  };

  const rows = db.prepare('SELECT * FROM datasets WHERE declared = 1 ORDER BY tenant, name COLLATE NOCASE, name').all<{
    id: number; tenant: string; name: string; domain: string | null; owner: string | null; description: string | null;
    location: string | null; format: string | null; schema_file: string | null; source_file: string | null;
    partition_keys: string; properties: string; deprecated: number; deprecated_since: string | null;
    deprecated_reason: string | null; replacement_id: number | null;
  }>();
  const byId = new Map<number, Dataset>();
  const idOf = new Map<number, { tenant: string; name: string }>();
  for (const r of db.prepare('SELECT id, tenant, name FROM datasets').all<{ id: number; tenant: string; name: string }>()) idOf.set(r.id, { tenant: r.tenant, name: r.name });
  for (const r of rows) {
    byId.set(r.id, {
      tenant: r.tenant,
      name: r.name,
      domain: r.domain,
      owner: r.owner,
      description: r.description,
      location: r.location,
      format: r.format,
      tags: [],
      terms: [],
      upstream: [],
      partitionKeys: JSON.parse(r.partition_keys) as string[],
      schemaFile: r.schema_file,
      fields: [],
      deprecated: r.deprecated
        ? { since: r.deprecated_since, reason: r.deprecated_reason, replacement: r.replacement_id === null ? null : (idOf.get(r.replacement_id) ?? null) }
        : null,
      properties: JSON.parse(r.properties) as Record<string, string>,
      sourceFile: r.source_file ?? '',
    });
  }

  const fieldById = new Map<number, { field: Field; datasetId: number }>();
  for (const f of db.prepare('SELECT * FROM fields ORDER BY dataset_id, position').all<{
    id: number; dataset_id: number; path: string; name: string; parent_path: string | null; depth: number; position: number;
    type: string; sql_type: string; nullable: number; description: string | null;
  }>()) {
    const ds = byId.get(f.dataset_id);
    if (!ds) continue;
    const field: Field = {
      path: f.path, name: f.name, parent: f.parent_path, depth: f.depth, position: f.position, type: f.type, sqlType: f.sql_type,
      nullable: f.nullable === 1, description: f.description, tags: [], terms: [], from: [],
    };
    ds.fields.push(field);
    fieldById.set(f.id, { field, datasetId: f.dataset_id });
  }
  for (const t of db.prepare('SELECT dataset_id, field_id, tag FROM tags ORDER BY rowid').all<{ dataset_id: number; field_id: number | null; tag: string }>()) {
    if (t.field_id === null) byId.get(t.dataset_id)?.tags.push(t.tag);
    else fieldById.get(t.field_id)?.field.tags.push(t.tag);
  }
  for (const l of db.prepare('SELECT upstream_id, downstream_id FROM lineage ORDER BY downstream_id, upstream_id').all<{ upstream_id: number; downstream_id: number }>()) {
    const up = idOf.get(l.upstream_id);
    if (up) byId.get(l.downstream_id)?.upstream.push(up);
  }
  for (const c of db.prepare('SELECT upstream_field_id, downstream_field_id FROM column_lineage').all<{ upstream_field_id: number; downstream_field_id: number }>()) {
    const up = fieldById.get(c.upstream_field_id);
    const down = fieldById.get(c.downstream_field_id);
    const upDs = up ? idOf.get(up.datasetId) : undefined;
    if (up && down && upDs) down.field.from.push({ ...upDs, field: up.field.path });
  }
  // In the order analysis gives them, so that a model read back means the same entry for entry (diff's sameMeaning).
  for (const { field } of fieldById.values()) {
    if (field.from.length > 1) field.from.sort(compareColumnRefs);
  }

  const terms = new Map<string, GlossaryTerm>();
  for (const t of db.prepare('SELECT * FROM glossary_terms ORDER BY id').all<{
    id: string; name: string; definition: string; domain: string | null; owner: string | null; parent_id: string | null; synonyms: string; source_file: string | null;
  }>()) {
    terms.set(t.id, {
      id: t.id, name: t.name, definition: t.definition, domain: t.domain, owner: t.owner,
      synonyms: JSON.parse(t.synonyms) as string[], parent: t.parent_id, related: [], sourceFile: t.source_file ?? '',
    });
  }
  for (const l of db.prepare('SELECT term_id, kind, dataset_id, field_id, related_term_id FROM term_links ORDER BY rowid').all<{
    term_id: string; kind: string; dataset_id: number | null; field_id: number | null; related_term_id: string | null;
  }>()) {
    if (l.kind === 'dataset' && l.dataset_id !== null) byId.get(l.dataset_id)?.terms.push(l.term_id);
    else if (l.kind === 'field' && l.field_id !== null) fieldById.get(l.field_id)?.field.terms.push(l.term_id);
    else if (l.kind === 'related' && l.related_term_id) terms.get(l.term_id)?.related.push(l.related_term_id);
  }

  return { config, datasets: [...byId.values()], terms: [...terms.values()], specHash: meta.spec_hash ?? '' };
}

/** Every run-time observation in the catalog, oldest first. */
export function readObservations(cat: Catalog): ObservationRow[] {
  return cat.db
    .prepare('SELECT uid, tenant, dataset, observed_at, run_id, row_count, size_bytes, schema, upstream FROM observations ORDER BY observed_at, uid')
    .all<ObservationRow>();
}
