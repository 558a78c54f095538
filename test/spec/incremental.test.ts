// The incremental mode (validate/build --incremental, METAFUSE_INCREMENTAL=1):
// parsed specs kept in <specs>/.metafuse/ by content hash. It must never change a
// result — the same catalog bytes as a build without it — and must reuse what it
// can: after editing one file, only that file is parsed again.
import { cpSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDiskCache } from '../../src/spec/disk-cache.js';
import { loadSpecs } from '../../src/spec/index.js';
import { EXAMPLE_SPECS, pinBuildEnv, removeTempDirs, run, tempDir } from '../catalog/support.js';

afterAll(removeTempDirs);

function copyOfExample(): string {
  const dir = path.join(tempDir(), 'specs');
  cpSync(EXAMPLE_SPECS, dir, { recursive: true });
  rmSync(path.join(dir, '.metafuse'), { recursive: true, force: true });
  return dir;
}

async function build(specs: string, out: string, incremental: boolean): Promise<Buffer> {
  const restore = pinBuildEnv();
  try {
    const r = await run(['build', '--specs', specs, '--out', out, ...(incremental ? ['--incremental'] : [])]);
    expect(r.code, r.stderr).toBe(0);
    return readFileSync(out);
  } finally {
    restore();
  }
}

/** Loads with the disk cache; returns how many files were parsed (not found in the cache). */
async function loadCounting(specs: string): Promise<{ parsed: number; loaded: number; datasets: number }> {
  const disk = openDiskCache(specs);
  const set = vi.spyOn(disk.cache, 'set');
  const result = await loadSpecs(specs, { cache: disk.cache });
  expect(result.errors, JSON.stringify(result.diagnostics)).toBe(0);
  disk.save();
  return { parsed: set.mock.calls.length, loaded: disk.loaded, datasets: result.model.datasets.length };
}

describe('build --incremental', () => {
  it('writes the same catalog as a build without it, first and second time, and keeps its cache out of git', async () => {
    const specs = copyOfExample();
    const dir = path.dirname(specs);
    const plain = await build(specs, path.join(dir, 'plain.db'), false);
    const first = await build(specs, path.join(dir, 'first.db'), true);
    expect(existsSync(path.join(specs, '.metafuse', 'parse-cache.json'))).toBe(true);
    expect(readFileSync(path.join(specs, '.metafuse', '.gitignore'), 'utf8')).toBe('*\n');
    const second = await build(specs, path.join(dir, 'second.db'), true);
    expect(first.equals(plain)).toBe(true);
    expect(second.equals(plain)).toBe(true);
  });

  it('parses only the edited file the next time, and gives what a fresh load gives', async () => {
    const specs = copyOfExample();
    const cold = await loadCounting(specs);
    expect(cold.loaded).toBe(0);
    expect(cold.parsed).toBeGreaterThan(5);
    const again = await loadCounting(specs);
    expect(again).toEqual({ parsed: 0, loaded: cold.parsed, datasets: cold.datasets });

    const file = path.join(specs, 'datasets', 'sales', 'crm_contacts_raw.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^description: \|\n(  .*\n)+/m, 'description: Edited between two runs.\n'));
    const edited = await loadCounting(specs);
    expect(edited.parsed).toBe(1);
    const fresh = await loadSpecs(specs);
    const cached = await loadSpecs(specs, { cache: openDiskCache(specs).cache });
    expect(cached.model.datasets.find((d) => d.name === 'crm_contacts_raw')?.description).toBe('Edited between two runs.');
    expect(cached.model.specHash).toBe(fresh.model.specHash);
    expect(cached.diagnostics).toEqual(fresh.diagnostics);
  });

  it('drops entries of files that are gone, and does not rewrite an unchanged cache', async () => {
    const specs = copyOfExample();
    const cold = await loadCounting(specs);
    const cacheFile = path.join(specs, '.metafuse', 'parse-cache.json');
    // The same entries, spelled differently: a rewrite would spell them compactly again.
    const pretty = JSON.stringify(JSON.parse(readFileSync(cacheFile, 'utf8')), null, 1);
    writeFileSync(cacheFile, pretty);
    expect((await loadCounting(specs)).loaded).toBe(cold.parsed);
    expect(readFileSync(cacheFile, 'utf8')).toBe(pretty);
    rmSync(path.join(specs, 'datasets', 'logistics', 'delivery_performance.yaml'));
    const after = await loadCounting(specs);
    expect(after.parsed).toBe(0);
    expect(JSON.parse(readFileSync(cacheFile, 'utf8')).entries).toHaveLength(cold.parsed - 1);
  });

  it('ignores a damaged or foreign cache file and a cache of another format', async () => {
    const specs = copyOfExample();
    const cold = await loadCounting(specs);
    const cacheFile = path.join(specs, '.metafuse', 'parse-cache.json');
    for (const junk of ['{"format":"metafuse-parse-cache-', 'null', '[1,2,3]', JSON.stringify({ format: 'metafuse-parse-cache-1', entries: [] })]) {
      writeFileSync(cacheFile, junk);
      const r = await loadCounting(specs);
      expect(r.loaded).toBe(0);
      expect(r.parsed).toBe(cold.parsed);
      expect(r.datasets).toBe(cold.datasets);
    }
  });

  it('does not keep documents whose values JSON cannot carry (.nan, .inf), and reports them the same with or without it', async () => {
    const specs = copyOfExample();
    writeFileSync(
      path.join(specs, 'datasets', 'odd.yaml'),
      'apiVersion: metafuse/v1\nkind: Dataset\nname: odd_values\nowner: data-platform@example.com\ndescription: Odd numbers.\nproperties:\n  ratio: .nan\n  ceiling: -.inf\nfields:\n  - name: id\n    type: int64\n',
    );
    const fresh = await loadSpecs(specs);
    expect(fresh.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      'ratio must be a string or number or boolean, not .nan (not a finite number)',
      'ceiling must be a string or number or boolean, not -.inf (not a finite number)',
    ]);
    for (let run = 0; run < 2; run++) {
      const disk = openDiskCache(specs);
      const result = await loadSpecs(specs, { cache: disk.cache });
      disk.save();
      expect(result.diagnostics).toEqual(fresh.diagnostics);
    }
    const kept = JSON.parse(readFileSync(path.join(specs, '.metafuse', 'parse-cache.json'), 'utf8')) as { entries: unknown[] };
    expect(kept.entries).toHaveLength(openDiskCache(specs).loaded);
    expect(JSON.stringify(kept)).not.toContain('odd_values');
  });
});
