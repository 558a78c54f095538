// A build replaces the catalog atomically: whatever happens to the build (specs
// with errors, an exception while writing, the process killed with SIGKILL at a
// random moment), the target path holds either the previous complete catalog or
// the new complete one, and the only debris is dot-files `.<target>.*.tmp`.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCatalog, writeFailure } from '../../src/catalog/compile.js';
import { openCatalog } from '../../src/catalog/open.js';
import { loadSpecs } from '../../src/spec/index.js';
import { BIN, buildCatalog, ensureCompiledCli, EPOCH, removeTempDirs, REPO, run, tempDir, writeTree } from './support.js';

const TARGET = 'catalog.db';
afterAll(removeTempDirs);
const DEBRIS = /^\.catalog\.db\..+\.tmp$/;

function dataset(name: string, upstream: string[], fields: number, extra = ''): string {
  const lines = [
    'apiVersion: metafuse/v1',
    'kind: Dataset',
    `name: ${name}`,
    'owner: team@example.com',
    `description: Synthetic dataset ${name} for the atomicity test.`,
    `tags: [synthetic, t${name.length % 7}]`,
    `upstream: [${upstream.join(', ')}]`,
    'fields:',
  ];
  for (let f = 0; f < fields; f++) {
    lines.push(`  - name: col_${f}`, `    type: ${['int64', 'string', 'decimal(12,2)', 'timestamptz', 'bool'][f % 5]}`, `    description: Column ${f} of ${name}.`);
    if (upstream.length && f < 3) lines.push(`    from: ["${upstream[0]}:col_${f}"]`);
  }
  return `${lines.join('\n')}\n${extra}`;
}

/** A tree of `n` datasets, each reading up to two earlier ones (a DAG), one file per dataset. */
function generateTree(dir: string, n: number, fields: number, salt = ''): void {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const ups = i === 0 ? [] : [...new Set([`ds_${Math.floor(i / 2)}`, `ds_${(i * 7919) % i}`])];
    files[`datasets/d${i % 20}/ds_${i}.yaml`] = dataset(`ds_${i}`, ups, fields, salt);
  }
  writeTree(dir, files);
}

function specHashOf(file: string): string {
  const cat = openCatalog(file);
  try {
    expect(cat.db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    return cat.meta.specHash!;
  } finally {
    cat.close();
  }
}

/** Names in dir other than the target that are not allowed temp files. */
function strayFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n !== TARGET && !DEBRIS.test(n));
}

describe('a failed build leaves the existing catalog untouched', () => {
  let dir: string;
  let target: string;
  let before: Buffer;
  beforeAll(async () => {
    dir = tempDir();
    writeTree(dir, { 'good/a.yaml': dataset('a', [], 3), 'good/b.yaml': dataset('b', ['a'], 3) });
    target = path.join(dir, 'out', TARGET);
    mkdirSync(path.dirname(target));
    await buildCatalog(path.join(dir, 'good'), target);
    before = readFileSync(target);
  });

  it('specs with errors: exit 1, nothing written, the old file byte-identical, no temp files', async () => {
    writeTree(dir, { 'bad/a.yaml': dataset('a', ['no_such_dataset'], 2), 'bad/b.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: [unclosed\n' });
    const mtime = statSync(target).mtimeMs;
    const r = await run(['build', '--specs', path.join(dir, 'bad'), '--out', target]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not built/);
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(statSync(target).mtimeMs).toBe(mtime);
    expect(readdirSync(path.dirname(target))).toEqual([TARGET]);
  });

  it('an error while writing (a constraint fails in the temp file): the error surfaces, the old file stays, the temp file is removed', async () => {
    const { model } = await loadSpecs(path.join(dir, 'good'));
    // Two fields with one path violate the unique index built after the load.
    const ds = model.datasets[0]!;
    ds.fields.push({ ...ds.fields[0]!, position: ds.fields.length });
    await expect(compileCatalog(model, target, { version: 0, sourceCommit: null, builtAt: null })).rejects.toThrow(/UNIQUE/);
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(readdirSync(path.dirname(target))).toEqual([TARGET]);
  });

  it('a catalog that cannot be written where asked is a clear error (exit 1), not an internal one, on the writer thread and without', async () => {
    ensureCompiledCli();
    const out = '/proc/sys/metafuse-catalog.db'; // a folder in which no one can create files
    const inline = await run(['build', '--specs', path.join(dir, 'good'), '--out', out]);
    const threaded = spawnSync(process.execPath, [BIN, 'build', '--specs', path.join(dir, 'good'), '--out', out], { encoding: 'utf8' });
    for (const r of [inline, { code: threaded.status, stderr: threaded.stderr }]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`metafuse build: cannot write the catalog "${out}": unable to open database file`);
      expect(r.stderr).not.toContain('internal error');
    }
  });

  it('a publish that cannot make or fill its work folder (TMPDIR) is a clear error (exit 1), and the store is not touched', () => {
    ensureCompiledCli();
    const store = path.join(dir, 'store');
    const to = `file://${store}/catalog.db`;
    const specs = path.join(dir, 'good');
    // No folder can be made in /proc/sys.
    const noFolder = spawnSync(process.execPath, [BIN, 'publish', '--specs', specs, '--to', to], { encoding: 'utf8', env: { ...process.env, TMPDIR: '/proc/sys' } });
    // A file size limit of 64 KiB (the signal ignored, so that writes fail with EFBIG instead): the catalog cannot be written.
    const noRoom = spawnSync('bash', ['-c', 'trap "" XFSZ; ulimit -f 64; exec "$0" "$@"', process.execPath, BIN, 'publish', '--specs', specs, '--to', to], { encoding: 'utf8' });
    expect(noFolder.stderr).toContain('metafuse publish: cannot write a catalog in the temporary folder /proc/sys: no such file (TMPDIR chooses another folder)');
    expect(noRoom.stderr).toMatch(/metafuse publish: cannot write a catalog in the temporary folder \S+metafuse-write-\S+: disk I\/O error \(TMPDIR chooses another folder\)/);
    for (const r of [noFolder, noRoom]) {
      expect(r.status).toBe(1);
      expect(r.stderr).not.toContain('internal error');
    }
    expect(existsSync(path.join(store, 'catalog.db'))).toBe(false);
  });

  it('writeFailure tells the place or the disk from a bug, for both drivers and the file system', () => {
    const sqlite = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(writeFailure(sqlite('SQLITE_FULL', 'database or disk is full'))).toBe('database or disk is full');
    expect(writeFailure(sqlite('SQLITE_IOERR_WRITE', 'disk I/O error'))).toBe('disk I/O error');
    expect(writeFailure(sqlite('SQLITE_READONLY', 'attempt to write a readonly database'))).toBe('attempt to write a readonly database');
    // node:sqlite: a generic code, the result code as a number (extended codes keep the primary in the low byte).
    expect(writeFailure(Object.assign(new Error('unable to open database file'), { code: 'ERR_SQLITE_ERROR', errcode: 14 }))).toBe('unable to open database file');
    expect(writeFailure(Object.assign(new Error('disk I/O error'), { code: 'ERR_SQLITE_ERROR', errcode: 10 | (4 << 8) }))).toBe('disk I/O error');
    expect(writeFailure(Object.assign(new Error('EACCES: permission denied, rename'), { code: 'EACCES' }))).toBe('permission denied');
    expect(writeFailure(Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' }))).toBe('ENOSPC: no space left on device, fsync');
    // Not the disk: a bug, reported as one.
    expect(writeFailure(sqlite('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: fields.dataset_id, fields.path'))).toBeUndefined();
    expect(writeFailure(Object.assign(new Error('no such table: x'), { code: 'ERR_SQLITE_ERROR', errcode: 1 }))).toBeUndefined();
    expect(writeFailure(new TypeError('d.fields is not iterable'))).toBeUndefined();
    expect(writeFailure(undefined)).toBeUndefined();
  });

  it('a successful build replaces the file and leaves no temp files', async () => {
    writeTree(dir, { 'good/c.yaml': dataset('c', ['b'], 2) });
    await buildCatalog(path.join(dir, 'good'), target);
    expect(readFileSync(target).equals(before)).toBe(false);
    expect(readdirSync(path.dirname(target))).toEqual([TARGET]);
    expect(openCatalog(target).meta.specHash).not.toBe(null);
  });
});

describe('a build killed with SIGKILL at random moments', () => {
  const TRIALS = 10;
  let specs: string;
  let oldCatalog: string;
  let newReference: Buffer;
  let oldHash: string;
  let newHash: string;
  /** Spawn to exit of an uninterrupted build, and how long of that the temp file existed. */
  let fullMs = 0;
  let writeMs = 0;

  const env = { ...process.env, SOURCE_DATE_EPOCH: EPOCH, GIT_DIR: path.join(REPO, '.no-such-git-dir'), GITHUB_SHA: '' };

  /** Spawns a build into dir/catalog.db; kills it per `kill`; resolves when the process is gone. */
  function buildProcess(dir: string, kill: { afterMs: number } | { afterTempMs: number } | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; tempSeenMs: number | null }> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn(process.execPath, [BIN, 'build', '--specs', specs, '--out', path.join(dir, TARGET)], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let tempSeenMs: number | null = null;
      let timer: NodeJS.Timeout | undefined;
      const poll = setInterval(() => {
        if (tempSeenMs === null && readdirSync(dir).some((n) => DEBRIS.test(n))) {
          tempSeenMs = performance.now() - started;
          if (kill && 'afterTempMs' in kill) timer = setTimeout(() => child.kill('SIGKILL'), kill.afterTempMs);
        }
      }, 1);
      if (kill && 'afterMs' in kill) timer = setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearInterval(poll);
        clearTimeout(timer);
        if (code !== null && code !== 0) reject(new Error(`build exited ${code}: ${stderr}`));
        else resolve({ code, signal, ms: performance.now() - started, tempSeenMs });
      });
    });
  }

  beforeAll(async () => {
    ensureCompiledCli();
    const root = tempDir('metafuse-kill-');
    specs = path.join(root, 'specs');
    generateTree(specs, 1200, 10);
    // The previous catalog: the same kind of tree, different content.
    const oldSpecs = path.join(root, 'old-specs');
    generateTree(oldSpecs, 50, 3, '# old\n');
    writeTree(oldSpecs, { 'datasets/extra.yaml': dataset('only_in_old', [], 1) });
    oldCatalog = path.join(root, 'old.db');
    await buildCatalog(oldSpecs, oldCatalog);
    oldHash = specHashOf(oldCatalog);
    // One uninterrupted run: the new catalog every trial must produce if it finishes, and the timings.
    const refDir = path.join(root, 'reference');
    mkdirSync(refDir);
    copyFileSync(oldCatalog, path.join(refDir, TARGET));
    const ref = await buildProcess(refDir, null);
    fullMs = ref.ms;
    writeMs = ref.tempSeenMs === null ? ref.ms / 3 : ref.ms - ref.tempSeenMs;
    newReference = readFileSync(path.join(refDir, TARGET));
    newHash = specHashOf(path.join(refDir, TARGET));
    expect(newHash).not.toBe(oldHash);
    expect(readdirSync(refDir)).toEqual([TARGET]);
  }, 60_000);

  it(`the target is always the old or the new complete catalog, and debris is only .${TARGET}.*.tmp (${TRIALS} trials)`, async () => {
    const outcomes: string[] = [];
    let killedMidWrite = 0;
    const dir = tempDir('metafuse-kill-trial-');
    for (let i = 0; i < TRIALS; i++) {
      for (const n of readdirSync(dir)) rmSync(path.join(dir, n), { force: true });
      copyFileSync(oldCatalog, path.join(dir, TARGET));
      // Alternate: a random moment anywhere in the run, or a random moment after the temp file appears
      // (the write and rename phase). The first temp-phase trial kills as soon as the temp file exists.
      const kill = i % 2 === 0 ? { afterMs: Math.random() * fullMs } : { afterTempMs: i === 1 ? 0 : Math.random() * writeMs * 1.2 };
      const r = await buildProcess(dir, kill);
      const label = `trial ${i} (${JSON.stringify(kill)}, exit ${r.code ?? r.signal})`;
      expect(strayFiles(dir), label).toEqual([]);
      const bytes = readFileSync(path.join(dir, TARGET));
      const isOld = bytes.equals(readFileSync(oldCatalog));
      const isNew = bytes.equals(newReference);
      expect(isOld || isNew, label).toBe(true);
      expect(specHashOf(path.join(dir, TARGET)), label).toBe(isOld ? oldHash : newHash);
      const debris = readdirSync(dir).filter((n) => DEBRIS.test(n));
      if (debris.length) killedMidWrite++;
      outcomes.push(`${isOld ? 'old' : 'new'}${debris.length ? '+tmp' : ''}${r.signal ? '' : ' (finished)'}`);
    }
    // At least one kill landed while the temp file was being written: the interesting case happened.
    expect(killedMidWrite, outcomes.join(', ')).toBeGreaterThan(0);
    expect(existsSync(path.join(dir, TARGET))).toBe(true);
  }, 60_000);
});
