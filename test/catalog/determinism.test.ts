// Reproducible builds: the same specs give the same bytes (built_at from
// SOURCE_DATE_EPOCH or the commit time, never the clock), and spec_hash depends on
// what the specs say, not on how the YAML is written or ordered.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jsYaml from 'js-yaml';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { loadSpecs } from '../../src/spec/index.js';
import { buildCatalog, EPOCH, EPOCH_ISO, EXAMPLE_SPECS, pinBuildEnv, removeTempDirs, run, tempDir } from './support.js';

afterAll(removeTempDirs);

function meta(file: string): Record<string, string | null> {
  const cat = openCatalog(file);
  try {
    return Object.fromEntries(cat.db.prepare('SELECT key, value FROM catalog_meta').all<{ key: string; value: string | null }>().map((r) => [r.key, r.value]));
  } finally {
    cat.close();
  }
}

/** A copy of the example specs in a fresh directory (not a git checkout). */
function copyExample(): string {
  const dir = path.join(tempDir(), 'specs');
  cpSync(EXAMPLE_SPECS, dir, { recursive: true });
  return dir;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Mappings with their keys in reverse order, recursively (sequence order is meaning, so it stays). */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}

/**
 * Rewrites every spec file with the same content in another form: documents in
 * reverse order, keys in reverse order, comments dropped and added, and the
 * documents alternately as JSON (valid YAML) and as double-quoted, flow-style YAML.
 */
function reformat(dir: string): void {
  for (const file of yamlFiles(dir)) {
    const docs = jsYaml.loadAll(readFileSync(file, 'utf8'), undefined, { schema: jsYaml.CORE_SCHEMA }).filter((d) => d !== null && d !== undefined);
    const out = docs
      .reverse()
      .map((d, i) =>
        i % 2 === 0
          ? `# reformatted as JSON\n${JSON.stringify(reverseKeys(d), null, 3)}\n`
          : `%YAML 1.2\n---\n# reformatted as quoted YAML\n${stringify(reverseKeys(d), { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', collectionStyle: 'flow', lineWidth: 0 })}`,
      );
    writeFileSync(file, out.map((d, i) => (i === 0 || d.startsWith('%') ? d : `---\n${d}`)).join('...\n'));
  }
}

describe('byte-identical builds', () => {
  it('building the same specs twice (SOURCE_DATE_EPOCH fixed) gives byte-identical files', async () => {
    const dir = tempDir();
    await buildCatalog(EXAMPLE_SPECS, path.join(dir, 'a.db'));
    await buildCatalog(EXAMPLE_SPECS, path.join(dir, 'b.db'));
    const a = readFileSync(path.join(dir, 'a.db'));
    expect(a.equals(readFileSync(path.join(dir, 'b.db')))).toBe(true);
    // Again over an existing target.
    await buildCatalog(EXAMPLE_SPECS, path.join(dir, 'a.db'));
    expect(readFileSync(path.join(dir, 'a.db')).equals(a)).toBe(true);
  });

  it('the same specs reformatted and reordered (same file names) give the same spec_hash and the same bytes', async () => {
    const dir = tempDir();
    const copy = copyExample();
    reformat(copy);
    // The rewrite really changed the text of every file.
    for (const f of yamlFiles(copy)) expect(readFileSync(f, 'utf8')).not.toBe(readFileSync(path.join(EXAMPLE_SPECS, path.relative(copy, f)), 'utf8'));
    const original = await loadSpecs(EXAMPLE_SPECS);
    const rewritten = await loadSpecs(copy);
    expect(rewritten.errors).toBe(0);
    expect(rewritten.model.specHash).toBe(original.model.specHash);
    await buildCatalog(EXAMPLE_SPECS, path.join(dir, 'a.db'));
    await buildCatalog(copy, path.join(dir, 'b.db'));
    expect(meta(path.join(dir, 'b.db')).spec_hash).toBe(original.model.specHash);
    expect(readFileSync(path.join(dir, 'a.db')).equals(readFileSync(path.join(dir, 'b.db')))).toBe(true);
  });

  it('the same specs renamed, moved and merged into other files give the same spec_hash', async () => {
    const copy = copyExample();
    renameSync(path.join(copy, 'glossary', 'finance.yaml'), path.join(copy, 'glossary', 'zz-money.yml'));
    const glossary = ['commerce.yaml', 'customer.yaml'].map((f) => readFileSync(path.join(copy, 'glossary', f), 'utf8'));
    writeFileSync(path.join(copy, 'glossary', 'commerce.yaml'), glossary.join('\n---\n'));
    writeFileSync(path.join(copy, 'glossary', 'customer.yaml'), '# moved into commerce.yaml\n');
    mkdirSync(path.join(copy, 'elsewhere', 'deeper'), { recursive: true });
    renameSync(path.join(copy, 'datasets', 'sales', 'orders_raw.yaml'), path.join(copy, 'elsewhere', 'deeper', 'raw-orders.yml'));
    renameSync(path.join(copy, 'metafuse.yaml'), path.join(copy, 'elsewhere', 'catalog.yaml'));
    const original = await loadSpecs(EXAMPLE_SPECS);
    const moved = await loadSpecs(copy);
    expect(moved.errors).toBe(0);
    expect(moved.model.specHash).toBe(original.model.specHash);
    expect(moved.model.datasets.find((d) => d.name === 'orders_raw')!.sourceFile).toBe('elsewhere/deeper/raw-orders.yml');
  });

  const EDITS: Array<[string, (dir: string) => void]> = [
    ['a dataset description', (d) => edit(d, 'datasets/sales/orders_raw.yaml', 'Orders exactly as', 'Orders precisely as')],
    ['a dataset tag', (d) => edit(d, 'datasets/sales/orders_raw.yaml', 'tags: [raw, cdc, shop]', 'tags: [raw, cdc, shop, new]')],
    ['a field nullability', (d) => edit(d, 'datasets/finance/fx_rates.yaml', '  - name: rate_date\n    type: date\n    nullable: false', '  - name: rate_date\n    type: date\n    nullable: true')],
    ['a field type', (d) => edit(d, 'datasets/finance/fx_rates.yaml', 'type: decimal(18,8)', 'type: decimal(18,9)')],
    ['an upstream edge', (d) => edit(d, 'datasets/logistics/delivery_performance.yaml', 'upstream: [stg_shipments]', 'upstream: [stg_shipments, products]')],
    ['a glossary synonym', (d) => edit(d, 'glossary/finance.yaml', 'synonyms: [turnover, sales]', 'synonyms: [turnover]')],
    ['a property value', (d) => edit(d, 'datasets/finance/fx_rates.yaml', 'refresh: daily 16:30 UTC', 'refresh: daily 16:45 UTC')],
    ['the catalog policy', (d) => edit(d, 'metafuse.yaml', 'breakingChanges: fail', 'breakingChanges: warn')],
    ['a tag', (d) => edit(d, 'datasets/finance/fx_rates.yaml', 'tags: [reference, daily, external]', 'tags: [reference, daily, vendor]')],
  ];

  function edit(dir: string, rel: string, from: string, to: string): void {
    const file = path.join(dir, rel);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(from)) throw new Error(`${rel} no longer contains ${JSON.stringify(from)}`);
    writeFileSync(file, text.replace(from, to));
  }

  let baseline: string;
  beforeAll(async () => {
    baseline = (await loadSpecs(EXAMPLE_SPECS)).model.specHash;
  });

  it.each(EDITS)('a content change (%s) changes spec_hash', async (_what, change) => {
    const copy = copyExample();
    expect((await loadSpecs(copy)).model.specHash).toBe(baseline);
    change(copy);
    const changed = await loadSpecs(copy);
    expect(changed.errors).toBe(0);
    expect(changed.model.specHash).not.toBe(baseline);
  });

  it('reordering set-like lists (tags, terms, upstream) keeps spec_hash, as diff reports no change for it', async () => {
    const copy = copyExample();
    edit(copy, 'datasets/finance/fx_rates.yaml', 'tags: [reference, daily, external]', 'tags: [daily, external, reference]');
    expect((await loadSpecs(copy)).model.specHash).toBe(baseline);
  });
});

describe('built_at and source_commit', () => {
  it('built_at comes from SOURCE_DATE_EPOCH when it is set', async () => {
    const dir = tempDir();
    await buildCatalog(EXAMPLE_SPECS, path.join(dir, 'a.db'));
    expect(meta(path.join(dir, 'a.db')).built_at).toBe(EPOCH_ISO);
    const restore = pinBuildEnv({ SOURCE_DATE_EPOCH: '1700000000' });
    try {
      expect((await run(['build', '--specs', EXAMPLE_SPECS, '--out', path.join(dir, 'b.db')])).code).toBe(0);
    } finally {
      restore();
    }
    const m = meta(path.join(dir, 'b.db'));
    expect(m.built_at).toBe('2023-11-14T22:13:20Z');
    expect(m.spec_hash).toBe(meta(path.join(dir, 'a.db')).spec_hash);
  });

  it('without SOURCE_DATE_EPOCH and outside git, built_at is NULL, never the clock; two such builds are identical', async () => {
    const dir = tempDir();
    const restore = pinBuildEnv({ SOURCE_DATE_EPOCH: '' });
    try {
      expect((await run(['build', '--specs', EXAMPLE_SPECS, '--out', path.join(dir, 'a.db')])).code).toBe(0);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await run(['build', '--specs', EXAMPLE_SPECS, '--out', path.join(dir, 'b.db')])).code).toBe(0);
    } finally {
      restore();
    }
    expect(meta(path.join(dir, 'a.db')).built_at).toBeNull();
    expect(readFileSync(path.join(dir, 'a.db')).equals(readFileSync(path.join(dir, 'b.db')))).toBe(true);
  });

  it('in a git checkout, built_at is the commit time of HEAD and source_commit its sha (SOURCE_DATE_EPOCH unset)', async () => {
    const dir = tempDir();
    const repo = path.join(dir, 'repo');
    cpSync(EXAMPLE_SPECS, path.join(repo, 'catalog-specs'), { recursive: true });
    const gitEnv: NodeJS.ProcessEnv = { ...process.env, GIT_AUTHOR_DATE: '2025-03-04T05:06:07Z', GIT_COMMITTER_DATE: '2025-03-04T05:06:07Z' };
    delete gitEnv.GIT_DIR;
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, env: gitEnv, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'specs');
    const sha = git('rev-parse', 'HEAD');
    const restore = pinBuildEnv({ SOURCE_DATE_EPOCH: '' });
    delete process.env.GIT_DIR;
    try {
      expect((await run(['build', '--specs', path.join(repo, 'catalog-specs'), '--out', path.join(dir, 'a.db')])).code).toBe(0);
    } finally {
      restore();
    }
    const m = meta(path.join(dir, 'a.db'));
    expect(m.built_at).toBe('2025-03-04T05:06:07Z');
    expect(m.source_commit).toBe(sha);
  });

  it('SOURCE_DATE_EPOCH wins over the commit time', async () => {
    const dir = tempDir();
    const repo = path.join(dir, 'repo');
    cpSync(EXAMPLE_SPECS, repo, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_COMMITTER_DATE: '2025-03-04T05:06:07Z', GIT_AUTHOR_DATE: '2025-03-04T05:06:07Z' };
    delete env.GIT_DIR;
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, env, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'x');
    const restore = pinBuildEnv({ SOURCE_DATE_EPOCH: EPOCH });
    delete process.env.GIT_DIR;
    try {
      expect((await run(['build', '--specs', repo, '--out', path.join(dir, 'a.db')])).code).toBe(0);
    } finally {
      restore();
    }
    expect(meta(path.join(dir, 'a.db')).built_at).toBe(EPOCH_ISO);
  });
});
