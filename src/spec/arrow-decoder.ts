// Decodes the Schema flatbuffer of Arrow IPC bytes (format/Schema.fbs,
// Message.fbs, File.fbs) without apache-arrow, whose import alone costs
// ~170 ms. The result has the shape of apache-arrow's Schema/Field/DataType
// (type ids, parameter names, a Dictionary wrapper whose children are its value
// type's) so that arrow-schema.ts converts both the same way, and it follows
// apache-arrow's reading rules where they decide the result: a type NONE reads
// as Null, a dictionary id seen before reuses the first value type, a missing
// index type is int32, a missing field name is "". Every read goes through
// Flat (arrow-ipc.ts), which bounds-checks it; readArrowSchema runs the
// framing check of arrow-ipc.ts first, so the offsets found here are known to
// fit. Errors are ArrowSchemaError (with a dotted field path where one exists).
import { Flat, IpcCheckError } from './arrow-ipc.js';

export class ArrowSchemaError extends Error {}

/** A field in apache-arrow's shape (Field). */
export interface FieldLike {
  name: string;
  type: TypeLike;
  nullable: boolean;
  metadata: Map<string, string | null>;
}
/** A data type in apache-arrow's shape (DataType): its type id, child fields and parameters. */
export interface TypeLike {
  typeId: number;
  children: FieldLike[];
  [param: string]: unknown;
}
export interface SchemaLike {
  fields: FieldLike[];
  metadata: Map<string, string | null>;
}

// Type union ids of Schema.fbs.
const T = {
  NONE: 0, Null: 1, Int: 2, FloatingPoint: 3, Binary: 4, Utf8: 5, Bool: 6, Decimal: 7, Date: 8, Time: 9,
  Timestamp: 10, Interval: 11, List: 12, Struct: 13, Union: 14, FixedSizeBinary: 15, FixedSizeList: 16, Map: 17,
  Duration: 18, LargeBinary: 19, LargeUtf8: 20, LargeList: 21, RunEndEncoded: 22, BinaryView: 23, Utf8View: 24,
  ListView: 25, LargeListView: 26,
} as const;
const TYPE_NAMES = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k])) as Record<number, string>;
/** apache-arrow's id for its Dictionary wrapper type. */
export const DICTIONARY_TYPE_ID = -1;
/** Types whose first child is the item (its path is the parent's). */
const LIST_LIKE: ReadonlySet<number> = new Set([T.List, T.LargeList, T.FixedSizeList, T.ListView, T.LargeListView]);

const HEADER_SCHEMA = 1;
const HEADER_DICTIONARY_BATCH = 2;
const MAX_DEPTH = 64;

// Vtable slots.
const FIELD = { name: 0, nullable: 1, typeType: 2, type: 3, dictionary: 4, children: 5, metadata: 6 };
const SCHEMA = { fields: 1, metadata: 2 };
const MESSAGE = { headerType: 1, header: 2 };
const FOOTER = { schema: 1, dictionaries: 2 };
const DICTIONARY = { id: 0, indexType: 1, isOrdered: 2 };

/** Reads the Schema of IPC file (`isFile`) or stream bytes whose framing arrow-ipc.ts has checked. */
export function decodeArrowSchema(bytes: Uint8Array, isFile: boolean): SchemaLike {
  try {
    return isFile ? decodeFile(bytes) : decodeStream(bytes);
  } catch (e) {
    if (e instanceof IpcCheckError) throw new ArrowSchemaError(`cannot read the Arrow data: ${e.message}`);
    throw e;
  }
}

/** The flatbuffer of the framed message at `offset`, or null at an end-of-stream marker. */
function messageAt(bytes: Uint8Array, view: DataView, offset: number): Flat | null {
  if (offset < 0 || offset + 4 > bytes.length) throw new ArrowSchemaError('cannot read the Arrow data: a message header is cut off');
  let length = view.getInt32(offset, true);
  let start = offset + 4;
  if (length === -1) {
    if (offset + 8 > bytes.length) throw new ArrowSchemaError('cannot read the Arrow data: a message header is cut off');
    length = view.getInt32(offset + 4, true);
    start = offset + 8;
  }
  if (length === 0) return null;
  if (length < 0 || start + length > bytes.length) throw new ArrowSchemaError('cannot read the Arrow data: a message does not fit in the data');
  return new Flat(new DataView(bytes.buffer, bytes.byteOffset + start, length), 'a message');
}

function headerType(fb: Flat, message: number): number {
  const at = fb.field(message, MESSAGE.headerType);
  return at ? fb.u8(at) : 0;
}

function decodeStream(bytes: Uint8Array): SchemaLike {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The first message must be the schema (later ones are record and dictionary batches).
  const fb = messageAt(bytes, view, 0);
  if (!fb) throw new ArrowSchemaError('no schema message found');
  const message = fb.root();
  if (headerType(fb, message) !== HEADER_SCHEMA) throw new ArrowSchemaError('cannot read the Arrow data: the stream does not start with a schema message');
  const schema = fb.table(message, MESSAGE.header);
  if (!schema) throw new ArrowSchemaError('cannot read the Arrow data: the schema message has no schema');
  return decodeSchema(fb, schema);
}

function decodeFile(bytes: Uint8Array): SchemaLike {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerEnd = bytes.length - 10;
  const length = footerEnd >= 0 ? view.getInt32(footerEnd, true) : 0;
  if (length <= 0 || length > footerEnd - 8) throw new ArrowSchemaError('cannot read the Arrow data: the file footer is corrupt');
  const fb = new Flat(new DataView(bytes.buffer, bytes.byteOffset + footerEnd - length, length), 'the file footer');
  const footer = fb.root();
  const schema = fb.table(footer, FOOTER.schema);
  if (!schema) throw new ArrowSchemaError('cannot read the Arrow data: the file footer has no schema');
  const decoded = decodeSchema(fb, schema);
  // apache-arrow loads the dictionaries when it opens a file and fails on a
  // dictionary block that points at another kind of message; so does this.
  // (Their bodies are not decoded: only the schema is needed.)
  const { start, length: count } = fb.vector(footer, FOOTER.dictionaries, 24);
  for (let i = 0; i < count; i++) {
    const message = messageAt(bytes, view, fb.i64(start + 24 * i));
    if (message && headerType(message, message.root()) !== HEADER_DICTIONARY_BATCH) {
      throw new ArrowSchemaError('cannot read the Arrow data: a file footer dictionary block does not point at a dictionary batch');
    }
  }
  return decoded;
}

function decodeSchema(fb: Flat, schema: number): SchemaLike {
  const dictionaries = new Map<number, TypeLike>();
  const fields = fb.tables(schema, SCHEMA.fields).map((f) => decodeField(fb, f, (name) => name, false, 0, dictionaries));
  return { fields, metadata: decodeMetadata(fb, schema, SCHEMA.metadata) };
}

function decodeMetadata(fb: Flat, table: number, index: number): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const kv of fb.tables(table, index)) {
    const key = fb.string(kv, 0);
    if (key !== null) out.set(key, fb.string(kv, 1));
  }
  return out;
}

function bool(fb: Flat, table: number, index: number): boolean {
  const at = fb.field(table, index);
  return at ? fb.u8(at) !== 0 : false;
}
function int32(fb: Flat, table: number, index: number, fallback: number): number {
  const at = fb.field(table, index);
  return at ? fb.i32(at) : fallback;
}
function int16(fb: Flat, table: number, index: number, fallback: number): number {
  const at = fb.field(table, index);
  return at ? fb.i16(at) : fallback;
}

/**
 * One Field table. `pathOf` gives its dotted path from its name (the path rule
 * of convertType: list items and map entries do not add a level); `mapEntries`
 * marks the entries field of a map, whose first two children are the key and the value.
 */
function decodeField(fb: Flat, f: number, pathOf: (name: string) => string, mapEntries: boolean, depth: number, dictionaries: Map<number, TypeLike>): FieldLike {
  const name = fb.string(f, FIELD.name) ?? '';
  const path = pathOf(name);
  if (depth > MAX_DEPTH) throw new ArrowSchemaError(`field "${path}" is nested more than ${MAX_DEPTH} levels deep`);
  const nullable = bool(fb, f, FIELD.nullable);
  const metadata = decodeMetadata(fb, f, FIELD.metadata);
  const typeTypeAt = fb.field(f, FIELD.typeType);
  const typeId = typeTypeAt ? fb.u8(typeTypeAt) : T.NONE;
  const dictionary = fb.table(f, FIELD.dictionary);
  const decode = (): TypeLike => decodeType(fb, f, typeId, path, mapEntries, depth, dictionaries);
  let type: TypeLike;
  if (dictionary) {
    const id = fb.field(dictionary, DICTIONARY.id) ? fb.i64(fb.field(dictionary, DICTIONARY.id)) : 0;
    if (!Number.isSafeInteger(id)) throw new ArrowSchemaError(`field "${path}" has a dictionary id out of range`);
    const indexTable = fb.table(dictionary, DICTIONARY.indexType);
    const indices = indexTable ? intType(fb, indexTable, path) : { typeId: T.Int, children: [], isSigned: true, bitWidth: 32 };
    const isOrdered = bool(fb, dictionary, DICTIONARY.isOrdered);
    let value = dictionaries.get(id);
    if (!value) {
      // First use of this id: its value type is this field's type.
      value = decode();
      dictionaries.set(id, value);
    }
    type = { typeId: DICTIONARY_TYPE_ID, children: value.children, dictionary: value, indices, isOrdered, id };
  } else {
    type = decode();
  }
  return { name, type, nullable, metadata };
}

function decodeChildren(fb: Flat, f: number, typeId: number, path: string, mapEntries: boolean, depth: number, dictionaries: Map<number, TypeLike>): FieldLike[] {
  return fb.tables(f, FIELD.children).map((c, i) => {
    const isItem = i === 0 && (LIST_LIKE.has(typeId) || typeId === T.Map);
    const pathOf = isItem ? () => path : mapEntries && i < 2 ? () => `${path}.${i === 0 ? 'key' : 'value'}` : (name: string) => `${path}.${name}`;
    return decodeField(fb, c, pathOf, i === 0 && typeId === T.Map, depth + 1, dictionaries);
  });
}

function intType(fb: Flat, t: number, path: string): TypeLike {
  const bitWidth = int32(fb, t, 0, 0);
  if (![8, 16, 32, 64].includes(bitWidth)) throw new ArrowSchemaError(`field "${path}" has an integer type of ${bitWidth} bits`);
  return { typeId: T.Int, children: [], bitWidth, isSigned: bool(fb, t, 1) };
}

function unit(value: number, max: number, path: string, what: string): number {
  if (value < 0 || value > max) throw new ArrowSchemaError(`field "${path}" has an unknown ${what} (${value})`);
  return value;
}

/** The type of field `f` (its type union, parameters and children). */
function decodeType(fb: Flat, f: number, typeId: number, path: string, mapEntries: boolean, depth: number, dictionaries: Map<number, TypeLike>): TypeLike {
  // Children first, as apache-arrow does: an error inside them wins.
  // Only nested types keep their children (apache-arrow drops those of other types).
  const decoded = decodeChildren(fb, f, typeId, path, mapEntries, depth, dictionaries);
  const children: FieldLike[] = [];
  const simple = (id: number): TypeLike => ({ typeId: id, children });
  switch (typeId) {
    case T.NONE: // apache-arrow reads a missing type as Null
    case T.Null:
      return simple(T.Null);
    case T.Binary:
    case T.LargeBinary:
    case T.BinaryView:
    case T.Utf8:
    case T.LargeUtf8:
    case T.Utf8View:
    case T.Bool:
      return simple(typeId);
    case T.Struct:
      return { typeId, children: decoded };
    case T.List:
    case T.LargeList:
    case T.ListView:
    case T.LargeListView:
      return { typeId, children: decoded.slice(0, 1) };
  }
  if (typeId === T.RunEndEncoded || !(typeId in TYPE_NAMES)) {
    throw new ArrowSchemaError(`field "${path}" has an Arrow type MetaFuse does not support (${TYPE_NAMES[typeId] ?? `type id ${typeId}`})`);
  }
  const t = fb.table(f, FIELD.type);
  if (!t) throw new ArrowSchemaError(`field "${path}" has no parameters for its ${TYPE_NAMES[typeId]} type`);
  switch (typeId) {
    case T.Int:
      return { ...intType(fb, t, path), children };
    case T.FloatingPoint:
      return { typeId, children, precision: unit(int16(fb, t, 0, 0), 2, path, 'floating point precision') };
    case T.Decimal: {
      const bitWidth = int32(fb, t, 2, 128);
      if (![32, 64, 128, 256].includes(bitWidth)) throw new ArrowSchemaError(`field "${path}" has a decimal type of ${bitWidth} bits`);
      return { typeId, children, precision: int32(fb, t, 0, 0), scale: int32(fb, t, 1, 0), bitWidth };
    }
    case T.Date:
      return { typeId, children, unit: int16(fb, t, 0, 1) };
    case T.Time:
      return { typeId, children, unit: unit(int16(fb, t, 0, 1), 3, path, 'time unit'), bitWidth: int32(fb, t, 1, 32) };
    case T.Timestamp:
      return { typeId, children, unit: unit(int16(fb, t, 0, 0), 3, path, 'timestamp unit'), timezone: fb.string(t, 1) };
    case T.Interval:
      return { typeId, children, unit: unit(int16(fb, t, 0, 0), 2, path, 'interval unit') };
    case T.Duration:
      return { typeId, children, unit: unit(int16(fb, t, 0, 1), 3, path, 'duration unit') };
    case T.Union: {
      const { start, length } = fb.vector(t, 1, 4);
      const typeIds: number[] = [];
      for (let i = 0; i < length; i++) typeIds.push(fb.i32(start + 4 * i));
      return { typeId, children: decoded, mode: int16(fb, t, 0, 0), typeIds };
    }
    case T.FixedSizeBinary: {
      const byteWidth = int32(fb, t, 0, 0);
      if (byteWidth < 0) throw new ArrowSchemaError(`field "${path}" has a negative fixed-size binary width`);
      return { typeId, children, byteWidth };
    }
    case T.FixedSizeList: {
      const listSize = int32(fb, t, 0, 0);
      if (listSize < 0) throw new ArrowSchemaError(`field "${path}" has a negative fixed-size list size`);
      return { typeId, children: decoded.slice(0, 1), listSize };
    }
    case T.Map: {
      // apache-arrow renames the entries field and its first two children (ARROW-8716).
      const entries = decoded[0];
      if (entries) {
        entries.name = 'entries';
        const [k, v] = entries.type.children;
        if (k) k.name = 'key';
        if (v) v.name = 'value';
      }
      return { typeId, children: decoded.slice(0, 1), keysSorted: bool(fb, t, 0) };
    }
    default:
      throw new ArrowSchemaError(`field "${path}" has an Arrow type MetaFuse does not support (${TYPE_NAMES[typeId]})`);
  }
}
