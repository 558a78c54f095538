// Datasets whose fields come from Arrow IPC schema files (written here with
// apache-arrow): every supported type, both IPC formats, metadata, annotations,
// and every way a schema file can be wrong.
import { afterEach, describe, expect, it } from 'vitest';
import * as A from 'apache-arrow';
import { readArrowSchema, ArrowSchemaError } from '../../src/spec/arrow-schema.js';
import { allTypes, field, ipcBytes, schema, smallSchemaBytes, type IpcFormat } from '../helpers/arrow.js';
import { cleanupSpecTrees, datasetYaml, loadTree, where, yaml } from '../helpers/fixtures.js';

afterEach(cleanupSpecTrees);

describe('every supported Arrow type', () => {
  const cases: Array<[IpcFormat, number]> = [
    ['file', 0],
    ['file', 2],
    ['stream', 0],
    ['stream', 2],
  ];

  it.each(cases)('reads the IPC %s format with %i record batches: canonical types, SQL types and dotted paths', async (format, batches) => {
    const { schema: s, expected } = allTypes();
    const { result } = await loadTree({
      'schemas/all.arrow': ipcBytes(s, format, batches),
      'datasets/everything.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: everything\nowner: x\nschema: ../schemas/all.arrow\n',
    });
    expect(result.diagnostics).toEqual([]);
    const ds = result.model.datasets[0]!;
    expect(ds.fields.map((f) => [f.path, f.type, f.sqlType, f.nullable])).toEqual(expected);
    expect(ds.fields.map((f) => f.position)).toEqual(expected.map((_, i) => i));
    expect(ds.schemaFile).toBe('schemas/all.arrow');
    // Schema metadata "description" becomes the dataset description when the spec has none.
    expect(ds.description).toBe('Everything Arrow has');
  });

  it('gives nested fields their parent, name and depth', async () => {
    const { result } = await loadTree({
      'all.arrow': ipcBytes(allTypes().schema, 'file'),
      'a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: a\nowner: x\nschema: all.arrow\n',
    });
    const byPath = new Map(result.model.datasets[0]!.fields.map((f) => [f.path, f]));
    expect(['address.city', 'items.sku', 'm.key', 'm.value', 'du.b'].map((p) => [p, byPath.get(p)!.name, byPath.get(p)!.parent, byPath.get(p)!.depth])).toEqual([
      ['address.city', 'city', 'address', 1],
      ['items.sku', 'sku', 'items', 1],
      ['m.key', 'key', 'm', 1],
      ['m.value', 'value', 'm', 1],
      ['du.b', 'b', 'du', 1],
    ]);
  });

  it('reads ordered dictionaries and dictionaries of other value and index types', async () => {
    const s = schema([
      field('a', new A.Dictionary(new A.Utf8(), new A.Int8(), 1, true)),
      field('b', new A.Dictionary(new A.Int64(), new A.Uint32(), 2)),
    ]);
    const info = await readArrowSchema(ipcBytes(s, 'stream', 1));
    expect(info.fields.map((f) => f.type)).toEqual([
      { kind: 'dictionary', value: { kind: 'simple', name: 'string' }, index: { kind: 'simple', name: 'int8' }, ordered: true },
      { kind: 'dictionary', value: { kind: 'simple', name: 'int64' }, index: { kind: 'simple', name: 'uint32' }, ordered: false },
    ]);
  });
});

describe('Arrow metadata and spec annotations', () => {
  const spec = yaml`
    apiVersion: metafuse/v1
    kind: Dataset
    name: everything
    owner: x
    schema: all.arrow
    fields:
      - name: s
        description: From the spec
      - name: address.city
        tags: [geo]
      - name: i64
        type: bigint
        nullable: false
      - name: items.sku
        type: utf8
  `;

  it('takes field descriptions from metadata description or comment; the spec wins', async () => {
    const { result } = await loadTree({ 'all.arrow': ipcBytes(allTypes().schema, 'file'), 'a.yaml': spec });
    expect(result.diagnostics).toEqual([]);
    const byPath = new Map(result.model.datasets[0]!.fields.map((f) => [f.path, f]));
    expect(byPath.get('s')!.description).toBe('From the spec');
    expect(byPath.get('flag')!.description).toBe('A comment');
    expect([byPath.get('address.city')!.description, byPath.get('address.city')!.tags]).toEqual(['City from Arrow', ['geo']]);
    expect(byPath.get('items.sku')!.description).toBe('Stock unit');
    expect(byPath.get('i64')!.description).toBeNull();
  });

  it('keeps the spec description over the schema metadata description', async () => {
    const { result } = await loadTree({ 'all.arrow': ipcBytes(allTypes().schema, 'stream'), 'a.yaml': spec.replace('owner: x\n', 'owner: x\ndescription: Spec text\n') });
    expect(result.model.datasets[0]!.description).toBe('Spec text');
  });

  it('satisfies requireDescription with the schema metadata description', async () => {
    const { result } = await loadTree({
      'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\npolicy: {requireDescription: true}\n',
      'all.arrow': ipcBytes(allTypes().schema, 'file'),
      'a.yaml': spec,
    });
    expect(result.diagnostics).toEqual([]);
  });

  it('prefers the description of a list field over one on its item', async () => {
    const s = schema([field('xs', new A.List(field('item', new A.Int32(), true, { description: 'item text' })), true, { description: 'list text' })]);
    const info = await readArrowSchema(ipcBytes(s, 'file'));
    expect(info.fieldDescriptions.get('xs')).toBe('list text');
  });
});

describe('rules for datasets with an Arrow schema', () => {
  const withSchema = (extra: string) => datasetYaml('a', `schema: small.arrow\n${extra}`);

  it('reports field-not-in-schema at the name, with the nearest field path', async () => {
    const { result, at } = await loadTree({ 'small.arrow': smallSchemaBytes(), 'a.yaml': withSchema('fields:\n  - name: adress.city\n    description: x\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 8, column: 11, severity: 'error', code: 'field-not-in-schema' }]);
    expect(result.diagnostics[0]!.message).toBe('the Arrow schema has no field "adress.city" (did you mean "address.city"?)');
  });

  it('reports field-type-mismatch at the type, and accepts an alias of the same type', async () => {
    const { result, at } = await loadTree({
      'small.arrow': smallSchemaBytes('stream'),
      'a.yaml': withSchema('fields:\n  - {name: id, type: bigint}\n  - name: name\n    type: int32\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 10, column: 11, severity: 'error', code: 'field-type-mismatch' }]);
    expect(result.diagnostics[0]!.message).toBe('"name" is string in the Arrow schema, not int32');
  });

  it('reports field-nullable-mismatch at the nullable value', async () => {
    const { result, at } = await loadTree({ 'small.arrow': smallSchemaBytes(), 'a.yaml': withSchema('fields:\n  - name: id\n    nullable: true\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 9, column: 15, severity: 'error', code: 'field-nullable-mismatch' }]);
    expect(result.diagnostics[0]!.message).toBe('"id" is not nullable in the Arrow schema, but nullable: true here');
  });

  it('reports unknown-type in an annotation', async () => {
    const { result, at } = await loadTree({ 'small.arrow': smallSchemaBytes(), 'a.yaml': withSchema('fields:\n  - {name: id, type: in64}\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 8, column: 22, severity: 'error', code: 'unknown-type' }]);
  });

  it('reports duplicate-field for an Arrow file with two fields of one name, at schema:', async () => {
    const s = schema([field('id', new A.Int64()), field('id', new A.Utf8())]);
    const { result, at } = await loadTree({ 'dup.arrow': ipcBytes(s, 'file'), 'a.yaml': datasetYaml('a', 'schema: dup.arrow\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 9, severity: 'error', code: 'duplicate-field' }]);
  });

  it('still judges partition keys and column lineage when an annotation names no Arrow field', async () => {
    const { result } = await loadTree({
      'small.arrow': smallSchemaBytes(),
      'raw.yaml': datasetYaml('raw', 'schema: small.arrow\npartitionKeys: [idd]\nfields:\n  - {name: nme, description: typo}\n'),
      'daily.yaml': datasetYaml('daily', 'upstream: [raw]\nfields:\n  - {name: x, type: string, from: ["raw:nam"]}\n'),
    });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-lineage-field', 'unknown-partition-key', 'field-not-in-schema']);
  });

  it('checks partition keys and column lineage against the Arrow fields', async () => {
    const { result, at } = await loadTree({
      'small.arrow': smallSchemaBytes(),
      'raw.yaml': datasetYaml('raw', 'schema: small.arrow\npartitionKeys: [id, address.city]\n'),
      'daily.yaml': datasetYaml('daily', 'upstream: [raw]\nfields:\n  - {name: city, type: string, from: ["raw:address.city", "raw:address.town"]}\n'),
    });
    expect(where(result.diagnostics)).toEqual([
      { file: at('daily.yaml'), line: 8, column: 59, severity: 'error', code: 'unknown-lineage-field' },
      { file: at('raw.yaml'), line: 7, column: 21, severity: 'error', code: 'unknown-partition-key' },
    ]);
    expect(result.model.datasets.find((d) => d.name === 'daily')!.fields[0]!.from).toEqual([{ tenant: 'default', name: 'raw', field: 'address.city' }]);
  });

  it('reads an Arrow file shared by datasets in different folders', async () => {
    const { result } = await loadTree({
      'schemas/small.arrow': smallSchemaBytes(),
      'a/x.yaml': datasetYaml('x', 'schema: ../schemas/small.arrow\n'),
      'b/c/y.yaml': datasetYaml('y', 'schema: ../../schemas/small.arrow\n'),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets.map((d) => [d.schemaFile, d.fields.length])).toEqual([
      ['schemas/small.arrow', 4],
      ['schemas/small.arrow', 4],
    ]);
  });
});

describe('schema-file-missing, schema-file-invalid', () => {
  /** Loads a dataset whose schema: is line 6, column 9. */
  async function withArrow(bytes: Uint8Array | string | { dir: true }) {
    return loadTree({ 'bad.arrow': bytes, 'a.yaml': datasetYaml('a', 'schema: bad.arrow\nfields:\n  - {name: nope, description: x}\npartitionKeys: [nope]\n') });
  }

  it('reports schema-file-missing at the schema value and judges no fields', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('a', 'schema: schemas/none.arrow\nfields:\n  - {name: nope, description: x}\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 9, severity: 'error', code: 'schema-file-missing' }]);
    expect(result.diagnostics[0]!.message).toBe('schema file "schemas/none.arrow": file not found');
  });

  const invalid: Array<[what: string, bytes: () => Uint8Array | string | { dir: true }, message: string]> = [
    ['an empty file', () => new Uint8Array(0), 'the file is empty'],
    ['a truncated IPC file', () => smallSchemaBytes('file', 1).subarray(0, 200), 'the Arrow IPC file is truncated (no footer)'],
    ['an IPC file cut inside its magic', () => smallSchemaBytes('file').subarray(0, 8), 'the Arrow IPC file is truncated (no footer)'],
    ['a text file', () => 'id,name\n1,widget\n', 'not an Arrow IPC file or stream (no Arrow magic bytes or message header)'],
    ['a directory', () => ({ dir: true }), 'is not a file'],
  ];

  it.each(invalid)('reports schema-file-invalid for %s', async (_, bytes, message) => {
    const { result, at } = await withArrow(bytes());
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 9, severity: 'error', code: 'schema-file-invalid' }]);
    expect(result.diagnostics[0]!.message).toBe(`schema file "bad.arrow": ${message}`);
  });

  it('reports schema-file-invalid for random bytes', async () => {
    let seed = 12345;
    const random = new Uint8Array(4096).map(() => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed >> 16) & 0xff);
    const { result, at } = await withArrow(random);
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 9, severity: 'error', code: 'schema-file-invalid' }]);
  });

  it('reports schema-file-invalid for random bytes behind a valid stream header', async () => {
    const header = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x10, 0x00, 0x00, 0x00]);
    const bytes = new Uint8Array(64);
    bytes.set(header);
    bytes.fill(0xab, 8);
    const { result } = await withArrow(bytes);
    expect(result.diagnostics.map((d) => [d.code, d.message.startsWith('schema file "bad.arrow": cannot read the Arrow data: ')])).toEqual([['schema-file-invalid', true]]);
  });

  it('reports, without hanging, an IPC file whose schema message header is corrupt', async () => {
    // Found by the fuzz test: apache-arrow's batch iterator re-reads the same footer
    // block forever on this file (a regression would hang this test file).
    const bytes = smallSchemaBytes('file', 1).slice();
    bytes.set([0x89, 0x4f], 8);
    const started = performance.now();
    const { result } = await withArrow(bytes);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['schema-file-invalid']);
  });

  it('reports a stream cut inside a record batch', async () => {
    const full = smallSchemaBytes('stream', 3);
    const { result } = await withArrow(full.subarray(0, full.length - 40));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['schema-file-invalid']);
  });

  it('accepts a stream without the end-of-stream marker', async () => {
    const full = smallSchemaBytes('stream', 1);
    const { result } = await withArrow(full.subarray(0, full.length - 8));
    // The schema is read, so the annotation of a missing field and the partition key are judged.
    expect(result.diagnostics.map((d) => d.code)).toEqual(['field-not-in-schema', 'unknown-partition-key']);
  });

  it('reports readArrowSchema errors as ArrowSchemaError, never another exception', async () => {
    await expect(readArrowSchema(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(ArrowSchemaError);
    await expect(readArrowSchema(new TextEncoder().encode('ARROW1\0\0garbage'))).rejects.toBeInstanceOf(ArrowSchemaError);
  });
});

describe('schema-path-escape', () => {
  it('rejects a ../ path out of the specs directory without reading it', async () => {
    const { result, at } = await loadTree(
      { 'outside/x.arrow': smallSchemaBytes(), 'specs/datasets/a.yaml': datasetYaml('a', 'schema: ../../outside/x.arrow\n') },
      'specs',
    );
    expect(where(result.diagnostics)).toEqual([{ file: at('specs/datasets/a.yaml'), line: 6, column: 9, severity: 'error', code: 'schema-path-escape' }]);
    expect(result.diagnostics[0]!.message).toBe('schema file "../../outside/x.arrow" is outside the specs directory');
    expect(result.model.datasets[0]!.fields).toEqual([]);
  });

  it('rejects an absolute path outside the specs directory', async () => {
    const { result } = await loadTree({ 'a.yaml': datasetYaml('a', 'schema: /etc/hostname\n') });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['schema-path-escape']);
  });

  it('rejects a symbolic link that leads out of the specs directory', async () => {
    const { result, at } = await loadTree(
      {
        'outside/x.arrow': smallSchemaBytes(),
        'specs/schemas/x.arrow': { symlink: '../../outside/x.arrow' },
        'specs/a.yaml': datasetYaml('a', 'schema: schemas/x.arrow\n'),
      },
      'specs',
    );
    expect(where(result.diagnostics)).toEqual([{ file: at('specs/a.yaml'), line: 6, column: 9, severity: 'error', code: 'schema-path-escape' }]);
    expect(result.diagnostics[0]!.message).toBe('schema file "schemas/x.arrow": resolves (through a symbolic link) outside the specs directory');
  });

  it('follows a symbolic link that stays inside', async () => {
    const { result } = await loadTree({
      'schemas/v1.arrow': smallSchemaBytes(),
      'schemas/current.arrow': { symlink: 'v1.arrow' },
      'a.yaml': datasetYaml('a', 'schema: schemas/current.arrow\n'),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets[0]!.fields.map((f) => f.path)).toEqual(['id', 'name', 'address', 'address.city']);
  });
});
