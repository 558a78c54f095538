// The base side of a diff takes the head's model entries for datasets whose
// documents, files and referenced documents did not change (AnalysisReuse in
// src/spec/analyze.ts). Whatever changed between the two trees, the base must
// come out exactly as a fresh analysis of it: the same model, entry for entry,
// and the same diagnostics; and the head's model must not be touched.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as A from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpecs, sharedLoading, type SpecResult } from '../../src/spec/index.js';
import { contentKey } from '../../src/spec/parse.js';
import { field, ipcBytes, schema } from '../helpers/arrow.js';
import { cleanupSpecTrees, specTree } from '../helpers/fixtures.js';
import { mulberry32 } from '../helpers/random.js';

afterEach(cleanupSpecTrees);

const N = 24;
const TERMS = ['t0', 't1', 't2', 't3', 't4'];

function arrowFile(withName: boolean): Uint8Array {
  const fields = [field('id', new A.Int64(), false), field('amount', new A.Float64())];
  if (withName) fields.splice(1, 0, field('name', new A.Utf8()));
  return ipcBytes(schema(fields), 'file');
}

/** A tree of N datasets with every kind of reference: upstream (across tenants), column lineage, replacements, terms, Arrow schemas. */
function headFiles(rnd: () => number): Record<string, string | Uint8Array> {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const files: Record<string, string | Uint8Array> = {
    'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\nname: reuse\ndefaults:\n  tenant: acme\n',
    'glossary/terms.yaml': TERMS.map((t) => `apiVersion: metafuse/v1\nkind: GlossaryTerm\nid: ${t}\nname: ${t}\ndefinition: What ${t} means.\n`).join('---\n'),
  };
  const made: Array<{ name: string; tenant: string }> = [];
  for (let i = 0; i < N; i++) {
    const name = `ds_${i}`;
    const tenant = rnd() < 0.15 ? 'partner' : 'acme';
    const arrow = rnd() < 0.25;
    const lines = [`apiVersion: metafuse/v1`, `kind: Dataset`, `name: ${name}`];
    if (tenant !== 'acme') lines.push(`tenant: ${tenant}`);
    lines.push(`owner: team@acme.example`, `description: The ${name} data.`, `terms: [${pick(TERMS)}]`);
    const ups = new Map<string, { name: string; tenant: string }>();
    for (let k = 0; k < 3 && made.length > 0; k++) {
      const u = pick(made);
      ups.set(u.tenant === tenant ? u.name : `${u.tenant}/${u.name}`, u);
    }
    if (ups.size > 0) lines.push(`upstream: [${[...ups.keys()].join(', ')}]`);
    if (made.length > 0 && rnd() < 0.1) {
      const r = pick(made);
      lines.push(`deprecated:`, `  since: 2026-01-01`, `  replacement: ${r.tenant === tenant ? r.name : `${r.tenant}/${r.name}`}`);
    }
    if (arrow) {
      lines.push(`schema: ../schemas/${name}.arrow`);
      files[`schemas/${name}.arrow`] = arrowFile(true);
    } else {
      lines.push('fields:');
      for (const f of ['id', 'name', 'amount']) {
        lines.push(`  - name: ${f}`, `    type: ${f === 'id' ? 'int64' : f === 'name' ? 'string' : 'float64'}`);
        if (rnd() < 0.3) lines.push(`    terms: [${pick(TERMS)}]`);
        const refs = [...ups.keys()].filter(() => rnd() < 0.5).map((r) => `"${r}:${pick(['id', 'name'])}"`);
        if (refs.length > 0) lines.push(`    from: [${refs.join(', ')}]`);
      }
    }
    files[`datasets/${name}.yaml`] = lines.join('\n') + '\n';
    made.push({ name, tenant });
  }
  return files;
}

/** Changes that reach other datasets through their references, the glossary, the settings or file paths. */
const MUTATIONS: Array<(dir: string, k: number) => void> = [
  // rename: references to it no longer resolve
  (dir, k) => edit(dir, `datasets/ds_${k}.yaml`, (t) => t.replace(`name: ds_${k}\n`, `name: ds_${k}_renamed\n`)),
  // respell: references resolve (names are case-insensitive) but models spell the target anew
  (dir, k) => edit(dir, `datasets/ds_${k}.yaml`, (t) => t.replace(`name: ds_${k}\n`, `name: DS_${k}\n`)),
  (dir, k) => rmSync(path.join(dir, 'datasets', `ds_${k}.yaml`)),
  // a field other datasets read goes away, in YAML or in the Arrow file
  (dir, k) => edit(dir, `datasets/ds_${k}.yaml`, (t) => t.replace(/ {2}- name: name\n {4}type: string\n( {4}terms: \[t\d\]\n)?( {4}from: .*\n)?/, '')),
  (dir, k) => writeFileSync(path.join(dir, 'schemas', `ds_${k}.arrow`), arrowFile(false)),
  (dir) => edit(dir, 'glossary/terms.yaml', (t) => t.split('---\n').slice(1).join('---\n')),
  (dir) => edit(dir, 'metafuse.yaml', (t) => t.replace('tenant: acme', 'tenant: partner')),
  (dir, k) => renameSync(path.join(dir, 'datasets', `ds_${k}.yaml`), path.join(dir, 'datasets', `moved_${k}.yaml`)),
  (dir, k) => edit(dir, `datasets/ds_${k}.yaml`, (t) => t.replace('owner:', 'deprecated:\n  reason: gone\nowner:')),
  // a second definition that sorts first in file order
  (dir, k) => writeFileSync(path.join(dir, 'datasets', `a_dup_${k}.yaml`), readFileSync(path.join(dir, 'datasets', `ds_${k}.yaml`), 'utf8').replace('The ', 'Another ')),
  // a lineage cycle through the first dataset
  (dir) => edit(dir, 'datasets/ds_0.yaml', (t) => t.replace('description:', `upstream: [ds_${N - 1}]\ndescription:`)),
  (dir, k) => edit(dir, `datasets/ds_${k}.yaml`, (t) => t.replace('The ', 'Now the ')),
  // an owner dropped: a policy-free warning elsewhere, nothing else
  (dir, k) => edit(dir, `datasets/ds_${k}.yaml`, (t) => t.replace(/description: .*\n/, '')),
];

function addTenant(dir: string): void {
  edit(dir, 'metafuse.yaml', (t) => `${t}defaults:\n  tenant: other\n`);
}

function edit(dir: string, rel: string, f: (text: string) => string): void {
  const abs = path.join(dir, ...rel.split('/'));
  try {
    writeFileSync(abs, f(readFileSync(abs, 'utf8')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // already removed by an earlier mutation
  }
}

const json = (r: SpecResult): string => JSON.stringify({ model: r.model, diagnostics: r.diagnostics });

function sharedEntries(a: SpecResult, b: SpecResult, which: (d: SpecResult['model']['datasets'][number]) => boolean = () => true): number {
  const head = new Set(a.model.datasets);
  return b.model.datasets.filter((d) => head.has(d) && which(d)).length;
}

/** A tree's files as a git base gives them: bytes in memory, each known by its blob id. */
function inMemory(dir: string): { inputs: Map<string, Buffer>; keys: Map<string, string> } {
  const inputs = new Map<string, Buffer>();
  const keys = new Map<string, string>();
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const abs = path.join(dir, rel);
    if (!statSync(abs).isFile()) continue;
    const bytes = readFileSync(abs);
    inputs.set(abs, bytes);
    keys.set(abs, contentKey(bytes));
  }
  return { inputs, keys };
}

describe('a second analysis reuses the first one’s entries', () => {
  it.each(['a directory', 'a git tree (files in memory, known by blob id)'] as const)('gives the same model and diagnostics as a fresh analysis, whatever changed, with the base read from %s', async (mode) => {
    let reused = 0;
    let reusedArrow = 0;
    let withErrors = 0;
    let partly = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = mulberry32(seed);
      const files = headFiles(rnd);
      const head = specTree(files);
      const base = specTree(files);
      const changes = 1 + Math.floor(rnd() * 3);
      for (let c = 0; c < changes; c++) MUTATIONS[Math.floor(rnd() * MUTATIONS.length)]!(base, Math.floor(rnd() * N));

      const shared = sharedLoading();
      const headResult = await loadSpecs(head, shared);
      const headBefore = json(headResult);
      const baseShared = await loadSpecs(base, mode === 'a directory' ? shared : { ...shared, ...inMemory(base) });
      const baseFresh = await loadSpecs(base);

      expect(json(baseShared), `seed ${seed}`).toBe(json(baseFresh));
      expect(baseShared.model.specHash, `seed ${seed}`).toBe(baseFresh.model.specHash);
      expect(json(headResult), `seed ${seed}: the head's model was changed`).toBe(headBefore);
      const sharedHere = sharedEntries(headResult, baseShared);
      reused += sharedHere;
      reusedArrow += sharedEntries(headResult, baseShared, (d) => d.schemaFile !== null);
      if (baseFresh.errors > 0) withErrors++;
      if (sharedHere > 0 && sharedHere < baseShared.model.datasets.length) partly++;
    }
    // The changes reach other datasets: some bases have errors, and most share only part of the head's entries.
    expect(withErrors).toBeGreaterThan(10);
    expect(partly).toBeGreaterThan(30);
    // The mechanism is at work (else the comparison above would prove nothing about it).
    expect(reused).toBeGreaterThan(60 * 3);
    // Datasets with an Arrow file are shared only when the files' keys are known unread.
    if (mode === 'a directory') expect(reusedArrow).toBe(0);
    else expect(reusedArrow).toBeGreaterThan(60);
  });

  it('shares every dataset but the edited one and those that name it, and none when the settings change', async () => {
    // A chain: chain_i reads chain_(i-1) and one of its columns.
    const files: Record<string, string> = { 'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\nname: chain\n' };
    for (let i = 0; i < 10; i++) {
      const up = i > 0 ? `upstream: [chain_${i - 1}]\n` : '';
      const from = i > 0 ? `    from: ["chain_${i - 1}:id"]\n` : '';
      files[`datasets/chain_${i}.yaml`] = `apiVersion: metafuse/v1\nkind: Dataset\nname: chain_${i}\nowner: team@acme.example\ndescription: The chain_${i} data.\n${up}fields:\n  - name: id\n    type: int64\n${from}`;
    }
    const head = specTree(files);
    const base = specTree(files);
    edit(base, 'datasets/chain_5.yaml', (t) => t.replace('The ', 'Now the '));
    const shared = sharedLoading();
    const h = await loadSpecs(head, shared);
    const b = await loadSpecs(base, shared);
    expect(h.diagnostics).toEqual([]);
    const byName = (r: SpecResult, name: string) => r.model.datasets.find((d) => d.name === name)!;
    for (let i = 0; i < 10; i++) {
      const name = `chain_${i}`;
      if (i === 5 || i === 6) expect(byName(b, name), name).not.toBe(byName(h, name));
      else expect(byName(b, name), name).toBe(byName(h, name));
    }
    expect(byName(b, 'chain_5').description).toBe('Now the chain_5 data.');
    expect(JSON.stringify(b.model)).toBe(JSON.stringify((await loadSpecs(base)).model));

    const other = specTree(files);
    addTenant(other);
    const shared2 = sharedLoading();
    const h2 = await loadSpecs(head, shared2);
    expect(sharedEntries(h2, await loadSpecs(other, shared2))).toBe(0);
  });

  it('still reports a reused dataset’s terms that the other side’s glossary lacks', async () => {
    const files = headFiles(mulberry32(3));
    const head = specTree(files);
    const base = specTree(files);
    MUTATIONS[5]!(base, 0); // t0 removed from the glossary
    const shared = sharedLoading();
    const h = await loadSpecs(head, shared);
    const b = await loadSpecs(base, shared);
    const fresh = await loadSpecs(base);
    expect(sharedEntries(h, b)).toBeGreaterThan(0);
    expect(b.diagnostics.filter((d) => d.code === 'unknown-term').length).toBeGreaterThan(0);
    expect(b.diagnostics).toEqual(fresh.diagnostics);
  });
});
