// docs/spec-format.md cannot drift from the code: its examples print what the
// page shows, its type tables are what the type parser does, its key tables list
// exactly the keys of the JSON Schemas, its limits are LIMITS, its links between
// the two pages resolve, and its claims about spec_hash hold.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import catalogSchema from '../../schemas/catalog.schema.json' with { type: 'json' };
import datasetSchema from '../../schemas/dataset.schema.json' with { type: 'json' };
import termSchema from '../../schemas/glossary-term.schema.json' with { type: 'json' };
import { loadSpecs } from '../../src/spec/index.js';
import { LIMITS } from '../../src/spec/load.js';
import { formatType, parseType, sqlType } from '../../src/spec/types.js';
import { ipcBytes, field, schema } from '../helpers/arrow.js';
import { cleanupSpecTrees, specTree, type TreeEntry } from '../helpers/fixtures.js';
import * as A from 'apache-arrow';
import jsYaml from 'js-yaml';
import { checkDocument } from '../../src/spec/check-schema.js';
import { DiagnosticBag } from '../../src/spec/diagnostics.js';
import { SpecFile } from '../../src/spec/source.js';
import { exampleTests, examples, fences, REPO_ROOT, sections, type Section } from './doc-examples.js';

const DOC = path.join(REPO_ROOT, 'docs/spec-format.md');
const md = readFileSync(DOC, 'utf8');
const all = sections(md);

function section(heading: string): Section {
  const s = all.find((x) => x.heading === heading);
  if (!s) throw new Error(`docs/spec-format.md has no heading "${heading}"`);
  return s;
}

/** The Markdown tables in some lines: rows of cells, header and separator dropped. */
function tables(lines: string[]): string[][][] {
  const out: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      current = null;
      continue;
    }
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (!current) {
      current = [];
      out.push(current);
      continue; // header
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    current.push(cells);
  }
  return out;
}

/** The text inside the first pair of backticks of a cell. */
function code(cell: string): string {
  const m = /`([^`]+)`/.exec(cell);
  if (!m) throw new Error(`no \`code\` in table cell "${cell}"`);
  return m[1]!;
}

describe('type tables in docs/spec-format.md', () => {
  const canonical = tables(section('Canonical types').body)[0]!;
  const aliases = tables(section('Aliases').body)[0]!;

  it('canonical types: each spelling is canonical and has the DuckDB type shown', () => {
    expect(canonical.length).toBeGreaterThan(50);
    for (const [type, sql] of canonical) {
      const t = parseType(code(type!));
      expect(formatType(t), type).toBe(code(type!));
      expect(sqlType(t), type).toBe(code(sql!));
    }
  });

  it('aliases: each one normalises to the canonical type shown', () => {
    for (const [alias, canon] of aliases) {
      expect(formatType(parseType(code(alias!))), alias).toBe(code(canon!));
    }
  });

  it('every type keyword the parser knows appears in one of the tables', () => {
    // The keywords: SIMPLE and SIMPLE_ALIASES, and the `case '…':` labels of the parser in src/spec/types.ts.
    const file = path.join(REPO_ROOT, 'src/spec/types.ts');
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const keywords = new Set<string>();
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && (n.name.text === 'SIMPLE' || n.name.text === 'SIMPLE_ALIASES')) {
        let init = n.initializer!;
        while (ts.isAsExpression(init)) init = init.expression;
        if (ts.isArrayLiteralExpression(init)) for (const e of init.elements) if (ts.isStringLiteral(e)) keywords.add(e.text.replace(/\[.*$/, ''));
        if (ts.isObjectLiteralExpression(init)) for (const p of init.properties) if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) keywords.add(p.name.text);
      }
      if (ts.isCaseClause(n) && ts.isStringLiteral(n.expression) && ts.findAncestor(n, (a) => ts.isClassDeclaration(a))) keywords.add(n.expression.text);
      ts.forEachChild(n, visit);
    };
    visit(sf);
    expect(keywords.size).toBeGreaterThan(40);
    const shown = new Set([...canonical, ...aliases].map((row) => code(row[0]!).toLowerCase().replace(/[[(<\s].*$/, '')));
    const missing = [...keywords].filter((k) => !shown.has(k)).sort();
    expect(missing, 'type keywords of src/spec/types.ts missing from the tables').toEqual([]);
  });
});

describe('key tables in docs/spec-format.md', () => {
  type JsonSchema = { properties?: Record<string, JsonSchema>; $ref?: string; $defs?: Record<string, JsonSchema> };

  /** Keys of a schema object, nested objects as `parent.child` (the parent itself optional). */
  function keys(s: JsonSchema, prefix = ''): { leaves: string[]; parents: string[] } {
    const leaves: string[] = [];
    const parents: string[] = [];
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      if (v.properties && k !== 'properties') {
        parents.push(prefix + k);
        const sub = keys(v, `${prefix}${k}.`);
        leaves.push(...sub.leaves);
        parents.push(...sub.parents);
      } else {
        leaves.push(prefix + k);
      }
    }
    return { leaves, parents };
  }

  function documentedKeys(heading: string, index: number): string[] {
    return tables(section(heading).body)[index]!.map((row) => code(row[0]!));
  }

  function expectSame(documented: string[], s: JsonSchema): void {
    const { leaves, parents } = keys(s);
    expect(leaves.filter((k) => !documented.includes(k)).sort(), 'keys of the JSON Schema missing from the table').toEqual([]);
    expect(documented.filter((k) => !leaves.includes(k) && !parents.includes(k)).sort(), 'keys in the table that the JSON Schema does not have').toEqual([]);
  }

  it('kind: Dataset lists every key of schemas/dataset.schema.json', () => {
    expectSame(documentedKeys('kind: Dataset', 0), datasetSchema as JsonSchema);
  });

  it('the field entry table lists every key of a fields: entry', () => {
    expectSame(documentedKeys('kind: Dataset', 1), (datasetSchema as JsonSchema).$defs!.field!);
  });

  it('kind: GlossaryTerm lists every key of schemas/glossary-term.schema.json', () => {
    expectSame(documentedKeys('kind: GlossaryTerm', 0), termSchema as JsonSchema);
  });

  it('kind: Catalog lists every key of schemas/catalog.schema.json', () => {
    expectSame(documentedKeys('kind: Catalog', 0), catalogSchema as JsonSchema);
  });
});

describe('limits in docs/spec-format.md', () => {
  it('are the values of LIMITS', () => {
    const rows = tables(section('Limits').body)[0]!;
    const number = (n: number) => n.toLocaleString('en-US');
    const expected: Record<keyof typeof LIMITS, string> = {
      yamlFileBytes: number(LIMITS.yamlFileBytes),
      yamlDepth: `${LIMITS.yamlDepth} levels`,
      yamlNodes: number(LIMITS.yamlNodes),
      arrowFileBytes: number(LIMITS.arrowFileBytes),
    };
    for (const [key, value] of Object.entries(expected)) {
      const row = rows.find((r) => r[0]!.includes(`LIMITS.${key}`));
      expect(row, `a row for LIMITS.${key}`).toBeDefined();
      expect(row![1], key).toContain(value);
    }
  });
});

describe('links between the spec format and diagnostics pages', () => {
  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to "-". */
  const slug = (heading: string) =>
    heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
  const anchors = (text: string) => new Set(sections(text).map((s) => slug(s.heading)));
  const pages: Record<string, string> = {
    'spec-format.md': md,
    'diagnostics.md': readFileSync(path.join(REPO_ROOT, 'docs/diagnostics.md'), 'utf8'),
  };

  for (const [from, text] of Object.entries(pages)) {
    it(`every #anchor linked from ${from} exists`, () => {
      const broken: string[] = [];
      for (const m of text.matchAll(/\]\(((?:spec-format|diagnostics)\.md)?#([^)]+)\)/g)) {
        const target = m[1] ?? from;
        if (!anchors(pages[target]!).has(m[2]!)) broken.push(`${target}#${m[2]}`);
      }
      expect(broken).toEqual([]);
    });
  }
});

describe('YAML illustrations (blocks that are not example files)', () => {
  const pages: Record<string, string> = {
    'spec-format.md': md,
    'diagnostics.md': readFileSync(path.join(REPO_ROOT, 'docs/diagnostics.md'), 'utf8'),
  };
  for (const [name, text] of Object.entries(pages)) {
    it(`in ${name} follow the JSON Schemas`, async () => {
      const blocks = fences(text.split('\n')).filter((f) => f.info === 'yaml' && !/^# [\w./-]+\.ya?ml$/.test(f.body[0] ?? '') && f.body.some((l) => l.startsWith('apiVersion:')));
      expect(blocks.length).toBeGreaterThan(0);
      for (const f of blocks) {
        const yamlText = `${f.body.join('\n')}\n`;
        const bag = new DiagnosticBag();
        const file = new SpecFile(`/${name}`, `${name}:${f.start + 2}`, yamlText);
        jsYaml.loadAll(yamlText, undefined, { schema: jsYaml.CORE_SCHEMA }).forEach((doc, i) => checkDocument(doc, file, i, bag));
        expect(await bag.resolve(), `the YAML block at ${name} line ${f.start + 1}`).toEqual([]);
      }
    });
  }
});

describe('examples in docs/spec-format.md', () => {
  exampleTests(DOC, md, examples(md));
});

describe('spec_hash, as docs/spec-format.md describes it', () => {
  afterEach(cleanupSpecTrees);

  const hash = async (files: Record<string, TreeEntry>): Promise<string> => {
    const result = await loadSpecs(specTree(files));
    expect(result.errors, JSON.stringify(result.diagnostics)).toBe(0);
    return result.model.specHash;
  };
  const ds = (body: string) => `apiVersion: metafuse/v1\nkind: Dataset\n${body}`;
  const ORDERS = ds('name: orders\nowner: o\ntags: [a, b]\nupstream: [raw]\nproperties: {v: 1.10}\nfields:\n  - {name: id, type: bigint}\n  - {name: n, type: string}\n');
  const RAW = ds('name: raw\nowner: o\n');

  it('does not depend on files, order, formatting, aliases, reference spelling or repeated entries', async () => {
    const base = await hash({ 'a.yaml': ORDERS, 'b.yaml': RAW });
    // Split differently, other file names, other order, comments, key order, block style, canonical types,
    // references spelled with another case and the tenant, a repeated tag, an explicit default Catalog.
    const same = await hash({
      'x/all.yml': `# comment\n${RAW}---\n` +
        'kind: Dataset\napiVersion: metafuse/v1\nowner: o\nname: orders\ntags:\n  - a\n  - b\n  - a\nupstream: ["default/RAW"]\nproperties:\n  v: 1.10\nfields:\n  - name: id\n    type: int64\n    nullable: true\n  - name: n\n    type: utf8\n',
      'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\ndefaults: {tenant: default}\npolicy: {requireOwner: true, requireDescription: false, breakingChanges: fail}\n',
    });
    expect(same).toBe(base);
  });

  it('depends on the spelling of names, property text and field order, not on the order of tags', async () => {
    const base = await hash({ 'a.yaml': ORDERS, 'b.yaml': RAW });
    expect(await hash({ 'a.yaml': ORDERS.replace('[a, b]', '[b, a]'), 'b.yaml': RAW })).toBe(base);
    expect(await hash({ 'a.yaml': ORDERS.replace('name: orders', 'name: Orders'), 'b.yaml': RAW })).not.toBe(base);
    expect(await hash({ 'a.yaml': ORDERS.replace('1.10', '1.1'), 'b.yaml': RAW })).not.toBe(base);
    const swapped = ORDERS.replace('  - {name: id, type: bigint}\n  - {name: n, type: string}\n', '  - {name: n, type: string}\n  - {name: id, type: bigint}\n');
    expect(await hash({ 'a.yaml': swapped, 'b.yaml': RAW })).not.toBe(base);
  });

  it('does not depend on the Arrow file format or its record batches, only on the schema', async () => {
    const s = schema([field('id', new A.Int64(), false, { description: 'Key.' })], { description: 'From Arrow.' });
    const spec = ds('name: t\nowner: o\nschema: t.arrow\n');
    const file = await hash({ 't.yaml': spec, 't.arrow': ipcBytes(s, 'file') });
    expect(await hash({ 't.yaml': spec, 't.arrow': ipcBytes(s, 'stream', 2) })).toBe(file);
    const other = schema([field('id', new A.Int64(), true, { description: 'Key.' })], { description: 'From Arrow.' });
    expect(await hash({ 't.yaml': spec, 't.arrow': ipcBytes(other, 'file') })).not.toBe(file);
  });
});
