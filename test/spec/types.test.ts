// The type grammar: canonical (pyarrow) spellings round-trip, aliases normalise,
// DuckDB SQL spellings, and unknown types name the nearest valid spelling.
import { describe, expect, it } from 'vitest';
import { formatType, nestedChildren, parseType, sqlType, TypeSyntaxError } from '../../src/spec/types.js';

/** Every canonical type string listed in PRODUCT.md "Types", with DuckDB's spelling. */
const PRODUCT_TYPES: Array<[canonical: string, sql: string]> = [
  ['null', '"NULL"'],
  ['bool', 'BOOLEAN'],
  ['int8', 'TINYINT'],
  ['int16', 'SMALLINT'],
  ['int32', 'INTEGER'],
  ['int64', 'BIGINT'],
  ['uint8', 'UTINYINT'],
  ['uint16', 'USMALLINT'],
  ['uint32', 'UINTEGER'],
  ['uint64', 'UBIGINT'],
  ['halffloat', 'FLOAT'],
  ['float', 'FLOAT'],
  ['double', 'DOUBLE'],
  ['string', 'VARCHAR'],
  ['large_string', 'VARCHAR'],
  ['binary', 'BLOB'],
  ['large_binary', 'BLOB'],
  ['fixed_size_binary[16]', 'BLOB'],
  ['date32[day]', 'DATE'],
  ['date64[ms]', 'DATE'],
  ['time32[ms]', 'TIME'],
  ['time64[us]', 'TIME'],
  ['timestamp[us]', 'TIMESTAMP'],
  ['timestamp[us, tz=UTC]', 'TIMESTAMP WITH TIME ZONE'],
  ['duration[ms]', 'INTERVAL'],
  ['decimal128(12, 2)', 'DECIMAL(12,2)'],
  // DuckDB's DECIMAL stops at 38 digits; it reads wider Arrow decimals as DOUBLE.
  ['decimal256(40, 2)', 'DOUBLE'],
  ['list<item: int64>', 'BIGINT[]'],
  ['large_list<item: string>', 'VARCHAR[]'],
  ['fixed_size_list<item: float>[3]', 'FLOAT[3]'],
  ['struct<a: int64, b: string>', 'STRUCT(a BIGINT, b VARCHAR)'],
  ['map<string, int64>', 'MAP(VARCHAR, BIGINT)'],
  ['dictionary<values=string, indices=int32, ordered=0>', 'VARCHAR'],
];

/** Further canonical spellings the grammar accepts (other units, views, unions, nullability). */
const MORE_TYPES: Array<[canonical: string, sql: string]> = [
  ['time32[s]', 'TIME'],
  ['time64[ns]', 'TIME_NS'],
  ['timestamp[s]', 'TIMESTAMP_S'],
  ['timestamp[ms]', 'TIMESTAMP_MS'],
  ['timestamp[ns]', 'TIMESTAMP_NS'],
  ['timestamp[ns, tz=America/New_York]', 'TIMESTAMP WITH TIME ZONE'],
  ['timestamp[ms, tz=+05:30]', 'TIMESTAMP WITH TIME ZONE'],
  ['duration[s]', 'INTERVAL'],
  ['duration[ns]', 'INTERVAL'],
  ['month_interval', 'INTERVAL'],
  ['day_time_interval', 'INTERVAL'],
  ['month_day_nano_interval', 'INTERVAL'],
  ['string_view', 'VARCHAR'],
  ['binary_view', 'BLOB'],
  ['decimal32(9, 2)', 'DECIMAL(9,2)'],
  ['decimal64(18, 4)', 'DECIMAL(18,4)'],
  ['decimal128(38, 0)', 'DECIMAL(38,0)'],
  ['decimal256(76, 76)', 'DOUBLE'],
  ['list<item: list<item: int8>>', 'TINYINT[][]'],
  ['list<item: int64 not null>', 'BIGINT[]'],
  ['list_view<item: string>', 'VARCHAR[]'],
  ['large_list_view<item: string>', 'VARCHAR[]'],
  ['list<item: struct<sku: string, qty: int32>>', 'STRUCT(sku VARCHAR, qty INTEGER)[]'],
  ['struct<>', 'STRUCT()'],
  ['struct<a: int64 not null, b: list<item: string>>', 'STRUCT(a BIGINT, b VARCHAR[])'],
  ['struct<order id: int64, "q": string>', 'STRUCT("order id" BIGINT, """q""" VARCHAR)'],
  ['map<string, list<item: double>, keys_sorted>', 'MAP(VARCHAR, DOUBLE[])'],
  ['dictionary<values=string, indices=int8, ordered=1>', 'VARCHAR'],
  ['dictionary<values=int64, indices=uint32, ordered=0>', 'BIGINT'],
  ['dense_union<a: int32=0, b: string=1>', 'UNION(a INTEGER, b VARCHAR)'],
  ['sparse_union<a: int32=5, b: string=7>', 'UNION(a INTEGER, b VARCHAR)'],
];

describe('canonical type strings', () => {
  it.each(PRODUCT_TYPES)('%s parses, prints back identically and is %s in SQL', (canonical, sql) => {
    const t = parseType(canonical);
    expect(formatType(t)).toBe(canonical);
    expect(sqlType(t)).toBe(sql);
  });

  it.each(MORE_TYPES)('%s parses, prints back identically and is %s in SQL', (canonical, sql) => {
    const t = parseType(canonical);
    expect(formatType(t)).toBe(canonical);
    expect(sqlType(t)).toBe(sql);
  });

  it('keeps nullability of children in the parsed type', () => {
    expect(parseType('struct<a: int64 not null, b: string>')).toEqual({
      kind: 'struct',
      fields: [
        { name: 'a', type: { kind: 'simple', name: 'int64' }, nullable: false },
        { name: 'b', type: { kind: 'simple', name: 'string' }, nullable: true },
      ],
    });
  });
});

describe('aliases', () => {
  const ALIASES: Array<[alias: string, canonical: string]> = [
    // pyarrow does not print a map value's nullability (the m.value field holds it).
    ['map<string, int64 not null>', 'map<string, int64>'],
    ['utf8', 'string'],
    ['float32', 'float'],
    ['float64', 'double'],
    ['boolean', 'bool'],
    ['bigint', 'int64'],
    ['int', 'int32'],
    ['integer', 'int32'],
    ['smallint', 'int16'],
    ['tinyint', 'int8'],
    ['varchar', 'string'],
    ['text', 'string'],
    ['real', 'float'],
    ['date', 'date32[day]'],
    ['timestamp', 'timestamp[us]'],
    ['timestamptz', 'timestamp[us, tz=UTC]'],
    ['decimal(12,2)', 'decimal128(12, 2)'],
    ['numeric(12,2)', 'decimal128(12, 2)'],
    ['list<int64>', 'list<item: int64>'],
    // Case, spacing and nesting.
    ['BIGINT', 'int64'],
    ['VARCHAR(255)', 'string'],
    ['Decimal( 12 , 2 )', 'decimal128(12, 2)'],
    ['decimal(40, 2)', 'decimal256(40, 2)'],
    ['decimal(10)', 'decimal128(10, 0)'],
    ['decimal128(12,2)', 'decimal128(12, 2)'],
    ['timestamp[us,tz=UTC]', 'timestamp[us, tz=UTC]'],
    ['TIMESTAMP[MS]', 'timestamp[ms]'],
    ['date32', 'date32[day]'],
    ['date64', 'date64[ms]'],
    ['large_utf8', 'large_string'],
    ['float16', 'halffloat'],
    ['list<element: varchar>', 'list<item: string>'],
    ['list<list<text>>', 'list<item: list<item: string>>'],
    ['struct<a: bigint, b: list<boolean>>', 'struct<a: int64, b: list<item: bool>>'],
    ['map<text, integer>', 'map<string, int32>'],
    ['fixed_size_list<real>[2]', 'fixed_size_list<item: float>[2]'],
    ['dictionary<values=varchar, indices=int>', 'dictionary<values=string, indices=int32, ordered=0>'],
  ];

  it.each(ALIASES)('%s normalises to %s', (alias, canonical) => {
    expect(formatType(parseType(alias))).toBe(canonical);
  });
});

describe('unknown and malformed types', () => {
  const NEAREST: Array<[input: string, message: string]> = [
    ['strng', 'unknown type "strng" (did you mean "string"?)'],
    ['int46', 'unknown type "int46" (did you mean "int64"?)'],
    ['bigitn', 'unknown type "bigitn" (did you mean "bigint"?)'],
    ['timestmp', 'unknown type "timestmp" (did you mean "timestamp"?)'],
    ['lsit<int64>', 'unknown type "lsit" in "lsit<int64>" (did you mean "list<T>"?)'],
    ['decimel(10, 2)', 'unknown type "decimel" in "decimel(10, 2)" (did you mean "decimal(p,s)"?)'],
    ['struct<a: int46>', 'unknown type "int46" in "struct<a: int46>" (did you mean "int64"?)'],
    ['wibble', 'unknown type "wibble"'],
  ];

  it.each(NEAREST)('%s throws TypeSyntaxError: %s', (input, message) => {
    expect(() => parseType(input)).toThrowError(TypeSyntaxError);
    expect(() => parseType(input)).toThrowError(message);
  });

  const MALFORMED: Array<[input: string, fragment: string]> = [
    ['', 'a type is missing'],
    ['int64 extra', 'unexpected "extra"'],
    ['list<int64', 'expected ">" at the end'],
    ['timestamp[weeks]', 'time unit must be one of s, ms, us, ns'],
    ['time32[us]', 'time unit must be one of s, ms'],
    ['timestamp[us, tz=]', 'the time zone is empty'],
    ['struct<int64>', 'expected "name: type"'],
    ['decimal128(39, 2)', 'precision must be between 1 and 38'],
    ['decimal(0, 0)', 'precision must be between 1 and 38'],
    ['decimal(10, 12)', 'scale must not exceed precision'],
    ['dictionary<values=string, indices=string>', 'dictionary indices must be an integer type'],
    ['dictionary<values=string>', 'dictionary needs values= and indices='],
    ['date32[ms]', 'date32 takes [day]'],
    ['map<string>', 'expected ","'],
    ['fixed_size_binary[x]', 'expected a number'],
  ];

  it.each(MALFORMED)('%j throws TypeSyntaxError mentioning %s', (input, fragment) => {
    expect(() => parseType(input)).toThrowError(TypeSyntaxError);
    expect(() => parseType(input)).toThrowError(fragment);
  });
});

describe('nested children', () => {
  it('gives struct fields, list-of-struct fields (no extra level) and map key/value', () => {
    const names = (s: string) => nestedChildren(parseType(s)).map((c) => [c.name, formatType(c.type), c.nullable]);
    expect(names('struct<a: int64, b: string not null>')).toEqual([['a', 'int64', true], ['b', 'string', false]]);
    expect(names('list<item: struct<sku: string>>')).toEqual([['sku', 'string', true]]);
    expect(names('large_list<item: list<item: struct<x: int8>>>')).toEqual([['x', 'int8', true]]);
    expect(names('map<string, int64>')).toEqual([['key', 'string', false], ['value', 'int64', true]]);
    expect(names('list<item: int64>')).toEqual([]);
    expect(names('dictionary<values=string, indices=int32, ordered=0>')).toEqual([]);
  });
});
