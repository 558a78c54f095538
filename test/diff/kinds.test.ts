// One row per change kind and per severity rule of docs/diff.md: a base tree, the
// same tree with one edit, and exactly the change that edit must produce.
import { afterEach, describe, expect, it } from 'vitest';
import { CHANGE_KINDS, type ChangeKind } from '../../src/diff/compute.js';
import { cleanupSpecTrees } from '../helpers/fixtures.js';
import { clone, core, diffSpecs, expected, type DatasetSpec, type Expected, type Specs } from './support.js';

afterEach(cleanupSpecTrees);

const BASE: Specs = {
  terms: [
    { id: 'revenue', name: 'Revenue', definition: 'Income from sales, net of refunds.' },
    { id: 'order', name: 'Order', definition: 'A customer purchase.' },
    { id: 'customer', name: 'Customer', definition: 'Someone who buys.' },
    { id: 'churn', name: 'Churn', definition: 'Customers who stop buying.' },
  ],
  datasets: [
    {
      name: 'orders_raw',
      domain: 'sales',
      owner: 'sales@acme.example',
      location: 's3://lake/raw/orders/',
      format: 'parquet',
      tags: ['raw'],
      terms: ['order'],
      partitionKeys: ['order_date'],
      properties: { sla: '06:00 UTC' },
      fields: [
        { name: 'order_id', type: 'int64', nullable: false, description: 'Order key', tags: ['key'], terms: ['order'] },
        { name: 'customer_id', type: 'int64' },
        { name: 'amount', type: 'decimal128(12, 2)' },
        { name: 'order_date', type: 'date32[day]', nullable: false },
        { name: 'status', type: 'string' },
        { name: 'customer', type: 'struct<name: string, city: string>' },
      ],
    },
    {
      name: 'orders_daily',
      upstream: ['orders_raw', 'customers'],
      terms: ['revenue'],
      fields: [
        { name: 'order_date', type: 'date32[day]', from: ['orders_raw:order_date'] },
        { name: 'revenue', type: 'decimal128(14, 2)', from: ['orders_raw:amount'] },
      ],
    },
    { name: 'customers', location: 's3://lake/customers/', fields: [{ name: 'id', type: 'int64' }, { name: 'name', type: 'string' }] },
    { name: 'customers', tenant: 'crm', location: 's3://crm/customers/', fields: [{ name: 'id', type: 'int64' }, { name: 'email', type: 'string' }] },
    { name: 'legacy_orders', deprecated: { since: '2026-01-01', reason: 'use orders_raw', replacement: 'orders_raw' }, fields: [{ name: 'id', type: 'int64' }] },
    { name: 'clicks', location: 's3://lake/clicks/' },
    { name: 'scratch', fields: ['a', 'b', 'c', 'd', 'e'].map((n) => ({ name: n, type: 'int64' })) },
  ],
};

function ds(specs: Specs, name: string, tenant?: string): DatasetSpec {
  const d = specs.datasets.find((x) => x.name === name && x.tenant === tenant);
  if (!d) throw new Error(`no dataset ${name} in the fixture`);
  return d;
}
function fieldOf(specs: Specs, dataset: string, field: string) {
  const f = ds(specs, dataset).fields!.find((x) => x.name === field);
  if (!f) throw new Error(`no field ${dataset}.${field} in the fixture`);
  return f;
}
function drop(specs: Specs, name: string, tenant?: string): void {
  specs.datasets = specs.datasets.filter((d) => !(d.name === name && d.tenant === tenant));
}

interface Case {
  name: string;
  edit: (head: Specs) => void;
  /** Every change the edit produces, in the diff's order. */
  changes: Expected[];
}

const CASES: Case[] = [
  // ------------------------------------------------------------- datasets
  {
    name: 'a new dataset is dataset-added, safe',
    edit: (h) => h.datasets.push({ name: 'returns', fields: [{ name: 'id', type: 'int64' }] }),
    changes: [{ kind: 'dataset-added', dataset: 'returns', severity: 'safe' }],
  },
  {
    name: 'a removed dataset is dataset-removed, breaking',
    edit: (h) => drop(h, 'scratch'),
    changes: [{ kind: 'dataset-removed', dataset: 'scratch', severity: 'breaking' }],
  },
  {
    name: 'removing a dataset that was deprecated with a replacement is only a warning',
    edit: (h) => drop(h, 'legacy_orders'),
    changes: [{ kind: 'dataset-removed', dataset: 'legacy_orders', severity: 'warning' }],
  },
  {
    name: 'removing a dataset deprecated without a replacement is still breaking',
    edit: (h) => drop(h, 'scratch'), // the base of this row deprecates scratch without a replacement (BASE_OF)
    changes: [{ kind: 'dataset-removed', dataset: 'scratch', severity: 'breaking' }],
  },
  {
    name: 'a removed + added pair at the same location is one dataset-renamed',
    edit: (h) => {
      ds(h, 'clicks').name = 'clickstream';
    },
    changes: [{ kind: 'dataset-renamed', dataset: 'clickstream', before: 'clicks', after: 'clickstream', severity: 'breaking' }],
  },
  {
    name: 'a removed + added pair at different locations and without fields is not a rename',
    edit: (h) => {
      const d = ds(h, 'clicks');
      d.name = 'clickstream';
      d.location = 's3://lake/clickstream/';
    },
    changes: [
      { kind: 'dataset-removed', dataset: 'clicks', severity: 'breaking' },
      { kind: 'dataset-added', dataset: 'clickstream', severity: 'safe' },
    ],
  },
  {
    name: 'a removed + added pair with ≥ 80% identical fields is a rename, and its own edits are reported too',
    edit: (h) => {
      const d = ds(h, 'scratch');
      d.name = 'scratch_v2';
      d.fields!.push({ name: 'f', type: 'string' }); // 5 of 6 fields shared: 83%
    },
    changes: [
      { kind: 'dataset-renamed', dataset: 'scratch_v2', before: 'scratch', after: 'scratch_v2', severity: 'breaking' },
      { kind: 'field-added', dataset: 'scratch_v2', field: 'f', after: 'string', severity: 'safe' },
    ],
  },
  {
    name: 'exactly 80% identical fields is still a rename',
    edit: (h) => {
      const d = ds(h, 'scratch');
      d.name = 'scratch_v2';
      d.fields!.pop(); // 4 of 5 shared
    },
    changes: [
      { kind: 'dataset-renamed', dataset: 'scratch_v2', before: 'scratch', after: 'scratch_v2', severity: 'breaking' },
      { kind: 'field-removed', dataset: 'scratch_v2', field: 'e', before: 'int64', severity: 'breaking' },
    ],
  },
  {
    name: 'below 80% identical fields (same names, two retyped) is a removal and an addition',
    edit: (h) => {
      const d = ds(h, 'scratch');
      d.name = 'scratch_v2';
      d.fields![0]!.type = 'string';
      d.fields![1]!.type = 'string'; // 3 of 7 distinct (name, type) pairs shared
    },
    changes: [
      { kind: 'dataset-removed', dataset: 'scratch', severity: 'breaking' },
      { kind: 'dataset-added', dataset: 'scratch_v2', severity: 'safe' },
    ],
  },
  {
    name: 'the same name moved to another tenant is a rename to tenant/name',
    edit: (h) => {
      const d = ds(h, 'scratch');
      d.tenant = 'lab';
      d.fields = [{ name: 'z', type: 'string' }]; // nothing else in common: the name alone decides
    },
    changes: [
      { kind: 'dataset-renamed', dataset: 'lab/scratch', before: 'scratch', after: 'lab/scratch', severity: 'breaking' },
      { kind: 'field-removed', dataset: 'lab/scratch', field: 'a', before: 'int64', severity: 'breaking' },
      { kind: 'field-removed', dataset: 'lab/scratch', field: 'b', before: 'int64', severity: 'breaking' },
      { kind: 'field-removed', dataset: 'lab/scratch', field: 'c', before: 'int64', severity: 'breaking' },
      { kind: 'field-removed', dataset: 'lab/scratch', field: 'd', before: 'int64', severity: 'breaking' },
      { kind: 'field-removed', dataset: 'lab/scratch', field: 'e', before: 'int64', severity: 'breaking' },
      { kind: 'field-added', dataset: 'lab/scratch', field: 'z', after: 'string', severity: 'safe' },
    ],
  },
  {
    name: 'deprecating a dataset is a warning naming the replacement',
    edit: (h) => {
      ds(h, 'scratch').deprecated = { since: '2026-02-01', reason: 'use customers', replacement: 'customers' };
    },
    changes: [{ kind: 'dataset-deprecated', dataset: 'scratch', after: 'customers', severity: 'warning' }],
  },
  {
    name: 'deprecating without a replacement is a warning with no target',
    edit: (h) => {
      ds(h, 'scratch').deprecated = { since: '2026-02-01' };
    },
    changes: [{ kind: 'dataset-deprecated', dataset: 'scratch', after: null, severity: 'warning' }],
  },
  {
    name: 'lifting a deprecation is safe',
    edit: (h) => {
      delete ds(h, 'legacy_orders').deprecated;
    },
    changes: [{ kind: 'dataset-undeprecated', dataset: 'legacy_orders', severity: 'safe' }],
  },
  {
    name: 'a new domain is safe metadata',
    edit: (h) => {
      ds(h, 'orders_raw').domain = 'finance';
    },
    changes: [{ kind: 'domain-changed', dataset: 'orders_raw', before: 'sales', after: 'finance', severity: 'safe' }],
  },
  {
    name: 'a new owner is safe metadata',
    edit: (h) => {
      ds(h, 'orders_raw').owner = 'finance@acme.example';
    },
    changes: [{ kind: 'owner-changed', dataset: 'orders_raw', before: 'sales@acme.example', after: 'finance@acme.example', severity: 'safe' }],
  },
  {
    name: 'a new description is safe',
    edit: (h) => {
      ds(h, 'orders_raw').description = 'Raw orders, one row per order.';
    },
    changes: [{ kind: 'description-changed', dataset: 'orders_raw', before: 'Test data.', after: 'Raw orders, one row per order.', severity: 'safe' }],
  },
  {
    name: 'a new location is a warning',
    edit: (h) => {
      ds(h, 'orders_raw').location = 's3://lake/raw/orders_v2/';
    },
    changes: [{ kind: 'location-changed', dataset: 'orders_raw', before: 's3://lake/raw/orders/', after: 's3://lake/raw/orders_v2/', severity: 'warning' }],
  },
  {
    name: 'a new format is a warning',
    edit: (h) => {
      ds(h, 'orders_raw').format = 'delta';
    },
    changes: [{ kind: 'format-changed', dataset: 'orders_raw', before: 'parquet', after: 'delta', severity: 'warning' }],
  },
  {
    name: 'new tags are safe',
    edit: (h) => {
      ds(h, 'orders_raw').tags = ['raw', 'finance'];
    },
    changes: [{ kind: 'tags-changed', dataset: 'orders_raw', before: ['raw'], after: ['finance', 'raw'], severity: 'safe' }],
  },
  {
    name: 'reordered tags are no change',
    edit: (h) => {
      ds(h, 'orders_raw').tags = ['finance', 'raw'];
    },
    changes: [],
  },
  {
    name: 'new glossary terms on a dataset are safe',
    edit: (h) => {
      ds(h, 'orders_raw').terms = ['order', 'revenue'];
    },
    changes: [{ kind: 'terms-changed', dataset: 'orders_raw', before: ['order'], after: ['order', 'revenue'], severity: 'safe' }],
  },
  {
    name: 'new properties are safe',
    edit: (h) => {
      ds(h, 'orders_raw').properties = { sla: '07:00 UTC' };
    },
    changes: [{ kind: 'properties-changed', dataset: 'orders_raw', before: { sla: '06:00 UTC' }, after: { sla: '07:00 UTC' }, severity: 'safe' }],
  },
  {
    name: 'other partition keys are breaking',
    edit: (h) => {
      ds(h, 'orders_raw').partitionKeys = ['order_date', 'status'];
    },
    changes: [{ kind: 'partition-keys-changed', dataset: 'orders_raw', before: ['order_date'], after: ['order_date', 'status'], severity: 'breaking' }],
  },
  {
    name: 'reordered partition keys are breaking (the layout changes)',
    edit: (h) => {
      ds(h, 'orders_raw').partitionKeys = ['status', 'order_date'];
    },
    changes: [{ kind: 'partition-keys-changed', dataset: 'orders_raw', before: ['order_date', 'status'], after: ['status', 'order_date'], severity: 'breaking' }],
  },
  {
    name: 'a new upstream is safe lineage',
    edit: (h) => {
      ds(h, 'orders_daily').upstream!.push('scratch');
    },
    changes: [{ kind: 'upstream-added', dataset: 'orders_daily', after: 'scratch', severity: 'safe' }],
  },
  {
    name: 'a dropped upstream is safe lineage',
    edit: (h) => {
      ds(h, 'orders_daily').upstream = ['orders_raw'];
    },
    changes: [{ kind: 'upstream-removed', dataset: 'orders_daily', before: 'customers', severity: 'safe' }],
  },
  {
    name: 'cross-tenant lineage: switching to the same name in another tenant is seen, and named tenant/name',
    edit: (h) => {
      ds(h, 'orders_daily').upstream = ['orders_raw', 'crm/customers'];
    },
    changes: [
      { kind: 'upstream-added', dataset: 'orders_daily', after: 'crm/customers', severity: 'safe' },
      { kind: 'upstream-removed', dataset: 'orders_daily', before: 'customers', severity: 'safe' },
    ],
  },
  {
    name: 'changes to a dataset of another tenant name it tenant/name when the name is ambiguous',
    edit: (h) => {
      ds(h, 'customers', 'crm').owner = 'crm@acme.example';
    },
    changes: [{ kind: 'owner-changed', dataset: 'crm/customers', before: 'data@acme.example', after: 'crm@acme.example', severity: 'safe' }],
  },
  // ------------------------------------------------------------- fields
  {
    name: 'a new nullable field is safe',
    edit: (h) => ds(h, 'orders_raw').fields!.push({ name: 'channel', type: 'string' }),
    changes: [{ kind: 'field-added', dataset: 'orders_raw', field: 'channel', after: 'string', severity: 'safe' }],
  },
  {
    name: 'a new NOT NULL field is a warning',
    edit: (h) => ds(h, 'orders_raw').fields!.push({ name: 'channel', type: 'string', nullable: false }),
    changes: [{ kind: 'field-added', dataset: 'orders_raw', field: 'channel', after: 'string', severity: 'warning' }],
  },
  {
    name: 'a removed field is breaking',
    edit: (h) => {
      ds(h, 'orders_raw').fields = ds(h, 'orders_raw').fields!.filter((f) => f.name !== 'status');
    },
    changes: [{ kind: 'field-removed', dataset: 'orders_raw', field: 'status', before: 'string', severity: 'breaking' }],
  },
  {
    name: 'a removed struct is one field-removed, not one per member',
    edit: (h) => {
      ds(h, 'orders_raw').fields = ds(h, 'orders_raw').fields!.filter((f) => f.name !== 'customer');
    },
    changes: [{ kind: 'field-removed', dataset: 'orders_raw', field: 'customer', before: 'struct<name: string, city: string>', severity: 'breaking' }],
  },
  {
    name: 'a struct gaining a nullable member is that member\'s field-added only, not a type change of the struct',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'customer').type = 'struct<name: string, city: string, zip: string>';
    },
    changes: [{ kind: 'field-added', dataset: 'orders_raw', field: 'customer.zip', after: 'string', severity: 'safe' }],
  },
  {
    name: 'a struct gaining a NOT NULL member is a warning on that member only',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'customer').type = 'struct<name: string, city: string, zip: string not null>';
    },
    changes: [{ kind: 'field-added', dataset: 'orders_raw', field: 'customer.zip', after: 'string', severity: 'warning' }],
  },
  {
    name: 'a struct losing a member is that member\'s field-removed only',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'customer').type = 'struct<name: string>';
    },
    changes: [{ kind: 'field-removed', dataset: 'orders_raw', field: 'customer.city', before: 'string', severity: 'breaking' }],
  },
  {
    name: 'NOT NULL → nullable is breaking',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'order_id').nullable = true;
    },
    changes: [{ kind: 'field-nullability-changed', dataset: 'orders_raw', field: 'order_id', before: 'not null', after: 'nullable', severity: 'breaking' }],
  },
  {
    name: 'nullable → NOT NULL is a warning',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'customer_id').nullable = false;
    },
    changes: [{ kind: 'field-nullability-changed', dataset: 'orders_raw', field: 'customer_id', before: 'nullable', after: 'not null', severity: 'warning' }],
  },
  {
    name: 'a struct member becoming NOT NULL is a warning on the member, not a type change of the struct',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'customer').type = 'struct<name: string not null, city: string>';
    },
    changes: [{ kind: 'field-nullability-changed', dataset: 'orders_raw', field: 'customer.name', before: 'nullable', after: 'not null', severity: 'warning' }],
  },
  {
    name: 'a field description change is safe',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'order_id').description = 'Order key, unique per day';
    },
    changes: [{ kind: 'field-description-changed', dataset: 'orders_raw', field: 'order_id', before: 'Order key', after: 'Order key, unique per day', severity: 'safe' }],
  },
  {
    name: 'field tags changes are safe',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'order_id').tags = ['key', 'pii'];
    },
    changes: [{ kind: 'field-tags-changed', dataset: 'orders_raw', field: 'order_id', before: ['key'], after: ['key', 'pii'], severity: 'safe' }],
  },
  {
    name: 'field terms changes are safe',
    edit: (h) => {
      fieldOf(h, 'orders_raw', 'order_id').terms = [];
    },
    changes: [{ kind: 'field-terms-changed', dataset: 'orders_raw', field: 'order_id', before: ['order'], after: [], severity: 'safe' }],
  },
  {
    name: 'reordering top-level fields is a warning for positional readers',
    edit: (h) => {
      const f = ds(h, 'orders_raw').fields!;
      [f[1], f[2]] = [f[2]!, f[1]!];
    },
    changes: [
      {
        kind: 'field-order-changed',
        dataset: 'orders_raw',
        before: ['order_id', 'customer_id', 'amount', 'order_date', 'status', 'customer'],
        after: ['order_id', 'amount', 'customer_id', 'order_date', 'status', 'customer'],
        severity: 'warning',
      },
    ],
  },
  {
    name: 'appending a field does not count as reordering',
    edit: (h) => {
      ds(h, 'scratch').fields!.push({ name: 'f', type: 'int64' });
    },
    changes: [{ kind: 'field-added', dataset: 'scratch', field: 'f', after: 'int64', severity: 'safe' }],
  },
  {
    name: 'other column lineage is safe',
    edit: (h) => {
      fieldOf(h, 'orders_daily', 'revenue').from = ['orders_raw:status', 'orders_raw:amount'];
    },
    changes: [{ kind: 'column-lineage-changed', dataset: 'orders_daily', field: 'revenue', before: ['orders_raw:amount'], after: ['orders_raw:amount', 'orders_raw:status'], severity: 'safe' }],
  },
  // ------------------------------------------------------------- glossary
  {
    name: 'a new glossary term is safe',
    edit: (h) => h.terms!.push({ id: 'refund', name: 'Refund', definition: 'Money returned.' }),
    changes: [{ kind: 'term-added', term: 'refund', after: 'Refund', severity: 'safe' }],
  },
  {
    name: 'a removed glossary term is a warning',
    edit: (h) => {
      h.terms = h.terms!.filter((t) => t.id !== 'churn');
    },
    changes: [{ kind: 'term-removed', term: 'churn', before: 'Churn', severity: 'warning' }],
  },
  {
    name: 'a changed glossary term is safe and says what changed',
    edit: (h) => {
      h.terms!.find((t) => t.id === 'churn')!.definition = 'Customers lost in a period.';
    },
    changes: [{ kind: 'term-changed', term: 'churn', before: ['definition'], after: ['definition: "Customers lost in a period."'], severity: 'safe' }],
  },
];

/** Base variants for rows whose base differs from BASE (keyed by row name). */
const BASE_VARIANTS = {
  partitioned: ((): Specs => {
    const b = clone(BASE);
    ds(b, 'orders_raw').partitionKeys = ['order_date', 'status'];
    return b;
  })(),
  tagged: ((): Specs => {
    const b = clone(BASE);
    ds(b, 'orders_raw').tags = ['raw', 'finance'];
    return b;
  })(),
  deprecatedNoReplacement: ((): Specs => {
    const b = clone(BASE);
    ds(b, 'scratch').deprecated = { since: '2025-01-01', reason: 'going away' };
    return b;
  })(),
};
const BASE_OF: Record<string, Specs> = {
  'reordered partition keys are breaking (the layout changes)': BASE_VARIANTS.partitioned,
  'reordered tags are no change': BASE_VARIANTS.tagged,
  'removing a dataset deprecated without a replacement is still breaking': BASE_VARIANTS.deprecatedNoReplacement,
};

const results: Array<{ name: string; kinds: ChangeKind[] }> = [];

describe('each change kind and severity rule: one edit, exactly the expected changes', () => {
  it('the unedited tree diffs to nothing', async () => {
    const r = await diffSpecs(BASE, clone(BASE));
    expect(r.changes).toEqual([]);
    expect(r.counts).toEqual({ breaking: 0, warning: 0, safe: 0, total: 0 });
    expect(r.breaking).toBe(false);
  });

  it.each(CASES)('$name', async ({ name, edit, changes }) => {
    const base = BASE_OF[name] ?? BASE;
    const head = clone(base);
    edit(head);
    const r = await diffSpecs(base, head);
    expect(r.changes.map(core)).toEqual(changes.map(expected));
    expect(r.counts.total).toBe(changes.length);
    expect(r.breaking).toBe(changes.some((c) => c.severity === 'breaking'));
    for (const c of r.changes) expect(c.reason.length).toBeGreaterThan(0);
    results.push({ name, kinds: r.changes.map((c) => c.kind) });
  });

  // Runs after the rows above (vitest runs a file's tests in order).
  it('the rows above exercise every kind in CHANGE_KINDS (field-type-changed: types.test.ts)', () => {
    expect(results).toHaveLength(CASES.length);
    const seen = new Set<ChangeKind>(results.flatMap((x) => x.kinds));
    seen.add('field-type-changed');
    expect(CHANGE_KINDS.filter((k) => !seen.has(k))).toEqual([]);
  });
});
