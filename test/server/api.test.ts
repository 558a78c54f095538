// Every endpoint and parameter of the REST API over the example catalog
// (catalog-specs/, published to a local folder store with a few observations),
// on a real server on loopback. Every reply is checked against the OpenAPI
// document the server serves.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetDetail, DatasetSummary, LineageGraph, SearchResult, TermDetail, TermSummary, CatalogStats } from '../../src/catalog/queries.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { EXAMPLE_SPECS, pinBuildEnv, removeTempDirs, run, tempDir } from '../catalog/support.js';
import { api, errorCode, expectStatus, request, serve, templateOf, type Served } from './support.js';

let srv: Served;
let base: string;
let stats: CatalogStats;

beforeAll(async () => {
  // A folder store: publish the example specs, then record observations
  // (one with a schema that drifts from the declared one, one for a dataset no spec declares).
  const store = path.join(tempDir('metafuse-serve-api-'), 'store', 'catalog.db');
  const restore = pinBuildEnv();
  try {
    const steps = [
      ['publish', '--specs', EXAMPLE_SPECS, '--to', store],
      ['emit', '--to', store, '--dataset', 'stg_orders', '--row-count', '1200', '--size-bytes', '4096', '--run-id', 'run-1'],
      ['emit', '--to', store, '--dataset', 'web_events', '--arrow', path.join(EXAMPLE_SPECS, 'schemas', 'customer_profiles.arrow'), '--run-id', 'run-2'],
      ['emit', '--to', store, '--dataset', 'adhoc_export', '--row-count', '7', '--upstream', 'sales_daily'],
    ];
    for (const argv of steps) {
      const r = await run(argv);
      if (r.code !== 0) throw new Error(`metafuse ${argv.join(' ')} failed (${r.code}):\n${r.stderr}`);
    }
  } finally {
    restore();
  }
  srv = await serve(store);
  base = srv.url;
  stats = (await expectStatus(base, '/api/v1/stats', 200)).json as CatalogStats;
});

afterAll(async () => {
  await srv?.close();
  removeTempDirs();
});

type List = { total: number; limit: number; offset: number; datasets: DatasetSummary[] };
const list = async (qs: string) => (await expectStatus(base, `/api/v1/datasets${qs}`, 200)).json as List;
const names = (l: List) => l.datasets.map((d) => `${d.tenant}/${d.name}`);

describe('GET /health and /health/ready', () => {
  it('report ok and the catalog version, without a token and without caching', async () => {
    for (const p of ['/health', '/health/ready']) {
      const r = await expectStatus(base, p, 200);
      expect(r.json).toEqual({ status: 'ok', catalogVersion: stats.version });
      expect(r.headers['cache-control']).toBe('no-store');
    }
    expect(stats.version).toBeGreaterThanOrEqual(1); // publish numbers versions from 1
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('serves the OpenAPI 3.1 document whose every $ref resolves', async () => {
    const r = await expectStatus(base, '/api/v1/openapi.json', 200);
    const doc = r.json as Record<string, unknown>;
    expect(doc).toEqual(openApiDocument());
    expect(doc.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      let cur: unknown = doc;
      for (const part of ref.split('/')) cur = (cur as Record<string, unknown>)[part];
      expect(cur, ref).toBeTypeOf('object');
    }
  });

  it('describes every route the server answers', () => {
    const paths = Object.keys(openApiDocument().paths as object);
    for (const p of ['/health', '/health/ready', '/api/v1/datasets', '/api/v1/datasets/x', '/api/v1/search', '/api/v1/lineage/x', '/api/v1/glossary', '/api/v1/glossary/x', '/api/v1/stats', '/api/v1/openapi.json']) {
      expect(paths).toContain(templateOf(p));
    }
  });
});

describe('GET /api/v1/datasets', () => {
  it('lists every dataset with the total, default limit 50 and offset 0', async () => {
    const l = await list('');
    expect(l).toMatchObject({ total: stats.datasets, limit: 50, offset: 0 });
    expect(l.datasets).toHaveLength(stats.datasets);
    expect(names(l)).toContain('acme/sales_daily');
    expect(names(l)).toContain('acme/adhoc_export'); // observed only
    expect(l.datasets.find((d) => d.name === 'orders_daily')?.deprecated).toBe(true);
  });

  it('pages with limit and offset: the pages add up to the whole list and the total stays the same', async () => {
    const all = names(await list(''));
    const seen: string[] = [];
    for (let offset = 0; offset < all.length + 5; offset += 5) {
      const page = await list(`?limit=5&offset=${offset}`);
      expect(page).toMatchObject({ total: all.length, limit: 5, offset });
      expect(page.datasets.length).toBe(Math.max(0, Math.min(5, all.length - offset)));
      seen.push(...names(page));
    }
    expect(seen).toEqual(all);
    expect((await list('?offset=1000')).datasets).toEqual([]);
    expect((await list('?limit=1000')).datasets).toHaveLength(all.length);
  });

  it('filters by tenant, domain, tag, owner and term, alone and combined', async () => {
    const partner = await list('?tenant=partner');
    expect(partner.total).toBe(3);
    expect(partner.datasets.every((d) => d.tenant === 'partner')).toBe(true);
    expect(names(await list('?tag=pii'))).toEqual(['acme/crm_contacts_raw', 'acme/customer_profiles']);
    expect(names(await list('?tag=PII'))).toEqual(['acme/crm_contacts_raw', 'acme/customer_profiles']);
    const sales = await list('?domain=sales');
    expect(sales.total).toBeGreaterThan(3);
    expect(sales.datasets.every((d) => d.domain === 'sales')).toBe(true);
    expect((await list('?domain=SALES')).total).toBe(sales.total);
    const owner = await list(`?owner=${encodeURIComponent('crm-team@acme.example')}`);
    expect(owner.datasets.every((d) => d.owner === 'crm-team@acme.example')).toBe(true);
    expect(owner.total).toBe(2);
    const term = await list('?term=net_revenue');
    expect(names(term)).toContain('acme/revenue_monthly');
    const both = await list('?tenant=partner&domain=finance');
    expect(names(both)).toEqual(['partner/partner_settlements']);
    expect((await list('?tenant=nobody')).total).toBe(0);
    expect((await list('?tag=pii&tenant=partner')).datasets).toEqual([]);
    // An empty filter is no filter.
    expect((await list('?tenant=&tag=')).total).toBe(stats.datasets);
    // Filter values are data, not SQL.
    expect((await list(`?owner=${encodeURIComponent("' OR 1=1 --")}`)).total).toBe(0);
    expect((await list(`?tag=${encodeURIComponent('%')}`)).total).toBe(0);
  });

  it.each(['0', '1001', '-1', 'abc', '1.5', '1e3', '99999999999', ' 5', '0x10', '+5'])('limit=%s is a 400', async (v) => {
    const r = await expectStatus(base, `/api/v1/datasets?limit=${encodeURIComponent(v)}`, 400);
    expect(errorCode(r)).toBe('invalid-parameter');
    expect((r.json as { error: { message: string } }).error.message).toContain('limit');
  });

  it.each(['-1', 'x', '1000000001'])('offset=%s is a 400', async (v) => {
    const r = await expectStatus(base, `/api/v1/datasets?offset=${encodeURIComponent(v)}`, 400);
    expect(errorCode(r)).toBe('invalid-parameter');
  });
});

describe('GET /api/v1/datasets/{name}', () => {
  const show = async (p: string) => (await expectStatus(base, `/api/v1/datasets/${p}`, 200)).json as DatasetDetail;

  it('shows a dataset with fields, tags, terms and lineage both ways', async () => {
    const d = await show('sales_daily');
    expect(d).toMatchObject({ name: 'sales_daily', tenant: 'acme', domain: 'sales', declared: true, deprecated: null });
    expect(d.fields.length).toBe(9);
    expect(d.upstream).toEqual(expect.arrayContaining(['stg_orders', 'fx_rates']));
    expect(d.downstream).toContain('partner_sales_report');
    expect(d.fields.some((f) => f.from.length > 0)).toBe(true);
  });

  it('accepts tenant%2Fname, tenant/name, a unique name from another tenant, and names in any case', async () => {
    const encoded = await show('partner%2Fpartner_orders');
    expect(encoded.tenant).toBe('partner');
    expect(await show('partner/partner_orders')).toEqual(encoded);
    expect(await show('partner_orders')).toEqual(encoded);
    expect(await show('partner%2FPARTNER_Orders')).toEqual(encoded); // names ignore case, tenants do not
    expect(await show('acme%2Fsales_daily')).toEqual(await show('Sales_Daily'));
    // Percent-encoded characters in a name are decoded.
    expect(await show('sales%5Fdaily')).toEqual(await show('sales_daily'));
  });

  it('shows deprecation with its replacement, observations with drift, and observed-only datasets', async () => {
    const old = await show('orders_daily');
    expect(old.deprecated).toMatchObject({ replacement: 'sales_daily' });
    const stg = await show('stg_orders');
    expect(stg.observed).toMatchObject({ rowCount: 1200, sizeBytes: 4096, runId: 'run-1', count: 1 });
    const web = await show('web_events');
    expect(web.observed?.drift).not.toBeNull();
    expect(web.observed?.schema?.length).toBeGreaterThan(0);
    const adhoc = await show('adhoc_export');
    expect(adhoc).toMatchObject({ declared: false, fields: [] });
    expect(adhoc.observed?.rowCount).toBe(7);
  });

  it('answers 404 with suggestions for an unknown dataset or tenant', async () => {
    const r = await expectStatus(base, '/api/v1/datasets/sales_dail', 404);
    expect(errorCode(r)).toBe('not-found');
    expect((r.json as { error: { message: string } }).error.message).toContain('sales_daily');
    await expectStatus(base, '/api/v1/datasets/nobody%2Fsales_daily', 404);
    await expectStatus(base, '/api/v1/datasets/partner/sales_daily', 404);
    await expectStatus(base, '/api/v1/datasets/a/b/c', 404);
    await expectStatus(base, '/api/v1/datasets/%00', 404);
    await expectStatus(base, `/api/v1/datasets/${'x'.repeat(3000)}`, 404);
  });

  it.each(['%', '%E0%A4%A', '%ZZ', 'sales%2', 'a%2Fb%C3'])('answers 400 for the bad percent-encoding %s', async (bad) => {
    for (const p of ['datasets', 'lineage', 'glossary']) {
      const r = await expectStatus(base, `/api/v1/${p}/${bad}`, 400);
      expect(errorCode(r)).toBe('invalid-path');
    }
  });

  it('has no route for an empty name', async () => {
    await expectStatus(base, '/api/v1/datasets/', 404);
  });
});

describe('GET /api/v1/search', () => {
  type Results = { query: string; results: SearchResult[] };
  const search = async (qs: string) => (await expectStatus(base, `/api/v1/search?${qs}`, 200)).json as Results;

  it('ranks results and says which parts matched', async () => {
    const r = await search('q=orders');
    expect(r.query).toBe('orders');
    expect(r.results.length).toBeGreaterThan(2);
    expect(r.results[0]!.matched).toContain('name');
    const scores = r.results.map((x) => x.score);
    expect(scores.every((s) => Number.isFinite(s))).toBe(true);
  });

  it('honours limit, quoted phrases, prefixes, tags and field names', async () => {
    expect((await search('q=orders&limit=1')).results).toHaveLength(1);
    expect((await search(`q=${encodeURIComponent('"net revenue"')}`)).results.length).toBeGreaterThan(0);
    expect((await search('q=partn*')).results.map((x) => x.name)).toContain('partner_orders');
    expect((await search('q=golden-record')).results.map((x) => x.name)).toContain('customer_profiles');
    expect((await search('q=shipping_country')).results.map((x) => x.name)).toContain('orders_daily');
  });

  it('answers 400 without q and for a bad limit', async () => {
    const r = await expectStatus(base, '/api/v1/search', 400);
    expect(errorCode(r)).toBe('missing-parameter');
    await expectStatus(base, '/api/v1/search?query=orders', 400);
    for (const l of ['0', '1001', 'ten']) expect(errorCode(await expectStatus(base, `/api/v1/search?q=x&limit=${l}`, 400))).toBe('invalid-parameter');
  });

  it('answers an empty q with no results', async () => {
    expect((await search('q=')).results).toEqual([]);
    expect((await search('q=%20%20')).results).toEqual([]);
  });

  const hostile = [
    '"', '""', '"""', '*', '**', '^', '-', '(', ')', '()', 'NOT', 'AND', 'OR', 'NEAR', 'a OR b', 'a AND NOT b', 'NEAR(a b, 2)',
    'name:orders', '{name tenant}:orders', 'orders*"', '"unterminated', "O'Brien", "'; DROP TABLE datasets; --", '\\', '%', '_',
    '\u0000', '\u202e', '😀 orders', 'ä ö ü ß', '\ud800', 'x'.repeat(4000), 'a '.repeat(1500), '"a" '.repeat(600), 'rank MATCH bm25(1)',
    'dataset_search', '+orders', 'orders -sales', '$(rm -rf /)', '<script>alert(1)</script>', '1=1', 'NULL',
  ];
  it.each(hostile.map((h) => [JSON.stringify(h).slice(0, 40), h]))('treats hostile text %s as text', async (_label, q) => {
    // A lone surrogate cannot be encoded: send its (invalid) UTF-8 bytes instead.
    const encoded = q === '\ud800' ? '%ED%A0%80' : encodeURIComponent(q);
    const target = `/api/v1/search?q=${encoded}`;
    if (target.length > 4096) {
      await expectStatus(base, target, 414);
      return;
    }
    const r = await search(`q=${encoded}`);
    // Invalid UTF-8 becomes U+FFFD; anything else round-trips.
    expect(r.query).toBe(q === '\ud800' ? '\ufffd'.repeat(3) : q);
  });
});

describe('GET /api/v1/lineage/{name}', () => {
  const lin = async (qs: string) => (await expectStatus(base, `/api/v1/lineage/${qs}`, 200)).json as LineageGraph;

  it('walks both ways by default, upstream with negative depths', async () => {
    const g = await lin('sales_daily');
    expect(g.root).toBe('sales_daily');
    const depth = Object.fromEntries(g.nodes.map((n) => [n.name, n.depth]));
    expect(depth).toMatchObject({ sales_daily: 0, stg_orders: -1, orders_raw: -2, partner_sales_report: 1 });
    expect(g.edges).toContainEqual({ from: 'stg_orders', to: 'sales_daily' });
    expect(g.columns).toBeUndefined();
    const show = (await expectStatus(base, '/api/v1/datasets/sales_daily', 200)).json as DatasetDetail;
    expect(g.nodes.filter((n) => n.depth === -1).map((n) => n.name).sort()).toEqual([...show.upstream].sort());
    expect(g.nodes.filter((n) => n.depth === 1).map((n) => n.name).sort()).toEqual([...show.downstream].sort());
  });

  it('follows direction and depth', async () => {
    const up = await lin('sales_daily?direction=up');
    expect(up.nodes.every((n) => n.depth <= 0)).toBe(true);
    expect(up.nodes.length).toBeGreaterThan(3);
    const down = await lin('sales_daily?direction=down');
    expect(down.nodes.every((n) => n.depth >= 0)).toBe(true);
    const one = await lin('sales_daily?depth=1');
    expect(one.nodes.every((n) => Math.abs(n.depth) <= 1)).toBe(true);
    expect(one.nodes.some((n) => n.name === 'orders_raw')).toBe(false);
    const zero = await lin('sales_daily?depth=0');
    expect(zero).toEqual({ root: 'sales_daily', nodes: [{ name: 'sales_daily', depth: 0 }], edges: [] });
    const full = await lin('sales_daily?direction=both&depth=100');
    expect(full).toEqual(await lin('sales_daily'));
    // Every edge joins two nodes of the graph.
    const nodeNames = new Set(full.nodes.map((n) => n.name));
    for (const e of full.edges) expect(nodeNames.has(e.from) && nodeNames.has(e.to)).toBe(true);
  });

  it('adds column lineage with columns=true or 1 and not with false or 0', async () => {
    const g = await lin('sales_daily?columns=true');
    expect(g.columns!.length).toBeGreaterThan(0);
    expect(await lin('sales_daily?columns=1')).toEqual(g);
    const nodeNames = new Set(g.nodes.map((n) => n.name));
    for (const c of g.columns!) {
      expect(nodeNames.has(c.from.split(':')[0]!) && nodeNames.has(c.to.split(':')[0]!)).toBe(true);
    }
    expect((await lin('sales_daily?columns=false')).columns).toBeUndefined();
    expect((await lin('sales_daily?columns=0')).columns).toBeUndefined();
  });

  it('accepts tenant%2Fname and tenant/name', async () => {
    const a = await lin('partner%2Fpartner_orders');
    expect(await lin('partner/partner_orders')).toEqual(a);
    expect(a.root).toBe('partner_orders'); // the display name: unique across tenants
  });

  it.each([
    ['direction=sideways', 'direction'],
    ['direction=UP', 'direction'],
    ['depth=101', 'depth'],
    ['depth=-1', 'depth'],
    ['depth=two', 'depth'],
    ['columns=yes', 'columns'],
  ])('answers 400 for %s', async (qs, param) => {
    const r = await expectStatus(base, `/api/v1/lineage/sales_daily?${qs}`, 400);
    expect(errorCode(r)).toBe('invalid-parameter');
    expect((r.json as { error: { message: string } }).error.message).toContain(param);
  });

  it('answers 404 for an unknown dataset', async () => {
    expect(errorCode(await expectStatus(base, '/api/v1/lineage/nope', 404))).toBe('not-found');
  });
});

describe('GET /api/v1/glossary and /api/v1/glossary/{id}', () => {
  it('lists the terms', async () => {
    const g = (await expectStatus(base, '/api/v1/glossary', 200)).json as { terms: TermSummary[] };
    expect(g.terms.length).toBe(stats.glossaryTerms);
    expect(g.terms.map((t) => t.id)).toContain('net_revenue');
  });

  it('shows one term by id or by name, with its links', async () => {
    const t = (await expectStatus(base, '/api/v1/glossary/net_revenue', 200)).json as TermDetail;
    expect(t).toMatchObject({ id: 'net_revenue', name: 'Net revenue', parent: 'revenue' });
    expect(t.related).toContain('gross_revenue');
    expect(t.fields).toContainEqual({ dataset: 'orders_daily', field: 'revenue_eur' });
    expect((await expectStatus(base, '/api/v1/glossary/Net%20revenue', 200)).json).toEqual(t);
    const parent = (await expectStatus(base, '/api/v1/glossary/revenue', 200)).json as TermDetail;
    expect(parent.children).toContain('net_revenue');
  });

  it('answers 404 for an unknown term', async () => {
    const r = await expectStatus(base, '/api/v1/glossary/net_revenu', 404);
    expect((r.json as { error: { message: string } }).error.message).toContain('net_revenue');
  });
});

describe('GET /api/v1/stats', () => {
  it('counts the catalog', () => {
    expect(stats).toMatchObject({ datasets: 22, observedOnly: 1, observations: 3, catalog: 'acme' });
    expect(stats.tenants).toEqual([{ tenant: 'acme', datasets: 19 }, { tenant: 'partner', datasets: 3 }]);
    expect(stats.fields).toBeGreaterThan(200);
  });
});

describe('errors', () => {
  it.each(['/api/v1/x', '/api/v1', '/api/v1/', '/api/v1/datasets/x/../../nothing', '/api/v2/datasets', '/api/v1/stats/x', '/api/v1/DATASETS'])('%s is a JSON 404', async (p) => {
    const r = await expectStatus(base, p, 404);
    expect(errorCode(r)).toBe('not-found');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s is a 405 with Allow on every path', async (method) => {
    for (const p of ['/api/v1/datasets', '/api/v1/datasets/sales_daily', '/api/v1/search?q=x', '/health', '/', '/api/v1/nothing']) {
      const r = await expectStatus(base, p, 405, { method });
      expect(r.headers.allow).toBe('GET, HEAD');
      expect(errorCode(r)).toBe('method-not-allowed');
    }
  });

  it('answers 414 for a URL longer than 4096 characters, and serves one of exactly 4096', async () => {
    const prefix = '/api/v1/search?q=';
    const r = await expectStatus(base, `${prefix}${'a'.repeat(4097 - prefix.length)}`, 414);
    expect(errorCode(r)).toBe('uri-too-long');
    await expectStatus(base, `${prefix}${'a'.repeat(4096 - prefix.length)}`, 200);
    await expectStatus(base, `/api/v1/datasets/${'a'.repeat(5000)}`, 414);
  });

  it('carries X-Catalog-Version on every API answer', async () => {
    for (const p of ['/api/v1/datasets', '/api/v1/datasets/sales_daily', '/api/v1/search?q=x', '/api/v1/lineage/sales_daily', '/api/v1/glossary', '/api/v1/glossary/order', '/api/v1/stats']) {
      const r = await request(base, p);
      expect(r.headers['x-catalog-version'], p).toBe(String(stats.version));
    }
  });

  it('always answers an unknown API path with the error shape, whatever the method or encoding', async () => {
    const r = await api(base, '/api/v1/%zz');
    expect(r.status).toBe(404);
  });
});
