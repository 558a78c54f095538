// Reads the schema of an Arrow IPC file or stream into our type model.
// The Schema flatbuffer is decoded by arrow-decoder.ts, not apache-arrow: its
// import alone cost ~170 ms per run and its decoding ~0.2 ms per file (~350 ms
// of a 10,000-dataset build with 1,000 Arrow files). apache-arrow remains for
// library callers that hand over an apache-arrow Schema (convertArrowSchema);
// it is imported as a type only here. The decoder returns apache-arrow's
// shapes, so both paths share convertField/convertType below.
import type { Schema } from 'apache-arrow';
import { checkIpcFile, checkIpcStream, IpcCheckError } from './arrow-ipc.js';
import { ArrowSchemaError, decodeArrowSchema, DICTIONARY_TYPE_ID, type FieldLike, type SchemaLike, type TypeLike } from './arrow-decoder.js';
import type { ArrowType, ChildField, TimeUnit } from './types.js';

export { ArrowSchemaError };

export interface ArrowSchemaInfo {
  fields: ChildField[];
  /** Schema metadata `description`. */
  description: string | null;
  /** Field metadata `description` (or `comment`), by dotted path. */
  fieldDescriptions: Map<string, string>;
}

const FILE_MAGIC = 'ARROW1';

/** Parses the schema of an IPC file or stream, after checking that every message is framed within the bytes. */
export async function readArrowSchema(bytes: Uint8Array): Promise<ArrowSchemaInfo> {
  if (bytes.length === 0) throw new ArrowSchemaError('the file is empty');
  const isFileFormat = bytes.length >= 6 && String.fromCharCode(...bytes.subarray(0, 6)) === FILE_MAGIC;
  if (isFileFormat) {
    const tail = String.fromCharCode(...bytes.subarray(Math.max(0, bytes.length - 6)));
    if (bytes.length < 12 || tail !== FILE_MAGIC) throw new ArrowSchemaError('the Arrow IPC file is truncated (no footer)');
  } else if (!looksLikeStream(bytes)) {
    throw new ArrowSchemaError('not an Arrow IPC file or stream (no Arrow magic bytes or message header)');
  }
  // Every message (and its body length) must fit the bytes, as before with apache-arrow (see arrow-ipc.ts).
  try {
    if (isFileFormat) checkIpcFile(bytes);
    else checkIpcStream(bytes);
  } catch (e) {
    if (e instanceof IpcCheckError) throw new ArrowSchemaError(`cannot read the Arrow data: ${e.message}`);
    throw e;
  }
  // Record batch bodies are not decoded: only the schema is needed, and
  // compressed batches (Feather v2's default) would need codecs.
  return convertSchema(decodeArrowSchema(bytes, isFileFormat), MAX_FIELDS);
}

/** An apache-arrow Schema in our type model (also used for schemas handed over by library callers). */
export function convertArrowSchema(schema: Schema): ArrowSchemaInfo {
  return convertSchema(schema as unknown as SchemaLike, Infinity);
}

/** Most fields converted from one file: a dictionary value type shared by several fields is converted for each. */
const MAX_FIELDS = 100_000;

interface Conversion {
  descriptions: Map<string, string>;
  /** Fields left to convert. */
  budget: number;
}

function convertSchema(schema: SchemaLike, maxFields: number): ArrowSchemaInfo {
  const ctx: Conversion = { descriptions: new Map(), budget: maxFields };
  const fields = schema.fields.map((f) => convertField(f, f.name, ctx, 0));
  return { fields, description: schema.metadata.get('description') ?? null, fieldDescriptions: ctx.descriptions };
}

function looksLikeStream(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = view.getInt32(0, true);
  // Continuation marker 0xFFFFFFFF then a positive length, or the pre-1.0 bare length.
  const length = first === -1 ? view.getInt32(4, true) : first;
  return length > 0 && length <= bytes.length;
}

const MAX_DEPTH = 64;

function convertField(f: FieldLike, path: string, ctx: Conversion, depth: number): ChildField {
  if (depth > MAX_DEPTH) throw new ArrowSchemaError(`field "${path}" is nested more than ${MAX_DEPTH} levels deep`);
  if (--ctx.budget < 0) throw new ArrowSchemaError(`the schema has more than ${MAX_FIELDS} fields (counting each use of a shared dictionary type)`);
  const description = f.metadata.get('description') ?? f.metadata.get('comment');
  // A list item shares its list's path; the list field's own description comes first and wins.
  if (description && !ctx.descriptions.has(path)) ctx.descriptions.set(path, description);
  return { name: f.name, type: convertType(f.type, path, ctx, depth), nullable: f.nullable };
}

const UNITS: TimeUnit[] = ['s', 'ms', 'us', 'ns'];

function convertType(t: TypeLike, path: string, ctx: Conversion, depth: number): ArrowType {
  // Typed loosely: apache-arrow's classes (and the decoder's look-alikes) are reached through the type id.
  const a = t;
  const child = (f: FieldLike, sub: string): ChildField => convertField(f, sub, ctx, depth + 1);
  // Paths follow the same rule as nestedChildren(): list items do not add a level.
  if ([12, 16, 17, 21, 25, 26].includes(a.typeId) && !a.children?.[0]) throw new ArrowSchemaError(`field "${path}" is a list or map without its child field`);
  switch (a.typeId) {
    case 1:
      return { kind: 'simple', name: 'null' };
    case 2: {
      const signed = a.isSigned as boolean;
      return { kind: 'simple', name: `${signed ? 'int' : 'uint'}${a.bitWidth as 8 | 16 | 32 | 64}` };
    }
    case 3:
      return { kind: 'simple', name: (['halffloat', 'float', 'double'] as const)[a.precision as number]! };
    case 4:
      return { kind: 'simple', name: 'binary' };
    case 5:
      return { kind: 'simple', name: 'string' };
    case 6:
      return { kind: 'simple', name: 'bool' };
    case 7: {
      const bits = a.bitWidth as 32 | 64 | 128 | 256;
      return { kind: 'decimal', bits, precision: a.precision as number, scale: a.scale as number };
    }
    case 8:
      return { kind: 'simple', name: a.unit === 0 ? 'date32[day]' : 'date64[ms]' };
    case 9:
      return { kind: 'time', bits: a.bitWidth === 32 ? 32 : 64, unit: UNITS[a.unit as number]! };
    case 10:
      return { kind: 'timestamp', unit: UNITS[a.unit as number]!, tz: (a.timezone as string | null) || null };
    case 11:
      return { kind: 'simple', name: (['month_interval', 'day_time_interval', 'month_day_nano_interval'] as const)[a.unit as number]! };
    case 12:
    case 21: {
      const item = a.children[0]!;
      const c = child(item, path);
      return { kind: 'list', variant: a.typeId === 12 ? 'list' : 'large_list', item: { ...c, name: 'item' } };
    }
    case 13:
      return { kind: 'struct', fields: a.children.map((f) => child(f, `${path}.${f.name}`)) };
    case 14: {
      const ids = Array.from(a.typeIds as Int32Array);
      return { kind: 'union', mode: a.mode === 1 ? 'dense' : 'sparse', fields: a.children.map((f) => child(f, `${path}.${f.name}`)), typeIds: ids };
    }
    case 15:
      return { kind: 'fixed_size_binary', width: a.byteWidth as number };
    case 16: {
      const c = child(a.children[0]!, path);
      return { kind: 'fixed_size_list', item: { ...c, name: 'item' }, size: a.listSize as number };
    }
    case 17: {
      const entries = a.children[0]!.type as { children: FieldLike[] };
      const [k, v] = entries.children ?? [];
      if (!k || !v) throw new ArrowSchemaError(`map field "${path}" has no key/value children`);
      const key = child(k, `${path}.key`);
      const value = child(v, `${path}.value`);
      return { kind: 'map', key: key.type, value: { ...value, name: 'value' }, keysSorted: Boolean(a.keysSorted) };
    }
    case 18:
      return { kind: 'duration', unit: UNITS[a.unit as number]! };
    case 19:
      return { kind: 'simple', name: 'large_binary' };
    case 20:
      return { kind: 'simple', name: 'large_string' };
    case 23:
      return { kind: 'simple', name: 'binary_view' };
    case 24:
      return { kind: 'simple', name: 'string_view' };
    case 25:
    case 26: {
      // List views: only the decoder produces these (apache-arrow has no class for them).
      const c = child(a.children[0]!, path);
      return { kind: 'list', variant: a.typeId === 25 ? 'list_view' : 'large_list_view', item: { ...c, name: 'item' } };
    }
    case DICTIONARY_TYPE_ID: {
      const value = convertType(a.dictionary as TypeLike, path, ctx, depth + 1);
      const index = convertType(a.indices as TypeLike, path, ctx, depth + 1);
      return { kind: 'dictionary', value, index, ordered: Boolean(a.isOrdered) };
    }
    default:
      throw new ArrowSchemaError(`field "${path}" has an Arrow type MetaFuse does not support (${String(t)})`);
  }
}
