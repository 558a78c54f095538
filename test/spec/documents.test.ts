// Document-level rules: every YAML document must be a mapping with apiVersion and
// a known kind, and follow its JSON Schema; errors point at the offending node.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupSpecTrees, loadTree, where, yaml } from '../helpers/fixtures.js';

afterEach(cleanupSpecTrees);

describe('document-not-mapping', () => {
  it('rejects a list document', async () => {
    const { result, at } = await loadTree({ 'a.yaml': '- apiVersion: metafuse/v1\n- kind: Dataset\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 1, column: 1, severity: 'error', code: 'document-not-mapping' }]);
    expect(result.diagnostics[0]!.message).toContain('not a list');
  });

  it('rejects a scalar document and points at it inside a multi-document file', async () => {
    const { result, at } = await loadTree({
      'a.yaml': yaml`
        apiVersion: metafuse/v1
        kind: Catalog
        ---
        # a comment before the scalar
        just some text
        ---
        42
      `,
    });
    expect(where(result.diagnostics)).toEqual([
      { file: at('a.yaml'), line: 5, column: 1, severity: 'error', code: 'document-not-mapping' },
      { file: at('a.yaml'), line: 7, column: 1, severity: 'error', code: 'document-not-mapping' },
    ]);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'a spec document must be a mapping with apiVersion and kind, not a string',
      'a spec document must be a mapping with apiVersion and kind, not a scalar',
    ]);
  });

  it('ignores empty documents (a trailing --- or a comment-only file)', async () => {
    const { result } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\n---\n', 'b.yaml': '# nothing yet\n', 'c.yaml': '' });
    expect(result.diagnostics).toEqual([]);
  });
});

describe('missing-key', () => {
  it('requires apiVersion, pointing at the start of the document', async () => {
    const { result, at } = await loadTree({ 'a.yaml': '# header\n\nkind: Dataset\nname: a\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 1, severity: 'error', code: 'missing-key' }]);
    expect(result.diagnostics[0]!.message).toBe('missing "apiVersion: metafuse/v1"');
  });

  it('requires kind', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nname: a\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 1, column: 1, severity: 'error', code: 'missing-key' }]);
    expect(result.diagnostics[0]!.message).toBe('missing "kind" (one of Dataset, GlossaryTerm, Catalog)');
  });

  it('requires the keys a kind needs (a dataset name)', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nowner: x\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 1, column: 1, severity: 'error', code: 'missing-key' }]);
    expect(result.diagnostics[0]!.message).toBe('missing required key "name" in Dataset');
    expect(result.model.datasets).toEqual([]);
  });

  it('reports each missing key of a glossary term', async () => {
    const { result } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: GlossaryTerm\nid: revenue\n' });
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['missing-key', 'missing required key "definition" in GlossaryTerm'],
      ['missing-key', 'missing required key "name" in GlossaryTerm'],
      // The id is intact, so the term still exists (as a reference target) and is unused.
      ['unused-term', 'glossary term "revenue" is not used by any dataset, field or child term'],
    ]);
  });

  it('points a nested missing key at the entry that lacks it', async () => {
    const { result, at } = await loadTree({
      'a.yaml': yaml`
        apiVersion: metafuse/v1
        kind: Dataset
        name: a
        owner: x
        description: d
        fields:
          - name: id
            type: int64
          - type: string
            description: no name
      `,
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 9, column: 5, severity: 'error', code: 'missing-key' }]);
    expect(result.diagnostics[0]!.message).toBe('missing required key "name" in fields');
  });
});

describe('unsupported-api-version', () => {
  it('points at the apiVersion value', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'kind: Dataset\napiVersion: metafuse/v2\nname: a\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 2, column: 13, severity: 'error', code: 'unsupported-api-version' }]);
    expect(result.diagnostics[0]!.message).toBe('apiVersion must be "metafuse/v1", not "metafuse/v2"');
  });

  it('names a non-string apiVersion plainly', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: 1\nkind: Dataset\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 1, column: 13, severity: 'error', code: 'unsupported-api-version' }]);
    expect(result.diagnostics[0]!.message).toBe('apiVersion must be "metafuse/v1", not 1');
  });
});

describe('unknown-kind', () => {
  it('points at the kind value and suggests the nearest kind', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Datset\nname: a\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 2, column: 7, severity: 'error', code: 'unknown-kind' }]);
    expect(result.diagnostics[0]!.message).toBe('unknown kind "Datset" (did you mean "Dataset"?); expected one of Dataset, GlossaryTerm, Catalog');
  });

  it('gives no suggestion for a kind that is nothing like a known one', async () => {
    const { result } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Pipeline\n' });
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([['unknown-kind', 'unknown kind "Pipeline"; expected one of Dataset, GlossaryTerm, Catalog']]);
  });
});

describe('unknown-key', () => {
  it('points at the misspelt key and suggests the allowed one', async () => {
    const { result, at } = await loadTree({
      'a.yaml': yaml`
        apiVersion: metafuse/v1
        kind: Dataset
        name: a
        description: d
          # the owner, misspelt:
        ownr: sales@acme.example
      `,
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 1, severity: 'error', code: 'unknown-key' }]);
    expect(result.diagnostics[0]!.message).toMatch(/^unknown key "ownr" in Dataset \(did you mean "owner"\?\); allowed: apiVersion, kind, name, tenant, /);
  });

  it('points at an unknown key inside a field entry', async () => {
    const { result, at } = await loadTree({
      'a.yaml': yaml`
        apiVersion: metafuse/v1
        kind: Dataset
        name: a
        owner: x
        description: d
        fields:
          - name: id
            tpye: int64
      `,
    });
    // The misspelt key also leaves the field without a type, which the schema does not require.
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 8, column: 5, severity: 'error', code: 'unknown-key' }]);
    expect(result.diagnostics[0]!.message).toContain('unknown key "tpye" in fields (did you mean "type"?)');
  });

  it('points at an unknown key in a Catalog policy', async () => {
    const { result, at } = await loadTree({ 'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\npolicy: {requireOwnr: false}\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('metafuse.yaml'), line: 3, column: 10, severity: 'error', code: 'unknown-key' }]);
    expect(result.diagnostics[0]!.message).toContain('unknown key "requireOwnr" in policy (did you mean "requireOwner"?)');
  });

  it('rejects a key of another kind (a term field on a dataset)', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\nowner: x\ndescription: d\ndefinition: x\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 1, severity: 'error', code: 'unknown-key' }]);
  });
});

describe('invalid-value', () => {
  it('rejects a dataset name that breaks the pattern, at the value', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: "orders daily"\nowner: x\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 7, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toBe('name "orders daily" is not valid: use letters, digits, "_", "." and "-", starting with a letter or digit (at most 200 characters)');
  });

  it('rejects an upper-case glossary term id', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: GlossaryTerm\nid: Revenue\nname: R\ndefinition: d\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 5, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toContain('term ids use lowercase letters');
  });

  it('rejects a number where a string is expected and says to quote it', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\ndescription: d\nowner: 42\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 5, column: 8, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toBe('owner must be a string, not a number (quote it: "42")');
  });

  it('rejects a string where a list is expected', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\nowner: x\ndescription: d\ntags: finance\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 7, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toBe('tags must be a list, not a string');
  });

  it('points at the one bad item of a list', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\nowner: x\ndescription: d\ntags: [ok, {a: 1}, fine]\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 12, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toBe('tags must be a string, not a mapping');
  });

  it('rejects a value outside an enum', async () => {
    const { result, at } = await loadTree({ 'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\npolicy:\n  breakingChanges: never\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('metafuse.yaml'), line: 4, column: 20, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toBe('breakingChanges must be one of "fail", "warn", not "never"');
  });

  it('rejects a boolean policy given as text', async () => {
    const { result, at } = await loadTree({ 'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\npolicy:\n  requireOwner: "no"\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('metafuse.yaml'), line: 4, column: 17, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toBe('requireOwner must be a boolean, not a string');
  });

  it('rejects a deprecation date that is not YYYY-MM-DD', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\nowner: x\ndescription: d\ndeprecated:\n  since: 01/10/2026\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 7, column: 10, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toContain('write the date as YYYY-MM-DD');
  });

  it('rejects an empty owner', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\ndescription: d\nowner: ""\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 5, column: 8, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toBe('owner must not be empty');
  });

  it('points just after the colon of a key with no value', async () => {
    const { result, at } = await loadTree({ 'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\ndescription: d\nowner:\n' });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 5, column: 7, severity: 'error', code: 'invalid-value' }]);
    expect(result.diagnostics[0]!.message).toBe('owner must be a string, not null');
  });

  it('keeps a dataset with schema errors as an upstream target, so no unknown-upstream follows', async () => {
    const { result, at } = await loadTree({
      'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\nowner: x\ndescription: d\nupstream: [b]\n',
      'b.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: b\nowner: x\ndescription: d\ntags: oops\n',
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('b.yaml'), line: 6, column: 7, severity: 'error', code: 'invalid-value' }]);
    expect(result.model.datasets.find((d) => d.name === 'a')!.upstream).toEqual([{ tenant: 'default', name: 'b' }]);
    expect(result.model.datasets.find((d) => d.name === 'b')!.tags).toEqual([]);
  });

  it('leaves ill-typed values of an invalid document out of the model instead of crashing', async () => {
    const { result } = await loadTree({
      'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\nowner: 7\ntags: 5\nterms: {x: 1}\npartitionKeys: [1, k]\ndeprecated: [x]\nproperties: [1, 2]\n',
      'b.yaml': 'apiVersion: metafuse/v1\nkind: GlossaryTerm\nid: t\nname: [x]\nsynonyms: 3\nparent: 4\n',
    });
    expect(result.errors).toBeGreaterThan(0);
    const { tenant, name, owner, tags, terms, partitionKeys, deprecated, properties } = result.model.datasets[0]!;
    expect({ tenant, name, owner, tags, terms, partitionKeys, deprecated, properties }).toEqual({
      tenant: 'default', name: 'a', owner: null, tags: [], terms: [], partitionKeys: ['k'], deprecated: null, properties: {},
    });
    const t = result.model.terms[0]!;
    expect([t.id, t.name, t.definition, t.synonyms, t.parent]).toEqual(['t', 't', '', [], null]);
  });
});
