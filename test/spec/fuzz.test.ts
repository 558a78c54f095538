// Property test: mutated spec trees never crash the loader, finish quickly,
// and every diagnostic points at a real place.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import jsYaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpecs, type SpecResult } from '../../src/spec/index.js';
import { smallSchemaBytes } from '../helpers/arrow.js';
import { cleanupSpecTrees, specTree } from '../helpers/fixtures.js';

afterEach(cleanupSpecTrees);

type Doc = unknown;
interface Seed {
  yaml: Record<string, Doc[]>;
  binary: Record<string, Uint8Array>;
}

const arrowFile = smallSchemaBytes('file', 1);
const arrowStream = smallSchemaBytes('stream', 1);

function dataset(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'metafuse/v1', kind: 'Dataset', name, owner: 'team@acme.example', description: `The ${name} data.`, ...extra };
}
function term(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'metafuse/v1', kind: 'GlossaryTerm', id, name: id, definition: `What ${id} means.`, ...extra };
}

/** Valid trees that use every feature, to start the mutations from. */
const SEEDS: Seed[] = [
  {
    yaml: {
      'metafuse.yaml': [{ apiVersion: 'metafuse/v1', kind: 'Catalog', name: 'acme', defaults: { tenant: 'acme' }, policy: { requireOwner: true, requireDescription: false, breakingChanges: 'fail' } }],
      'datasets/sales/orders_raw.yaml': [dataset('orders_raw', { schema: '../../schemas/orders.arrow', partitionKeys: ['id'], fields: [{ name: 'address.city', description: 'City', tags: ['geo'] }] })],
      'datasets/sales/orders_daily.yaml': [
        dataset('orders_daily', {
          domain: 'sales',
          tags: ['finance', 'daily'],
          terms: ['revenue'],
          upstream: ['orders_raw', 'crm/customers'],
          partitionKeys: ['day'],
          fields: [
            { name: 'day', type: 'date', nullable: false },
            { name: 'amount', type: 'decimal(12,2)', terms: ['revenue'], from: ['orders_raw:id'] },
            { name: 'city', type: 'string', from: ['orders_raw:address.city'] },
            { name: 'items', type: 'list<item: struct<sku: string, qty: int32>>' },
            { name: 'items.sku', description: 'Stock unit' },
          ],
          deprecated: { since: '2026-10-01', reason: 'use v2', replacement: 'orders_v2' },
          properties: { sla: '06:00 UTC', retries: 3 },
        }),
        dataset('orders_v2', { upstream: ['orders_raw'] }),
      ],
      'datasets/crm/customers.yml': [dataset('customers', { tenant: 'crm', schema: '../../schemas/customers.arrow' })],
      'glossary/terms.yaml': [term('financial_metric'), term('revenue', { parent: 'financial_metric', related: ['financial_metric'], synonyms: ['turnover'] })],
    },
    binary: { 'schemas/orders.arrow': arrowFile, 'schemas/customers.arrow': arrowStream },
  },
  {
    yaml: {
      'all.yaml': [
        term('a', { parent: 'b' }),
        term('b'),
        dataset('x', { terms: ['a'], fields: [{ name: 'm', type: 'map<string, struct<v: int64>>' }, { name: 'm.value.v', description: 'v' }] }),
        dataset('y', { upstream: ['x'], fields: [{ name: 'v', type: 'int64', from: ['x:m.value.v'] }] }),
      ],
    },
    binary: {},
  },
  {
    yaml: { 'one.yaml': [dataset('solo', { schema: 'solo.arrow', fields: [{ name: 'id', type: 'bigint', nullable: false }] })] },
    binary: { 'solo.arrow': arrowFile },
  },
];

/** Values that tend to reach interesting code: types, references, paths, odd text. */
const interestingString = fc.constantFrom(
  'int64', 'strng', 'list<', 'struct<a: int64', 'decimal(99, 1)', 'map<string, int64>', 'dictionary<values=string, indices=string>',
  'orders_raw', 'ORDERS_RAW', 'crm/customers', 'acme/orders_v2', 'x:y', 'orders_raw:nope', 'revenue', 'b',
  '../x.arrow', '/etc/passwd', 'schemas/orders.arrow', '../../schemas/customers.arrow', '.', '', ' ', '~', 'null', '*', '&a', '---', '{', '- x',
  'metafuse/v1', 'Dataset', 'GlossaryTerm', 'Catalog', 'a'.repeat(300), 'é\u0000', '\u{1F600}', 'line\nbreak', '%s%n',
);

const scalar = fc.oneof(interestingString, fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const randomValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.oneof(interestingString, fc.string({ maxLength: 6 })), scalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const MUTATIONS = ['deleteKey', 'duplicateKey', 'retype', 'renameKey', 'duplicateDoc', 'truncate', 'insertBytes', 'duplicateLine', 'deleteLine', 'swapArrow', 'moveFile'] as const;
interface Mutation {
  kind: (typeof MUTATIONS)[number];
  a: number;
  b: number;
  c: number;
  value: unknown;
  bytes: Uint8Array;
}
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...MUTATIONS),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  value: randomValue,
  bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
});

type Container = Record<string, unknown> | unknown[];
/** Every mapping or list inside a document, with the documents' own root first. */
function containers(v: unknown, out: Container[] = []): Container[] {
  if (Array.isArray(v)) {
    out.push(v);
    v.forEach((x) => containers(x, out));
  } else if (v !== null && typeof v === 'object') {
    out.push(v as Record<string, unknown>);
    Object.values(v).forEach((x) => containers(x, out));
  }
  return out;
}

const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);

/** Applies the mutations: structural ones to the documents, then textual ones to the file text and bytes. */
function mutate(seed: Seed, mutations: Mutation[]): Record<string, string | Uint8Array> {
  const docs: Record<string, Doc[]> = structuredClone(seed.yaml);
  const structural = mutations.filter((m) => ['deleteKey', 'duplicateKey', 'retype', 'renameKey', 'duplicateDoc'].includes(m.kind));
  for (const m of structural) {
    const file = pick(Object.keys(docs), m.a)!;
    const list = docs[file]!;
    if (m.kind === 'duplicateDoc') {
      list.push(structuredClone(pick(list, m.b)));
      continue;
    }
    const target = pick(containers(list), m.b);
    if (!target) continue;
    if (Array.isArray(target)) {
      if (target.length === 0) target.push(m.value);
      else if (m.kind === 'deleteKey') target.splice(m.c % target.length, 1);
      else if (m.kind === 'duplicateKey') target.push(structuredClone(target[m.c % target.length]));
      else target[m.c % target.length] = structuredClone(m.value);
      continue;
    }
    const keys = Object.keys(target);
    const key = pick(keys, m.c);
    if (key === undefined) {
      target[String(m.value)] = m.value;
    } else if (m.kind === 'deleteKey') {
      delete target[key];
    } else if (m.kind === 'renameKey') {
      const value = target[key];
      delete target[key];
      target[`${key.slice(0, -1)}${key.slice(-1) === 'e' ? 'a' : 'e'}`] = value;
    } else if (m.kind === 'duplicateKey') {
      target[key.toUpperCase()] = structuredClone(target[key]);
    } else {
      target[key] = structuredClone(m.value);
    }
  }

  const files: Record<string, string | Uint8Array> = { ...seed.binary };
  for (const [file, list] of Object.entries(docs)) {
    files[file] = list.map((d) => jsYaml.dump(d, { lineWidth: -1, noRefs: true })).join('---\n');
  }
  for (const m of mutations) {
    const names = Object.keys(files).sort();
    const name = pick(names, m.a)!;
    const content = files[name]!;
    const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    switch (m.kind) {
      case 'truncate':
        files[name] = bytes.subarray(0, m.b % (bytes.length + 1));
        break;
      case 'insertBytes': {
        const at = m.b % (bytes.length + 1);
        files[name] = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      }
      case 'duplicateLine':
      case 'deleteLine': {
        const lines = bytes.toString('latin1').split('\n');
        const i = m.b % lines.length;
        if (m.kind === 'duplicateLine') lines.splice(i, 0, lines[i]!);
        else lines.splice(i, 1);
        files[name] = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
      case 'swapArrow': {
        const arrow = pick(names.filter((n) => n.endsWith('.arrow')), m.b);
        if (!arrow) break;
        const original = files[arrow] as Uint8Array;
        const choice = m.c % 4;
        files[arrow] =
          choice === 0 ? original.subarray(0, m.b % original.length)
          : choice === 1 ? m.bytes
          : choice === 2 ? Buffer.concat([original.subarray(0, 8), m.bytes, original.subarray(8 + m.bytes.length)])
          : Buffer.from('not arrow at all\n');
        break;
      }
      case 'moveFile': {
        delete files[name];
        files[`moved/${m.b % 2 ? 'deeper/' : ''}${path.posix.basename(name)}`] = content;
        break;
      }
      default:
        break;
    }
  }
  return files;
}

/** The file's lines as diagnostics count them: \n, \r\n or a lone \r ends a line; a BOM is not a column. */
function linesOf(abs: string): string[] {
  return readFileSync(abs, 'utf8').replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
}

function checkInvariants(result: SpecResult): void {
  const codes = /^[a-z]+(-[a-z]+)*$/;
  for (const d of result.diagnostics) {
    const where = JSON.stringify(d);
    expect(Number.isInteger(d.line) && d.line >= 1, where).toBe(true);
    expect(Number.isInteger(d.column) && d.column >= 1, where).toBe(true);
    expect(['error', 'warning'], where).toContain(d.severity);
    expect(d.code, where).toMatch(codes);
    expect(d.message.length, where).toBeGreaterThan(0);
    const abs = path.resolve(d.file);
    let isFile = false;
    try {
      isFile = statSync(abs).isFile();
    } catch {
      // A broken link or a missing directory: nothing to count lines in.
    }
    if (!isFile) continue;
    const lines = linesOf(abs);
    expect(d.line, where).toBeLessThanOrEqual(lines.length + 1);
    // Past the last line only at its start; on a line, at most one column past its end.
    const text = lines[d.line - 1];
    expect(d.column, where).toBeLessThanOrEqual(text === undefined ? 1 : text.length + 1);
  }
  const sorted = [...result.diagnostics].sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line || x.column - y.column));
  expect(result.diagnostics.map((d) => [d.file, d.line, d.column])).toEqual(sorted.map((d) => [d.file, d.line, d.column]));
  expect(result.errors + result.warnings).toBe(result.diagnostics.length);
  expect(result.errors).toBe(result.diagnostics.filter((d) => d.severity === 'error').length);
  // The model only holds what resolved.
  const keys = new Set(result.model.datasets.map((d) => `${d.tenant}/${d.name.toLowerCase()}`));
  for (const ds of result.model.datasets) {
    for (const u of ds.upstream) expect(keys.has(`${u.tenant}/${u.name.toLowerCase()}`)).toBe(true);
    expect(ds.fields.map((f) => f.position)).toEqual(ds.fields.map((_, i) => i));
  }
}

describe('fuzzing the loader', () => {
  it('the seed trees are valid', async () => {
    for (const seed of SEEDS) {
      const dir = specTree(mutate(seed, []));
      const result = await loadSpecs(dir);
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    }
  });

  it('never throws, stays under 2 s per run, and positions every diagnostic inside its file', async () => {
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seedIndex, mutations) => {
        const dir = specTree(mutate(SEEDS[seedIndex]!, mutations));
        try {
          const started = performance.now();
          const result = await loadSpecs(dir);
          const elapsed = performance.now() - started;
          slowest = Math.max(slowest, elapsed);
          expect(elapsed).toBeLessThan(2000);
          checkInvariants(result);
        } finally {
          cleanupSpecTrees();
        }
      }),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 20260101) },
    );
    expect(slowest).toBeLessThan(2000);
  }, 60_000);
});
