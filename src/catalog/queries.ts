// Read queries over a catalog file. The CLI and the server both answer from
// these functions, so every reader sees the same data in the same shapes.
import type { Database } from '../db/index.js';
import type { Catalog } from './open.js';
import { SEARCH_WEIGHTS } from './schema.js';
import { SEARCH_COLUMNS, SearchIndex, type Ranked } from './search-index.js';
import { toFtsQuery } from './search-query.js';
import type { CatalogStats, DatasetDetail, DatasetSummary, Direction, Edge, LineageGraph, Observation, SearchResult, TermDetail, TermSummary } from './api-types.js';

export type { CatalogStats, DatasetDetail, DatasetSummary, Direction, Drift, Edge, FieldDetail, LineageGraph, Observation, SearchResult, TermDetail, TermSummary } from './api-types.js';

export class NotFoundError extends Error {}

interface DatasetRow {
  id: number;
  tenant: string;
  name: string;
  display_name: string;
  domain: string | null;
  owner: string | null;
  description: string | null;
  location: string | null;
  format: string | null;
  schema_file: string | null;
  source_file: string | null;
  partition_keys: string;
  properties: string;
  deprecated: number;
  deprecated_since: string | null;
  deprecated_reason: string | null;
  replacement_id: number | null;
  declared: number;
}

/** Finds a dataset by "name" (default tenant first, then a name unique across tenants) or "tenant/name". */
export function resolveDataset(cat: Catalog, ref: string): DatasetRow {
  const db = cat.db;
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const row = db.prepare('SELECT * FROM datasets WHERE tenant = ? AND name = ? COLLATE NOCASE').get<DatasetRow>(ref.slice(0, slash), ref.slice(slash + 1));
    if (row) return row;
  } else {
    const row = db.prepare('SELECT * FROM datasets WHERE tenant = ? AND name = ? COLLATE NOCASE').get<DatasetRow>(cat.meta.defaultTenant, ref);
    if (row) return row;
    const rows = db.prepare('SELECT * FROM datasets WHERE name = ? COLLATE NOCASE ORDER BY tenant LIMIT 3').all<DatasetRow>(ref);
    if (rows.length === 1) return rows[0]!;
    if (rows.length > 1) {
      throw new NotFoundError(`"${ref}" exists in several tenants; say which: ${rows.map((r) => `${r.tenant}/${r.name}`).join(', ')}`);
    }
  }
  throw new NotFoundError(`no dataset "${ref}"${suggestDataset(db, ref)}`);
}

function suggestDataset(db: Database, ref: string): string {
  const name = ref.slice(ref.indexOf('/') + 1);
  const prefix = name.slice(0, Math.max(1, Math.min(4, name.length - 1)));
  const rows = db.prepare("SELECT display_name FROM datasets WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT 5").all<{ display_name: string }>(`${escapeLike(prefix)}%`);
  return rows.length ? ` (similar: ${rows.map((r) => r.display_name).join(', ')})` : '';
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// ---------------------------------------------------------------- list

export interface ListFilters {
  tenant?: string;
  domain?: string;
  tag?: string;
  owner?: string;
  term?: string;
  limit?: number;
  offset?: number;
}

export function listDatasets(cat: Catalog, f: ListFilters = {}): { total: number; datasets: DatasetSummary[] } {
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (f.tenant !== undefined) where.push('d.tenant = ?'), params.push(f.tenant);
  if (f.domain !== undefined) where.push('d.domain = ? COLLATE NOCASE'), params.push(f.domain);
  if (f.owner !== undefined) where.push('d.owner = ? COLLATE NOCASE'), params.push(f.owner);
  // IN (...) rather than a correlated EXISTS: SQLite then walks the tag or term index
  // once instead of probing it for every dataset (count for a tag at 10k: 4.4 → 1.2 ms).
  if (f.tag !== undefined) where.push('d.id IN (SELECT t.dataset_id FROM tags t WHERE t.tag = ? COLLATE NOCASE AND t.field_id IS NULL)'), params.push(f.tag);
  if (f.term !== undefined) where.push("d.id IN (SELECT l.dataset_id FROM term_links l WHERE l.term_id = ? AND l.kind IN ('dataset', 'field'))"), params.push(f.term);
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = cat.db.prepare(`SELECT count(*) AS n FROM datasets d ${clause}`).get<{ n: number }>(...params)!.n;
  const limit = f.limit ?? -1;
  // Without a filter (or by tenant alone) the name index yields the page in order. With
  // one, the matches must be sorted: pick the page's ids first, so that the per-row field
  // counts and tag lists are computed for the page only, not for every match.
  const byIndex = f.domain === undefined && f.owner === undefined && f.tag === undefined && f.term === undefined;
  const from = byIndex
    ? `datasets d ${clause} ORDER BY d.tenant, d.name COLLATE NOCASE LIMIT ? OFFSET ?`
    : `(SELECT d.id FROM datasets d ${clause} ORDER BY d.tenant, d.name COLLATE NOCASE LIMIT ? OFFSET ?) page JOIN datasets d ON d.id = page.id ORDER BY d.tenant, d.name COLLATE NOCASE`;
  const rows = cat.db
    .prepare(
      `SELECT d.*, (SELECT count(*) FROM fields x WHERE x.dataset_id = d.id) AS field_count,
              (SELECT group_concat(t.tag, char(31) ORDER BY t.tag) FROM tags t WHERE t.dataset_id = d.id AND t.field_id IS NULL) AS tag_list
       FROM ${from}`,
    )
    .all<DatasetRow & { field_count: number; tag_list: string | null }>(...params, limit, f.offset ?? 0);
  return {
    total,
    datasets: rows.map((r) => ({
      name: r.display_name,
      tenant: r.tenant,
      domain: r.domain,
      owner: r.owner,
      description: r.description,
      tags: splitList(r.tag_list),
      fields: r.field_count,
      deprecated: r.deprecated === 1,
    })),
  };
}

function splitList(s: string | null): string[] {
  return s ? s.split('\u001f') : [];
}

// ---------------------------------------------------------------- show

/**
 * A dataset's fields, tags, terms, column lineage and neighbours, each a JSON array in
 * the order shown (ordered aggregates: SQLite 3.44 or later, as both drivers have).
 * Tags and terms with a null field id are the dataset's own.
 */
const SHOW_DETAIL = `SELECT
  (SELECT json_group_array(json_array(id, path, type, sql_type, nullable, description, depth) ORDER BY position) FROM fields WHERE dataset_id = ?) AS fields,
  (SELECT json_group_array(json_array(field_id, tag) ORDER BY rowid) FROM tags WHERE dataset_id = ?) AS tags,
  (SELECT json_group_array(json_array(field_id, term_id) ORDER BY rowid) FROM term_links WHERE dataset_id = ? AND kind IN ('dataset', 'field')) AS terms,
  (SELECT json_group_array(json_array(c.downstream_field_id, ud.display_name || ':' || uf.path) ORDER BY ud.display_name, uf.position)
     FROM fields f JOIN column_lineage c ON c.downstream_field_id = f.id
     JOIN fields uf ON uf.id = c.upstream_field_id JOIN datasets ud ON ud.id = uf.dataset_id
     WHERE f.dataset_id = ?) AS column_from,
  (SELECT json_group_array(u.display_name ORDER BY u.tenant, u.name COLLATE NOCASE) FROM lineage l JOIN datasets u ON u.id = l.upstream_id WHERE l.downstream_id = ?) AS upstream,
  (SELECT json_group_array(w.display_name ORDER BY w.tenant, w.name COLLATE NOCASE) FROM lineage l JOIN datasets w ON w.id = l.downstream_id WHERE l.upstream_id = ?) AS downstream`;

export function showDataset(cat: Catalog, ref: string): DatasetDetail {
  const db = cat.db;
  const d = resolveDataset(cat, ref);
  // Everything else in one statement, each list as a JSON array built by SQLite: six
  // statements, and an object per row, were most of a show's time (~140 -> ~80 us at 10k).
  const detail = db.prepare(SHOW_DETAIL).get<Record<'fields' | 'tags' | 'terms' | 'column_from' | 'upstream' | 'downstream', string>>(d.id, d.id, d.id, d.id, d.id, d.id)!;
  const fields = JSON.parse(detail.fields) as Array<[id: number, path: string, type: string, sqlType: string, nullable: number, description: string | null, depth: number]>;
  /** [field id or null, value] pairs grouped by field id; 0 holds the dataset's own (ids start at 1). */
  const byField = (json: string): Map<number, string[]> => {
    const m = new Map<number, string[]>();
    for (const [field, value] of JSON.parse(json) as Array<[number | null, string]>) {
      const k = field ?? 0;
      const list = m.get(k);
      if (list) list.push(value);
      else m.set(k, [value]);
    }
    return m;
  };
  const fieldTags = byField(detail.tags);
  const fieldTerms = byField(detail.terms);
  const from = byField(detail.column_from);
  const replacement = d.replacement_id === null ? null : db.prepare('SELECT display_name FROM datasets WHERE id = ?').get<{ display_name: string }>(d.replacement_id)?.display_name ?? null;
  return {
    name: d.display_name,
    tenant: d.tenant,
    domain: d.domain,
    owner: d.owner,
    description: d.description,
    location: d.location,
    format: d.format,
    tags: fieldTags.get(0) ?? [],
    terms: fieldTerms.get(0) ?? [],
    fields: fields.map(([id, path, type, sqlType, nullable, description, depth]) => ({
      name: path,
      type,
      sqlType,
      nullable: nullable === 1,
      description,
      tags: fieldTags.get(id) ?? [],
      terms: fieldTerms.get(id) ?? [],
      depth,
      from: from.get(id) ?? [],
    })),
    upstream: JSON.parse(detail.upstream) as string[],
    downstream: JSON.parse(detail.downstream) as string[],
    observed: latestObservation(db, d.tenant, d.name),
    partitionKeys: JSON.parse(d.partition_keys) as string[],
    properties: JSON.parse(d.properties) as Record<string, string>,
    deprecated: d.deprecated ? { since: d.deprecated_since, reason: d.deprecated_reason, replacement } : null,
    schemaFile: d.schema_file,
    sourceFile: d.source_file,
    declared: d.declared === 1,
  };
}

function latestObservation(db: Database, tenant: string, name: string): Observation | null {
  const row = db
    .prepare(
      `SELECT *, (SELECT count(*) FROM observations o2 WHERE o2.tenant = o.tenant AND o2.dataset = o.dataset COLLATE NOCASE) AS n
       FROM observations o WHERE tenant = ? AND dataset = ? COLLATE NOCASE ORDER BY observed_at DESC, id DESC LIMIT 1`,
    )
    .get<{ observed_at: string; run_id: string | null; row_count: number | null; size_bytes: number | null; schema: string | null; drift: string | null; n: number }>(tenant, name);
  if (!row) return null;
  return {
    observedAt: row.observed_at,
    runId: row.run_id,
    rowCount: row.row_count,
    sizeBytes: row.size_bytes,
    schema: row.schema ? (JSON.parse(row.schema) as Observation['schema']) : null,
    drift: row.drift ? (JSON.parse(row.drift) as Observation['drift']) : null,
    count: row.n,
  };
}

// ---------------------------------------------------------------- search

/** In-memory search indexes of open catalogs (prepareSearch): absent, being built (a promise), or built (null when not applicable). */
const searchIndexes = new WeakMap<Catalog, Promise<SearchIndex | null> | SearchIndex | null>();

/**
 * Builds the in-memory search index of a catalog that will answer many searches
 * (metafuse serve does this for each catalog it opens). Until it is ready, and
 * without it, searches rank on SQLite's FTS5 index, with the same results.
 * `pause` runs between slices of the build (serve yields to its event loop).
 */
export function prepareSearch(cat: Catalog, pause?: () => Promise<void> | void): Promise<void> {
  const existing = searchIndexes.get(cat);
  if (existing !== undefined) return Promise.resolve(existing).then(() => undefined);
  const building = SearchIndex.build(cat.db, pause).then(
    (index) => (searchIndexes.set(cat, index), index),
    (e: unknown) => {
      // A catalog closed while its index was being built: nothing left to search.
      searchIndexes.delete(cat);
      throw e;
    },
  );
  searchIndexes.set(cat, building);
  return building.then(() => undefined);
}

export function searchDatasets(cat: Catalog, query: string, limit = 20): { query: string; results: SearchResult[] } {
  const fts = toFtsQuery(query);
  if (!fts) return { query, results: [] };
  const db = cat.db;
  const index = searchIndexes.get(cat);
  // Datasets named exactly as the query come first (then by rank).
  const exact = (): Set<number> => new Set(db.prepare('SELECT id FROM datasets WHERE name = ? COLLATE NOCASE').all<{ id: number }>(query.trim()).map((r) => r.id));
  const ranked =
    (index instanceof SearchIndex ? index.rank(fts.parts, exact(), limit) : null) ??
    db
      .prepare(
        `SELECT s.rowid AS id, s.rank AS rank FROM dataset_search s JOIN datasets d ON d.id = s.rowid
         WHERE dataset_search MATCH ? AND rank MATCH 'bm25(${SEARCH_WEIGHTS.join(', ')})'
         ORDER BY (lower(d.name) = lower(?)) DESC, s.rank LIMIT ?`,
      )
      .all<Ranked>(fts.match, query.trim(), limit);
  if (ranked.length === 0) return { query, results: [] };
  // The returned datasets with what the search index holds for them (for "why it matched").
  const rows = new Map(
    db
      .prepare(
        `SELECT d.id, d.display_name, d.tenant, d.domain, d.owner, d.description,
                (SELECT group_concat(t.tag, char(31) ORDER BY t.tag) FROM tags t WHERE t.dataset_id = d.id AND t.field_id IS NULL) AS tag_list,
                ${SEARCH_COLUMNS.map((c, i) => `s.${c} AS s${i}`).join(', ')}
         FROM datasets d JOIN dataset_search s ON s.rowid = d.id WHERE d.id IN (SELECT value FROM json_each(?))`,
      )
      .all<SearchRow>(JSON.stringify(ranked.map((r) => r.id)))
      .map((r) => [r.id, r]),
  );
  // A token matches where a word starts, words as the index splits them: "ord" is in "orders" but not in "golden-record".
  const wordStart = new RegExp(`(?<![\\p{L}\\p{N}\\p{Co}])(?:${fts.tokens.map(foldWord).join('|')})`, 'u');
  const results = ranked.map(({ id, rank }) => {
    const r = rows.get(id)!;
    return {
      name: r.display_name,
      tenant: r.tenant,
      domain: r.domain,
      owner: r.owner,
      description: r.description,
      // Significant digits, not decimals: bm25 scores of words in most datasets are ~1e-6
      // (FTS5 clamps a negative IDF), and rounding them to 0 would erase the ranking.
      score: Number((-rank).toPrecision(4)),
      matched: SEARCH_COLUMNS.filter((_, i) => wordStart.test(foldWord(r[`s${i}`] ?? ''))).map((c) => (c === 'field_descriptions' ? 'field descriptions' : c)),
      tags: splitList(r.tag_list),
    };
  });
  return { query, results };
}

interface SearchRow {
  id: number;
  display_name: string;
  tenant: string;
  domain: string | null;
  owner: string | null;
  description: string | null;
  tag_list: string | null;
  /** The search index's columns, s0 … s8 in SEARCH_COLUMNS order. */
  [column: `s${number}`]: string | null;
}

/** Lower case without diacritics, like the index's `unicode61 remove_diacritics 2`. */
function foldWord(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

// ---------------------------------------------------------------- lineage

export const MAX_LINEAGE_DEPTH = 100;

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The dataset graph in memory, read once per open catalog (a catalog file never
 * changes while open): adjacency in compressed-sparse-row form, both directions,
 * and every dataset's display name. At 10,000 datasets and 48,000 edges it costs
 * ~20 ms once and makes a full-depth walk a few milliseconds instead of one SQL
 * lookup per dataset.
 */
interface LineageIndex {
  names: string[];
  /** Position of each dataset id in display-name order, and the id at each position: sorting by name is sorting integers. */
  rank: Int32Array;
  byRank: Int32Array;
  down: { start: Int32Array; to: Int32Array };
  up: { start: Int32Array; to: Int32Array };
  /**
   * One frozen edge object per lineage row, at its place in `down.to`, shared by all
   * answers: a full-depth answer at 10k holds ~37,000 edges, and making them per call
   * was most of its garbage (p95 ~9 -> ~6 ms).
   */
  edges: readonly Edge[];
}

const lineageIndexes = new WeakMap<Catalog, LineageIndex>();

function lineageIndex(cat: Catalog): LineageIndex {
  let index = lineageIndexes.get(cat);
  if (index) return index;
  const db = cat.db;
  const size = (db.prepare('SELECT max(id) AS n FROM datasets').get<{ n: number | null }>()?.n ?? 0) + 1;
  const names: string[] = new Array<string>(size).fill('');
  for (const r of db.prepare('SELECT id, display_name FROM datasets').iterate<{ id: number; display_name: string }>()) names[r.id] = r.display_name;
  const byRank = Int32Array.from(names.keys()).sort((a, b) => compareText(names[a]!, names[b]!));
  const rank = new Int32Array(size);
  byRank.forEach((id, r) => (rank[id] = r));
  // One string of "u,d,u,d,…" parses faster than 48,000 row objects.
  const flat = (db.prepare("SELECT group_concat(upstream_id || ',' || downstream_id, ',') AS s FROM lineage").get<{ s: string | null }>()?.s ?? '').split(',');
  const pairs = flat.length > 1 ? flat.length / 2 : 0;
  const csr = (fromOffset: 0 | 1) => {
    const start = new Int32Array(size + 1);
    for (let e = 0; e < pairs; e++) start[Number(flat[2 * e + fromOffset]) + 1]!++;
    for (let i = 0; i < size; i++) start[i + 1]! += start[i]!;
    const fill = start.slice(0, size);
    const targets = new Int32Array(pairs);
    for (let e = 0; e < pairs; e++) targets[fill[Number(flat[2 * e + fromOffset])]!++] = Number(flat[2 * e + 1 - fromOffset]);
    // Each dataset's neighbours in name order (insertion sort: a handful each), so a walk emits edges already sorted.
    for (let i = 0; i < size; i++) {
      for (let k = start[i]! + 1; k < start[i + 1]!; k++) {
        const t = targets[k]!;
        let j = k - 1;
        for (; j >= start[i]! && rank[targets[j]!]! > rank[t]!; j--) targets[j + 1] = targets[j]!;
        targets[j + 1] = t;
      }
    }
    return { start, to: targets };
  };
  const down = csr(0);
  const edges: Edge[] = new Array<Edge>(down.to.length);
  for (let id = 0; id < size; id++) {
    for (let k = down.start[id]!; k < down.start[id + 1]!; k++) edges[k] = Object.freeze({ from: names[id]!, to: names[down.to[k]!]! });
  }
  index = { names, rank, byRank, down, up: csr(1), edges };
  lineageIndexes.set(cat, index);
  return index;
}

export function lineage(cat: Catalog, ref: string, direction: Direction = 'both', depth = MAX_LINEAGE_DEPTH, columns = false): LineageGraph {
  const db = cat.db;
  const root = resolveDataset(cat, ref);
  const maxDepth = Math.min(Math.max(depth, 0), MAX_LINEAGE_DEPTH);
  const { names, rank, byRank, down, up, edges: edgeOf } = lineageIndex(cat);
  const size = names.length;
  // Signed distance from the root (upstream negative), NONE when not reached; each
  // dataset is expanded once, breadth-first, at its shortest distance.
  const NONE = 0x7fffffff;
  const distance = new Int32Array(size).fill(NONE);
  distance[root.id] = 0;
  let reached = 1;
  // One queue for both walks, levels one after the other: typed arrays, no array per level.
  const queue = new Int32Array(size);
  const walk = (adj: LineageIndex['down'], sign: 1 | -1) => {
    const seen = new Uint8Array(size);
    seen[root.id] = 1;
    queue[0] = root.id;
    let head = 0;
    let tail = 1;
    for (let d = 1; d <= maxDepth && head < tail; d++) {
      for (const end = tail; head < end; head++) {
        const id = queue[head]!;
        for (let k = adj.start[id]!, last = adj.start[id + 1]!; k < last; k++) {
          const next = adj.to[k]!;
          if (seen[next]) continue;
          seen[next] = 1;
          queue[tail++] = next;
          if (distance[next] === NONE) {
            distance[next] = sign * d;
            reached++;
          }
        }
      }
    }
  };
  if (direction !== 'down') walk(up, -1);
  if (direction !== 'up') walk(down, 1);
  // The reached datasets in name order: a pass over all ranks when the closure is a
  // large part of the graph (sorting 8,000 keys cost more than reading 10,000 ranks),
  // a sort of their ranks when it is small.
  const byName = new Int32Array(reached);
  if (reached * 16 > size) {
    for (let r = 0, j = 0; r < size; r++) if (distance[byRank[r]!] !== NONE) byName[j++] = byRank[r]!;
  } else {
    for (let id = 0, j = 0; id < size; id++) if (distance[id] !== NONE) byName[j++] = rank[id]!;
    byName.sort();
    for (let j = 0; j < reached; j++) byName[j] = byRank[byName[j]!]!;
  }
  // Nodes by (depth, name): counted per depth, then placed in name order within each depth.
  const depths = 2 * MAX_LINEAGE_DEPTH + 1;
  const at = new Int32Array(depths + 1);
  for (const id of byName) at[distance[id]! + MAX_LINEAGE_DEPTH + 1]!++;
  for (let d = 0; d < depths; d++) at[d + 1]! += at[d]!;
  const nodes: LineageGraph['nodes'] = new Array(byName.length);
  for (const id of byName) nodes[at[distance[id]! + MAX_LINEAGE_DEPTH]!++] = { name: names[id]!, depth: distance[id]! };
  // Sources in name order, each with its targets already in name order: edges sorted by
  // (from, to) without sorting them, into an array sized for every edge of the sources.
  let most = 0;
  for (const id of byName) most += down.start[id + 1]! - down.start[id]!;
  const edges: LineageGraph['edges'] = new Array<Edge>(most);
  let count = 0;
  for (const id of byName) {
    for (let k = down.start[id]!, last = down.start[id + 1]!; k < last; k++) {
      if (distance[down.to[k]!] !== NONE) edges[count++] = edgeOf[k]!;
    }
  }
  edges.length = count;
  const graph: LineageGraph = { root: root.display_name, nodes, edges };
  if (columns) {
    const idList = byName.join(',');
    const edgeKeys = new Set(edges.map((e) => `${e.from}\u0000${e.to}`));
    graph.columns = db
      .prepare(
        `SELECT ud.display_name AS uds, uf.path AS up, dd.display_name AS dds, df.path AS dp
         FROM column_lineage c
         JOIN fields uf ON uf.id = c.upstream_field_id JOIN datasets ud ON ud.id = uf.dataset_id
         JOIN fields df ON df.id = c.downstream_field_id JOIN datasets dd ON dd.id = df.dataset_id
         WHERE uf.dataset_id IN (${idList}) AND df.dataset_id IN (${idList})
         ORDER BY ud.display_name, uf.position, dd.display_name, df.position`,
      )
      .all<{ uds: string; up: string; dds: string; dp: string }>()
      .filter((r) => edgeKeys.has(`${r.uds}\u0000${r.dds}`))
      .map((r) => ({ from: `${r.uds}:${r.up}`, to: `${r.dds}:${r.dp}` }));
  }
  return graph;
}

// ---------------------------------------------------------------- stats

export function stats(cat: Catalog): CatalogStats {
  const db = cat.db;
  const n = (sql: string) => db.prepare(sql).get<{ n: number }>()!.n;
  return {
    catalog: cat.meta.catalogName,
    defaultTenant: cat.meta.defaultTenant,
    version: cat.meta.version,
    schemaVersion: cat.meta.schemaVersion,
    specHash: cat.meta.specHash,
    sourceCommit: cat.meta.sourceCommit,
    builtAt: cat.meta.builtAt,
    builder: cat.meta.builder,
    datasets: n('SELECT count(*) AS n FROM datasets'),
    fields: n('SELECT count(*) AS n FROM fields'),
    lineageEdges: n('SELECT count(*) AS n FROM lineage'),
    columnLineageEdges: n('SELECT count(*) AS n FROM column_lineage'),
    glossaryTerms: n('SELECT count(*) AS n FROM glossary_terms'),
    tenants: db.prepare('SELECT tenant, count(*) AS datasets FROM datasets GROUP BY tenant ORDER BY tenant').all<{ tenant: string; datasets: number }>(),
    domains: db
      .prepare("SELECT coalesce(domain, '') AS domain, count(*) AS datasets FROM datasets GROUP BY domain COLLATE NOCASE ORDER BY datasets DESC, domain")
      .all<{ domain: string; datasets: number }>(),
    tags: n('SELECT count(DISTINCT tag) AS n FROM tags'),
    deprecated: n('SELECT count(*) AS n FROM datasets WHERE deprecated = 1'),
    observations: n('SELECT count(*) AS n FROM observations'),
    observedOnly: n('SELECT count(*) AS n FROM datasets WHERE declared = 0'),
  };
}

// ---------------------------------------------------------------- glossary

interface TermRow {
  id: string;
  name: string;
  definition: string;
  domain: string | null;
  owner: string | null;
  parent_id: string | null;
  synonyms: string;
}

function termSummary(r: TermRow): TermSummary {
  return { id: r.id, name: r.name, definition: r.definition, domain: r.domain, owner: r.owner, parent: r.parent_id, synonyms: JSON.parse(r.synonyms) as string[] };
}

export function glossary(cat: Catalog): { terms: TermSummary[] } {
  return { terms: cat.db.prepare('SELECT * FROM glossary_terms ORDER BY id').all<TermRow>().map(termSummary) };
}

export function glossaryTerm(cat: Catalog, id: string): TermDetail {
  const db = cat.db;
  const row = db.prepare('SELECT * FROM glossary_terms WHERE id = ?').get<TermRow>(id) ?? db.prepare('SELECT * FROM glossary_terms WHERE name = ? COLLATE NOCASE').get<TermRow>(id);
  if (!row) {
    const similar = db.prepare("SELECT id FROM glossary_terms WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 5").all<{ id: string }>(`${escapeLike(id.slice(0, 3))}%`);
    throw new NotFoundError(`no glossary term "${id}"${similar.length ? ` (similar: ${similar.map((s) => s.id).join(', ')})` : ''}`);
  }
  const ids = (sql: string) => db.prepare(sql).all<{ v: string }>(row.id).map((r) => r.v);
  return {
    ...termSummary(row),
    children: ids('SELECT id AS v FROM glossary_terms WHERE parent_id = ? ORDER BY id'),
    related: [
      ...new Set([
        ...ids("SELECT related_term_id AS v FROM term_links WHERE term_id = ? AND kind = 'related'"),
        ...ids("SELECT term_id AS v FROM term_links WHERE related_term_id = ? AND kind = 'related'"),
      ]),
    ].sort(),
    datasets: ids("SELECT d.display_name AS v FROM term_links l JOIN datasets d ON d.id = l.dataset_id WHERE l.term_id = ? AND l.kind = 'dataset' ORDER BY d.tenant, d.name COLLATE NOCASE"),
    fields: db
      .prepare(
        "SELECT d.display_name AS dataset, f.path AS field FROM term_links l JOIN fields f ON f.id = l.field_id JOIN datasets d ON d.id = f.dataset_id WHERE l.term_id = ? AND l.kind = 'field' ORDER BY d.tenant, d.name COLLATE NOCASE, f.position",
      )
      .all<{ dataset: string; field: string }>(row.id),
  };
}
