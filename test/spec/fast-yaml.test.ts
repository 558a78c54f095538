// The fast reader of plain spec YAML (src/spec/fast-yaml.ts) must give exactly
// what js-yaml gives, or give up. Compared with js-yaml on every YAML file of the
// repository and on generated texts full of YAML's corner cases.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import jsYaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseSimpleYaml } from '../../src/spec/fast-yaml.js';
import { parseSpecBytes } from '../../src/spec/parse.js';

const repo = path.resolve(import.meta.dirname, '../..');

function jsYamlDocs(text: string): unknown[] | Error {
  try {
    return jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA });
  } catch (e) {
    return e as Error;
  }
}

/** Same values, types, prototypes and key order. */
function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b) && JSON.stringify(a) === JSON.stringify(b);
}

/** What went wrong when the fast reader gave a result, or '' when it agrees with js-yaml (or gave up). */
function disagreement(text: string, copy: boolean): string {
  const fast = parseSimpleYaml(text, copy);
  if (fast === undefined) return '';
  const expected = jsYamlDocs(text);
  if (expected instanceof Error) return `js-yaml refuses it (${expected.message.split('\n')[0]}) but the fast reader gave ${JSON.stringify(fast)}`;
  if (!same(fast, expected)) return `fast reader gave ${JSON.stringify(fast)}, js-yaml ${JSON.stringify(expected)}`;
  return '';
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) yamlFiles(p, out);
    } else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

/** A small deterministic random source (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['name', 'type', 'fields', 'tags', 'a', 'b_c', 'x-y', 'p.q', 's/t', 'n1', 'null', 'True', 'false', '__proto__', 'on', 'y', 'key with space', '"quoted"', '1', '-k', 'k ', 'ab:cd'];
const SCALARS = [
  'string', 'int64', 'hello world', 'a#b', 'a #c', 'a: b', 'a:', 'a:b', 's3://bucket/x/', 'x,y', 'x]', '{x}', 'it\'s', 'é', 'naïve café', '日本',
  '1', '-2', '+3', '0', '012', '0x1F', '0o17', '0b101', '1_000', '1.5', '-1.5e3', '.5', '1e3', '.inf', '-.Inf', '.NaN', '1.', '~', 'null', 'Null', 'NULL',
  'true', 'True', 'TRUE', 'false', 'FALSE', 'yes', 'no', 'on', 'nul', 'truex', '2024-01-02', '12:30', '-x', '- x', '-', '?x', '? x', ':x', ': x',
  '"q"', '"a b: c"', '"with \\" escape"', '"é"', '""', "''", "'it''s'", "'a: b'", '"unterminated', "'unterminated", '"a"x', '"a" # c',
  '&anchor x', '*alias', '!!str 1', '!tag x', '%x', '@x', '`x`', '[a, b]', '[]', '[ ]', '[a,]', '[a,,b]', '[a, [b]]', '[1, -2, null, "x", \'y\']',
  '[a: b]', '[a #c]', '[ a , b ]', '{a: 1}', '{}', '[s3://x]', 'a  # two spaces', 'trailing   ', 'tab\there', 'c1\u0085x', 'ls\u2028x', 'bom\ufeffx',
  'emoji 😀', 'lone \ud800 x', 'x\u007fy', 'longer than thirteen characters for a slice',
];
/** Values the fast reader handles itself (most generated ones, so that it is exercised). */
const USUAL = [
  'string', 'int64', 'hello world', 'a#b', 'a:b', 's3://bucket/x/', 'x,y', 'it\'s', 'é', '日本', '1', '-2', '0x1F', '1.5', '.inf', '~', 'null', 'true', 'False', 'yes',
  '-x', '"q"', '"a b: c"', '""', "'it''s'", '[a, b]', '[]', '[1, -2, null, "x", \'y\']', 'emoji 😀', 'longer than thirteen characters for a slice',
];
const BLOCK_HEADS = ['|', '>', '|-', '>-', '|+', '>+', '|2', '| # c', '>  # c', '|x'];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/** A YAML-like text: mostly valid spec-shaped YAML, with corner cases mixed in. */
function generate(r: () => number): string {
  const out: string[] = [];
  const step = r() < 0.5 ? 2 : r() < 0.5 ? 4 : 1;
  function scalarLine(prefix: string): void {
    out.push(prefix + pick(r, r() < 0.93 ? USUAL : SCALARS) + (r() < 0.1 ? '  # note' : ''));
  }
  function block(indent: number, depth: number): void {
    const pad = ' '.repeat(indent);
    const head = r() < 0.7 ? pick(r, BLOCK_HEADS.slice(0, 4)) : pick(r, BLOCK_HEADS);
    out[out.length - 1] += ' ' + head;
    const inner = pad + ' '.repeat(step + (r() < 0.1 ? 1 : 0));
    const n = 1 + Math.floor(r() * 4);
    if (r() < 0.1) out.push('');
    for (let i = 0; i < n; i++) {
      const k = r();
      if (k < 0.15) out.push('');
      else if (k < 0.18) out.push(inner + '  more indented');
      else if (k < 0.25) out.push(inner + '# not a comment');
      else if (k < 0.27) out.push(inner.slice(1) + 'less');
      else if (k < 0.29) out.push(inner + 'trailing ');
      else out.push(inner + pick(r, ['line', 'two words', 'a: b', '- x', 'é']));
    }
    if (r() < 0.2) out.push('');
    void depth;
  }
  function mapping(indent: number, depth: number, first?: string): void {
    const pad = ' '.repeat(indent);
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      const start = i === 0 && first !== undefined ? first : pad;
      const key = r() < 0.95 ? pick(r, KEYS.slice(0, 10)) + (r() < 0.3 ? String(i) : '') : pick(r, KEYS);
      const k = r();
      if (k < 0.45 || depth > 3) scalarLine(`${start}${key}: `);
      else if (k < 0.55) {
        out.push(`${start}${key}:`);
        block(indent, depth);
      } else if (k < 0.7) {
        out.push(`${start}${key}:` + (r() < 0.1 ? ' # c' : ''));
        mapping(indent + step, depth + 1);
      } else if (k < 0.85) {
        out.push(`${start}${key}:`);
        sequence(r() < 0.5 ? indent : indent + step, depth + 1);
      } else if (k < 0.9) {
        out.push(`${start}${key}:`);
      } else {
        out.push(`${start}${key}:` + pick(r, ['', ' ', '  ', ' #c', '#c']));
        if (r() < 0.5) out.push(pad + ' '.repeat(step) + pick(r, SCALARS));
      }
      if (r() < 0.08) out.push(pick(r, ['', '   ', '# comment', pad + '  # indented comment', '#']));
    }
  }
  function sequence(indent: number, depth: number): void {
    const pad = ' '.repeat(indent);
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const k = r();
      if (k < 0.35 || depth > 3) scalarLine(`${pad}- `);
      else if (k < 0.7) mapping(indent + 2, depth + 1, `${pad}- `);
      else if (k < 0.75) {
        out.push(`${pad}-`);
        mapping(indent + step, depth + 1);
      } else if (k < 0.8) {
        out.push(`${pad}-`);
      } else if (k < 0.85) {
        out.push(`${pad}- - x`);
      } else if (k < 0.9) {
        out.push(`${pad}-`);
        block(indent, depth);
      } else {
        out.push(`${pad}-` + pick(r, ['', ' ', ' # c', 'x']));
        if (r() < 0.5) sequence(indent + step, depth + 1);
      }
    }
  }
  const docs = 1 + (r() < 0.3 ? Math.floor(r() * 3) : 0);
  for (let d = 0; d < docs; d++) {
    if (d > 0 || r() < 0.3) out.push(pick(r, ['---', '---', '--- ', '--- # c', '--- x', '...', '---x']));
    if (r() < 0.1) out.push('# leading comment');
    if (r() < 0.85) mapping(0, 0);
    else if (r() < 0.7) sequence(0, 0);
    else out.push(pick(r, ['', 'scalar', '  indented: root', '[a, b]']));
  }
  let text = out.join('\n') + (r() < 0.8 ? '\n' : '');
  // Character-level mutations: line ends, tabs, quotes, indicators.
  const m = r();
  if (m < 0.05) text = text.replace(/\n/g, '\r\n');
  else if (m < 0.07) text = text.replace('\n', '\r');
  else if (m < 0.2) {
    const at = Math.floor(r() * (text.length + 1));
    text = text.slice(0, at) + pick(r, [' ', '\t', '#', ':', '-', '"', "'", '[', ']', '|', '&', '*', '\n', 'x', ',']) + text.slice(at);
  } else if (m < 0.3) {
    const at = Math.floor(r() * text.length);
    text = text.slice(0, at) + text.slice(at + 1);
  }
  return text;
}

describe('fast YAML reader', () => {
  it('reads the example specs and the test fixtures as js-yaml does', () => {
    const files = yamlFiles(path.join(repo, 'catalog-specs')).concat(yamlFiles(path.join(repo, 'test')));
    expect(files.length).toBeGreaterThan(20);
    let fast = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      expect(disagreement(text, false), file).toBe('');
      if (parseSimpleYaml(text, true) !== undefined) fast++;
    }
    // Every example spec is plain YAML: all of them take the fast path.
    const examples = yamlFiles(path.join(repo, 'catalog-specs'));
    for (const file of examples) expect(parseSimpleYaml(readFileSync(file, 'utf8'), false), file).toBeDefined();
    expect(fast).toBeGreaterThan(examples.length);
  });

  // FUZZ_SEED and FUZZ_CASES explore further (e.g. FUZZ_CASES=1000000).
  const seed = Number(process.env.FUZZ_SEED ?? 20261126);
  const cases = Number(process.env.FUZZ_CASES ?? 30_000);
  it(`agrees with js-yaml on ${cases} generated texts, or gives up`, () => {
    const r = random(seed);
    let fast = 0;
    const failures: string[] = [];
    for (let i = 0; i < cases; i++) {
      const text = generate(r);
      const copy = i % 2 === 0;
      const problem = disagreement(text, copy);
      if (problem) failures.push(`${problem}\n--- text ---\n${text}`);
      if (parseSimpleYaml(text, copy) !== undefined) fast++;
    }
    expect(failures.slice(0, 3)).toEqual([]);
    // The generator is mostly valid plain YAML: most texts take the fast path.
    expect(fast).toBeGreaterThan(cases / 5);
  });

  it('agrees with js-yaml on 20,000 mutations of the repository\'s YAML files, or gives up', () => {
    const texts = yamlFiles(path.join(repo, 'catalog-specs'))
      .concat(yamlFiles(path.join(repo, 'test')))
      .map((f) => readFileSync(f, 'utf8').replace(/^\uFEFF/, ''))
      .filter((t) => t.length < 100_000);
    const r = random(seed + 1);
    const snippets = ['- x', '  - x', 'key: value', '  key:', '    nested: 1', '# c', '', '---', 'a: [b, c]', 'd: |', '  text', '  - name: f', '    type: int64', '\t', '  "q": 1'];
    let fast = 0;
    const failures: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const lines = pick(r, texts).split('\n');
      for (let m = 1 + Math.floor(r() * 3); m > 0; m--) {
        const at = Math.floor(r() * lines.length);
        const k = r();
        if (k < 0.2) lines.splice(at, 1);
        else if (k < 0.35) lines.splice(at, 0, lines[Math.floor(r() * lines.length)] ?? '');
        else if (k < 0.5) lines[at] = ' '.repeat(1 + Math.floor(r() * 2)) + (lines[at] ?? '');
        else if (k < 0.6) lines[at] = (lines[at] ?? '').replace(/^ {1,2}/, '');
        else if (k < 0.75) lines.splice(at, 0, pick(r, snippets));
        else {
          const line = lines[at] ?? '';
          const c = Math.floor(r() * (line.length + 1));
          lines[at] = line.slice(0, c) + pick(r, [' ', ':', '#', '-', '"', "'", '[', ']', ',', '|', '>', 'é', '']) + line.slice(c + (r() < 0.5 ? 1 : 0));
        }
      }
      const text = lines.join(r() < 0.1 ? '\r\n' : '\n');
      const problem = disagreement(text, i % 2 === 0);
      if (problem) failures.push(`${problem}\n--- text ---\n${text}`);
      if (parseSimpleYaml(text, false) !== undefined) fast++;
    }
    expect(failures.slice(0, 2)).toEqual([]);
    expect(fast).toBeGreaterThan(3_000);
  });

  it('gives values of the same types as js-yaml, block scalars and flow lists included', () => {
    const text = [
      'apiVersion: metafuse/v1',
      'kind: Dataset',
      'name: orders # a comment',
      'count: 12',
      'ratio: -1.5e3',
      'hex: 0x1F',
      'empty:',
      'tilde: ~',
      'flag: True',
      'tags: [pii, "two words", \'it\'\'s\', 3]',
      'description: |',
      '  First line',
      '',
      '  third line',
      'folded: >-',
      '  one',
      '  two',
      '',
      '  three',
      'fields:',
      '- name: id',
      '  type: int64',
      '  nullable: false',
      '-',
      '  name: b',
      '---',
      '- x',
      '- [ ]',
    ].join('\r\n');
    const docs = parseSimpleYaml(text, true);
    expect(docs).toEqual(jsYamlDocs(text));
    expect(docs).toEqual([
      {
        apiVersion: 'metafuse/v1', kind: 'Dataset', name: 'orders', count: 12, ratio: -1500, hex: 31, empty: null, tilde: null, flag: true,
        tags: ['pii', 'two words', "it's", 3], description: 'First line\n\nthird line\n', folded: 'one two\nthree',
        fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'b' }],
      },
      ['x', []],
    ]);
  });

  it('leaves to js-yaml what it does not read itself, errors included', () => {
    for (const text of [
      'a: &x 1\nb: *x\n', // anchors
      'a: !!str 1\n', // tags
      'a: {b: 1}\n', // flow mappings
      'a: one\n  two\n', // multi-line plain scalar
      'a: "x\\ty"\n', // escapes
      'a:\tb\n', // tabs
      'a: 1\na: 2\n', // duplicate key
      'a: b: c\n', // an error
      '"a": 1\n', // quoted key
      '---\n', // empty document
      'a: |+\n  x\n\n', // kept trailing lines
      'a: [b,\n  c]\n', // flow list over lines
      '-\n  tags:\n    -\n- TRUE\n', // an empty item: js-yaml reads [{ tags: [null, true] }]
      '__proto__: 1\n',
      'a: .nan\n', // not JSON: NaN, the infinities and -0 (a worker sends this reader's documents as JSON)
      'a: [1, -.inf]\n',
      'a: -0.0\n',
      Array.from({ length: 40 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n', // deeper than it reads
    ]) {
      expect(parseSimpleYaml(text, false), text).toBeUndefined();
    }
  });

  it('is what parseSpecBytes uses, with the same outcome as js-yaml', () => {
    const text = 'kind: Dataset\nname: a\nfields:\n  - name: x\n    type: string\n';
    const outcome = parseSpecBytes(Buffer.from(text), 'a.yaml', true);
    expect(outcome).toEqual({ ok: true, text, docs: jsYamlDocs(text), json: true });
    // What js-yaml reads is not marked as JSON (it may hold NaN, infinities or -0).
    const nan = 'kind: Dataset\nname: a\nratio: .nan\n';
    expect(parseSpecBytes(Buffer.from(nan), 'a.yaml')).toEqual({ ok: true, text: nan, docs: jsYamlDocs(nan) });
    // Offsets into the bytes after a byte-order mark, long values copied from ASCII
    // bytes or from a non-ASCII text, and a file of more lines than the reader's first tables.
    for (const t of [
      '\ufeffname: a value longer than thirteen\nother: [one long item of the list, x]\n',
      'name: café — a value longer than thirteen\nlist: [ünïcode item of the list]\n',
      `items:\n${Array.from({ length: 3000 }, (_, i) => `  - name: item number ${i} of the list\n`).join('')}`,
    ]) {
      const bytes = Buffer.from(t);
      for (const detach of [true, false]) {
        const o = parseSpecBytes(bytes, 'a.yaml', detach);
        expect(o.ok && o.docs).toEqual(jsYamlDocs(t.replace(/^\ufeff/, '')));
      }
      expect(parseSimpleYaml(t.replace(/^\ufeff/, ''), true, bytes)).toBeDefined();
    }
    // And js-yaml's errors still come through it.
    const bad = parseSpecBytes(Buffer.from('a: b: c\n'), 'a.yaml');
    expect(bad).toMatchObject({ ok: false, code: 'yaml-syntax', line: 1 });
  });
});
