// Search accepts any user text: nothing a user types may cause an FTS5 syntax
// error, and the ranking weighs the dataset name most.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../../src/catalog/open.js';
import { searchDatasets } from '../../src/catalog/queries.js';
import { toFtsQuery } from '../../src/catalog/search-query.js';
import { buildCatalog, EXAMPLE_SPECS, removeTempDirs, run, tempDir, writeTree } from './support.js';

let example: string;
let cat: Catalog;

beforeAll(async () => {
  example = path.join(tempDir(), 'catalog.db');
  await buildCatalog(EXAMPLE_SPECS, example);
  cat = openCatalog(example);
});
afterAll(() => {
  cat.close();
  removeTempDirs();
});

const names = (q: string, limit?: number) => searchDatasets(cat, q, limit).results.map((r) => r.name);

const HOSTILE = [
  'sales-data',
  'user.email',
  '"unbalanced',
  'unbalanced"',
  "'quotes'",
  '*',
  '**',
  'ord*',
  '"*"',
  'AND',
  'OR NOT',
  'a AND b',
  'NOT order',
  'NEAR(a b)',
  'NEAR(order customer, 2)',
  'name:foo',
  'description:order',
  '{name tags}:order',
  '^x',
  '^order',
  '(order',
  'order)',
  '+ - ( ) : ^ " \' * { } [ ]',
  '',
  '   ',
  '\t\n',
  'x'.repeat(10_000),
  'order '.repeat(2_000),
  '🦄',
  '🦄 orders 🚀',
  'café',
  'données clients',
  '数据',
  '\u0000',
  '\u202e\u200b',
  'a"b"c"',
  '"" ""',
  '-',
  'order -customer',
  'rowid',
  'rank',
  'dataset_search',
];

describe('search safety', () => {
  it.each(HOSTILE.map((q) => [JSON.stringify(q.length > 40 ? `${q.slice(0, 20)}…(${q.length} chars)` : q), q]))('searchDatasets(%s) returns a result object and does not throw', (_label, q) => {
    const r = searchDatasets(cat, q);
    expect(r.query).toBe(q);
    expect(Array.isArray(r.results)).toBe(true);
    for (const res of r.results) {
      expect(typeof res.name).toBe('string');
      expect(Number.isFinite(res.score)).toBe(true);
    }
  });

  it('every hostile query also succeeds through the CLI (exit 0, no internal error), text and JSON', async () => {
    for (const q of HOSTILE) {
      const t = await run(['search', q, '--catalog', example]);
      expect([t.code, t.stderr.includes('internal error')], q).toEqual([0, false]);
      const j = await run(['search', q, '--json', '--catalog', example]);
      expect(j.code, q).toBe(0);
      const parsed = JSON.parse(j.stdout) as { query: string; results: unknown[] };
      expect(parsed.query).toBe(q);
    }
  });

  it('toFtsQuery quotes every word, so FTS operators are plain text', () => {
    expect(toFtsQuery('OR NOT')!.match).toBe('"or" "not" *');
    expect(toFtsQuery('NEAR(a b)')!.match).toBe('"near a" "b"');
    expect(toFtsQuery('name:foo')!.match).toBe('"name foo" *');
    expect(toFtsQuery('sales-data')!.match).toBe('"sales data" *');
    expect(toFtsQuery('"net revenue"')!.match).toBe('"net revenue"');
    expect(toFtsQuery('ord* customer')!.match).toBe('"ord" * "customer" *');
    expect(toFtsQuery('order ')!.match).toBe('"order"');
    for (const q of ['', '   ', '*', '🦄', '"', '^']) expect(toFtsQuery(q)).toBeNull();
  });

  it('limits the work: at most 32 words and 500 characters reach the index', () => {
    expect(toFtsQuery('w '.repeat(100))!.tokens.length).toBeLessThanOrEqual(32);
    const long = toFtsQuery(`${'a'.repeat(600)} tail`)!;
    expect(long.tokens).toEqual(['a'.repeat(500)]);
  });

  it('an empty or symbol-only query returns no results (not everything)', () => {
    for (const q of ['', '*', '🦄', '"']) expect(searchDatasets(cat, q).results).toEqual([]);
  });
});

describe('search hits in the example catalog', () => {
  it('"email" finds customer_profiles (field name) and the other e-mail holders', () => {
    const hits = names('email');
    expect(hits).toContain('customer_profiles');
    expect(hits).toContain('crm_contacts_raw');
    expect(hits).toContain('orders_raw');
  });

  it('a prefix "ord" finds every orders_* dataset, names first', () => {
    const hits = names('ord', 100);
    for (const n of ['orders_raw', 'orders_daily', 'order_items_raw', 'stg_orders', 'partner_orders']) expect(hits).toContain(n);
    // Datasets whose name holds the word rank above those matching only elsewhere.
    const firstWithoutName = hits.findIndex((n) => !/ord/.test(n));
    expect(hits.slice(firstWithoutName).some((n) => /(^|_)ord/.test(n))).toBe(false);
  });

  it('"sales-data" is the phrase "sales data": exactly the datasets of that owner', () => {
    const owned = cat.db.prepare("SELECT display_name FROM datasets WHERE owner = 'sales-data@acme.example' ORDER BY 1").all<{ display_name: string }>();
    expect(names('sales-data').sort()).toEqual(owned.map((r) => r.display_name));
  });

  it('"user.email" is the phrase "user email" and does not throw even though nothing has it', () => {
    expect(names('user.email')).toEqual([]);
    expect(names('user.customer_id')).toContain('web_events');
  });

  it('glossary synonyms are searchable: "GMV" finds datasets using gross_revenue', () => {
    const hits = names('GMV');
    expect(hits).toContain('stg_orders');
    expect(hits).toContain('sales_daily');
  });

  it('a dataset named exactly like the query comes first', () => {
    expect(names('fx_rates')[0]).toBe('fx_rates');
    expect(names('stg_orders')[0]).toBe('stg_orders');
  });

  it('matched names the parts holding a query word, on word boundaries ("ord" is not in "golden-record")', () => {
    const r = searchDatasets(cat, 'ord', 100).results.find((x) => x.name === 'customer_profiles')!;
    expect(r.matched).not.toContain('tags');
    expect(r.matched).toContain('fields');
  });

  it('scores are positive and never increase down the list, even for words in most datasets', () => {
    for (const q of ['revenue', 'ord', 'order', 'email', 'daily']) {
      const scores = searchDatasets(cat, q, 100).results.map((r) => r.score);
      expect(scores.length).toBeGreaterThan(0);
      for (const s of scores) expect(s).toBeGreaterThan(0);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });
});

describe('bm25 ranking', () => {
  let cat2: Catalog;
  beforeAll(async () => {
    const dir = tempDir();
    const ds = (name: string, description: string, extra = '') =>
      `apiVersion: metafuse/v1\nkind: Dataset\nname: ${name}\nowner: team@example.com\ndescription: ${description}\n${extra}`;
    writeTree(dir, {
      'specs/a.yaml': ds('gizmo_inventory', 'Stock levels per warehouse.'),
      'specs/b.yaml': ds('stock_report', 'Weekly report that also lists every gizmo in stock.'),
      'specs/c.yaml': ds('tagged_thing', 'Unrelated.', 'tags: [gizmo]\n'),
      'specs/d.yaml': ds('field_thing', 'Unrelated too.', 'fields:\n  - name: gizmo_count\n    type: int64\n'),
      'specs/e.yaml': ds('fieldDesc_thing', 'Still unrelated.', 'fields:\n  - name: n\n    type: int64\n    description: how many gizmo units\n'),
      // Fillers so that "gizmo" is in a minority of rows (bm25 IDF > 0).
      ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`specs/f${i}.yaml`, ds(`filler_${i}`, `Filler number ${i}.`)])),
    });
    const out = path.join(dir, 'c.db');
    await buildCatalog(path.join(dir, 'specs'), out);
    cat2 = openCatalog(out);
  });
  afterAll(() => cat2.close());

  it('a name match ranks above a description-only match, with a higher score', () => {
    const r = searchDatasets(cat2, 'gizmo').results;
    const byName = r.findIndex((x) => x.name === 'gizmo_inventory');
    const byDescription = r.findIndex((x) => x.name === 'stock_report');
    expect(byName).toBe(0);
    expect(byDescription).toBeGreaterThan(byName);
    expect(r[byName]!.score).toBeGreaterThan(r[byDescription]!.score);
  });

  it('the weights order the columns: name > tags > field names > description > field descriptions', () => {
    const order = searchDatasets(cat2, 'gizmo').results.map((x) => x.name);
    expect(order).toEqual(['gizmo_inventory', 'tagged_thing', 'field_thing', 'stock_report', 'fieldDesc_thing']);
  });
});
