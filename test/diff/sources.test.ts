// What a side of a diff can be: a specs directory, a catalog file, or git:<ref>.
// The same two versions give the same changes whichever way they are read, and
// git:<ref> works against real repositories: refs, tags, branches, dirty trees,
// shallow clones, specs in a subfolder.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileCatalog } from '../../src/catalog/compile.js';
import { diffModels, type Change } from '../../src/diff/compute.js';
import { loadSide, prepareSide, SourceError } from '../../src/diff/sources.js';
import { sharedLoading } from '../../src/spec/index.js';
import { contentKey } from '../../src/spec/parse.js';
import { REPO } from '../catalog/support.js';
import { cleanupSpecTrees, specTree } from '../helpers/fixtures.js';
import { clone, git, loadValid, replaceSpecs, run, specFiles, writeSpecs, type DatasetSpec, type Specs } from './support.js';

afterEach(cleanupSpecTrees);

/** A base with most of what a model holds: tenants, nested fields, column lineage, terms, deprecation, properties. */
const BASE: Specs = {
  catalog: { name: 'acme', policy: { breakingChanges: 'fail' } },
  terms: [
    { id: 'revenue', name: 'Revenue', definition: 'Income from sales.', synonyms: ['turnover'] },
    { id: 'order', name: 'Order', definition: 'A purchase.', related: ['revenue'] },
    { id: 'churn', name: 'Churn', definition: 'Customers lost.' },
  ],
  datasets: [
    {
      name: 'orders_raw', domain: 'sales', location: 's3://lake/orders/', format: 'parquet', tags: ['raw', 'finance'], terms: ['order'],
      partitionKeys: ['order_date'], properties: { sla: '06:00', tier: 'gold' },
      fields: [
        { name: 'order_id', type: 'int64', nullable: false, description: 'Key', tags: ['key'], terms: ['order'] },
        { name: 'amount', type: 'decimal128(12, 2)' },
        { name: 'order_date', type: 'date32[day]', nullable: false },
        { name: 'customer', type: 'struct<name: string, address: struct<city: string, zip: string>>' },
        { name: 'items', type: 'list<item: struct<sku: string, qty: int32>>' },
      ],
    },
    {
      name: 'orders_daily', upstream: ['orders_raw', 'crm/customers'], terms: ['revenue'],
      fields: [
        { name: 'order_date', type: 'date32[day]', from: ['orders_raw:order_date'] },
        { name: 'revenue', type: 'decimal128(14, 2)', from: ['orders_raw:amount'] },
        { name: 'city', type: 'string', from: ['orders_raw:customer.address.city', 'crm/customers:city'] },
      ],
    },
    { name: 'customers', tenant: 'crm', location: 's3://crm/customers/', fields: [{ name: 'id', type: 'int64' }, { name: 'city', type: 'string' }] },
    { name: 'customers', fields: [{ name: 'id', type: 'int64' }] },
    { name: 'legacy', deprecated: { since: '2025-06-01', reason: 'old', replacement: 'orders_raw' } },
    { name: 'dash', upstream: ['orders_daily'], fields: [{ name: 'rev', type: 'decimal128(14, 2)', from: ['orders_daily:revenue'] }] },
  ],
};

function ds(specs: Specs, name: string, tenant?: string): DatasetSpec {
  return specs.datasets.find((d) => d.name === name && d.tenant === tenant)!;
}

/** The head: one edit of many kinds. */
function headOf(base: Specs): Specs {
  const h = clone(base);
  const raw = ds(h, 'orders_raw');
  raw.fields![1]!.type = 'decimal128(12, 3)';
  raw.fields![3]!.type = 'struct<name: string, address: struct<city: large_string, zip: string, country: string>>';
  raw.fields![4]!.type = 'list<item: struct<sku: string, qty: int64>>';
  raw.tags = ['raw'];
  raw.properties = { sla: '07:00', tier: 'gold' };
  ds(h, 'customers', 'crm').fields!.push({ name: 'email', type: 'string', nullable: false });
  ds(h, 'orders_daily').fields![2]!.description = 'City of the *customer*';
  h.datasets = h.datasets.filter((d) => d.name !== 'legacy');
  h.datasets.push({ name: 'returns', upstream: ['orders_raw'], fields: [{ name: 'order_id', type: 'int64', from: ['orders_raw:order_id'] }] });
  ds(h, 'dash').deprecated = { since: '2026-02-01', replacement: 'orders_daily' };
  h.terms = h.terms!.filter((t) => t.id !== 'churn');
  h.terms!.find((t) => t.id === 'revenue')!.synonyms = ['turnover', 'sales'];
  return h;
}

const comparable = (changes: Change[]) => JSON.parse(JSON.stringify(changes)) as Change[];

describe('the same two versions read from different sources give the same changes', () => {
  let baseDir: string;
  let headDir: string;
  let fromDirs: Change[];
  beforeEach(async () => {
    baseDir = writeSpecs(BASE);
    headDir = writeSpecs(headOf(BASE));
    const opts = { specsDir: headDir };
    fromDirs = comparable(diffModels((await loadSide(baseDir, opts)).model, (await loadSide(headDir, opts)).model).changes);
  });

  it('specs dir vs specs dir covers many kinds (the reference for the others)', () => {
    expect(fromDirs.length).toBeGreaterThan(10);
    expect(new Set(fromDirs.map((c) => c.kind))).toEqual(
      new Set([
        'dataset-added', 'dataset-removed', 'dataset-deprecated', 'tags-changed', 'properties-changed', 'field-added',
        'field-type-changed', 'field-description-changed', 'term-removed', 'term-changed',
      ]),
    );
  });

  it('git:<ref> vs working tree gives the same changes as the two directories', async () => {
    const repo = specTree();
    git(repo, 'init', '-q');
    replaceSpecs(repo, 'catalog-specs', BASE);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    replaceSpecs(repo, 'catalog-specs', headOf(BASE));
    const specsDir = path.join(repo, 'catalog-specs');
    const gitSide = await loadSide('git:HEAD', { specsDir });
    expect(gitSide.label).toMatch(/^git:HEAD \([0-9a-f]{7}\)$/);
    expect(gitSide.errors).toBe(0);
    const fromGit = diffModels(gitSide.model, (await loadSide(specsDir, { specsDir })).model);
    expect(comparable(fromGit.changes)).toEqual(fromDirs);
  });

  it('a catalog file (compileCatalog) as base vs the specs dir gives the same changes', async () => {
    const catalog = path.join(specTree(), 'base.db');
    await compileCatalog(await loadValid(baseDir), catalog, { version: 7, sourceCommit: null, builtAt: null });
    const side = await loadSide(catalog, { specsDir: headDir });
    expect(side.label).toBe(`${catalog} (version 7)`);
    const r = diffModels(side.model, (await loadSide(headDir, { specsDir: headDir })).model);
    expect(comparable(r.changes)).toEqual(fromDirs);
  });

  it('a catalog file as head vs the base specs dir gives the same changes', async () => {
    const catalog = path.join(specTree(), 'head.db');
    await compileCatalog(await loadValid(headDir), catalog, { version: 8, sourceCommit: null, builtAt: null });
    const r = diffModels((await loadSide(baseDir, { specsDir: baseDir })).model, (await loadSide(catalog, { specsDir: baseDir })).model);
    expect(comparable(r.changes)).toEqual(fromDirs);
  });

  it('`metafuse build` output as --base gives the same changes through the CLI', async () => {
    const built = path.join(specTree(), 'built.db');
    const b = await run(['build', '--specs', baseDir, '--out', built]);
    expect(b.code, b.stderr).toBe(0);
    const r = await run(['diff', '--base', built, '--head', headDir, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { changes: Change[] }).changes).toEqual(fromDirs);
  });

  it('a catalog file of the same specs diffs to nothing', async () => {
    const catalog = path.join(specTree(), 'same.db');
    await compileCatalog(await loadValid(baseDir), catalog, { version: 1, sourceCommit: null, builtAt: null });
    const r = await run(['diff', '--base', catalog, '--head', baseDir, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ breaking: false, counts: { total: 0 }, changes: [] });
  });

  it('a side that is neither a directory, a catalog file nor git:<ref> is a clear error (exit 1)', async () => {
    const dir = writeSpecs(BASE);
    await expect(loadSide(path.join(dir, 'nope'), { specsDir: dir })).rejects.toThrow(SourceError);
    const r = await run(['diff', '--base', path.join(dir, 'nope'), '--head', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is neither a specs directory, a catalog file');
    const notCatalog = path.join(dir, 'metafuse.yaml');
    const r2 = await run(['diff', '--base', notCatalog, '--head', dir]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).not.toContain('internal error');
  });

  it('a specs directory reached through a symbolic link is read as a directory', async () => {
    const dir = writeSpecs(BASE);
    const link = path.join(specTree(), 'specs-link');
    symlinkSync(dir, link);
    const r = await run(['diff', '--base', link, '--head', dir, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ counts: { total: 0 } });
  });
});

// ---------------------------------------------------------------- git:<ref>

interface Repo {
  root: string;
  specsDir: string;
  /** Commits, oldest first. */
  shas: string[];
}

/** A repository with BASE committed, then headOf(BASE) committed, specs under `sub`. */
function makeRepo(sub = 'catalog-specs', root = specTree()): Repo {
  git(root, 'init', '-q');
  writeFileSync(path.join(root, 'README.md'), '# data\n');
  replaceSpecs(root, sub, BASE);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'base');
  replaceSpecs(root, sub, headOf(BASE));
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'head');
  return { root, specsDir: path.join(root, sub), shas: git(root, 'rev-list', '--reverse', 'HEAD').split('\n') };
}

interface JsonReport {
  changes: Change[];
  base: { label: string };
  head: { label: string };
}

async function diffJson(args: string[]): Promise<JsonReport> {
  const r = await run(['diff', ...args, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as JsonReport;
}

describe('git:<ref>', () => {
  let expected: Change[];
  beforeAll(async () => {
    expected = comparable(diffModels(await loadValid(writeSpecs(BASE)), await loadValid(writeSpecs(headOf(BASE)))).changes);
  });

  it('git:HEAD~1 against the working tree (= HEAD) shows the last commit\'s changes', async () => {
    const repo = makeRepo();
    const r = await diffJson(['--base', 'git:HEAD~1', '--specs', repo.specsDir]);
    expect(r.changes).toEqual(expected);
    expect(r.base.label).toBe(`git:HEAD~1 (${repo.shas[0]!.slice(0, 7)})`);
    expect(r.head.label).toBe(repo.specsDir);
  });

  it('git:<ref> on both sides, with a branch name and a tag (lightweight and annotated)', async () => {
    const repo = makeRepo();
    git(repo.root, 'branch', 'release', repo.shas[0]!);
    git(repo.root, 'tag', 'v1', repo.shas[0]!);
    git(repo.root, 'tag', '-a', 'v1-annotated', '-m', 'first', repo.shas[0]!);
    for (const ref of ['release', 'v1', 'v1-annotated', repo.shas[0]!, repo.shas[0]!.slice(0, 10)]) {
      const r = await diffJson(['--base', `git:${ref}`, '--head', 'git:main', '--specs', repo.specsDir]);
      expect(r.changes, ref).toEqual(expected);
    }
    // Same ref on both sides: nothing.
    const same = await diffJson(['--base', 'git:v1', '--head', 'git:release', '--specs', repo.specsDir]);
    expect(same.changes).toEqual([]);
  });

  it('the working tree is read as it is, uncommitted edits included, and is left untouched', async () => {
    const repo = makeRepo();
    const file = path.join(repo.specsDir, 'datasets', '_', 'returns.yaml');
    writeFileSync(file, `${specFiles({ datasets: [{ name: 'returns', upstream: ['orders_raw'], fields: [{ name: 'order_id', type: 'int64', from: ['orders_raw:order_id'] }, { name: 'reason', type: 'string' }] }] })['datasets/_/returns.yaml']}`);
    const statusBefore = git(repo.root, 'status', '--porcelain');
    const dirty = await diffJson(['--base', 'git:HEAD', '--specs', repo.specsDir]);
    expect(dirty.changes.map((c) => [c.kind, c.dataset, c.field])).toEqual([['field-added', 'returns', 'reason']]);
    const both = await diffJson(['--base', 'git:HEAD~1', '--specs', repo.specsDir]);
    expect(both.changes.length).toBe(expected.length);
    expect(both.changes.find((c) => c.kind === 'dataset-added')?.dataset).toBe('returns');
    expect(git(repo.root, 'status', '--porcelain')).toBe(statusBefore);
    expect(git(repo.root, 'stash', 'list')).toBe('');
  });

  it('an unknown ref exits 1 and says what it is not', async () => {
    const repo = makeRepo();
    const r = await run(['diff', '--base', 'git:no-such-branch', '--specs', repo.specsDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('metafuse diff: git:no-such-branch is not a commit, branch or tag in this repository\n');
  });

  it('git:<ref> outside a git checkout exits 1 and says so', async () => {
    const dir = writeSpecs(BASE);
    const r = await run(['diff', '--base', 'git:HEAD', '--specs', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs the specs to be in a git checkout');
  });

  it('specs in a subfolder: only that folder is read at the ref, whatever else the repository holds', async () => {
    const root = specTree();
    git(root, 'init', '-q');
    const sub = 'platform/metadata/catalog-specs';
    replaceSpecs(root, sub, BASE);
    // Outside the specs folder: YAML that is not a valid spec, and a sibling folder whose name extends it.
    mkdirSync(path.join(root, 'deploy'), { recursive: true });
    writeFileSync(path.join(root, 'deploy', 'values.yaml'), 'replicas: 3\n');
    replaceSpecs(root, `${sub}-old`, { datasets: [{ name: 'ghost' }] });
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'base');
    replaceSpecs(root, sub, headOf(BASE));
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'head');
    const r = await diffJson(['--base', 'git:HEAD~1', '--specs', path.join(root, sub)]);
    expect(r.changes).toEqual(expected);
  });

  it('specs at the repository root', async () => {
    const root = specTree();
    git(root, 'init', '-q');
    replaceSpecs(root, '.', BASE);
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'base');
    replaceSpecs(root, '.', headOf(BASE));
    const r = await diffJson(['--base', 'git:HEAD', '--specs', root]);
    expect(r.changes).toEqual(expected);
  });

  it('the specs path may go through a symbolic link to the checkout', async () => {
    const repo = makeRepo();
    const link = path.join(specTree(), 'checkout');
    symlinkSync(repo.root, link);
    const r = await diffJson(['--base', 'git:HEAD~1', '--specs', path.join(link, 'catalog-specs')]);
    expect(r.changes).toEqual(expected);
  });

  it('a relative --specs (and the default head) resolve against the current directory', async () => {
    const repo = makeRepo('catalog-specs');
    const cwd = process.cwd();
    process.chdir(repo.root);
    try {
      const r = await diffJson(['--base', 'git:HEAD~1']);
      expect(r.changes).toEqual(expected);
      expect(r.head.label).toBe('catalog-specs');
    } finally {
      process.chdir(cwd);
    }
  });

  describe('in a shallow clone', () => {
    // Made once for the three tests (not a specTree: those are removed after each test).
    const own = mkdtempSync(path.join(tmpdir(), 'metafuse-shallow-'));
    const clonePath = path.join(own, 'clone');
    let repo: Repo;
    beforeAll(() => {
      mkdirSync(path.join(own, 'origin'));
      repo = makeRepo('catalog-specs', path.join(own, 'origin'));
      git(own, 'clone', '-q', '--depth', '1', `file://${repo.root}`, clonePath);
      expect(git(clonePath, 'rev-parse', '--is-shallow-repository')).toBe('true');
    });
    afterAll(() => rmSync(own, { recursive: true, force: true }));

    it('git:<sha of the parent> is missing locally, fetched from origin, and the diff works', async () => {
      const parent = repo.shas[0]!;
      expect(() => git(clonePath, 'cat-file', '-e', `${parent}^{commit}`)).toThrow();
      const r = await diffJson(['--base', `git:${parent}`, '--specs', path.join(clonePath, 'catalog-specs')]);
      expect(r.changes).toEqual(expected);
      expect(r.base.label).toBe(`git:${parent} (${parent.slice(0, 7)})`);
    });

    it('a branch of origin that the clone did not fetch is fetched too', async () => {
      git(repo.root, 'branch', 'base-line', repo.shas[0]!);
      const r = await diffJson(['--base', 'git:base-line', '--specs', path.join(clonePath, 'catalog-specs')]);
      expect(r.changes).toEqual(expected);
    });

    it('git:origin/<branch> (the pull-request check\'s base) is fetched when the clone lacks it', async () => {
      git(repo.root, 'branch', '-f', 'main-before', repo.shas[0]!);
      expect(() => git(clonePath, 'rev-parse', '--verify', '--quiet', 'origin/main-before')).toThrow();
      const r = await diffJson(['--base', 'git:origin/main-before', '--specs', path.join(clonePath, 'catalog-specs')]);
      expect(r.changes).toEqual(expected);
    });

    it('a ref that looks like a git option is refused, never passed to git (no --upload-pack command runs)', async () => {
      const marker = path.join(own, 'PWNED');
      for (const ref of [`--upload-pack=touch ${marker};false`, '-h', '']) {
        const r = await run(['diff', '--base', `git:${ref}`, '--specs', path.join(clonePath, 'catalog-specs')]);
        expect(r.code, ref).toBe(1);
        expect(r.stderr).toBe(`metafuse diff: git:${ref} is not a valid ref (a commit, branch or tag)\n`);
      }
      expect(existsSync(marker)).toBe(false);
    });

    it('a ref that cannot be fetched says to check out with fetch-depth: 0', async () => {
      const r = await run(['diff', '--base', 'git:HEAD~1', '--specs', path.join(clonePath, 'catalog-specs')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('shallow clone');
      expect(r.stderr).toContain('fetch-depth: 0');
    });
  });
});

describe('prepareSide: a git base read while the head is loaded', () => {
  it('starts git at once for the files other than specs, loads the same model as loadSide, and leaves no temporary files', async () => {
    const repo = makeRepo();
    writeFileSync(path.join(repo.specsDir, 'README.txt'), 'not a spec\n');
    git(repo.root, 'add', '-A');
    git(repo.root, 'commit', '-q', '-m', 'readme');
    const mine = () => readdirSync(tmpdir()).filter((n) => n.startsWith('metafuse-git-') && n.includes(`~${process.pid}~`));
    const prepared = prepareSide('git:HEAD', { specsDir: repo.specsDir });
    // Started before load() is asked: git is already writing into its temporary folder.
    expect(mine()).toHaveLength(1);
    const side = await prepared.load();
    const direct = await loadSide('git:HEAD', { specsDir: repo.specsDir });
    expect(side.label).toBe(`git:HEAD (${git(repo.root, 'rev-parse', 'HEAD').slice(0, 7)})`);
    expect(side.errors).toBe(0);
    expect(side.model).toEqual(direct.model);
    expect(side.model.datasets.map((d) => d.name).sort()).toEqual(headOf(BASE).datasets.map((d) => d.name).sort());
    expect(mine()).toEqual([]);
  });

  it('keys parsed files by their git blob id (what git ls-tree lists), for any bytes', () => {
    const dir = specTree();
    const samples = [Buffer.alloc(0), Buffer.from('kind: Dataset\n'), Buffer.from('\ufeffname: x\r\n'), Buffer.from([0, 1, 2, 255, 10])];
    samples.forEach((bytes, i) => {
      const file = path.join(dir, `s${i}`);
      writeFileSync(file, bytes);
      expect(contentKey(bytes)).toBe(git(dir, 'hash-object', '--no-filters', file));
    });
  });

  it('reads from git only the spec files the other side did not have: the blob of an unchanged file may be missing from the object store', async () => {
    const repo = makeRepo();
    // A spec file the head commit did not change, and its blob at the base.
    const specs = path.relative(repo.root, repo.specsDir);
    const changed = git(repo.root, 'diff', '--name-only', 'HEAD~1', 'HEAD', '--', specs).split('\n');
    const kept = git(repo.root, 'ls-tree', '-r', '--name-only', 'HEAD~1', '--', specs).split('\n').find((f) => f.endsWith('.yaml') && !changed.includes(f));
    expect(kept).toBeDefined();
    const blob = git(repo.root, 'rev-parse', `HEAD~1:${kept!}`);
    expect(git(repo.root, 'rev-parse', `HEAD:${kept!}`)).toBe(blob);
    rmSync(path.join(repo.root, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    expect(() => git(repo.root, 'cat-file', '-e', blob)).toThrow();
    // The working tree (the head) still has the file: the base takes its parse by blob id.
    const r = await diffJson(['--base', 'git:HEAD~1', '--specs', repo.specsDir]);
    expect(r.changes).toEqual(comparable(diffModels(await loadValid(writeSpecs(BASE)), await loadValid(writeSpecs(headOf(BASE)))).changes));
  });

  it('symbolic links in the tree read as the files they point to, specs and schemas alike, whether or not the target was read from git; links leaving the specs folder are dropped', async () => {
    const repo = makeRepo();
    const arrow = path.join(REPO, 'catalog-specs', 'schemas', 'web_events.arrow');
    mkdirSync(path.join(repo.specsDir, 'schemas'), { recursive: true });
    copyFileSync(arrow, path.join(repo.specsDir, 'schemas', 'events.arrow'));
    symlinkSync('events.arrow', path.join(repo.specsDir, 'schemas', 'alias.arrow'));
    symlinkSync('alias.arrow', path.join(repo.specsDir, 'schemas', 'alias2.arrow')); // a link to a link
    mkdirSync(path.join(repo.specsDir, 'shared'), { recursive: true });
    writeFileSync(path.join(repo.specsDir, 'shared', 'linked.yml.txt'), 'apiVersion: metafuse/v1\nkind: Dataset\nname: linked\nowner: data@acme.example\ndescription: Read through a link.\nschema: ../schemas/alias2.arrow\n');
    symlinkSync('../shared/linked.yml.txt', path.join(repo.specsDir, 'datasets', 'linked.yaml'));
    // A link to another spec file: the same dataset twice (an error), read the same way on every side.
    symlinkSync('_/dash.yaml', path.join(repo.specsDir, 'datasets', 'again.yaml'));
    writeFileSync(path.join(repo.root, 'outside.yaml'), 'apiVersion: metafuse/v1\nkind: Dataset\nname: outside\n');
    symlinkSync(path.relative(path.join(repo.specsDir, 'datasets'), path.join(repo.root, 'outside.yaml')), path.join(repo.specsDir, 'datasets', 'outside.yaml'));
    git(repo.root, 'add', '-A');
    git(repo.root, 'commit', '-q', '-m', 'links');
    rmSync(path.join(repo.specsDir, 'datasets', 'outside.yaml')); // the working tree without the escaping link: the reference
    const expected = await loadSide(repo.specsDir, { specsDir: repo.specsDir });
    expect(expected.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.file])).toEqual([['duplicate-dataset', path.relative(process.cwd(), path.join(repo.specsDir, 'datasets', 'again.yaml'))]]);
    const linked = expected.model.datasets.find((d) => d.name === 'linked')!;
    expect(linked.fields.length).toBeGreaterThan(0);
    expect(linked.schemaFile).toBe('schemas/alias2.arrow');
    // Alone (everything from git), and after the working tree filled a shared cache (linked files known by blob id).
    const alone = await loadSide('git:HEAD', { specsDir: repo.specsDir });
    const shared = sharedLoading();
    await loadSide(repo.specsDir, { specsDir: repo.specsDir, ...shared });
    const cached = await prepareSide('git:HEAD', { specsDir: repo.specsDir, ...shared }).load();
    for (const side of [alone, cached]) {
      expect(side.diagnostics).toEqual(expected.diagnostics);
      expect(side.model).toEqual(expected.model);
    }
  });

  it('without a usable temporary folder it reads through a pipe instead, with the same result', async () => {
    const repo = makeRepo();
    const direct = await loadSide('git:HEAD~1', { specsDir: repo.specsDir });
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = path.join(repo.root, 'no-such-folder');
    try {
      const side = await prepareSide('git:HEAD~1', { specsDir: repo.specsDir }).load();
      expect(side.model).toEqual(direct.model);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('an unknown ref does not throw when prepared: load() reports it', async () => {
    const repo = makeRepo();
    const prepared = prepareSide('git:no-such-branch', { specsDir: repo.specsDir });
    await expect(prepared.load()).rejects.toThrow(new SourceError('git:no-such-branch is not a commit, branch or tag in this repository'));
  });
});
