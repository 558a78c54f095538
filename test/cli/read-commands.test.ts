// Golden tests of the read commands over the example catalog in catalog-specs/.
// Each golden file under test/cli/golden/ is a transcript a reviewer can read:
// the command line, its stdout verbatim, and its stderr when there is any.
// The catalog is built once with a pinned SOURCE_DATE_EPOCH and source commit,
// so the files do not depend on the machine, the clock or the checkout.
// Regenerate after an intended output change with `npx vitest run test/cli -u`
// and review the diff of the golden files.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecs, type Model } from '../../src/spec/index.js';
import { buildCatalog, EPOCH_ISO, EXAMPLE_SPECS, FAKE_SHA, removeTempDirs, run, tempDir, type RunResult } from '../catalog/support.js';

let catalog: string;
let model: Model;

beforeAll(async () => {
  catalog = path.join(tempDir(), 'catalog.db');
  await buildCatalog(EXAMPLE_SPECS, catalog);
  model = (await loadSpecs(EXAMPLE_SPECS)).model;
});
afterAll(removeTempDirs);

/** Runs a read command against the example catalog; asserts exit 0. */
async function read(args: string[]): Promise<RunResult> {
  const r = await run([...args, '--catalog', catalog]);
  expect(r.stderr.includes('internal error'), r.stderr).toBe(false);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

function transcript(args: string[], r: RunResult): string {
  const shownArgs = args.map((a) => (/^[\w./@:=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return `$ metafuse ${shownArgs}\n${r.stdout}${r.stderr ? `--- stderr ---\n${r.stderr}` : ''}`;
}

/** Runs `args` and compares its transcript with golden/<name>.txt. */
async function golden(name: string, args: string[]): Promise<RunResult> {
  const r = await read(args);
  await expect(transcript(args, r)).toMatchFileSnapshot(`golden/${name}.txt`);
  return r;
}

async function goldenJson<T>(name: string, args: string[]): Promise<T> {
  const r = await golden(name, [...args, '--json']);
  return JSON.parse(r.stdout) as T;
}

/** Declared dataset-level edges of the example specs, as display names "upstream→downstream". */
function declaredEdges(): Set<string> {
  // docs/cli.md: `tenant/name` only outside the default tenant and when the name exists in several tenants.
  const display = (t: string, n: string) =>
    t === model.config.defaultTenant || model.datasets.filter((d) => d.name.toLowerCase() === n.toLowerCase()).length < 2 ? n : `${t}/${n}`;
  const edges = new Set<string>();
  for (const d of model.datasets) for (const u of d.upstream) edges.add(`${display(u.tenant, u.name)}→${display(d.tenant, d.name)}`);
  return edges;
}

const SHOW_KEYS = ['name', 'tenant', 'domain', 'owner', 'description', 'location', 'format', 'tags', 'terms', 'fields', 'upstream', 'downstream', 'observed'];
const SHOW_EXTRAS = ['partitionKeys', 'properties', 'deprecated', 'schemaFile', 'sourceFile', 'declared'];
const FIELD_KEYS = ['name', 'type', 'sqlType', 'nullable', 'description', 'tags', 'terms'];
const FIELD_EXTRAS = ['depth', 'from'];

interface ShowJson {
  name: string;
  tenant: string;
  fields: Array<{ name: string; depth: number; type: string; sqlType: string; nullable: boolean; from: string[] }>;
  upstream: string[];
  downstream: string[];
  observed: unknown;
  deprecated: { since: string | null; reason: string | null; replacement: string | null } | null;
}
interface LineageJson {
  root: string;
  nodes: Array<{ name: string; depth: number }>;
  edges: Array<{ from: string; to: string }>;
  columns?: Array<{ from: string; to: string }>;
}

describe('list', () => {
  const cases: Array<[string, string[]]> = [
    ['list', []],
    ['list-tenant-partner', ['--tenant', 'partner']],
    ['list-domain-sales', ['--domain', 'sales']],
    ['list-tag-pii', ['--tag', 'pii']],
    ['list-owner', ['--owner', 'sales-data@acme.example']],
    ['list-term-order', ['--term', 'order']],
  ];
  for (const [name, filter] of cases) {
    it(`${['list', ...filter].join(' ')}: table golden`, async () => {
      await golden(name, ['list', ...filter]);
    });
    it(`${['list', ...filter].join(' ')} --json: golden, and every row satisfies the filter`, async () => {
      const out = await goldenJson<{ total: number; datasets: Array<{ name: string; tenant: string; domain: string; owner: string; tags: string[] }> }>(`${name}.json`, ['list', ...filter]);
      expect(out.total).toBe(out.datasets.length);
      expect(Object.keys(out)).toEqual(['total', 'datasets']);
      const specOf = (row: { name: string; tenant: string }) => model.datasets.find((d) => d.tenant === row.tenant && d.name === row.name.slice(row.name.indexOf('/') + 1))!;
      const expected = model.datasets.filter((d) => {
        if (filter[0] === '--tenant') return d.tenant === filter[1];
        if (filter[0] === '--domain') return d.domain === filter[1];
        if (filter[0] === '--tag') return d.tags.includes(filter[1]!);
        if (filter[0] === '--owner') return d.owner === filter[1];
        if (filter[0] === '--term') return d.terms.includes(filter[1]!) || d.fields.some((f) => f.terms.includes(filter[1]!));
        return true;
      });
      expect(out.datasets.map((r) => `${specOf(r).tenant}/${specOf(r).name}`).sort()).toEqual(expected.map((d) => `${d.tenant}/${d.name}`).sort());
      expect(out.datasets.length).toBeGreaterThan(0);
    });
  }

  it('filters are case-insensitive where documented (domain, tag, owner)', async () => {
    const a = JSON.parse((await read(['list', '--domain', 'SALES', '--json'])).stdout) as { total: number };
    const b = JSON.parse((await read(['list', '--tag', 'PII', '--json'])).stdout) as { total: number };
    const c = JSON.parse((await read(['list', '--owner', 'Sales-Data@ACME.example', '--json'])).stdout) as { total: number };
    expect([a.total, b.total, c.total]).toEqual([
      model.datasets.filter((d) => d.domain === 'sales').length,
      model.datasets.filter((d) => d.tags.includes('pii')).length,
      model.datasets.filter((d) => d.owner === 'sales-data@acme.example').length,
    ]);
  });
});

describe('show', () => {
  it('show customer_profiles (Arrow schema, nested struct/list/map fields): golden', async () => {
    const r = await golden('show-customer_profiles', ['show', 'customer_profiles']);
    // Nested fields are indented under their parent (two spaces per level).
    expect(r.stdout).toMatch(/^address {2,}struct</m);
    expect(r.stdout).toMatch(/^ {2}street {2,}string/m);
  });

  it('show customer_profiles --json: golden; documented keys first, nested paths, column lineage', async () => {
    const d = await goldenJson<ShowJson>('show-customer_profiles.json', ['show', 'customer_profiles']);
    expect(Object.keys(d)).toEqual([...SHOW_KEYS, ...SHOW_EXTRAS]);
    for (const f of d.fields) expect(Object.keys(f)).toEqual([...FIELD_KEYS, ...FIELD_EXTRAS]);
    const spec = model.datasets.find((x) => x.name === 'customer_profiles')!;
    expect(d.fields.map((f) => [f.name, f.depth, f.type, f.sqlType, f.nullable])).toEqual(spec.fields.map((f) => [f.path, f.depth, f.type, f.sqlType, f.nullable]));
    expect(d.fields.find((f) => f.name === 'address.city')!.from).toEqual(['crm_contacts_raw:city']);
    expect(d.upstream).toEqual(['crm_contacts_raw', 'stg_orders']);
    expect(d.downstream).toEqual(['customer_segments']);
    expect(d.observed).toBeNull();
  });

  it('show web_events: fields two levels deep are indented twice', async () => {
    const r = await golden('show-web_events', ['show', 'web_events']);
    expect(r.stdout).toMatch(/^ {2}utm {2,}struct</m);
    expect(r.stdout).toMatch(/^ {4}campaign {2,}string/m);
  });

  it('show web_events --json: golden', async () => {
    const d = await goldenJson<ShowJson>('show-web_events.json', ['show', 'web_events']);
    expect(d.fields.find((f) => f.name === 'page.utm.campaign')).toMatchObject({ depth: 2, type: 'string' });
  });

  it('show partner/partner_settlements (another tenant, tenant/name on the command line): golden', async () => {
    const r = await golden('show-partner-settlements', ['show', 'partner/partner_settlements']);
    expect(r.stdout.split('\n')[0]).toMatch(/^partner_settlements {2}\(partner · finance\)$/);
  });

  it('show partner/partner_settlements --json: golden; tenant is partner, cross-tenant lineage both ways', async () => {
    const d = await goldenJson<ShowJson>('show-partner-settlements.json', ['show', 'partner/partner_settlements']);
    expect(d.tenant).toBe('partner');
    // The name exists in one tenant only, so it is shown bare (docs/cli.md, "Dataset names").
    expect(d.name).toBe('partner_settlements');
    expect(d.upstream).toEqual(['partner_orders']);
    expect(d.downstream).toEqual(['revenue_monthly']);
  });

  it('show orders_daily (deprecated): golden; the table says DEPRECATED with since, reason and replacement', async () => {
    const r = await golden('show-orders_daily', ['show', 'orders_daily']);
    expect(r.stdout).toContain('DEPRECATED since 2026-10-01: web shop only, fixed monthly FX rates — use sales_daily');
  });

  it('show orders_daily --json: golden; deprecated is {since, reason, replacement}', async () => {
    const d = await goldenJson<ShowJson>('show-orders_daily.json', ['show', 'orders_daily']);
    expect(d.deprecated).toEqual({ since: '2026-10-01', reason: 'web shop only, fixed monthly FX rates', replacement: 'sales_daily' });
  });

  it('show of an unknown dataset exits 1 with a suggestion, no stack', async () => {
    const r = await run(['show', 'orders_dialy', '--catalog', catalog]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('metafuse show: no dataset "orders_dialy" (similar: order_items_raw, orders_daily, orders_raw)\n');
  });
});

describe('search', () => {
  const queries: Array<[string, string]> = [
    ['search-email', 'email'],
    ['search-revenue', 'revenue'],
    ['search-prefix-ord', 'ord'],
    ['search-sales-data', 'sales-data'],
    ['search-phrase', '"net revenue"'],
    ['search-two-words', 'partner settlement'],
  ];
  for (const [name, q] of queries) {
    it(`search ${q}: table golden`, async () => {
      await golden(name, ['search', q]);
    });
    it(`search ${q} --json: golden; {query, results: [{name, tenant, domain, description, score, ...}]}, best first`, async () => {
      const out = await goldenJson<{ query: string; results: Array<Record<string, unknown> & { score: number }> }>(`${name}.json`, ['search', q]);
      expect(Object.keys(out)).toEqual(['query', 'results']);
      expect(out.query).toBe(q);
      expect(out.results.length).toBeGreaterThan(0);
      for (const res of out.results) expect(Object.keys(res)).toEqual(['name', 'tenant', 'domain', 'description', 'score', 'owner', 'matched', 'tags']);
      const scores = out.results.map((x) => x.score);
      // Words found in most datasets get bm25 scores near 1e-6; they must not round to 0.
      for (const sc of scores) expect(sc).toBeGreaterThan(0);
      // Sorted by score, except that a dataset named exactly like the query comes first.
      const rest = scores.slice(out.results[0]!.name === q ? 1 : 0);
      expect(rest).toEqual([...rest].sort((a, b) => b - a));
    });
  }

  it('search --limit cuts the list', async () => {
    const out = JSON.parse((await read(['search', 'order', '--limit', '2', '--json'])).stdout) as { results: unknown[] };
    expect(out.results).toHaveLength(2);
  });
});

describe('lineage', () => {
  const cases: Array<[string, string[]]> = [
    ['lineage-stg_orders', ['lineage', 'stg_orders']],
    ['lineage-up-revenue_monthly', ['lineage', 'revenue_monthly', '--direction', 'up']],
    ['lineage-down-orders_raw', ['lineage', 'orders_raw', '--direction', 'down']],
    ['lineage-depth-1', ['lineage', 'stg_orders', '--depth', '1']],
    ['lineage-columns-delivery_performance', ['lineage', 'delivery_performance', '--direction', 'up', '--depth', '1', '--columns']],
    ['lineage-partner-orders', ['lineage', 'partner/partner_orders']],
  ];
  for (const [name, args] of cases) {
    it(`${args.join(' ')}: text golden`, async () => {
      await golden(name, args);
    });
    it(`${args.join(' ')} --format json: golden; edges go upstream → downstream and are declared`, async () => {
      const g = await goldenJson<LineageJson>(`${name}.json`, args);
      expect(Object.keys(g)).toEqual(args.includes('--columns') ? ['root', 'nodes', 'edges', 'columns'] : ['root', 'nodes', 'edges']);
      const declared = declaredEdges();
      for (const e of g.edges) expect(declared.has(`${e.from}→${e.to}`), `${e.from} → ${e.to}`).toBe(true);
      expect(g.nodes.filter((n) => n.depth === 0).map((n) => n.name)).toEqual([g.root]);
      const depth = new Map(g.nodes.map((n) => [n.name, n.depth]));
      // Every edge reaching a node from the root's side is one hop: an upstream node's
      // reader is at most one step closer, a downstream node's source likewise.
      for (const n of g.nodes) {
        if (n.depth < 0) expect(g.edges.some((e) => e.from === n.name && depth.get(e.to) === n.depth + 1)).toBe(true);
        if (n.depth > 0) expect(g.edges.some((e) => e.to === n.name && depth.get(e.from) === n.depth - 1)).toBe(true);
      }
      if (args.includes('up')) expect(g.nodes.every((n) => n.depth <= 0)).toBe(true);
      if (args.includes('down')) expect(g.nodes.every((n) => n.depth >= 0)).toBe(true);
      if (args.includes('--depth')) expect(g.nodes.every((n) => Math.abs(n.depth) <= 1)).toBe(true);
    });
  }

  it('--json and --format json print the same', async () => {
    const a = await read(['lineage', 'stg_orders', '--json']);
    const b = await read(['lineage', 'stg_orders', '--format', 'json']);
    expect(a.stdout).toBe(b.stdout);
  });

  it('lineage stg_orders --format mermaid: golden; arrows point downstream', async () => {
    const r = await golden('lineage-stg_orders.mermaid', ['lineage', 'stg_orders', '--format', 'mermaid']);
    const ids = new Map([...r.stdout.matchAll(/^ {2}(n\d+)\["([^"]+)"\]$/gm)].map((m) => [m[1]!, m[2]!]));
    const arrows = [...r.stdout.matchAll(/^ {2}(n\d+) --> (n\d+)$/gm)].map((m) => `${ids.get(m[1]!)}→${ids.get(m[2]!)}`);
    expect(arrows).toContain('orders_raw→stg_orders');
    expect(arrows).toContain('stg_orders→sales_daily');
    const declared = declaredEdges();
    for (const a of arrows) expect(declared.has(a), a).toBe(true);
  });

  it('lineage delivery_performance --columns --format mermaid: golden (one node per field)', async () => {
    const r = await golden('lineage-columns.mermaid', ['lineage', 'delivery_performance', '--direction', 'up', '--depth', '1', '--columns', '--format', 'mermaid']);
    expect(r.stdout).toContain('["stg_shipments:carrier"]');
  });

  it('lineage --depth 0 is the dataset alone', async () => {
    const g = JSON.parse((await read(['lineage', 'stg_orders', '--depth', '0', '--json'])).stdout) as LineageJson;
    expect(g).toEqual({ root: 'stg_orders', nodes: [{ name: 'stg_orders', depth: 0 }], edges: [] });
  });
});

describe('stats', () => {
  it('stats: golden', async () => {
    const r = await golden('stats', ['stats']);
    expect(r.stdout).toContain(`built at        ${EPOCH_ISO}`);
  });

  it('stats --json: golden; counts agree with the specs', async () => {
    const s = await goldenJson<Record<string, unknown>>('stats.json', ['stats']);
    expect(Object.keys(s)).toEqual([
      'catalog', 'defaultTenant', 'version', 'schemaVersion', 'specHash', 'sourceCommit', 'builtAt', 'builder', 'datasets', 'fields', 'lineageEdges',
      'columnLineageEdges', 'glossaryTerms', 'tenants', 'domains', 'tags', 'deprecated', 'observations', 'observedOnly',
    ]);
    expect(s).toMatchObject({
      catalog: 'acme',
      version: 0,
      schemaVersion: 1,
      specHash: model.specHash,
      sourceCommit: FAKE_SHA,
      builtAt: EPOCH_ISO,
      datasets: model.datasets.length,
      fields: model.datasets.reduce((n, d) => n + d.fields.length, 0),
      lineageEdges: model.datasets.reduce((n, d) => n + d.upstream.length, 0),
      glossaryTerms: model.terms.length,
      deprecated: 1,
      observations: 0,
      observedOnly: 0,
    });
  });
});

describe('glossary', () => {
  it('glossary: golden', async () => {
    await golden('glossary', ['glossary']);
  });

  it('glossary --json: golden; every term, sorted by id', async () => {
    const g = await goldenJson<{ terms: Array<{ id: string }> }>('glossary.json', ['glossary']);
    expect(g.terms.map((t) => t.id)).toEqual(model.terms.map((t) => t.id));
  });

  it('glossary order: golden (children, related both ways, datasets and fields)', async () => {
    await golden('glossary-order', ['glossary', 'order']);
  });

  it('glossary order --json: golden; related is symmetric (shipment lists order)', async () => {
    const t = await goldenJson<{ id: string; children: string[]; related: string[]; datasets: string[]; fields: Array<{ dataset: string; field: string }> }>('glossary-order.json', ['glossary', 'order']);
    expect(t.children).toEqual(['marketplace_order']);
    expect(t.related).toEqual(['customer', 'order_line', 'order_status', 'shipment']);
  });

  it('glossary by name (case-insensitive) finds the term', async () => {
    const t = JSON.parse((await read(['glossary', 'net REVENUE', '--json'])).stdout) as { id: string };
    expect(t.id).toBe('net_revenue');
  });

  it('glossary of an unknown term exits 1 with similar ids', async () => {
    const r = await run(['glossary', 'revenu', '--catalog', catalog]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('metafuse glossary: no glossary term "revenu" (similar: revenue)\n');
  });
});
