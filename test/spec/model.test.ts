// The validated model: defaults, normalised values and the spec hash.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupSpecTrees, datasetYaml, loadTree, termYaml, yaml } from '../helpers/fixtures.js';
import { diffModels } from '../../src/diff/compute.js';
import { sameMeaning } from '../../src/spec/digest.js';
import type { Dataset, SpecResult } from '../../src/spec/index.js';

afterEach(cleanupSpecTrees);

describe('defaults', () => {
  it('uses tenant "default" and the default policy without a Catalog document', async () => {
    const { result } = await loadTree({ 'a.yaml': datasetYaml('orders') });
    expect(result.model.config).toEqual({
      name: null,
      defaultTenant: 'default',
      policy: { requireOwner: true, requireDescription: false, breakingChanges: 'fail' },
      publishTarget: null,
    });
    expect(result.model.datasets[0]).toEqual({
      tenant: 'default',
      name: 'orders',
      domain: null,
      owner: 'team@acme.example',
      description: 'The orders data.',
      location: null,
      format: null,
      tags: [],
      terms: [],
      upstream: [],
      partitionKeys: [],
      schemaFile: null,
      fields: [],
      deprecated: null,
      properties: {},
      sourceFile: 'a.yaml',
    });
  });

  it('takes the tenant from Catalog defaults and fills unset policy keys with defaults', async () => {
    const { result } = await loadTree({
      'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\nname: acme\ndefaults: {tenant: acme}\npolicy: {breakingChanges: warn}\npublish: {target: "s3://cat/prod/catalog.db"}\n',
      'a.yaml': datasetYaml('orders'),
      'b.yaml': datasetYaml('leads', 'tenant: crm\n'),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.config).toEqual({
      name: 'acme',
      defaultTenant: 'acme',
      policy: { requireOwner: true, requireDescription: false, breakingChanges: 'warn' },
      publishTarget: 's3://cat/prod/catalog.db',
    });
    expect(result.model.datasets.map((d) => [d.tenant, d.name])).toEqual([
      ['acme', 'orders'],
      ['crm', 'leads'],
    ]);
  });

  it('orders datasets and each upstream list by tenant, then name case-insensitively, then name as spelled', async () => {
    // "a-b" comes after every "a" dataset: tenants compare on their own, not as the prefix of a "tenant/name" key.
    const names: Array<[string, string]> = [['a', 'zeta'], ['a', 'Beta'], ['a', 'alpha'], ['a-b', 'aa'], ['a', 'gamma_'], ['a', 'gamma'], ['b', 'Alpha']];
    const files: Record<string, string> = {};
    names.forEach(([tenant, name], i) => (files[`${i}.yaml`] = datasetYaml(name, `tenant: ${tenant}\n`)));
    files['reader.yaml'] = datasetYaml('reader', `tenant: a\nupstream: [${names.map(([t, n]) => `${t}/${n}`).join(', ')}]\n`);
    const { result } = await loadTree(files);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const expected = [
      ['a', 'alpha'], ['a', 'Beta'], ['a', 'gamma'], ['a', 'gamma_'], ['a', 'zeta'],
      ['a-b', 'aa'],
      ['b', 'Alpha'],
    ];
    expect(result.model.datasets.filter((d) => d.name !== 'reader').map((d) => [d.tenant, d.name])).toEqual(expected);
    expect(result.model.datasets.find((d) => d.name === 'reader')!.upstream.map((u) => [u.tenant, u.name])).toEqual(expected);
  });

  it('fills a glossary term, removes duplicate synonyms and sorts terms by id', async () => {
    const { result } = await loadTree({
      'g.yaml': `${termYaml('revenue', 'synonyms: [turnover, sales, turnover]\nparent: metric\ndomain: finance\n')}---\n${termYaml('metric')}`,
      'a.yaml': datasetYaml('orders', 'terms: [revenue]\n'),
    });
    expect(result.model.terms).toEqual([
      { id: 'metric', name: 'metric', definition: 'What metric means.', domain: null, owner: null, synonyms: [], parent: null, related: [], sourceFile: 'g.yaml' },
      { id: 'revenue', name: 'revenue', definition: 'What revenue means.', domain: 'finance', owner: null, synonyms: ['turnover', 'sales'], parent: 'metric', related: [], sourceFile: 'g.yaml' },
    ]);
  });

  it('sorts datasets by tenant, then name case-insensitively', async () => {
    const { result } = await loadTree({
      'a.yaml': datasetYaml('beta'),
      'b.yaml': datasetYaml('Alpha'),
      'c.yaml': datasetYaml('gamma', 'tenant: aaa\n'),
    });
    expect(result.model.datasets.map((d) => `${d.tenant}/${d.name}`)).toEqual(['aaa/gamma', 'default/Alpha', 'default/beta']);
  });
});

describe('properties', () => {
  it('stores numbers and booleans as the text written, keys sorted', async () => {
    const { result } = await loadTree({
      'a.yaml': datasetYaml('orders', 'properties:\n  sla: "06:00 UTC"\n  retries: 3\n  version: 1.10\n  ratio: .5\n  pii: true\n  big: 1e3\n  quoted: "007"\n'),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets[0]!.properties).toEqual({ big: '1e3', pii: 'true', quoted: '007', ratio: '.5', retries: '3', sla: '06:00 UTC', version: '1.10' });
    expect(Object.keys(result.model.datasets[0]!.properties)).toEqual(['big', 'pii', 'quoted', 'ratio', 'retries', 'sla', 'version']);
  });

  it('stores a number given through an alias as its value', async () => {
    const { result } = await loadTree({ 'a.yaml': datasetYaml('orders', 'properties: {a: &n 0x1F, b: *n}\n') });
    expect(result.diagnostics).toEqual([]);
    // The anchored node keeps its text; the alias has no text of its own, so it gets the value.
    expect(result.model.datasets[0]!.properties).toEqual({ a: '0x1F', b: '31' });
  });
});

describe('specHash', () => {
  const orders = datasetYaml('orders', 'tags: [finance, daily]\nupstream: [raw]\nfields:\n  - {name: id, type: int64, nullable: false}\n');
  const raw = datasetYaml('raw');
  const term = termYaml('revenue');

  async function hashOf(files: Record<string, string>): Promise<string> {
    const { result } = await loadTree(files);
    expect(result.errors).toBe(0);
    return result.model.specHash;
  }

  it('is a sha256 hex digest', async () => {
    expect(await hashOf({ 'a.yaml': orders, 'b.yaml': raw })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on file order, file names or how specs are split into files', async () => {
    const base = await hashOf({ 'a.yaml': orders, 'b.yaml': raw, 'c.yaml': term });
    expect(await hashOf({ 'z.yaml': orders, 'y.yaml': raw, 'x.yaml': term })).toBe(base);
    expect(await hashOf({ 'all.yaml': [term, raw, orders].join('---\n') })).toBe(base);
    expect(await hashOf({ 'deep/down/one.yml': `${raw}---\n${orders}`, 'glossary/t.yaml': term })).toBe(base);
  });

  it('does not depend on YAML formatting: flow or block style, quoting, comments, key order, aliases', async () => {
    const base = await hashOf({ 'a.yaml': orders, 'b.yaml': raw });
    const reformatted = yaml`
      # Orders, rewritten by hand
      kind: Dataset
      apiVersion: "metafuse/v1"
      description: 'The orders data.'
      name: orders
      owner: team@acme.example   # the team
      upstream:
        - raw
      tags:
        - finance
        - daily
      fields:
        - nullable: false
          type: int64
          name: id
    `;
    expect(await hashOf({ 'a.yaml': reformatted, 'b.yaml': raw })).toBe(base);
    expect(await hashOf({ 'a.yaml': orders.replace('type: int64', 'type: bigint'), 'b.yaml': raw })).toBe(base);
  });

  it('treats a number and the same number in quotes as the same property text', async () => {
    const a = await hashOf({ 'a.yaml': datasetYaml('x', 'properties: {retries: 3}\n') });
    expect(await hashOf({ 'a.yaml': datasetYaml('x', 'properties: {retries: "3"}\n') })).toBe(a);
  });

  it('ignores the order of tags (a set), like diff does', async () => {
    const base = await hashOf({ 'a.yaml': orders, 'b.yaml': raw });
    expect(await hashOf({ 'a.yaml': orders.replace('[finance, daily]', '[daily, finance]'), 'b.yaml': raw })).toBe(base);
  });

  it('changes when the content changes', async () => {
    const base = await hashOf({ 'a.yaml': orders, 'b.yaml': raw });
    const variants = [
      orders.replace('The orders data.', 'The orders data!'),
      orders.replace('[finance, daily]', '[finance, weekly]'),
      orders.replace('nullable: false', 'nullable: true'),
      orders.replace('type: int64', 'type: int32'),
      orders.replace('name: orders', 'name: Orders'),
      `${orders}properties: {a: "1"}\n`,
    ];
    const hashes = new Set([base]);
    for (const v of variants) hashes.add(await hashOf({ 'a.yaml': v, 'b.yaml': raw }));
    expect(hashes.size).toBe(variants.length + 1);
    expect(await hashOf({ 'a.yaml': orders, 'b.yaml': raw, 'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\npolicy: {breakingChanges: warn}\n' })).not.toBe(base);
  });

  it('is stable across runs of the same tree', async () => {
    const files = { 'a.yaml': orders, 'b.yaml': raw, 'c.yaml': term };
    const { result } = await loadTree(files);
    const again: SpecResult = (await loadTree(files)).result;
    expect(again.model).toEqual(result.model);
  });
});

describe('digests shared between equal entries (the two sides of a diff)', () => {
  const rich = datasetYaml(
    'orders',
    [
      'tags: [finance, daily]',
      'terms: [revenue]',
      'upstream: [raw]',
      'partitionKeys: [day]',
      'properties: {sla: "4h", tier: gold}',
      'deprecated: {since: "2026-01-01", reason: old, replacement: raw}',
      'fields:',
      '  - {name: id, type: int64, nullable: false, tags: [key], from: ["raw:id"]}',
      '  - {name: day, type: date32, description: The day.}',
      '  - {name: address, type: "struct<city: string, zip: string>"}',
      '  - {name: address.city, terms: [revenue]}',
      '',
    ].join('\n'),
  );
  const raw = datasetYaml('raw', 'fields:\n  - {name: id, type: int64}\n');
  const term = termYaml('revenue');

  async function datasetOf(files: Record<string, string>, name: string): Promise<Dataset> {
    const { result } = await loadTree(files);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return result.model.datasets.find((d) => d.name === name)!;
  }

  it('sameMeaning ignores only the source file: any other changed, added or reordered value makes entries differ', async () => {
    const a = await datasetOf({ 'a.yaml': rich, 'b.yaml': raw, 'c.yaml': term }, 'orders');
    const moved = await datasetOf({ 'elsewhere/x.yaml': rich, 'b.yaml': raw, 'c.yaml': term }, 'orders');
    expect(moved.sourceFile).not.toBe(a.sourceFile);
    expect(sameMeaning(a, moved)).toBe(true);
    // Every leaf value of the dataset, changed one at a time.
    const leaves: Array<Array<string | number>> = [];
    const walk = (v: unknown, at: Array<string | number>) => {
      if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, Array.isArray(v) ? Number(k) : k]);
      else if (at[0] !== 'sourceFile') leaves.push(at);
    };
    walk(a, []);
    expect(leaves.length).toBeGreaterThan(40);
    for (const leaf of leaves) {
      const copy = structuredClone(a) as unknown as Record<string | number, unknown>;
      let parent = copy;
      for (const k of leaf.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
      const last = leaf[leaf.length - 1]!;
      const old = parent[last];
      parent[last] = typeof old === 'string' ? `${old}!` : typeof old === 'number' ? old + 1 : typeof old === 'boolean' ? !old : 'x';
      expect(sameMeaning(a, copy as unknown as Dataset), leaf.join('.')).toBe(false);
    }
    const withExtra = { ...structuredClone(a), extra: 1 } as unknown as Dataset;
    expect(sameMeaning(a, withExtra)).toBe(false);
    const props = structuredClone(a);
    props.properties = { tier: 'gold', sla: '4h' }; // same entries, other key order: other JSON
    expect(sameMeaning(a, props)).toBe(false);
    const shorter = structuredClone(a);
    shorter.fields = shorter.fields.slice(0, -1);
    expect(sameMeaning(a, shorter)).toBe(false);
  });

  it('gives each model the hash it has when hashed alone, whichever side is hashed first', async () => {
    const baseFiles = { 'a.yaml': rich, 'b.yaml': raw, 'c.yaml': term };
    // The head: orders moved to another file (same meaning), raw's field changed deep inside.
    const headFiles = { 'moved/a.yaml': rich, 'b.yaml': raw.replace('type: int64', 'type: int32'), 'c.yaml': term };
    const load = async (files: Record<string, string>) => {
      const { result } = await loadTree(files);
      expect(result.errors).toBe(0);
      return result.model;
    };
    const alone = async (files: Record<string, string>) => (await load(files)).specHash;
    const baseHash = await alone(baseFiles);
    const headHash = await alone(headFiles);
    expect(headHash).not.toBe(baseHash);
    for (const headFirst of [true, false]) {
      const base = await load(baseFiles);
      const head = await load(headFiles);
      const result = diffModels(base, head);
      expect(result.changes.map((c) => c.kind)).toContain('field-type-changed');
      if (headFirst) expect([head.specHash, base.specHash]).toEqual([headHash, baseHash]);
      else expect([base.specHash, head.specHash]).toEqual([baseHash, headHash]);
    }
  });
});

