// Round trip: every fact of every spec in catalog-specs/ reaches the catalog file.
// The model from loadSpecs is compared with rows read back by plain SQL, table
// by table as docs/catalog-schema.md describes them.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../../src/catalog/open.js';
import { readModel } from '../../src/catalog/read-model.js';
import { sameMeaning } from '../../src/spec/digest.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/catalog/schema.js';
import { BUILDER, compileCatalog } from '../../src/catalog/compile.js';
import { openDatabase } from '../../src/db/index.js';
import { datasetKey, loadSpecs, type Dataset, type Model } from '../../src/spec/index.js';
import { datasetYaml } from '../helpers/fixtures.js';
import { buildCatalog, EPOCH_ISO, EXAMPLE_SPECS, FAKE_SHA, removeTempDirs, tempDir, writeTree } from './support.js';

let model: Model;
let cat: Catalog;
let out: string;
/** datasets.id by dataset key (tenant/lower-case name). */
const idOf = new Map<string, number>();
/** "datasetKey\0path" by fields.id. */
const fieldKeyOf = new Map<number, string>();

beforeAll(async () => {
  const loaded = await loadSpecs(EXAMPLE_SPECS);
  expect(loaded.errors).toBe(0);
  model = loaded.model;
  out = path.join(tempDir(), 'catalog.db');
  await buildCatalog(EXAMPLE_SPECS, out);
  cat = openCatalog(out);
  for (const r of cat.db.prepare('SELECT id, tenant, name FROM datasets').all<{ id: number; tenant: string; name: string }>()) idOf.set(datasetKey(r), r.id);
  for (const r of cat.db.prepare('SELECT f.id, d.tenant, d.name, f.path FROM fields f JOIN datasets d ON d.id = f.dataset_id').all<{ id: number; tenant: string; name: string; path: string }>()) {
    fieldKeyOf.set(r.id, `${datasetKey(r)}\u0000${r.path}`);
  }
});
afterAll(() => {
  cat.close();
  removeTempDirs();
});

const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
const datasetLabel = (d: Dataset) => `${d.tenant}/${d.name}`;

describe('round trip of the example catalog into SQLite', () => {
  it('reads back as the same model: every dataset and term means the same, in the same order (a catalog as a diff side)', () => {
    const back = readModel(cat);
    expect(back.specHash).toBe(model.specHash);
    expect(back.config).toEqual(model.config);
    expect(back.datasets.map(datasetLabel)).toEqual(model.datasets.map(datasetLabel));
    // Column lineage from two fields of one upstream dataset, where the order of the rows and the model's order differ.
    expect(model.datasets.some((d) => d.fields.some((f) => f.from.length > 1 && f.from[0]!.name === f.from[1]!.name))).toBe(true);
    model.datasets.forEach((d, i) => expect(sameMeaning(d, back.datasets[i]!), datasetLabel(d)).toBe(true));
    expect(back.terms.map((t) => t.id)).toEqual(model.terms.map((t) => t.id));
    model.terms.forEach((t, i) => expect(sameMeaning(t, back.terms[i]!), t.id).toBe(true));
  });

  it('the example is rich enough to prove something (nested fields, column lineage, two tenants, glossary links)', () => {
    expect(model.datasets.length).toBe(21);
    expect(new Set(model.datasets.map((d) => d.tenant))).toEqual(new Set(['acme', 'partner']));
    expect(model.datasets.some((d) => d.fields.some((f) => f.depth >= 2))).toBe(true);
    expect(model.datasets.some((d) => d.schemaFile !== null)).toBe(true);
    expect(model.terms.some((t) => t.parent && t.related.length && t.synonyms.length)).toBe(true);
  });

  it('file identity: application_id "MFCT" and user_version = SCHEMA_VERSION', () => {
    expect(cat.db.prepare('PRAGMA application_id').get()).toEqual({ application_id: APPLICATION_ID });
    expect(cat.db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
  });

  it('catalog_meta holds the documented keys with the model and build values', () => {
    const meta = Object.fromEntries(cat.db.prepare('SELECT key, value FROM catalog_meta').all<{ key: string; value: string | null }>().map((r) => [r.key, r.value]));
    expect(meta).toMatchObject({
      schema_version: String(SCHEMA_VERSION),
      version: '0',
      spec_hash: model.specHash,
      source_commit: FAKE_SHA,
      built_at: EPOCH_ISO,
      catalog_name: model.config.name,
      default_tenant: model.config.defaultTenant,
      policy: JSON.stringify(model.config.policy),
      publish_target: model.config.publishTarget,
      builder: BUILDER,
    });
    expect(JSON.parse(meta.policy!)).toEqual({ requireOwner: true, requireDescription: false, breakingChanges: 'fail' });
    expect(meta.spec_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('datasets: one row per spec, every column as declared', () => {
    const rows = cat.db.prepare('SELECT * FROM datasets ORDER BY id').all<Record<string, unknown>>();
    expect(rows).toHaveLength(model.datasets.length);
    const keyById = new Map([...idOf].map(([k, v]) => [v, k]));
    const nameCount = new Map<string, number>();
    for (const d of model.datasets) nameCount.set(d.name.toLowerCase(), (nameCount.get(d.name.toLowerCase()) ?? 0) + 1);
    for (const d of model.datasets) {
      const row = rows.find((r) => r.id === idOf.get(datasetKey(d)))!;
      expect(row, datasetLabel(d)).toBeDefined();
      const replacement = d.deprecated?.replacement ? idOf.get(datasetKey(d.deprecated.replacement)) : null;
      expect(row, datasetLabel(d)).toEqual({
        id: row.id,
        tenant: d.tenant,
        name: d.name,
        display_name: d.tenant === model.config.defaultTenant || nameCount.get(d.name.toLowerCase()) === 1 ? d.name : `${d.tenant}/${d.name}`,
        domain: d.domain,
        owner: d.owner,
        description: d.description,
        location: d.location,
        format: d.format,
        schema_file: d.schemaFile,
        source_file: d.sourceFile,
        partition_keys: JSON.stringify(d.partitionKeys),
        properties: JSON.stringify(d.properties),
        deprecated: d.deprecated ? 1 : 0,
        deprecated_since: d.deprecated?.since ?? null,
        deprecated_reason: d.deprecated?.reason ?? null,
        replacement_id: replacement ?? null,
        declared: 1,
      });
      if (d.deprecated?.replacement) expect(keyById.get(row.replacement_id as number)).toBe(datasetKey(d.deprecated.replacement));
    }
    expect(rows.filter((r) => r.deprecated === 1).map((r) => r.name)).toEqual(['orders_daily']);
  });

  it('fields: every field, nested ones included, with path, parent, depth, position, types, nullability and description', () => {
    const stmt = cat.db.prepare('SELECT path, name, parent_path, depth, position, type, sql_type, nullable, description FROM fields WHERE dataset_id = ? ORDER BY position');
    let total = 0;
    for (const d of model.datasets) {
      const rows = stmt.all(idOf.get(datasetKey(d))!);
      expect(rows, datasetLabel(d)).toEqual(
        d.fields.map((f) => ({
          path: f.path,
          name: f.name,
          parent_path: f.parent,
          depth: f.depth,
          position: f.position,
          type: f.type,
          sql_type: f.sqlType,
          nullable: f.nullable ? 1 : 0,
          description: f.description,
        })),
      );
      total += rows.length;
    }
    expect(cat.db.prepare('SELECT count(*) AS n FROM fields').get()).toEqual({ n: total });
    // Spot checks of what the Arrow files contribute.
    const webEvents = model.datasets.find((d) => d.name === 'web_events')!;
    expect(webEvents.fields.find((f) => f.path === 'page.utm.campaign')).toMatchObject({ depth: 2, parent: 'page.utm', type: 'string' });
  });

  it('tags: dataset tags and field tags, as written', () => {
    const rows = cat.db.prepare('SELECT dataset_id, field_id, tag FROM tags').all<{ dataset_id: number; field_id: number | null; tag: string }>();
    const actual = rows.map((r) => [r.dataset_id, r.field_id === null ? null : fieldKeyOf.get(r.field_id)!, r.tag]);
    const expected = model.datasets.flatMap((d) => {
      const id = idOf.get(datasetKey(d))!;
      return [...d.tags.map((t) => [id, null, t]), ...d.fields.flatMap((f) => f.tags.map((t) => [id, `${datasetKey(d)}\u0000${f.path}`, t]))];
    });
    expect(sorted(actual)).toEqual(sorted(expected));
    expect(expected.some((e) => e[1] !== null)).toBe(true);
  });

  it('term_links: dataset terms, field terms and related terms', () => {
    const rows = cat.db.prepare('SELECT term_id, kind, dataset_id, field_id, related_term_id FROM term_links').all<{
      term_id: string; kind: string; dataset_id: number | null; field_id: number | null; related_term_id: string | null;
    }>();
    const actual = rows.map((r) => [r.kind, r.term_id, r.dataset_id, r.field_id === null ? null : fieldKeyOf.get(r.field_id)!, r.related_term_id]);
    const expected = [
      ...model.datasets.flatMap((d) => {
        const id = idOf.get(datasetKey(d))!;
        return [...d.terms.map((t) => ['dataset', t, id, null, null]), ...d.fields.flatMap((f) => f.terms.map((t) => ['field', t, id, `${datasetKey(d)}\u0000${f.path}`, null]))];
      }),
      ...model.terms.flatMap((t) => t.related.map((r) => ['related', t.id, null, null, r])),
    ];
    expect(sorted(actual)).toEqual(sorted(expected));
  });

  it('lineage: exactly the declared upstream edges (upstream_id is read by downstream_id)', () => {
    const rows = cat.db.prepare('SELECT upstream_id, downstream_id FROM lineage').all<{ upstream_id: number; downstream_id: number }>();
    const keyById = new Map([...idOf].map(([k, v]) => [v, k]));
    const actual = rows.map((r) => `${keyById.get(r.upstream_id)} -> ${keyById.get(r.downstream_id)}`);
    const expected = model.datasets.flatMap((d) => d.upstream.map((u) => `${datasetKey(u)} -> ${datasetKey(d)}`));
    expect(actual.sort()).toEqual(expected.sort());
    // The example has cross-tenant edges in both directions.
    expect(expected).toContain('partner/partner_settlements -> acme/revenue_monthly');
    expect(expected).toContain('acme/sales_daily -> partner/partner_sales_report');
  });

  it('column_lineage: exactly the declared from: entries, and their datasets are linked in lineage', () => {
    const rows = cat.db.prepare('SELECT upstream_field_id AS u, downstream_field_id AS d FROM column_lineage').all<{ u: number; d: number }>();
    const actual = rows.map((r) => `${fieldKeyOf.get(r.u)} -> ${fieldKeyOf.get(r.d)}`);
    const expected = [
      ...new Set(model.datasets.flatMap((d) => d.fields.flatMap((f) => f.from.map((c) => `${datasetKey(c)}\u0000${c.field} -> ${datasetKey(d)}\u0000${f.path}`)))),
    ];
    expect(actual.sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(100);
    const unlinked = cat.db
      .prepare(
        `SELECT count(*) AS n FROM column_lineage c JOIN fields uf ON uf.id = c.upstream_field_id JOIN fields df ON df.id = c.downstream_field_id
         WHERE NOT EXISTS (SELECT 1 FROM lineage l WHERE l.upstream_id = uf.dataset_id AND l.downstream_id = df.dataset_id)`,
      )
      .get<{ n: number }>()!.n;
    expect(unlinked).toBe(0);
  });

  it('glossary_terms: every term with name, definition, domain, owner, parent, synonyms and source file', () => {
    const rows = cat.db.prepare('SELECT * FROM glossary_terms ORDER BY id').all();
    expect(rows).toEqual(
      model.terms.map((t) => ({
        id: t.id,
        name: t.name,
        definition: t.definition,
        domain: t.domain,
        owner: t.owner,
        parent_id: t.parent,
        synonyms: JSON.stringify(t.synonyms),
        source_file: t.sourceFile,
      })),
    );
    expect(model.terms.length).toBe(35);
  });

  it('observations start empty and every dataset is declared', () => {
    expect(cat.db.prepare('SELECT count(*) AS n FROM observations').get()).toEqual({ n: 0 });
    expect(cat.db.prepare('SELECT count(*) AS n FROM datasets WHERE declared <> 1').get()).toEqual({ n: 0 });
  });

  it('dataset_search: one index row per dataset, holding its names, terms, fields and tags', () => {
    expect(cat.db.prepare('SELECT count(*) AS n FROM dataset_search').get()).toEqual({ n: model.datasets.length });
    // FTS5's own check that the index matches its stored content (a command, so on a copy opened for writing).
    const copy = path.join(path.dirname(out), 'copy.db');
    copyFileSync(out, copy);
    const w = openDatabase(copy);
    try {
      expect(() => w.prepare("INSERT INTO dataset_search (dataset_search, rank) VALUES ('integrity-check', 1)").run()).not.toThrow();
    } finally {
      w.close();
    }
    const row = cat.db
      .prepare('SELECT s.fields, s.terms, s.tags FROM dataset_search s JOIN datasets d ON d.id = s.rowid WHERE d.name = ?')
      .get<{ fields: string; terms: string; tags: string }>('web_events')!;
    expect(row.fields.split(' ')).toContain('page.utm.campaign');
    expect(row.terms).toContain('web_session');
    // Dataset tags and the tags of its fields (so "pseudonymous" finds web_events).
    expect(new Set(row.tags.split(' '))).toEqual(new Set(['clickstream', 'raw', 'streaming', 'pseudonymous']));
  });

  it('the whole file passes PRAGMA integrity_check and foreign_key_check', () => {
    expect(cat.db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    expect(cat.db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
  });
});

// Field ids are written as a dataset's base plus the field's position; a column
// reference finds that position by a scan (up to 32 fields) or a map (wider
// datasets). Both paths, read back by path.
describe('column lineage into narrow and wide datasets', () => {
  it('every from: entry lands on the field of that path, whichever way its position was found', async () => {
    const dir = tempDir();
    const wideFields = Array.from({ length: 40 }, (_, i) => `  - {name: w${String(i).padStart(2, '0')}, type: int64}`).join('\n');
    const froms = ['wide:w00', 'wide:w31', 'wide:w32', 'wide:w39', 'narrow:n2'];
    writeTree(dir, {
      'wide.yaml': datasetYaml('wide', `fields:\n${wideFields}\n`),
      'narrow.yaml': datasetYaml('narrow', 'fields:\n  - {name: n1, type: string}\n  - {name: n2, type: string}\n'),
      'down.yaml': datasetYaml('down', `upstream: [wide, narrow]\nfields:\n${froms.map((f, i) => `  - {name: d${i}, type: int64, from: ["${f}"]}`).join('\n')}\n`),
    });
    const loaded = await loadSpecs(dir);
    expect(loaded.errors).toBe(0);
    const file = path.join(dir, 'c.db');
    await compileCatalog(loaded.model, file, { version: 0, sourceCommit: null, builtAt: null });
    const db = openDatabase(file);
    try {
      const rows = db
        .prepare(
          `SELECT ud.name || ':' || uf.path AS up, dd.name || ':' || df.path AS down FROM column_lineage c
           JOIN fields uf ON uf.id = c.upstream_field_id JOIN datasets ud ON ud.id = uf.dataset_id
           JOIN fields df ON df.id = c.downstream_field_id JOIN datasets dd ON dd.id = df.dataset_id ORDER BY down`,
        )
        .all<{ up: string; down: string }>();
      expect(rows).toEqual(froms.map((f, i) => ({ up: f, down: `down:d${i}` })));
    } finally {
      db.close();
    }
  });
});
