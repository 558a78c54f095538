// Arrow IPC bytes written by the tests themselves with apache-arrow.
import * as A from 'apache-arrow';

export type IpcFormat = 'file' | 'stream';

function meta(entries: Record<string, string> | undefined): Map<string, string> | undefined {
  return entries ? new Map(Object.entries(entries)) : undefined;
}

export function field(name: string, type: A.DataType, nullable = true, metadata?: Record<string, string>): A.Field {
  return new A.Field(name, type, nullable, meta(metadata));
}

export function schema(fields: A.Field[], metadata?: Record<string, string>): A.Schema {
  return new A.Schema(fields, meta(metadata));
}

/**
 * One field per Arrow type MetaFuse supports, with the canonical type string
 * and DuckDB SQL type each must come out as, and nested fields with their
 * dotted paths. apache-arrow 21 writes every one of these, view types
 * (Utf8View, BinaryView) and 32/64-bit decimals included; it has no classes
 * for list views (list_view, large_list_view) or run-end encoding, so those
 * cannot be written here (list views are covered by the type grammar tests).
 */
export function allTypes(): { schema: A.Schema; expected: Array<[path: string, type: string, sqlType: string, nullable: boolean]> } {
  const fields: A.Field[] = [
    field('i8', new A.Int8()),
    field('i16', new A.Int16()),
    field('i32', new A.Int32()),
    field('i64', new A.Int64(), false),
    field('u8', new A.Uint8()),
    field('u16', new A.Uint16()),
    field('u32', new A.Uint32()),
    field('u64', new A.Uint64()),
    field('f16', new A.Float16()),
    field('f32', new A.Float32()),
    field('f64', new A.Float64()),
    field('s', new A.Utf8(), true, { description: 'From Arrow' }),
    field('ls', new A.LargeUtf8()),
    field('sv', new A.Utf8View()),
    field('b', new A.Binary()),
    field('lb', new A.LargeBinary()),
    field('bv', new A.BinaryView()),
    field('fsb', new A.FixedSizeBinary(16)),
    field('flag', new A.Bool(), true, { comment: 'A comment' }),
    field('d32', new A.DateDay()),
    field('d64', new A.DateMillisecond()),
    field('t_s', new A.TimeSecond()),
    field('t_ms', new A.TimeMillisecond()),
    field('t_us', new A.TimeMicrosecond()),
    field('t_ns', new A.TimeNanosecond()),
    field('ts_s', new A.TimestampSecond()),
    field('ts_ms', new A.TimestampMillisecond()),
    field('ts_us', new A.TimestampMicrosecond()),
    field('ts_ns', new A.TimestampNanosecond()),
    field('tz_s', new A.TimestampSecond('UTC')),
    field('tz_ms', new A.TimestampMillisecond('Europe/Paris')),
    field('tz_us', new A.TimestampMicrosecond('UTC')),
    field('tz_ns', new A.TimestampNanosecond('America/New_York')),
    field('dur_s', new A.DurationSecond()),
    field('dur_ms', new A.DurationMillisecond()),
    field('dur_us', new A.DurationMicrosecond()),
    field('dur_ns', new A.DurationNanosecond()),
    field('iv_ym', new A.IntervalYearMonth()),
    field('iv_dt', new A.IntervalDayTime()),
    field('iv_mdn', new A.IntervalMonthDayNano()),
    field('dec32', new A.Decimal(2, 9, 32)),
    field('dec64', new A.Decimal(4, 18, 64)),
    field('dec', new A.Decimal(2, 12, 128)),
    field('dec256', new A.Decimal(2, 40, 256)),
    field('tags', new A.List(field('item', new A.Utf8()))),
    field('big', new A.LargeList(field('item', new A.Int64()))),
    field('vec', new A.FixedSizeList(3, field('item', new A.Float32()))),
    field('address', new A.Struct([field('city', new A.Utf8(), true, { description: 'City from Arrow' }), field('zip', new A.Int32(), false)])),
    field('items', new A.List(field('item', new A.Struct([field('sku', new A.Utf8(), true, { comment: 'Stock unit' }), field('qty', new A.Int32())])))),
    field('m', new A.Map_(field('entries', new A.Struct([field('key', new A.Utf8(), false), field('value', new A.Int64())])))),
    field('cat', new A.Dictionary(new A.Utf8(), new A.Int32())),
    field('du', new A.DenseUnion([0, 1], [field('a', new A.Int32()), field('b', new A.Utf8())])),
    field('su', new A.SparseUnion([3, 5], [field('a', new A.Int32()), field('b', new A.Utf8())])),
    field('nothing', new A.Null()),
  ];
  const TZ = 'TIMESTAMP WITH TIME ZONE';
  return {
    schema: schema(fields, { description: 'Everything Arrow has' }),
    expected: [
      ['i8', 'int8', 'TINYINT', true],
      ['i16', 'int16', 'SMALLINT', true],
      ['i32', 'int32', 'INTEGER', true],
      ['i64', 'int64', 'BIGINT', false],
      ['u8', 'uint8', 'UTINYINT', true],
      ['u16', 'uint16', 'USMALLINT', true],
      ['u32', 'uint32', 'UINTEGER', true],
      ['u64', 'uint64', 'UBIGINT', true],
      ['f16', 'halffloat', 'FLOAT', true],
      ['f32', 'float', 'FLOAT', true],
      ['f64', 'double', 'DOUBLE', true],
      ['s', 'string', 'VARCHAR', true],
      ['ls', 'large_string', 'VARCHAR', true],
      ['sv', 'string_view', 'VARCHAR', true],
      ['b', 'binary', 'BLOB', true],
      ['lb', 'large_binary', 'BLOB', true],
      ['bv', 'binary_view', 'BLOB', true],
      ['fsb', 'fixed_size_binary[16]', 'BLOB', true],
      ['flag', 'bool', 'BOOLEAN', true],
      ['d32', 'date32[day]', 'DATE', true],
      ['d64', 'date64[ms]', 'DATE', true],
      ['t_s', 'time32[s]', 'TIME', true],
      ['t_ms', 'time32[ms]', 'TIME', true],
      ['t_us', 'time64[us]', 'TIME', true],
      ['t_ns', 'time64[ns]', 'TIME_NS', true],
      ['ts_s', 'timestamp[s]', 'TIMESTAMP_S', true],
      ['ts_ms', 'timestamp[ms]', 'TIMESTAMP_MS', true],
      ['ts_us', 'timestamp[us]', 'TIMESTAMP', true],
      ['ts_ns', 'timestamp[ns]', 'TIMESTAMP_NS', true],
      ['tz_s', 'timestamp[s, tz=UTC]', TZ, true],
      ['tz_ms', 'timestamp[ms, tz=Europe/Paris]', TZ, true],
      ['tz_us', 'timestamp[us, tz=UTC]', TZ, true],
      ['tz_ns', 'timestamp[ns, tz=America/New_York]', TZ, true],
      ['dur_s', 'duration[s]', 'INTERVAL', true],
      ['dur_ms', 'duration[ms]', 'INTERVAL', true],
      ['dur_us', 'duration[us]', 'INTERVAL', true],
      ['dur_ns', 'duration[ns]', 'INTERVAL', true],
      ['iv_ym', 'month_interval', 'INTERVAL', true],
      ['iv_dt', 'day_time_interval', 'INTERVAL', true],
      ['iv_mdn', 'month_day_nano_interval', 'INTERVAL', true],
      ['dec32', 'decimal32(9, 2)', 'DECIMAL(9,2)', true],
      ['dec64', 'decimal64(18, 4)', 'DECIMAL(18,4)', true],
      ['dec', 'decimal128(12, 2)', 'DECIMAL(12,2)', true],
      ['dec256', 'decimal256(40, 2)', 'DOUBLE', true],
      ['tags', 'list<item: string>', 'VARCHAR[]', true],
      ['big', 'large_list<item: int64>', 'BIGINT[]', true],
      ['vec', 'fixed_size_list<item: float>[3]', 'FLOAT[3]', true],
      ['address', 'struct<city: string, zip: int32 not null>', 'STRUCT(city VARCHAR, zip INTEGER)', true],
      ['address.city', 'string', 'VARCHAR', true],
      ['address.zip', 'int32', 'INTEGER', false],
      ['items', 'list<item: struct<sku: string, qty: int32>>', 'STRUCT(sku VARCHAR, qty INTEGER)[]', true],
      ['items.sku', 'string', 'VARCHAR', true],
      ['items.qty', 'int32', 'INTEGER', true],
      ['m', 'map<string, int64>', 'MAP(VARCHAR, BIGINT)', true],
      ['m.key', 'string', 'VARCHAR', false],
      ['m.value', 'int64', 'BIGINT', true],
      ['cat', 'dictionary<values=string, indices=int32, ordered=0>', 'VARCHAR', true],
      ['du', 'dense_union<a: int32=0, b: string=1>', 'UNION(a INTEGER, b VARCHAR)', true],
      ['du.a', 'int32', 'INTEGER', true],
      ['du.b', 'string', 'VARCHAR', true],
      ['su', 'sparse_union<a: int32=3, b: string=5>', 'UNION(a INTEGER, b VARCHAR)', true],
      ['su.a', 'int32', 'INTEGER', true],
      ['su.b', 'string', 'VARCHAR', true],
      ['nothing', 'null', '"NULL"', true],
    ],
  };
}

/** A column of `rows` nulls of the field's type (unions get their first child type). */
function nullColumn(f: A.Field, rows: number): A.Data {
  const typeIds = A.DataType.isUnion(f.type) ? Array.from(f.type.typeIds) : [];
  const builder = A.makeBuilder({ type: f.type, nullValues: [null], ...(typeIds.length ? { valueToChildTypeId: () => typeIds[0]! } : {}) });
  for (let i = 0; i < rows; i++) builder.append(null);
  return builder.finish().flush();
}

/** IPC bytes of the schema: with `batches` record batches of two null rows each, or none. */
export function ipcBytes(s: A.Schema, format: IpcFormat, batches = 0): Uint8Array {
  if (batches === 0) return A.tableToIPC(new A.Table(s), format);
  // The same columns in every batch: the IPC file format cannot replace a dictionary between batches.
  const children = s.fields.map((f) => nullColumn(f, 2));
  const list = Array.from({ length: batches }, () => new A.RecordBatch(s, A.makeData({ type: new A.Struct(s.fields), length: 2, nullCount: 0, children })));
  return A.tableToIPC(new A.Table(list), format);
}

/** A small schema for rule tests: id int64 not null, name string, address struct<city: string>. */
export function smallSchemaBytes(format: IpcFormat = 'file', batches = 0): Uint8Array {
  const s = schema([
    field('id', new A.Int64(), false),
    field('name', new A.Utf8()),
    field('address', new A.Struct([field('city', new A.Utf8())])),
  ]);
  return ipcBytes(s, format, batches);
}
