// Fields declared in YAML (no Arrow file): types, nested paths, annotations,
// partition keys. datasetYaml() writes five header lines, so extra keys start on line 6.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupSpecTrees, datasetYaml, loadTree, where } from '../helpers/fixtures.js';

afterEach(cleanupSpecTrees);

describe('declared fields', () => {
  it('normalises alias types and gives each field its canonical and SQL type', async () => {
    const { result } = await loadTree({
      'a.yaml': datasetYaml('a', 'fields:\n  - {name: id, type: BIGINT, nullable: false}\n  - {name: amount, type: "numeric(12,2)"}\n  - {name: at, type: timestamptz}\n'),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets[0]!.fields.map((f) => [f.path, f.type, f.sqlType, f.nullable])).toEqual([
      ['id', 'int64', 'BIGINT', false],
      ['amount', 'decimal128(12, 2)', 'DECIMAL(12,2)', true],
      ['at', 'timestamp[us, tz=UTC]', 'TIMESTAMP WITH TIME ZONE', true],
    ]);
  });

  it('expands struct, list of struct and map types into dotted paths, in pre-order', async () => {
    const { result } = await loadTree({
      'a.yaml': datasetYaml(
        'a',
        'fields:\n' +
          '  - {name: address, type: "struct<city: string, zip: string not null>"}\n' +
          '  - {name: items, type: "list<item: struct<sku: string, qty: int32>>"}\n' +
          '  - {name: m, type: "map<string, struct<x: int64>>"}\n',
      ),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.datasets[0]!.fields.map((f) => [f.position, f.path, f.name, f.parent, f.depth, f.type, f.nullable])).toEqual([
      [0, 'address', 'address', null, 0, 'struct<city: string, zip: string not null>', true],
      [1, 'address.city', 'city', 'address', 1, 'string', true],
      [2, 'address.zip', 'zip', 'address', 1, 'string', false],
      [3, 'items', 'items', null, 0, 'list<item: struct<sku: string, qty: int32>>', true],
      [4, 'items.sku', 'sku', 'items', 1, 'string', true],
      [5, 'items.qty', 'qty', 'items', 1, 'int32', true],
      [6, 'm', 'm', null, 0, 'map<string, struct<x: int64>>', true],
      [7, 'm.key', 'key', 'm', 1, 'string', false],
      [8, 'm.value', 'value', 'm', 1, 'struct<x: int64>', true],
      [9, 'm.value.x', 'x', 'm.value', 2, 'int64', true],
    ]);
  });

  it('annotates nested fields by dotted name', async () => {
    const { result } = await loadTree({
      'a.yaml': datasetYaml('a', 'fields:\n  - {name: address, type: "struct<city: string>"}\n  - name: address.city\n    description: City name\n    tags: [geo, geo]\n'),
    });
    expect(result.diagnostics).toEqual([]);
    const city = result.model.datasets[0]!.fields.find((f) => f.path === 'address.city')!;
    expect([city.description, city.tags]).toEqual(['City name', ['geo']]);
  });
});

describe('duplicate-field', () => {
  it('points at the second declaration of a top-level field', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('a', 'fields:\n  - {name: id, type: int64}\n  - {name: id, type: string}\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 8, column: 12, severity: 'error', code: 'duplicate-field' }]);
    expect(result.diagnostics[0]!.message).toBe('field "id" is defined twice');
    expect(result.model.datasets[0]!.fields.map((f) => f.type)).toEqual(['int64']);
  });

  it('reports a struct type with the same child name twice', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('a', 'fields:\n  - name: s\n    type: "struct<a: int64, a: string>"\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 7, column: 11, severity: 'error', code: 'duplicate-field' }]);
    expect(result.diagnostics[0]!.message).toBe('field "s.a" is defined twice');
  });

  it('reports a nested field annotated twice', async () => {
    const { result, at } = await loadTree({
      'a.yaml': datasetYaml('a', 'fields:\n  - {name: s, type: "struct<a: int64>"}\n  - {name: s.a, description: one}\n  - {name: s.a, description: two}\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 9, column: 12, severity: 'error', code: 'duplicate-field' }]);
    expect(result.diagnostics[0]!.message).toBe('field "s.a" is listed twice');
  });
});

describe('missing-type', () => {
  it('points at the name key of a field without a type', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('a', 'fields:\n  - name: id\n    description: key\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 7, column: 5, severity: 'error', code: 'missing-type' }]);
    expect(result.diagnostics[0]!.message).toBe('field "id" needs a type (or give the dataset a schema: file)');
  });
});

describe('unknown-type', () => {
  it('points at the type value and names the nearest spelling', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('a', 'fields:\n  - name: id\n    type: strng\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 8, column: 11, severity: 'error', code: 'unknown-type' }]);
    expect(result.diagnostics[0]!.message).toBe('unknown type "strng" (did you mean "string"?)');
    expect(result.model.datasets[0]!.fields).toEqual([]);
  });

  it('names the unknown part of a nested type', async () => {
    const { result, at } = await loadTree({ 'a.yaml': datasetYaml('a', 'fields:\n  - {name: xs, type: "list<item: int46>"}\n') });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 7, column: 22, severity: 'error', code: 'unknown-type' }]);
    expect(result.diagnostics[0]!.message).toBe('unknown type "int46" in "list<item: int46>" (did you mean "int64"?)');
  });

  it('explains a type with bad parameters', async () => {
    const { result } = await loadTree({ 'a.yaml': datasetYaml('a', 'fields:\n  - {name: x, type: "decimal(10, 12)"}\n') });
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([['unknown-type', 'invalid type "decimal(10, 12)": scale must not exceed precision']]);
  });

  it('does not judge column lineage into a dataset whose fields are unknown', async () => {
    const { result } = await loadTree({
      'raw.yaml': datasetYaml('raw', 'fields:\n  - {name: id, type: bogus_type}\n'),
      'daily.yaml': datasetYaml('daily', 'upstream: [raw]\nfields:\n  - {name: id, type: int64, from: ["raw:id"]}\n'),
    });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-type']);
  });
});

describe('unknown-field', () => {
  it('points at an annotation of a nested field that does not exist', async () => {
    const { result, at } = await loadTree({
      'a.yaml': datasetYaml('a', 'fields:\n  - name: address\n    type: "struct<city: string>"\n  - name: address.cty\n    description: x\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 9, column: 11, severity: 'error', code: 'unknown-field' }]);
    expect(result.diagnostics[0]!.message).toBe('this dataset has no field "address.cty" (did you mean "address.city"?)');
  });
});

describe('annotations of nested declared fields', () => {
  it('reports field-type-mismatch against the parent type, comparing canonical forms', async () => {
    const { result, at } = await loadTree({
      'a.yaml': datasetYaml(
        'a',
        'fields:\n  - {name: s, type: "struct<a: int64, b: string>"}\n  - {name: s.a, type: bigint}\n  - {name: s.b, type: int32}\n',
      ),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 9, column: 23, severity: 'error', code: 'field-type-mismatch' }]);
    expect(result.diagnostics[0]!.message).toBe('"s.b" is string in its parent\'s type, not int32');
  });

  it('reports field-nullable-mismatch at the nullable value', async () => {
    const { result, at } = await loadTree({
      'a.yaml': datasetYaml('a', 'fields:\n  - {name: s, type: "struct<a: int64 not null>"}\n  - name: s.a\n    nullable: true\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 9, column: 15, severity: 'error', code: 'field-nullable-mismatch' }]);
    expect(result.diagnostics[0]!.message).toBe('"s.a" is not nullable in its parent\'s type, but nullable: true here');
  });
});

describe('unknown-partition-key', () => {
  it('points at the entry and suggests the nearest top-level field', async () => {
    const { result, at } = await loadTree({
      'a.yaml': datasetYaml('a', 'partitionKeys: [region, order_dat]\nfields:\n  - {name: order_date, type: date}\n  - {name: region, type: string}\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 6, column: 25, severity: 'error', code: 'unknown-partition-key' }]);
    expect(result.diagnostics[0]!.message).toBe('partition key "order_dat" is not a field of this dataset (did you mean "order_date"?)');
  });

  it('rejects a nested field as a partition key and says why', async () => {
    const { result, at } = await loadTree({
      'a.yaml': datasetYaml('a', 'partitionKeys:\n  - address.city\nfields:\n  - {name: address, type: "struct<city: string>"}\n'),
    });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 7, column: 5, severity: 'error', code: 'unknown-partition-key' }]);
    expect(result.diagnostics[0]!.message).toBe('partition key "address.city" is not a field of this dataset (partition keys must be top-level fields)');
  });

  it('is not judged when a field type failed to parse', async () => {
    const { result } = await loadTree({ 'a.yaml': datasetYaml('a', 'partitionKeys: [day]\nfields:\n  - {name: day, type: dat}\n') });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-type']);
  });
});
