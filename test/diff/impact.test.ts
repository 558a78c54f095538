// Downstream impact: which datasets and fields a breaking change or warning
// reaches, transitively and nearest first, over the base's and the head's lineage.
import { afterEach, describe, expect, it } from 'vitest';
import type { Change, DiffResult } from '../../src/diff/compute.js';
import { cleanupSpecTrees } from '../helpers/fixtures.js';
import { clone, diffSpecs, type DatasetSpec, type Specs } from './support.js';

afterEach(cleanupSpecTrees);

// a → b → c, and a → ops/d (another tenant), with column lineage:
//   b.bx ← a.x, b.by ← a.y, b.bp ← a.s.p;  c.cx ← b.bx, c.cy ← b.by;  d.dx ← a.x
const BASE: Specs = {
  datasets: [
    {
      name: 'a',
      location: 's3://lake/a/',
      fields: [
        { name: 'x', type: 'int64' },
        { name: 'y', type: 'string' },
        { name: 's', type: 'struct<p: int64, q: string>' },
      ],
    },
    {
      name: 'b',
      upstream: ['a'],
      fields: [
        { name: 'bx', type: 'int64', from: ['a:x'] },
        { name: 'by', type: 'string', from: ['a:y'] },
        { name: 'bp', type: 'int64', from: ['a:s.p'] },
      ],
    },
    {
      name: 'c',
      upstream: ['b'],
      fields: [
        { name: 'cx', type: 'int64', from: ['b:bx'] },
        { name: 'cy', type: 'string', from: ['b:by'] },
      ],
    },
    { name: 'd', tenant: 'ops', upstream: ['default/a'], fields: [{ name: 'dx', type: 'int64', from: ['default/a:x'] }] },
  ],
};

function ds(specs: Specs, name: string): DatasetSpec {
  return specs.datasets.find((d) => d.name === name)!;
}
function only(r: DiffResult, kind: Change['kind'], field?: string): Change {
  const list = r.changes.filter((c) => c.kind === kind && (field === undefined || c.field === field));
  expect(list, `${kind} ${field ?? ''} in ${JSON.stringify(r.changes.map((c) => [c.kind, c.dataset, c.field]))}`).toHaveLength(1);
  return list[0]!;
}

describe('impact of a change', () => {
  it('a breaking change on a.x reaches b and d at depth 1 and c at depth 2, and the fields reading a.x transitively', async () => {
    const head = clone(BASE);
    ds(head, 'a').fields![0]!.type = 'int32';
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'field-type-changed', 'x');
    expect(c.breaking).toBe(true);
    expect(c.impact).toEqual(['b', 'd', 'c']);
    expect(c.impactDepth).toEqual([
      { name: 'b', depth: 1 },
      { name: 'd', depth: 1 },
      { name: 'c', depth: 2 },
    ]);
    // cy reads b.by, which reads a.y: not affected by a.x.
    expect(c.impactFields).toEqual(['b:bx', 'c:cx', 'd:dx']);
  });

  it('a change one hop down (b.bx) reaches only c, and only the field reading it', async () => {
    const head = clone(BASE);
    ds(head, 'b').fields = ds(head, 'b').fields!.filter((f) => f.name !== 'bx');
    ds(head, 'c').fields![0]!.from = [];
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'field-removed', 'bx');
    expect(c.impact).toEqual(['c']);
    expect(c.impactDepth).toEqual([{ name: 'c', depth: 1 }]);
    // The head no longer has c.cx ← b.bx; the base's column lineage still counts.
    expect(c.impactFields).toEqual(['c:cx']);
  });

  it('removing a struct lists the downstream fields that read any of its members', async () => {
    const head = clone(BASE);
    ds(head, 'a').fields = ds(head, 'a').fields!.filter((f) => f.name !== 's');
    ds(head, 'b').fields![2]!.from = [];
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'field-removed', 's');
    expect(c.impactFields).toEqual(['b:bp']);
    expect(c.impact).toEqual(['b', 'd', 'c']);
  });

  it('a breaking change on a struct member lists the fields reading that member', async () => {
    const head = clone(BASE);
    ds(head, 'a').fields![2]!.type = 'struct<p: int16, q: string>';
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'field-type-changed', 's.p');
    expect(c.impactFields).toEqual(['b:bp']);
  });

  it('warnings get impact too; dataset-level changes list datasets only', async () => {
    const head = clone(BASE);
    ds(head, 'a').location = 's3://lake/a_v2/';
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'location-changed');
    expect(c.severity).toBe('warning');
    expect(c.impact).toEqual(['b', 'd', 'c']);
    expect(c.impactFields).toBeUndefined();
  });

  it('safe changes carry no impact', async () => {
    const head = clone(BASE);
    ds(head, 'a').fields![0]!.type = 'decimal128(38, 0)';
    ds(head, 'a').owner = 'someone@acme.example';
    ds(head, 'a').fields![1]!.type = 'large_string';
    const r = await diffSpecs(BASE, head);
    const safe = r.changes.filter((c) => c.severity === 'safe');
    expect(safe.map((c) => c.kind).sort()).toEqual(['field-type-changed', 'owner-changed']);
    for (const c of safe) expect(c.impact).toEqual([]);
    // int64 → decimal128(38, 0) is not a documented widening: breaking, with impact.
    expect(only(r, 'field-type-changed', 'x').impact).toEqual(['b', 'd', 'c']);
  });

  it('a leaf has no downstream impact', async () => {
    const head = clone(BASE);
    ds(head, 'c').fields = ds(head, 'c').fields!.filter((f) => f.name !== 'cy');
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'field-removed', 'cy');
    expect(c.impact).toEqual([]);
    expect(c.impactDepth).toEqual([]);
    expect(c.impactFields).toEqual([]);
  });

  it('the consumers of a removed dataset are found through the base\'s lineage', async () => {
    const head = clone(BASE);
    head.datasets = head.datasets.filter((d) => d.name !== 'a');
    ds(head, 'b').upstream = [];
    for (const f of ds(head, 'b').fields!) f.from = [];
    ds(head, 'd').upstream = [];
    ds(head, 'd').fields![0]!.from = [];
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'dataset-removed');
    expect(c.dataset).toBe('a');
    expect(c.breaking).toBe(true);
    expect(c.impact).toEqual(['b', 'd', 'c']);
    expect(c.impactDepth).toEqual([
      { name: 'b', depth: 1 },
      { name: 'd', depth: 1 },
      { name: 'c', depth: 2 },
    ]);
  });

  it('a renamed dataset reaches the consumers of its old name and of its new one', async () => {
    const head = clone(BASE);
    ds(head, 'a').name = 'a2';
    ds(head, 'b').upstream = ['a2'];
    ds(head, 'b').fields = ds(head, 'b').fields!.map((f) => ({ ...f, from: f.from!.map((x) => x.replace(/^a:/, 'a2:')) }));
    // d still reads the old name in the base only: found through the base lineage.
    ds(head, 'd').upstream = [];
    ds(head, 'd').fields![0]!.from = [];
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'dataset-renamed');
    expect([c.before, c.after]).toEqual(['a', 'a2']);
    expect(c.impact).toEqual(['b', 'd', 'c']);
  });

  it('a new dataset downstream of a changed one is in the impact (head lineage)', async () => {
    const head = clone(BASE);
    head.datasets.push({ name: 'e', upstream: ['c'], fields: [{ name: 'ex', type: 'int64', from: ['c:cx'] }] });
    ds(head, 'a').fields![0]!.type = 'int32';
    const r = await diffSpecs(BASE, head);
    const c = only(r, 'field-type-changed', 'x');
    expect(c.impactDepth).toEqual([
      { name: 'b', depth: 1 },
      { name: 'd', depth: 1 },
      { name: 'c', depth: 2 },
      { name: 'e', depth: 3 },
    ]);
    expect(c.impactFields).toEqual(['b:bx', 'c:cx', 'd:dx', 'e:ex']);
  });
});

describe('impact across tenants', () => {
  it('a change to tenant/name (a name several tenants use) reaches the readers of that tenant\'s dataset only', async () => {
    const base: Specs = {
      datasets: [
        { name: 'customers', fields: [{ name: 'city', type: 'string' }] },
        { name: 'customers', tenant: 'crm', fields: [{ name: 'city', type: 'string' }] },
        { name: 'by_city', upstream: ['crm/customers'], fields: [{ name: 'city', type: 'string', from: ['crm/customers:city'] }] },
        { name: 'local', upstream: ['customers'], fields: [{ name: 'city', type: 'string', from: ['customers:city'] }] },
      ],
    };
    const head = clone(base);
    head.datasets[1]!.fields![0]!.type = 'int64';
    const r = await diffSpecs(base, head);
    const c = only(r, 'field-type-changed', 'city');
    expect(c.dataset).toBe('crm/customers');
    expect(c.impact).toEqual(['by_city']);
    expect(c.impactFields).toEqual(['by_city:city']);
  });
});

describe('the change graph', () => {
  it('holds the changed datasets (worst severity) and their direct neighbours as context', async () => {
    const head = clone(BASE);
    ds(head, 'a').fields![0]!.type = 'int32';
    ds(head, 'c').owner = 'c@acme.example';
    const r = await diffSpecs(BASE, head);
    expect(r.graph.nodes).toEqual([
      { name: 'a', status: 'breaking' },
      { name: 'c', status: 'safe' },
      { name: 'b', status: 'context' },
      { name: 'd', status: 'context' },
    ]);
    expect(r.graph.edges).toEqual([
      { from: 'a', to: 'b' },
      { from: 'a', to: 'd' },
      { from: 'b', to: 'c' },
    ]);
  });

  it('marks added and removed datasets', async () => {
    const head = clone(BASE);
    ds(head, 'c').upstream = [];
    ds(head, 'c').fields = [{ name: 'cx', type: 'int64' }];
    head.datasets.push({ name: 'n', upstream: ['c'] });
    head.datasets = head.datasets.filter((d) => d.name !== 'b');
    const r = await diffSpecs(BASE, head);
    expect(r.graph.nodes.find((n) => n.name === 'b')).toEqual({ name: 'b', status: 'breaking', removed: true });
    expect(r.graph.nodes.find((n) => n.name === 'n')).toEqual({ name: 'n', status: 'safe', added: true });
  });
});
