// Shared helpers for the diff tests: spec trees described as plain objects (so a
// test can copy a base tree, change one thing and write the head), diffing two
// trees, running the CLI in-process, and small real git repositories.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { diffModels, type Change, type DiffResult } from '../../src/diff/compute.js';
import { loadSpecs, type Model } from '../../src/spec/index.js';
import { specTree, type TreeEntry } from '../helpers/fixtures.js';

export interface FieldSpec {
  name: string;
  type?: string;
  nullable?: boolean;
  description?: string;
  tags?: string[];
  terms?: string[];
  from?: string[];
}

export interface DatasetSpec {
  name: string;
  tenant?: string;
  domain?: string;
  owner?: string;
  description?: string;
  location?: string;
  format?: string;
  tags?: string[];
  terms?: string[];
  upstream?: string[];
  partitionKeys?: string[];
  fields?: FieldSpec[];
  deprecated?: { since?: string; reason?: string; replacement?: string };
  properties?: Record<string, string>;
}

export interface TermSpec {
  id: string;
  name: string;
  definition: string;
  domain?: string;
  owner?: string;
  synonyms?: string[];
  parent?: string;
  related?: string[];
}

export interface CatalogSpec {
  name?: string;
  defaults?: { tenant?: string };
  policy?: { requireOwner?: boolean; requireDescription?: boolean; breakingChanges?: 'fail' | 'warn' };
}

/** A whole specs tree as data: one file per dataset and per term, plus an optional metafuse.yaml. */
export interface Specs {
  catalog?: CatalogSpec;
  datasets: DatasetSpec[];
  terms?: TermSpec[];
}

export function clone<T>(x: T): T {
  return structuredClone(x);
}

/** The files of a specs tree: datasets/<tenant>/<name>.yaml, glossary/<id>.yaml, metafuse.yaml. */
export function specFiles(specs: Specs): Record<string, string> {
  const files: Record<string, string> = {};
  if (specs.catalog) files['metafuse.yaml'] = stringify({ apiVersion: 'metafuse/v1', kind: 'Catalog', ...specs.catalog });
  for (const d of specs.datasets) {
    const doc = { apiVersion: 'metafuse/v1', kind: 'Dataset', owner: 'data@acme.example', description: 'Test data.', ...d };
    files[`datasets/${d.tenant ?? '_'}/${d.name}.yaml`] = stringify(doc);
  }
  for (const t of specs.terms ?? []) files[`glossary/${t.id}.yaml`] = stringify({ apiVersion: 'metafuse/v1', kind: 'GlossaryTerm', ...t });
  return files;
}

/** Writes a specs tree to a fresh temporary directory (removed by cleanupSpecTrees). */
export function writeSpecs(specs: Specs, extra: Record<string, TreeEntry> = {}): string {
  return specTree({ ...specFiles(specs), ...extra });
}

/** Loads a specs directory and fails loudly when it does not validate. */
export async function loadValid(dir: string) {
  const r = await loadSpecs(dir);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`specs in ${dir} do not validate:\n${errors.map((d) => `${d.file}:${d.line}: ${d.code}: ${d.message}`).join('\n')}`);
  return r.model;
}

const loaded = new Map<string, Model>();

/** Writes a tree and loads it (it must validate); a tree already loaded in this file is not written again. */
async function modelOf(specs: Specs): Promise<Model> {
  const key = JSON.stringify(specs);
  let model = loaded.get(key);
  if (!model) {
    model = await loadValid(writeSpecs(specs));
    loaded.set(key, model);
  }
  return structuredClone(model);
}

/** Writes both trees, loads them (both must validate) and diffs them. */
export async function diffSpecs(base: Specs, head: Specs): Promise<DiffResult> {
  return diffModels(await modelOf(base), await modelOf(head));
}

/** The parts of a change a table row pins down. */
export type Expected = Pick<Change, 'kind' | 'severity'> & Partial<Pick<Change, 'dataset' | 'field' | 'term' | 'before' | 'after'>>;

/** A change reduced to the keys the test compares, with `breaking` derived from the severity. */
export function core(c: Change): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: c.kind, severity: c.severity, breaking: c.breaking };
  for (const k of ['dataset', 'field', 'term', 'before', 'after'] as const) if (c[k] !== undefined) out[k] = c[k];
  return out;
}

export function expected(e: Expected): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: e.kind, severity: e.severity, breaking: e.severity === 'breaking' };
  for (const k of ['dataset', 'field', 'term', 'before', 'after'] as const) if (e[k] !== undefined) out[k] = e[k];
  return out;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `metafuse ...argv` in this process, output captured. */
export async function run(argv: string[]): Promise<RunResult> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** git with a fixed identity and no signing, independent of the user's configuration. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=MetaFuse Test', '-c', 'user.email=test@metafuse.example', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z', GIT_DIR: undefined, GIT_WORK_TREE: undefined },
  }).trim();
}

/** Replaces the specs under `dir/sub` with `specs` (deleting files the new tree lacks). */
export function replaceSpecs(root: string, sub: string, specs: Specs): void {
  // At the root of a repository only the spec folders go (never .git).
  for (const p of sub === '.' ? ['metafuse.yaml', 'datasets', 'glossary'] : [sub]) rmSync(path.join(root, p), { recursive: true, force: true });
  const files = specFiles(specs);
  const rel: Record<string, string> = {};
  for (const [k, v] of Object.entries(files)) rel[sub === '.' ? k : `${sub}/${k}`] = v;
  writeFiles(root, rel);
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}
