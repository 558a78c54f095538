// field-type-changed: every safe widening docs/diff.md lists is safe, and the
// narrowings and meaning changes it names are breaking — for a top-level field and
// for the same field nested in a struct (a field of its own, `s.v`).
import { afterEach, describe, expect, it } from 'vitest';
import { isSafeWidening, typeShape } from '../../src/diff/widening.js';
import { cleanupSpecTrees } from '../helpers/fixtures.js';
import { core, diffSpecs, expected, type Specs } from './support.js';

afterEach(cleanupSpecTrees);

const DICT = 'dictionary<values=string, indices=int32, ordered=0>';

/** [before, after] pairs docs/diff.md calls safe widenings (canonical spellings). */
const SAFE: Array<[string, string]> = [
  ['int8', 'int16'],
  ['int16', 'int32'],
  ['int32', 'int64'],
  ['int8', 'int64'],
  ['uint8', 'uint16'],
  ['uint16', 'uint32'],
  ['uint32', 'uint64'],
  ['uint8', 'int16'],
  ['uint16', 'int32'],
  ['uint32', 'int64'],
  ['halffloat', 'float'],
  ['float', 'double'],
  ['halffloat', 'double'],
  ['decimal128(12, 2)', 'decimal128(14, 2)'],
  ['decimal128(12, 2)', 'decimal256(40, 2)'],
  ['string', 'large_string'],
  ['string', 'string_view'],
  ['binary', 'large_binary'],
  ['date32[day]', 'date64[ms]'],
  [DICT, 'string'],
  ['string', DICT],
  ['list<item: int32>', 'list<item: int64>'],
  ['list<item: int32>', 'large_list<item: int32>'],
  ['list<item: int32>', 'large_list<item: int64>'],
  ['list<item: int64>', 'list<item: int64 not null>'],
];

/** [before, after, what it shows] pairs that change values or meaning: breaking. */
const BREAKING: Array<[string, string, string]> = [
  ['int64', 'int32', 'integer narrowing'],
  ['int32', 'int8', 'integer narrowing'],
  ['uint64', 'uint32', 'unsigned narrowing'],
  ['double', 'float', 'float narrowing'],
  ['float', 'halffloat', 'float narrowing'],
  ['decimal128(12, 2)', 'decimal128(12, 3)', 'decimal scale change'],
  ['decimal128(12, 2)', 'decimal128(14, 3)', 'decimal scale change with more precision'],
  ['decimal128(14, 2)', 'decimal128(12, 2)', 'decimal precision loss'],
  ['decimal256(40, 2)', 'decimal128(38, 2)', 'decimal256 into decimal128'],
  ['string', 'int64', 'string to integer'],
  ['int64', 'string', 'integer to string'],
  ['timestamp[us]', 'timestamp[ms]', 'timestamp unit (coarser)'],
  ['timestamp[us]', 'timestamp[ns]', 'timestamp unit (finer)'],
  ['timestamp[us]', 'timestamp[us, tz=UTC]', 'timestamp gains a time zone'],
  ['timestamp[us, tz=UTC]', 'timestamp[us]', 'timestamp loses its time zone'],
  ['timestamp[us, tz=UTC]', 'timestamp[us, tz=Europe/Paris]', 'timestamp time zone change'],
  ['int32', 'uint32', 'signed to unsigned'],
  ['int32', 'uint64', 'signed to a wider unsigned'],
  ['uint32', 'int32', 'unsigned to a signed type of the same width'],
  ['uint64', 'int64', 'unsigned 64 to signed 64'],
  ['int32', 'double', 'integer to float'],
  ['float', 'int64', 'float to integer'],
  ['large_string', 'string', 'large_string narrowing'],
  ['date64[ms]', 'date32[day]', 'date narrowing'],
  ['fixed_size_binary[16]', 'fixed_size_binary[32]', 'fixed size change'],
  ['binary', 'string', 'binary to string'],
  ['time32[ms]', 'time64[us]', 'time unit change'],
  ['duration[ms]', 'duration[us]', 'duration unit change'],
  ['bool', 'int8', 'bool to integer'],
  ['list<item: int64>', 'list<item: int32>', 'list item narrowing'],
  ['large_list<item: int64>', 'list<item: int64>', 'large_list to list'],
  ['list<item: int64 not null>', 'list<item: int64>', 'list item becomes nullable'],
  [`dictionary<values=int64, indices=int32, ordered=0>`, 'int32', 'dictionary values narrowing'],
];

const one = (type: string): Specs => ({ datasets: [{ name: 't', fields: [{ name: 'id', type: 'int64' }, { name: 'v', type }] }] });
const nested = (type: string): Specs => ({ datasets: [{ name: 't', fields: [{ name: 'id', type: 'int64' }, { name: 's', type: `struct<k: string, v: ${type}>` }] }] });

describe('field-type-changed: safe widenings', () => {
  it.each(SAFE)('top-level %s → %s is safe', async (before, after) => {
    const r = await diffSpecs(one(before), one(after));
    expect(r.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 'v', before, after, severity: 'safe' })]);
    expect(r.changes[0]!.impact).toEqual([]);
  });

  it.each(SAFE)('struct member %s → %s is safe, reported on the member only', async (before, after) => {
    const r = await diffSpecs(nested(before), nested(after));
    expect(r.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 's.v', before, after, severity: 'safe' })]);
  });
});

describe('field-type-changed: narrowings and meaning changes are breaking', () => {
  it.each(BREAKING)('top-level %s → %s is breaking (%s)', async (before, after) => {
    const r = await diffSpecs(one(before), one(after));
    expect(r.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 'v', before, after, severity: 'breaking' })]);
    expect(r.breaking).toBe(true);
  });

  it.each(BREAKING)('struct member %s → %s is breaking (%s), reported on the member only', async (before, after) => {
    const r = await diffSpecs(nested(before), nested(after));
    expect(r.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 's.v', before, after, severity: 'breaking' })]);
  });
});

describe('nested containers', () => {
  it('a member of a list of structs is compared as items.member', async () => {
    const list = (qty: string) => one(`list<item: struct<sku: string, qty: ${qty}>>`);
    const widened = await diffSpecs(list('int32'), list('int64'));
    expect(widened.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 'v.qty', before: 'int32', after: 'int64', severity: 'safe' })]);
    const narrowed = await diffSpecs(list('int64'), list('int16'));
    expect(narrowed.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 'v.qty', before: 'int64', after: 'int16', severity: 'breaking' })]);
  });

  it('a map whose value widens is one safe change (the value), not two', async () => {
    const r = await diffSpecs(one('map<string, int32>'), one('map<string, int64>'));
    expect(r.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 'v.value', before: 'int32', after: 'int64', severity: 'safe' })]);
  });

  it('a map whose value narrows is one breaking change', async () => {
    const r = await diffSpecs(one('map<string, int64>'), one('map<string, int32>'));
    expect(r.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 'v.value', before: 'int64', after: 'int32', severity: 'breaking' })]);
    expect(r.counts.breaking).toBe(1);
  });

  it('a map value becoming nullable is one breaking nullability change of the value', async () => {
    const r = await diffSpecs(one('map<string, int64 not null>'), one('map<string, int64>'));
    expect(r.changes.map(core)).toEqual([expected({ kind: 'field-nullability-changed', dataset: 't', field: 'v.value', before: 'not null', after: 'nullable', severity: 'breaking' })]);
  });

  it('a map key change is reported on the key', async () => {
    const r = await diffSpecs(one('map<string, int64>'), one('map<int32, int64>'));
    expect(r.changes.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 'v.key', before: 'string', after: 'int32', severity: 'breaking' })]);
  });

  it('a map replaced by a list is a type change of the field', async () => {
    const r = await diffSpecs(one('map<string, int64>'), one('list<item: int64>'));
    expect(r.changes.filter((c) => c.field === 'v').map(core)).toEqual([
      expected({ kind: 'field-type-changed', dataset: 't', field: 'v', before: 'map<string, int64>', after: 'list<item: int64>', severity: 'breaking' }),
    ]);
  });

  it('a struct replaced by a scalar is a breaking type change of the struct', async () => {
    const r = await diffSpecs(one('struct<a: int64>'), one('string'));
    const parent = r.changes.filter((c) => c.field === 'v');
    expect(parent.map(core)).toEqual([expected({ kind: 'field-type-changed', dataset: 't', field: 'v', before: 'struct<a: int64>', after: 'string', severity: 'breaking' })]);
  });
});

describe('isSafeWidening and typeShape', () => {
  it('agrees with the tables above', () => {
    for (const [a, b] of SAFE) expect(isSafeWidening(a, b), `${a} → ${b}`).toBe(true);
    for (const [a, b] of BREAKING) expect(isSafeWidening(a, b), `${a} → ${b}`).toBe(false);
  });

  it('a struct widens when every member widens and new members are nullable', () => {
    expect(isSafeWidening('struct<a: int32>', 'struct<a: int64, b: string>')).toBe(true);
    expect(isSafeWidening('struct<a: int32>', 'struct<a: int64, b: string not null>')).toBe(false);
    expect(isSafeWidening('struct<a: int32, b: string>', 'struct<a: int64>')).toBe(false);
    expect(isSafeWidening('struct<a: int32 not null>', 'struct<a: int32>')).toBe(false);
  });

  it('a map widens when key and value widen', () => {
    expect(isSafeWidening('map<string, int32>', 'map<large_string, int64>')).toBe(true);
    expect(isSafeWidening('map<string, int64>', 'map<string, int32>')).toBe(false);
  });

  it('typeShape erases struct members but keeps everything a nested field does not carry', () => {
    expect(typeShape('struct<a: int64, b: string>')).toBe(typeShape('struct<c: bool>'));
    expect(typeShape('list<item: struct<a: int64>>')).toBe(typeShape('list<item: struct<b: string>>'));
    expect(typeShape('list<item: int64>')).not.toBe(typeShape('list<item: int32>'));
    expect(typeShape('list<item: struct<a: int64>>')).not.toBe(typeShape('large_list<item: struct<a: int64>>'));
    // A map's key and value are nested fields (m.key, m.value): the map's own shape does not repeat them.
    expect(typeShape('map<string, int32>')).toBe(typeShape('map<large_string, int64 not null>'));
    expect(typeShape('map<string, int32>')).not.toBe(typeShape('map<string, int32, keys_sorted>'));
  });
});
