// Rules across documents: duplicates, references between datasets and terms,
// column lineage, cycles, and the warnings that come from references.
// datasetYaml()/termYaml() write five header lines, so extra keys start on line 6.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupSpecTrees, datasetYaml, loadTree, termYaml, where } from '../helpers/fixtures.js';

afterEach(cleanupSpecTrees);

describe('duplicate-dataset', () => {
  it('rejects a second dataset whose name differs only in case, naming the first', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('Orders'), 'b.yaml': datasetYaml('orders') });
    expect(where(result.diagnostics)).toEqual([{ file: at('b.yaml'), line: 3, column: 7, severity: 'error', code: 'duplicate-dataset' }]);
    expect(result.diagnostics[0]!.message).toBe(`dataset "orders" is already defined (as "Orders"; names are case-insensitive) at ${at('a.yaml')}:3:7`);
    expect(result.model.datasets.map((d) => d.name)).toEqual(['Orders']);
  });

  it('rejects a duplicate in a later document of the same file', async () => {
    const { result, at } = await loadTree({ 'a.yaml': `${datasetYaml('orders')}---\n${datasetYaml('orders')}` });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 9, column: 7, severity: 'error', code: 'duplicate-dataset' }]);
    expect(result.diagnostics[0]!.message).toBe(`dataset "orders" is already defined at ${at('a.yaml')}:3:7`);
  });

  it('allows the same name in two tenants', async () => {
    const { result } = await loadTree({ 'a.yaml': datasetYaml('customers', 'tenant: crm\n'), 'b.yaml': datasetYaml('customers', 'tenant: billing\n') });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets.map((d) => `${d.tenant}/${d.name}`)).toEqual(['billing/customers', 'crm/customers']);
  });

  it('counts an explicit tenant equal to the default tenant as the same tenant', async () => {
    const { result, at } = await loadTree({
      'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\ndefaults: {tenant: acme}\n',
      'a.yaml': datasetYaml('orders'),
      'b.yaml': datasetYaml('ORDERS', 'tenant: acme\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('b.yaml'), line: 3, column: 7, severity: 'error', code: 'duplicate-dataset' }]);
  });
});

describe('duplicate-term', () => {
  it('rejects a second term with the same id, naming the first', async () => {
    const { result, at } = await loadTree({
      'glossary/a.yaml': termYaml('revenue'),
      'glossary/b.yaml': termYaml('revenue'),
      'orders.yaml': datasetYaml('orders', 'terms: [revenue]\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('glossary/b.yaml'), line: 3, column: 5, severity: 'error', code: 'duplicate-term' }]);
    expect(result.diagnostics[0]!.message).toBe(`glossary term "revenue" is already defined at ${at('glossary/a.yaml')}:3:5`);
    expect(result.model.terms.map((t) => t.sourceFile)).toEqual(['glossary/a.yaml']);
  });
});

describe('duplicate-catalog', () => {
  it('allows one Catalog document and points at the kind of the second', async () => {
    const { result, at } = await loadTree({
      'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\ndefaults: {tenant: acme}\n',
      'other.yaml': '# another catalog\napiVersion: metafuse/v1\nkind: Catalog\ndefaults: {tenant: other}\n',
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('other.yaml'), line: 3, column: 7, severity: 'error', code: 'duplicate-catalog' }]);
    expect(result.diagnostics[0]!.message).toBe(`only one Catalog document is allowed; the first is at ${at('metafuse.yaml')}:2:7`);
    expect(result.model.config.defaultTenant).toBe('acme');
  });
});

describe('unknown-upstream', () => {
  it('points at the unknown entry and suggests the nearest dataset', async () => {
    const { result, at } = await loadTree({
      'daily.yaml': datasetYaml('orders_daily', 'upstream: [orders_raw, ordrs_raw]\n'),
      'raw.yaml': datasetYaml('orders_raw'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('daily.yaml'), line: 6, column: 24, severity: 'error', code: 'unknown-upstream' }]);
    expect(result.diagnostics[0]!.message).toBe('unknown upstream dataset "ordrs_raw" (did you mean "orders_raw"?)');
    expect(result.model.datasets.find((d) => d.name === 'orders_daily')!.upstream).toEqual([{ tenant: 'default', name: 'orders_raw' }]);
  });

  it('resolves tenant/name across tenants, and a bare name only in the same tenant', async () => {
    const { result, at } = await loadTree({
      'crm.yaml': datasetYaml('customers', 'tenant: crm\nupstream: [default/orders]\n'),
      'orders.yaml': datasetYaml('orders'),
      'report.yaml': datasetYaml('report', 'upstream:\n  - crm/customers\n  - crm/custmers\n  - customers\n  - CRM/customers\n'),
    });
    expect(where(result.diagnostics)).toEqual([
      { file: at('report.yaml'), line: 8, column: 5, severity: 'error', code: 'unknown-upstream' },
      { file: at('report.yaml'), line: 9, column: 5, severity: 'error', code: 'unknown-upstream' },
      { file: at('report.yaml'), line: 10, column: 5, severity: 'error', code: 'unknown-upstream' },
    ]);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'unknown upstream dataset "crm/custmers" (did you mean "crm/customers"?)',
      'unknown upstream dataset "customers" (did you mean "crm/customers"?)',
      // Tenants are case-sensitive; only dataset names are not.
      'unknown upstream dataset "CRM/customers" (did you mean "crm/customers"?)',
    ]);
    const byName = new Map(result.model.datasets.map((d) => [d.name, d]));
    expect(byName.get('report')!.upstream).toEqual([{ tenant: 'crm', name: 'customers' }]);
    expect(byName.get('customers')!.upstream).toEqual([{ tenant: 'default', name: 'orders' }]);
  });

  it('resolves names case-insensitively to the dataset as spelt in its spec', async () => {
    const { result } = await loadTree({ 'a.yaml': datasetYaml('Orders'), 'b.yaml': datasetYaml('report', 'upstream: [ORDERS, orders]\n') });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets.find((d) => d.name === 'report')!.upstream).toEqual([{ tenant: 'default', name: 'Orders' }]);
  });
});

describe('unknown-term', () => {
  it('points at an unknown dataset term and at an unknown field term', async () => {
    const { result, at } = await loadTree({
      'revenue.yaml': termYaml('revenue'),
      'orders.yaml': datasetYaml('orders', 'terms: [revenu]\nfields:\n  - name: amount\n    type: double\n    terms: [revenue, revnue]\n'),
    });
    expect(where(result.diagnostics)).toEqual([
      { file: at('orders.yaml'), line: 6, column: 9, severity: 'error', code: 'unknown-term' },
      { file: at('orders.yaml'), line: 10, column: 22, severity: 'error', code: 'unknown-term' },
    ]);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'unknown glossary term "revenu" (did you mean "revenue"?)',
      'unknown glossary term "revnue" (did you mean "revenue"?)',
    ]);
  });
});

describe('glossary references', () => {
  it('reports unknown-parent at the parent value', async () => {
    const { result, at } = await loadTree({
      'terms.yaml': `${termYaml('revenue', 'parent: financial_metrc\n')}---\n${termYaml('financial_metric')}`,
      'orders.yaml': datasetYaml('orders', 'terms: [revenue, financial_metric]\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('terms.yaml'), line: 6, column: 9, severity: 'error', code: 'unknown-parent' }]);
    expect(result.diagnostics[0]!.message).toBe('unknown parent term "financial_metrc" (did you mean "financial_metric"?)');
    expect(result.model.terms.find((t) => t.id === 'revenue')!.parent).toBeNull();
  });

  it('reports unknown-related at the list entry and keeps the known ones', async () => {
    const { result, at } = await loadTree({
      'terms.yaml': `${termYaml('revenue', 'related: [gross_margin, gros_margin]\n')}---\n${termYaml('gross_margin')}`,
      'orders.yaml': datasetYaml('orders', 'terms: [revenue, gross_margin]\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('terms.yaml'), line: 6, column: 25, severity: 'error', code: 'unknown-related' }]);
    expect(result.diagnostics[0]!.message).toBe('unknown related term "gros_margin" (did you mean "gross_margin"?)');
    expect(result.model.terms.find((t) => t.id === 'revenue')!.related).toEqual(['gross_margin']);
  });

  it('reports term-cycle once, at the parent of the smallest id, naming the cycle', async () => {
    const { result, at } = await loadTree({
      'a.yaml': termYaml('a', 'parent: b\n'),
      'b.yaml': termYaml('b', 'parent: a\n'),
      'orders.yaml': datasetYaml('orders', 'terms: [a, b]\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 9, severity: 'error', code: 'term-cycle' }]);
    expect(result.diagnostics[0]!.message).toBe('glossary parent cycle: a → b → a');
  });

  it('reports a term that is its own parent', async () => {
    const { result, at } = await loadTree({ 'a.yaml': termYaml('a', 'parent: a\n'), 'orders.yaml': datasetYaml('orders', 'terms: [a]\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 9, severity: 'error', code: 'term-cycle' }]);
    expect(result.diagnostics[0]!.message).toBe('glossary parent cycle: a → a');
  });

  it('handles a long parent chain without a cycle', async () => {
    const docs = Array.from({ length: 3000 }, (_, i) => termYaml(`t${i}`, i > 0 ? `parent: t${i - 1}\n` : '')).join('---\n');
    const { result } = await loadTree({ 'terms.yaml': docs, 'orders.yaml': datasetYaml('orders', 'terms: [t2999]\n') });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.terms).toHaveLength(3000);
  });
});

describe('unknown-replacement', () => {
  it('points at the replacement value and resolves a known one into the model', async () => {
    const { result, at } = await loadTree({
      'old.yaml': datasetYaml('sales', 'deprecated:\n  since: 2026-10-01\n  replacement: orders_v3\n'),
      'older.yaml': datasetYaml('legacy', 'deprecated:\n  replacement: crm/orders_v2\n'),
      'v2.yaml': datasetYaml('orders_v2', 'tenant: crm\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('old.yaml'), line: 8, column: 16, severity: 'error', code: 'unknown-replacement' }]);
    // orders_v2 lives in another tenant: the nearest name in any tenant is suggested, qualified.
    expect(result.diagnostics[0]!.message).toBe('replacement dataset "orders_v3" does not exist (did you mean "crm/orders_v2"?)');
    expect(result.model.datasets.find((d) => d.name === 'legacy')!.deprecated).toEqual({ since: null, reason: null, replacement: { tenant: 'crm', name: 'orders_v2' } });
    expect(result.model.datasets.find((d) => d.name === 'sales')!.deprecated).toEqual({ since: '2026-10-01', reason: null, replacement: null });
  });

  it('suggests the nearest dataset for a misspelt replacement', async () => {
    const { result } = await loadTree({ 'a.yaml': datasetYaml('orders', 'deprecated: {replacement: orders_v3}\n'), 'b.yaml': datasetYaml('orders_v2') });
    expect(result.diagnostics.map((d) => d.message)).toEqual(['replacement dataset "orders_v3" does not exist (did you mean "orders_v2"?)']);
  });
});

describe('column lineage', () => {
  const raw = datasetYaml('raw', 'fields:\n  - {name: id, type: int64}\n  - {name: address, type: "struct<city: string>"}\n');
  const daily = (from: string, upstream = '[raw]') =>
    datasetYaml('daily', `upstream: ${upstream}\nfields:\n  - name: id\n    type: int64\n    from: [${from}]\n`);

  it('records resolved column lineage, nested paths included', async () => {
    const { result } = await loadTree({ 'raw.yaml': raw, 'daily.yaml': daily('"raw:id", "raw:address.city", "RAW:id"') });
    expect(result.diagnostics).toEqual([]);
    const field = result.model.datasets.find((d) => d.name === 'daily')!.fields[0]!;
    // Sorted (column lineage is a set), so its order changes neither the spec hash nor a diff.
    expect(field.from).toEqual([
      { tenant: 'default', name: 'raw', field: 'address.city' },
      { tenant: 'default', name: 'raw', field: 'id' },
    ]);
  });

  it('reports unknown-lineage-dataset at the from entry', async () => {
    const { result, at } = await loadTree({ 'raw.yaml': raw, 'daily.yaml': daily('"raw:id", "rwa:id"') });
    // "    from: [" is 11 characters, then "raw:id" (8 with quotes), a comma and a space.
    expect(where(result.diagnostics)).toEqual([{ file: at('daily.yaml'), line: 10, column: 22, severity: 'error', code: 'unknown-lineage-dataset' }]);
    expect(result.diagnostics[0]!.message).toBe('column lineage names unknown dataset "rwa" (did you mean "raw"?)');
  });

  it('reports lineage-not-upstream when the dataset exists but is not listed in upstream', async () => {
    const { result, at } = await loadTree({ 'raw.yaml': raw, 'other.yaml': datasetYaml('other'), 'daily.yaml': daily('"other:id"') });
    expect(where(result.diagnostics)).toEqual([{ file: at('daily.yaml'), line: 10, column: 12, severity: 'error', code: 'lineage-not-upstream' }]);
    expect(result.diagnostics[0]!.message).toBe('column lineage reads "other", which is not listed in upstream; add it there');
  });

  it('reports unknown-lineage-field with the nearest field path', async () => {
    const { result, at } = await loadTree({ 'raw.yaml': raw, 'daily.yaml': daily('"raw:address.cty"') });
    expect(where(result.diagnostics)).toEqual([{ file: at('daily.yaml'), line: 10, column: 12, severity: 'error', code: 'unknown-lineage-field' }]);
    expect(result.diagnostics[0]!.message).toBe('dataset "raw" has no field "address.cty" (did you mean "address.city"?)');
  });

  it('judges fields of a wide dataset (looked up through a map, not a scan) like those of a narrow one', async () => {
    const wide = datasetYaml('wide', `fields:\n${Array.from({ length: 40 }, (_, i) => `  - {name: w${i}, type: int64}`).join('\n')}\n`);
    const down = datasetYaml('down', 'upstream: [wide]\nfields:\n  - {name: a, type: int64, from: ["wide:w0", "wide:w39"]}\n  - {name: b, type: int64, from: ["wide:w40"]}\n');
    const { result } = await loadTree({ 'wide.yaml': wide, 'down.yaml': down });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-lineage-field']);
    expect(result.diagnostics[0]!.message).toMatch(/^dataset "wide" has no field "w40" \(did you mean "w\d"\?\)$/);
    expect(result.model.datasets.find((d) => d.name === 'down')!.fields[0]!.from.map((c) => c.field)).toEqual(['w0', 'w39']);
  });

  it('resolves tenant/name:field across tenants', async () => {
    const { result } = await loadTree({
      'raw.yaml': raw.replace('name: raw\n', 'name: raw\ntenant: lake\n'),
      'daily.yaml': daily('"lake/raw:id"', '[lake/raw]'),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets.find((d) => d.name === 'daily')!.fields[0]!.from).toEqual([{ tenant: 'lake', name: 'raw', field: 'id' }]);
  });

  it('rejects a from entry without a field part by its pattern', async () => {
    const { result, at } = await loadTree({ 'raw.yaml': raw, 'daily.yaml': daily('"raw"') });
    expect(where(result.diagnostics)).toEqual([{ file: at('daily.yaml'), line: 10, column: 12, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toContain('column lineage is "<dataset>:<field>"');
  });
});

describe('lineage-cycle', () => {
  it('names the cycle a → b → a at the upstream entry of the first member', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('a', 'upstream: [b]\n'), 'b.yaml': datasetYaml('b', 'upstream: [a]\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 12, severity: 'error', code: 'lineage-cycle' }]);
    expect(result.diagnostics[0]!.message).toBe('lineage cycle: a → b → a (each reads the next as upstream)');
  });

  it('reports a dataset that is its own upstream', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('a', 'upstream: [x, a]\n'), 'x.yaml': datasetYaml('x') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 15, severity: 'error', code: 'lineage-cycle' }]);
    expect(result.diagnostics[0]!.message).toBe('lineage cycle: a → a (each reads the next as upstream)');
  });

  it('names a longer cycle across tenants once, starting at its smallest member', async () => {
    const { result, at } = await loadTree({
      'x.yaml': datasetYaml('x', 'tenant: crm\nupstream: [default/y]\n'),
      'y.yaml': datasetYaml('y', 'upstream: [z]\n'),
      'z.yaml': datasetYaml('z', 'upstream: [crm/x]\n'),
      'w.yaml': datasetYaml('w', 'upstream: [y]\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('x.yaml'), line: 7, column: 12, severity: 'error', code: 'lineage-cycle' }]);
    expect(result.diagnostics[0]!.message).toBe('lineage cycle: crm/x → y → z → crm/x (each reads the next as upstream)');
  });

  it('finds no cycle in a long chain or a diamond', async () => {
    const chain = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`d${i}.yaml`, datasetYaml(`d${i}`, i > 0 ? `upstream: [d${i - 1}]\n` : '')]),
    );
    const { result } = await loadTree({
      ...chain,
      'top.yaml': datasetYaml('top', 'upstream: [left, right]\n'),
      'left.yaml': datasetYaml('left', 'upstream: [d1999]\n'),
      'right.yaml': datasetYaml('right', 'upstream: [d1999]\n'),
    });
    expect(result.diagnostics).toEqual([]);
  });
});

describe('deprecated-upstream', () => {
  it('warns at the upstream entry, with the reason and the replacement', async () => {
    const { result, at } = await loadTree({
      'old.yaml': datasetYaml('old', 'deprecated:\n  reason: use new\n  replacement: new\n'),
      'new.yaml': datasetYaml('new'),
      'report.yaml': datasetYaml('report', 'upstream: [new, old]\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('report.yaml'), line: 6, column: 17, severity: 'warning', code: 'deprecated-upstream' }]);
    expect(result.diagnostics[0]!.message).toBe('upstream dataset "old" is deprecated (use new); use "new" instead');
    expect(result.errors).toBe(0);
  });
});

describe('unused-term', () => {
  it('warns at the id of a term no dataset, field or child term uses', async () => {
    const { result, at } = await loadTree({
      'terms.yaml': [termYaml('orphan'), termYaml('metric'), termYaml('revenue', 'parent: metric\n'), termYaml('amount')].join('---\n'),
      'orders.yaml': datasetYaml('orders', 'terms: [revenue]\nfields:\n  - {name: amount, type: double, terms: [amount]}\n'),
    });
    // Documents are 6 lines apart (5 lines and "---"); "orphan" is the first.
    expect(where(result.diagnostics)).toEqual([{ file: at('terms.yaml'), line: 3, column: 5, severity: 'warning', code: 'unused-term' }]);
    expect(result.diagnostics[0]!.message).toBe('glossary term "orphan" is not used by any dataset, field or child term');
  });
});
