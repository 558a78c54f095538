// Arrow files from another implementation (polars; see test/fixtures/polars/README.md).
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpecs } from '../../src/spec/index.js';
import { cleanupSpecTrees, specTree } from '../helpers/fixtures.js';

const FIXTURES = path.resolve('test/fixtures/polars');

afterEach(cleanupSpecTrees);

async function loadWith(file: string) {
  const dir = specTree({
    'datasets/p.yaml': `apiVersion: metafuse/v1
kind: Dataset
name: p
owner: data@example.com
description: written by polars
schema: ../schemas/p.arrow
fields:
  - name: tags
    description: tag list
`,
  });
  mkdirSync(path.join(dir, 'schemas'), { recursive: true });
  copyFileSync(path.join(FIXTURES, file), path.join(dir, 'schemas/p.arrow'));
  return loadSpecs(dir);
}

describe('Arrow files written by polars', () => {
  it('reads the IPC file format with string_view, large_list and a uint32 dictionary', async () => {
    const r = await loadWith('polars-file.arrow');
    expect(r.diagnostics).toEqual([]);
    const fields = r.model.datasets[0]!.fields.map((f) => [f.path, f.type, f.sqlType]);
    expect(fields).toEqual([
      ['id', 'uint64', 'UBIGINT'],
      ['name', 'string_view', 'VARCHAR'],
      ['tags', 'large_list<item: string_view>', 'VARCHAR[]'],
      ['cat', 'dictionary<values=string_view, indices=uint32, ordered=0>', 'VARCHAR'],
    ]);
    expect(r.model.datasets[0]!.fields[2]!.description).toBe('tag list');
  });

  it('reads the IPC stream format with large_string', async () => {
    const r = await loadWith('polars-stream.arrow');
    expect(r.diagnostics).toEqual([]);
    expect(r.model.datasets[0]!.fields.map((f) => f.type)).toEqual([
      'uint64',
      'large_string',
      'large_list<item: large_string>',
      'dictionary<values=large_string, indices=uint32, ordered=0>',
    ]);
  });
});
