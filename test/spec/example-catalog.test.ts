// The example catalog in catalog-specs/ is what new users learn the spec format
// from: it must stay valid and keep showing every feature it is meant to show.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpecs, type Dataset, type SpecResult } from '../../src/spec/index.js';

const specsDir = 'catalog-specs';

let result: SpecResult;
let datasets: Dataset[];
const byName = (name: string, tenant = 'acme'): Dataset => {
  const ds = datasets.find((d) => d.name === name && d.tenant === tenant);
  if (!ds) throw new Error(`dataset ${tenant}/${name} not found`);
  return ds;
};
const show = (d: { file: string; line: number; column: number; severity: string; code: string; message: string }) =>
  `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;

describe('example catalog (catalog-specs/)', () => {
  beforeAll(async () => {
    result = await loadSpecs(specsDir);
    datasets = result.model.datasets;
  });

  it('validates with zero errors', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error').map(show)).toEqual([]);
    expect(result.errors).toBe(0);
  });

  it('has exactly one warning: revenue_monthly still reads the deprecated orders_daily', () => {
    expect(result.warnings).toBe(1);
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings.map(show)).toHaveLength(1);
    const [w] = warnings;
    expect(w!.code).toBe('deprecated-upstream');
    expect(w!.file).toMatch(/revenue_monthly\.yaml$/);
    expect(w!.message).toContain('"orders_daily"');
    // The deprecated dataset and its resolved replacement.
    const old = byName('orders_daily');
    expect(old.deprecated).toEqual({ since: '2026-10-01', reason: expect.any(String), replacement: { tenant: 'acme', name: 'sales_daily' } });
    expect(byName('revenue_monthly').upstream).toContainEqual({ tenant: 'acme', name: 'orders_daily' });
  });

  it('reads the catalog settings from metafuse.yaml', () => {
    expect(result.model.config).toEqual({
      name: 'acme',
      defaultTenant: 'acme',
      policy: { requireOwner: true, requireDescription: false, breakingChanges: 'fail' },
      publishTarget: 's3://acme-catalog/prod/catalog.db',
    });
  });

  it('has at least 15 datasets over at least 4 domains and 2 tenants, each with owner and description', () => {
    expect(datasets.length).toBeGreaterThanOrEqual(15);
    expect(new Set(datasets.map((d) => d.domain)).size).toBeGreaterThanOrEqual(4);
    const tenants = new Set(datasets.map((d) => d.tenant));
    expect(tenants.size).toBeGreaterThanOrEqual(2);
    expect(tenants).toContain('acme');
    for (const d of datasets) {
      expect(d.owner, `${d.tenant}/${d.name} owner`).toBeTruthy();
      expect(d.description, `${d.tenant}/${d.name} description`).toBeTruthy();
      expect(d.fields.length, `${d.tenant}/${d.name} fields`).toBeGreaterThan(0);
    }
    expect(datasets.some((d) => d.partitionKeys.length > 0)).toBe(true);
    expect(datasets.some((d) => Object.keys(d.properties).length > 0)).toBe(true);
  });

  it('takes nested fields with dotted paths from Arrow files in IPC file and stream format', () => {
    const fromArrow = datasets.filter((d) => d.schemaFile !== null);
    const files = fromArrow.map((d) => d.schemaFile!).sort();
    expect(files).toEqual(['schemas/customer_profiles.arrow', 'schemas/web_events.arrow']);
    const magic = (f: string) => readFileSync(path.join(result.root, f)).subarray(0, 6).toString('latin1');
    expect(magic('schemas/customer_profiles.arrow')).toBe('ARROW1'); // IPC file format
    expect(magic('schemas/web_events.arrow')).not.toBe('ARROW1'); // IPC stream format

    const nested = fromArrow.flatMap((d) => d.fields.filter((f) => f.path.includes('.')).map((f) => `${d.name}:${f.path}`));
    expect(nested.length).toBeGreaterThan(0);

    const profiles = byName('customer_profiles');
    const field = (p: string) => profiles.fields.find((f) => f.path === p);
    expect(field('address.city')).toMatchObject({ parent: 'address', depth: 1, type: 'string' });
    expect(field('consents.granted_at')).toMatchObject({ type: 'timestamp[us, tz=UTC]' }); // list of struct
    expect(field('loyalty_points.value')).toMatchObject({ type: 'int64' }); // map
    expect(field('segment')?.type).toBe('dictionary<values=string, indices=int32, ordered=0>');
    expect(field('lifetime_value')?.sqlType).toBe('DECIMAL(12,2)');
    // A description from the Arrow field metadata, and one from the spec.
    expect(field('address.country')?.description).toBe('ISO 3166-1 alpha-2 country code.');
    expect(field('consents.channel')?.description).toMatch(/^Consent channel/);

    const events = byName('web_events');
    expect(events.fields.find((f) => f.path === 'page.utm.campaign')).toMatchObject({ depth: 2, terms: ['campaign'] });
    expect(events.fields.find((f) => f.path === 'items.sku')?.terms).toEqual(['sku']);
  });

  it('normalises type aliases to the canonical spelling', () => {
    const types = Object.fromEntries(byName('orders_raw').fields.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      order_id: 'int64',
      status: 'string',
      total_amount: 'decimal128(12, 2)',
      ordered_at: 'timestamp[us, tz=UTC]',
      ingest_date: 'date32[day]',
    });
    const products = Object.fromEntries(byName('products').fields.map((f) => [f.path, f.type]));
    expect(products.search_keywords).toBe('list<item: string>');
    expect(products.image_urls).toBe('list<item: string>');
    expect(products['dimensions.weight_kg']).toBe('double');
  });

  it('has cross-tenant upstreams in both directions', () => {
    const crossTenant = datasets.flatMap((d) => d.upstream.filter((u) => u.tenant !== d.tenant).map((u) => `${d.tenant}/${d.name} <- ${u.tenant}/${u.name}`));
    expect(crossTenant).toContain('acme/sales_daily <- partner/partner_orders');
    expect(crossTenant).toContain('partner/partner_sales_report <- acme/sales_daily');
    // A bare name inside the partner tenant resolves to the partner tenant.
    expect(byName('partner_settlements', 'partner').upstream).toEqual([{ tenant: 'partner', name: 'partner_orders' }]);
  });

  it('has column lineage, also across tenants and from nested fields', () => {
    const edges = datasets.flatMap((d) =>
      d.fields.flatMap((f) => f.from.map((c) => ({ to: `${d.tenant}/${d.name}:${f.path}`, from: `${c.tenant}/${c.name}:${c.field}` }))),
    );
    expect(edges.length).toBeGreaterThan(50);
    expect(edges).toContainEqual({ to: 'acme/stg_orders:order_id', from: 'acme/orders_raw:order_id' });
    expect(edges).toContainEqual({ to: 'acme/sales_daily:gross_revenue_eur', from: 'partner/partner_orders:gross_amount' });
    expect(edges).toContainEqual({ to: 'acme/marketing_attribution:campaign_id', from: 'acme/web_events:page.utm.campaign' });
    expect(edges).toContainEqual({ to: 'acme/customer_profiles:address.city', from: 'acme/crm_contacts_raw:city' });
    // Every column-lineage source is an upstream of the dataset.
    for (const d of datasets) {
      for (const f of d.fields) {
        for (const c of f.from) expect(d.upstream, `${d.name}.${f.path}`).toContainEqual({ tenant: c.tenant, name: c.name });
      }
    }
  });

  it('uses every glossary term and has parent chains', () => {
    const terms = new Map(result.model.terms.map((t) => [t.id, t]));
    const chain = (id: string): string[] => {
      const out = [id];
      for (let t = terms.get(id); t?.parent; t = terms.get(t.parent)) out.push(t.parent);
      return out;
    };
    expect(chain('net_revenue')).toEqual(['net_revenue', 'revenue', 'financial_metric']);
    expect(chain('email_address')).toEqual(['email_address', 'personal_data']);
    expect(terms.get('gross_margin')?.related).toContain('cost_of_goods_sold');
    expect(result.diagnostics.filter((d) => d.code === 'unused-term')).toEqual([]);
  });
});
