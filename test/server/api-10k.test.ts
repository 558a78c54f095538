// The REST API over a generated catalog of 10,000 datasets (bench/generate.mjs,
// seed 1, built once for this file): pagination and totals at scale, filters,
// random datasets by every spelling of their name, search, lineage at every
// depth, the glossary, stats. Every reply is checked against the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogStats, DatasetDetail, DatasetSummary, LineageGraph, SearchResult, TermSummary } from '../../src/catalog/queries.js';
import { removeTempDirs, tempDir } from '../catalog/support.js';
import { expectStatus, generatedCatalog, serve, type Served } from './support.js';

let srv: Served;
let base: string;
let all: DatasetSummary[];

type List = { total: number; limit: number; offset: number; datasets: DatasetSummary[] };
const get = async <T>(target: string) => (await expectStatus(base, target, 200)).json as T;

beforeAll(async () => {
  const file = await generatedCatalog(tempDir('metafuse-serve-10k-'));
  srv = await serve(file);
  base = srv.url;
  // The whole list, in pages of the largest size allowed.
  all = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await get<List>(`/api/v1/datasets?limit=1000&offset=${offset}`);
    expect(page.total).toBe(10_000);
    all.push(...page.datasets);
    if (page.datasets.length < 1000) break;
  }
}, 180_000);

afterAll(async () => {
  await srv?.close();
  removeTempDirs();
});

/** A deterministic sample of n datasets. */
function sample(n: number, seed: number): DatasetSummary[] {
  let x = seed;
  const out: DatasetSummary[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(all[x % all.length]!);
  }
  return out;
}

describe('10k: datasets', () => {
  it('pages through all 10,000 datasets once each, in order, with a constant total', async () => {
    expect(all).toHaveLength(10_000);
    const keys = all.map((d) => `${d.tenant}/${d.name}`);
    expect(new Set(keys).size).toBe(10_000);
    const stats = await get<CatalogStats>('/api/v1/stats');
    expect(stats.datasets).toBe(10_000);
    expect(stats.tenants.map((t) => t.tenant)).toEqual(['acme', 'partner']);
    // Pages of other sizes line up with the big ones.
    for (const [limit, offset] of [[7, 0], [50, 4990], [1, 9999], [13, 9995]] as const) {
      const page = await get<List>(`/api/v1/datasets?limit=${limit}&offset=${offset}`);
      expect(page.total).toBe(10_000);
      expect(page.datasets.map((d) => `${d.tenant}/${d.name}`)).toEqual(keys.slice(offset, offset + limit));
    }
    expect((await get<List>('/api/v1/datasets?offset=10000')).datasets).toEqual([]);
  });

  it('filters: each total equals the number of matching datasets in the full list', async () => {
    const stats = await get<CatalogStats>('/api/v1/stats');
    const partner = stats.tenants.find((t) => t.tenant === 'partner')!.datasets;
    const byTenant = await get<List>('/api/v1/datasets?tenant=partner&limit=1000');
    expect(byTenant.total).toBe(partner);
    expect(byTenant.datasets.every((d) => d.tenant === 'partner')).toBe(true);
    for (const domain of ['sales', 'finance', 'hr']) {
      const l = await get<List>(`/api/v1/datasets?domain=${domain}&limit=1`);
      expect(l.total).toBe(all.filter((d) => d.domain === domain).length);
      expect(l.total).toBe(stats.domains.find((x) => x.domain === domain)!.datasets);
    }
    for (const tag of ['pii', 'mart', 'certified']) {
      const l = await get<List>(`/api/v1/datasets?tag=${tag}&limit=1`);
      expect(l.total).toBe(all.filter((d) => d.tags.includes(tag)).length);
      expect(l.total).toBeGreaterThan(0);
    }
    const owner = all[1234]!.owner!;
    const byOwner = await get<List>(`/api/v1/datasets?owner=${encodeURIComponent(owner)}&limit=1`);
    expect(byOwner.total).toBe(all.filter((d) => d.owner === owner).length);
    const combined = await get<List>('/api/v1/datasets?tenant=acme&domain=sales&tag=pii&limit=1000');
    expect(combined.total).toBe(all.filter((d) => d.tenant === 'acme' && d.domain === 'sales' && d.tags.includes('pii')).length);
    expect(combined.datasets).toHaveLength(combined.total);
    const terms = await get<{ terms: TermSummary[] }>('/api/v1/glossary');
    const byTerm = await get<List>(`/api/v1/datasets?term=${terms.terms[0]!.id}&limit=1000`);
    expect(byTerm.total).toBeGreaterThan(0);
  });

  it('shows 40 random datasets by name, tenant%2Fname and tenant/name alike', async () => {
    for (const d of sample(40, 7)) {
      const qualified = await get<DatasetDetail>(`/api/v1/datasets/${d.tenant}%2F${encodeURIComponent(d.name)}`);
      expect(qualified).toMatchObject({ tenant: d.tenant, domain: d.domain, owner: d.owner });
      expect(qualified.fields.length).toBe(all.find((x) => x.tenant === d.tenant && x.name === d.name)!.fields);
      expect(await get<DatasetDetail>(`/api/v1/datasets/${d.tenant}/${encodeURIComponent(d.name)}`)).toEqual(qualified);
      if (d.tenant === 'acme') expect(await get<DatasetDetail>(`/api/v1/datasets/${encodeURIComponent(d.name)}`)).toEqual(qualified);
    }
  });
});

describe('10k: search', () => {
  const queries = ['orders', 'customer', 'revenue daily', 'pay*', '"order items"', 'fx rate', 'shipment', 'marketing campaign', 'churn', 'pii', 'sales_', 'ord'];
  it.each(queries)('search %s: ranked, within the limit, schema-valid', async (q) => {
    const r = await get<{ query: string; results: SearchResult[] }>(`/api/v1/search?q=${encodeURIComponent(q)}&limit=50`);
    expect(r.query).toBe(q);
    expect(r.results.length).toBeLessThanOrEqual(50);
    for (const x of r.results) expect(all.some((d) => d.name === x.name || `${d.tenant}/${d.name}` === x.name)).toBe(true);
  });

  it('finds a dataset by its exact name first', async () => {
    for (const d of sample(10, 3).filter((x) => x.tenant === 'acme')) {
      const r = await get<{ results: SearchResult[] }>(`/api/v1/search?q=${encodeURIComponent(d.name)}`);
      expect(r.results[0]?.name).toBe(d.name);
    }
  });

  it('answers limit=1000 and hostile text', async () => {
    const big = await get<{ results: SearchResult[] }>('/api/v1/search?q=a*&limit=1000');
    expect(big.results.length).toBeLessThanOrEqual(1000);
    for (const q of ['"', 'NEAR(a b)', 'a OR b', 'name:x', '*', '(((', "'--", '\\"']) await get(`/api/v1/search?q=${encodeURIComponent(q)}`);
  });
});

describe('10k: lineage', () => {
  it('depth k keeps exactly the nodes within k hops, in both directions', async () => {
    for (const d of sample(8, 11)) {
      const ref = `${d.tenant}%2F${encodeURIComponent(d.name)}`;
      const d1 = await get<LineageGraph>(`/api/v1/lineage/${ref}?depth=1`);
      const d2 = await get<LineageGraph>(`/api/v1/lineage/${ref}?depth=2`);
      const show = await get<DatasetDetail>(`/api/v1/datasets/${ref}`);
      expect(d1.nodes.filter((n) => n.depth === -1).map((n) => n.name).sort()).toEqual([...show.upstream].sort());
      expect(d1.nodes.filter((n) => n.depth === 1).map((n) => n.name).sort()).toEqual([...show.downstream].sort());
      expect(d2.nodes.every((n) => Math.abs(n.depth) <= 2)).toBe(true);
      // Everything within 1 hop is still there, at the same depth.
      const at2 = new Map(d2.nodes.map((n) => [n.name, n.depth]));
      for (const n of d1.nodes) expect(at2.get(n.name)).toBe(n.depth);
      const up = await get<LineageGraph>(`/api/v1/lineage/${ref}?depth=2&direction=up`);
      const down = await get<LineageGraph>(`/api/v1/lineage/${ref}?depth=2&direction=down`);
      expect(new Set([...up.nodes, ...down.nodes].map((n) => n.name))).toEqual(new Set(d2.nodes.map((n) => n.name)));
      const cols = await get<LineageGraph>(`/api/v1/lineage/${ref}?depth=1&columns=true`);
      const names = new Set(cols.nodes.map((n) => n.name));
      for (const c of cols.columns!) expect(names.has(c.from.slice(0, c.from.indexOf(':'))) && names.has(c.to.slice(0, c.to.indexOf(':')))).toBe(true);
    }
  });

  it('answers the full closure (default depth) of a dataset deep in the graph', async () => {
    // The first datasets are upstream of thousands of others.
    const root = all.find((d) => d.tenant === 'acme' && d.name.endsWith('00000'))?.name ?? all[0]!.name;
    const started = Date.now();
    const g = await get<LineageGraph>(`/api/v1/lineage/${encodeURIComponent(root)}?direction=down`);
    expect(g.nodes.length).toBeGreaterThan(10);
    const depths = g.nodes.map((n) => n.depth);
    expect(Math.min(...depths)).toBe(0);
    // Guards the breadth-first walk: the recursive CTE it replaced took ~30 s here.
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});

describe('10k: glossary and stats', () => {
  it('shows every glossary term', async () => {
    const g = await get<{ terms: TermSummary[] }>('/api/v1/glossary');
    expect(g.terms.length).toBe(100);
    for (const t of g.terms) await get(`/api/v1/glossary/${encodeURIComponent(t.id)}`);
  });
});
