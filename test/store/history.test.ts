// publish --keep-history: immutable <folder>/versions/<version>.db copies, the newest N kept.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { loadSpecs } from '../../src/spec/index.js';
import { openStoreTarget } from '../../src/store/open.js';
import { publish } from '../../src/store/publish.js';
import { cleanupSpecTrees, datasetYaml, specTree } from '../helpers/fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  cleanupSpecTrees();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('publish --keep-history', () => {
  it('keeps a copy of each version and prunes all but the newest N', async () => {
    const store = mkdtempSync(path.join(tmpdir(), 'metafuse-history-'));
    dirs.push(store);
    const target = await openStoreTarget(path.join(store, 'prod', 'catalog.db'));
    for (let i = 1; i <= 3; i++) {
      const specs = specTree({ 'a.yaml': datasetYaml('orders', `location: s3://lake/v${i}/\n`) });
      const { model } = await loadSpecs(specs);
      const out = await publish(target, { model, sourceCommit: null, commitTime: null, builtAt: null, keepHistory: 2 });
      expect(out).toMatchObject({ status: 'written', version: i });
    }
    const copies = readdirSync(path.join(store, 'prod', 'versions')).filter((f) => f.endsWith('.db')).sort();
    expect(copies).toEqual(['2.db', '3.db']);
    for (const v of [2, 3]) {
      const cat = openCatalog(path.join(store, 'prod', 'versions', `${v}.db`));
      try {
        expect(cat.meta.version).toBe(v);
      } finally {
        cat.close();
      }
    }
  });
});
