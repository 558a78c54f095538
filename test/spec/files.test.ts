// File-level rules: finding spec files, reading them safely, YAML syntax and limits.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../src/spec/diagnostics.js';
import { LIMITS, loadSpecFiles } from '../../src/spec/load.js';
import { loadPositionSupport } from '../../src/spec/source.js';
import { cleanupSpecTrees, loadTree, shown, specTree, where, yaml } from '../helpers/fixtures.js';
import { loadSpecs } from '../../src/spec/index.js';

afterEach(cleanupSpecTrees);

const VALID_TERM = yaml`
  apiVersion: metafuse/v1
  kind: GlossaryTerm
  id: revenue
  name: Revenue
  definition: Income from sales.
`;

const VALID_DATASET = yaml`
  apiVersion: metafuse/v1
  kind: Dataset
  name: orders
  owner: sales@acme.example
  description: Orders.
`;

describe('finding spec files', () => {
  it('reads *.yaml and *.yml files in nested folders and ignores other extensions', async () => {
    const { result } = await loadTree({
      'datasets/sales/orders.yaml': VALID_DATASET,
      'datasets/crm/customers.yml': VALID_DATASET.replace('orders', 'customers'),
      'datasets/notes.yaml.bak': 'not: [yaml',
      'datasets/readme.md': '# docs',
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets.map((d) => [d.name, d.sourceFile])).toEqual([
      ['customers', 'datasets/crm/customers.yml'],
      ['orders', 'datasets/sales/orders.yaml'],
    ]);
  });

  it('skips hidden folders and node_modules', async () => {
    const { dir, result } = await loadTree({
      '.git/bad.yaml': 'a: [',
      'node_modules/pkg/bad.yaml': 'a: [',
      '.hidden.yaml': 'a: [',
    });
    expect(where(result.diagnostics)).toEqual([{ file: shown(dir, '.'), line: 1, column: 1, severity: 'warning', code: 'no-specs' }]);
  });

  it('warns no-specs for a directory without YAML files', async () => {
    const { dir, result } = await loadTree({ 'schemas/readme.txt': 'nothing here' });
    expect(where(result.diagnostics)).toEqual([{ file: shown(dir, '.'), line: 1, column: 1, severity: 'warning', code: 'no-specs' }]);
    expect(result.diagnostics[0]!.message).toContain('no *.yaml or *.yml files');
    expect(result.errors).toBe(0);
    expect(result.warnings).toBe(1);
  });

  it('reports specs-not-found for a missing directory', async () => {
    const dir = specTree();
    const result = await loadSpecs(`${dir}/nope`);
    expect(where(result.diagnostics)).toEqual([{ file: shown(dir, 'nope'), line: 1, column: 1, severity: 'error', code: 'specs-not-found' }]);
    expect(result.diagnostics[0]!.message).toBe(`specs directory "${shown(dir, 'nope')}" does not exist`);
    expect(result.model.datasets).toEqual([]);
  });

  it('reports specs-not-found when --specs names a file', async () => {
    const dir = specTree({ 'a.yaml': VALID_DATASET });
    const result = await loadSpecs(`${dir}/a.yaml`);
    expect(where(result.diagnostics)).toEqual([{ file: shown(dir, 'a.yaml'), line: 1, column: 1, severity: 'error', code: 'specs-not-found' }]);
    expect(result.diagnostics[0]!.message).toContain('is not a directory');
  });

  it('reads a directory whose name ends in .yaml as a folder', async () => {
    const { result } = await loadTree({ 'x.yaml/orders.yaml': VALID_DATASET });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets.map((d) => d.sourceFile)).toEqual(['x.yaml/orders.yaml']);
  });

  it('follows symbolic links that stay inside the specs directory, once', async () => {
    const { result } = await loadTree({
      'real/orders.yaml': VALID_DATASET,
      'alias.yaml': { symlink: 'real/orders.yaml' },
      'real/loop': { symlink: '..' },
    });
    // alias.yaml is a second file defining the same dataset; the looping folder link is not walked twice.
    expect(result.diagnostics.map((d) => d.code)).toEqual(['duplicate-dataset']);
    expect(result.model.datasets).toHaveLength(1);
  });
});

describe('file-unreadable', () => {
  it('reports a broken symbolic link named *.yaml', async () => {
    const { result, at } = await loadTree({ 'datasets/gone.yaml': { symlink: 'missing.yaml' } });
    expect(where(result.diagnostics)).toEqual([{ file: at('datasets/gone.yaml'), line: 1, column: 1, severity: 'error', code: 'file-unreadable' }]);
    expect(result.diagnostics[0]!.message).toBe('broken symbolic link');
  });

  it('reports a symbolic link loop instead of hanging', async () => {
    const { result, at } = await loadTree({ 'a.yaml': { symlink: 'b.yaml' }, 'b.yaml': { symlink: 'a.yaml' } });
    expect(where(result.diagnostics)).toEqual([
      { file: at('a.yaml'), line: 1, column: 1, severity: 'error', code: 'file-unreadable' },
      { file: at('b.yaml'), line: 1, column: 1, severity: 'error', code: 'file-unreadable' },
    ]);
  });
});

describe('symlink-escape', () => {
  it('reports a spec file linked from outside the specs directory and does not read it', async () => {
    const { result, at } = await loadTree(
      {
        'specs/datasets/orders.yaml': { symlink: '../../outside/orders.yaml' },
        'outside/orders.yaml': VALID_DATASET,
      },
      'specs',
    );
    expect(where(result.diagnostics)).toEqual([
      { file: at('specs/datasets/orders.yaml'), line: 1, column: 1, severity: 'error', code: 'symlink-escape' },
    ]);
    expect(result.diagnostics[0]!.message).toContain('outside the specs directory');
    expect(result.model.datasets).toEqual([]);
  });

  it('reports a folder linked from outside the specs directory', async () => {
    const { result, at } = await loadTree({ 'specs/ext': { symlink: '../outside' }, 'outside/orders.yaml': VALID_DATASET }, 'specs');
    expect(where(result.diagnostics)).toEqual([{ file: at('specs/ext'), line: 1, column: 1, severity: 'error', code: 'symlink-escape' }]);
    expect(result.model.datasets).toEqual([]);
  });
});

describe('file-too-large', () => {
  it('refuses a file over 4 MiB without parsing it', async () => {
    const big = `# ${'x'.repeat(LIMITS.yamlFileBytes)}\n`;
    const { result, at } = await loadTree({ 'big.yaml': big });
    expect(where(result.diagnostics)).toEqual([{ file: at('big.yaml'), line: 1, column: 1, severity: 'error', code: 'file-too-large' }]);
    expect(result.diagnostics[0]!.message).toContain(`file is ${big.length} bytes; spec files are limited to ${LIMITS.yamlFileBytes} bytes`);
  });

  it('accepts a file of exactly 4 MiB', async () => {
    const text = `${VALID_DATASET}#`.padEnd(LIMITS.yamlFileBytes - 1, 'x') + '\n';
    expect(text.length).toBe(LIMITS.yamlFileBytes);
    const { result } = await loadTree({ 'big.yaml': text });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets).toHaveLength(1);
  });

  it('measures the target of a symbolic link, not the link', async () => {
    const { result, at } = await loadTree({ 'data/big.txt': `# ${'x'.repeat(LIMITS.yamlFileBytes)}\n`, 'big.yaml': { symlink: 'data/big.txt' } });
    expect(where(result.diagnostics)).toEqual([{ file: at('big.yaml'), line: 1, column: 1, severity: 'error', code: 'file-too-large' }]);
  });
});

describe('file-encoding', () => {
  it('points at a NUL byte', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Da\0taset\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 2, column: 9, severity: 'error', code: 'file-encoding' }]);
    expect(result.diagnostics[0]!.message).toContain('NUL byte');
  });

  it('points at the first byte that is not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('apiVersion: metafuse/v1\nkind: Dataset\nowner: x'), Buffer.from([0xff]), Buffer.from('y\n')]);
    const { result, at } = await loadTree({ 'a.yaml': bytes });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 9, severity: 'error', code: 'file-encoding' }]);
    expect(result.diagnostics[0]!.message).toContain('not valid UTF-8');
  });

  it('counts characters, not bytes, for the column of a bad byte after multi-byte text', async () => {
    // "description: café " is 18 characters but 19 bytes; the bad byte is the 19th character.
    const bytes = Buffer.concat([Buffer.from('kind: Dataset\ndescription: café '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    const { result, at } = await loadTree({ 'a.yaml': bytes });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 2, column: 19, severity: 'error', code: 'file-encoding' }]);
  });

  it('counts lines ended by CR LF or a lone CR, and astral characters as two columns, like YAML positions', async () => {
    const bytes = Buffer.concat([Buffer.from('a: 1\rb: 2\r\nc: \u{1F600}'), Buffer.from([0xff])]);
    const { result, at } = await loadTree({ 'a.yaml': bytes });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 6, severity: 'error', code: 'file-encoding' }]);
  });

  it('rejects UTF-16 surrogates encoded in UTF-8 and truncated sequences at the end', async () => {
    const surrogate = Buffer.concat([Buffer.from('a: '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]);
    const truncated = Buffer.concat([Buffer.from('a: b\nc: '), Buffer.from([0xe2, 0x82])]);
    const { result, at } = await loadTree({ 'a.yaml': surrogate, 'b.yaml': truncated });
    expect(where(result.diagnostics)).toEqual([
      { file: at('a.yaml'), line: 1, column: 4, severity: 'error', code: 'file-encoding' },
      { file: at('b.yaml'), line: 2, column: 4, severity: 'error', code: 'file-encoding' },
    ]);
  });

  it('accepts a UTF-8 byte order mark and keeps columns of the text after it', async () => {
    const { result, at } = await loadTree({ 'a.yaml': '\ufeffapiVersion: metafuse/v2\nkind: Dataset\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 1, column: 13, severity: 'error', code: 'unsupported-api-version' }]);
  });
});

describe('yaml-syntax', () => {
  it('points at a duplicated key', async () => {
    const { result, at } = await loadTree({
      'a.yaml': yaml`
        apiVersion: metafuse/v1
        kind: Dataset
        name: a
        name: b
      `,
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 4, column: 1, severity: 'error', code: 'yaml-syntax' }]);
    expect(result.diagnostics[0]!.message).toBe('duplicated mapping key');
  });

  it('points at a badly indented entry', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\n  name: a\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 7, severity: 'error', code: 'yaml-syntax' }]);
    expect(result.diagnostics[0]!.message).toContain('bad indentation');
  });

  it('points at a tab used for indentation', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nfields:\n\t- name: a\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 4, column: 1, severity: 'error', code: 'yaml-syntax' }]);
    expect(result.diagnostics[0]!.message).toContain('tab characters');
  });

  it('reports an undefined alias at the alias', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\ntags: *nope\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 2, column: 12, severity: 'error', code: 'yaml-syntax' }]);
    expect(result.diagnostics[0]!.message).toBe('unidentified alias "nope"');
  });

  it('keeps reading the other files after a syntax error', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'tags: [x\n', 'b.yaml': VALID_DATASET });
    expect(where(result.diagnostics).map((d) => [d.file, d.code])).toEqual([[at('a.yaml'), 'yaml-syntax']]);
    expect(result.model.datasets.map((d) => d.name)).toEqual(['orders']);
  });
});

describe('yaml-limit', () => {
  it('stops deep flow nesting at the bracket that passes 64 levels', async () => {
    // The document's mapping is level 1, so the 64th bracket (column 6 + 64) is level 65.
    const { result, at } = await loadTree({ 'a.yaml': `apiVersion: metafuse/v1\nkind: Dataset\nname: ${'['.repeat(100)}${']'.repeat(100)}\n` });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 70, severity: 'error', code: 'yaml-limit' }]);
    expect(result.diagnostics[0]!.message).toBe('nesting exceeded the limit of 64 levels');
  });

  it('stops deep block nesting', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    const { result, at } = await loadTree({ 'a.yaml': `${lines} x\n` });
    // Line n holds the n-th nested mapping; its key is a node one level deeper,
    // so the key on line 64 (indented by 63 spaces) is the first node past 64 levels.
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 64, column: 64, severity: 'error', code: 'yaml-limit' }]);
  });

  it('accepts nesting of exactly 64 levels', async () => {
    const { result } = await loadTree({ 'a.yaml': `x: ${'['.repeat(63)}${']'.repeat(63)}\n` });
    // Read fine; the document is then only missing its apiVersion.
    expect(result.diagnostics.map((d) => d.code)).toEqual(['missing-key']);
  });

  it('stops a "billion laughs" alias bomb quickly, at the document', async () => {
    const rows = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (const [prev, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi']) rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    const started = performance.now();
    const { result, at } = await loadTree({ 'bomb.yaml': `# nine levels of nine aliases: 9^9 values\n${rows.join('\n')}\n` });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(where(result.diagnostics)).toEqual([{ file: at('bomb.yaml'), line: 2, column: 1, severity: 'error', code: 'yaml-limit' }]);
    expect(result.diagnostics[0]!.message).toContain(`more than ${LIMITS.yamlNodes} values`);
  });

  it('counts values without aliases too: a long flow list over the limit is refused', async () => {
    // No "*" in the text: only its length can let it exceed the limit (each value takes a character or more).
    const { result, at } = await loadTree({ 'long.yaml': `x: [${Array(LIMITS.yamlNodes).fill('1').join(',')}]\n` });
    expect(where(result.diagnostics)).toEqual([{ file: at('long.yaml'), line: 1, column: 1, severity: 'error', code: 'yaml-limit' }]);
  });

  it('accepts ordinary use of anchors and aliases', async () => {
    const { result } = await loadTree({ 'a.yaml': `${VALID_DATASET}tags: &t [a, b]\nfields:\n  - {name: x, type: int64, tags: *t}\n` });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets[0]!.fields[0]!.tags).toEqual(['a', 'b']);
  });

  it('positions an alias bomb at its own document in a multi-document file', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg']) bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    const { result, at } = await loadTree({ 'a.yaml': `${VALID_TERM}---\n${bomb.join('\n')}\n` });
    // VALID_TERM has 5 lines, then "---" on line 6: the bomb document starts on line 7.
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 7, column: 1, severity: 'error', code: 'yaml-limit' }]);
  });
});

describe('spec file texts', () => {
  it('are not kept for files read from disk: read again when a position needs one, and checked against what was parsed', async () => {
    const dir = specTree({ 'a.yaml': `${VALID_DATASET}`, 'b.yaml': `${VALID_DATASET.replace('orders', 'payments')}` });
    const bag = new DiagnosticBag();
    // Parse threads only above 400 files: this is the main thread's path; test/spec/parse-threads.test.ts runs the workers'.
    const { files } = await loadSpecFiles(dir, bag);
    const [a, b] = files.map((f) => f.file);
    // Not read yet: a function stands for the text (the memory this saves is the point).
    expect(typeof (a as unknown as { source: unknown }).source).toBe('function');
    await loadPositionSupport();
    expect(a!.text).toBe(readFileSync(path.join(dir, 'a.yaml'), 'utf8'));
    expect(a!.locate(0, ['name'], 'value')).toEqual({ file: shown(dir, 'a.yaml'), line: 3, column: 7 });
    // b.yaml is edited after it was parsed: its positions would belong to another text, so they fall back to its start.
    writeFileSync(path.join(dir, 'b.yaml'), `# edited\n${VALID_DATASET}`);
    expect(b!.locate(0, ['name'], 'value')).toEqual({ file: shown(dir, 'b.yaml'), line: 1, column: 1 });
  });

  it('give a number property its spelling when the text is read again', async () => {
    const { result } = await loadTree({ 'a.yaml': `${VALID_DATASET}properties:\n  version: 1.10\n  enabled: true\n` });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets[0]!.properties).toEqual({ enabled: 'true', version: '1.10' });
  });
});
