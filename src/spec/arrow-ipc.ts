// A bounds-checked walk over the framing and flatbuffer metadata of Arrow IPC
// bytes, run before the schema is decoded (arrow-decoder.ts, which reads
// through the same Flat). Written when apache-arrow did the decoding: it trusts
// lengths in the metadata, so a corrupt vector length made it build billions of
// objects (out of memory) and a footer block pointing at the wrong message made
// its batch iterator spin forever. The walk still decides which damaged files
// are refused (every message and body must fit) and throws IpcCheckError at the
// first structure that does not fit.

export class IpcCheckError extends Error {}

/** Most Field tables decoded from one schema (nested fields included). */
const MAX_FIELDS = 100_000;
/** Deepest field nesting followed (the type model stops at 64 as well). */
const MAX_DEPTH = 64;

const HEADER_SCHEMA = 1;
const HEADER_DICTIONARY_BATCH = 2;
const HEADER_RECORD_BATCH = 3;
const TYPE_UNION = 14;
// ignoreBOM: a string that starts with U+FEFF keeps it (the default decoder drops it).
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A flatbuffer whose every read is checked against its bounds (also used by arrow-decoder.ts). */
export class Flat {
  private readonly size: number;
  constructor(
    private readonly view: DataView,
    private readonly what: string,
  ) {
    this.size = view.byteLength;
  }

  private need(offset: number, size: number): void {
    // Offsets come from integer reads and sums, so only the range needs checking (NaN fails it too).
    if (!(offset >= 0 && offset + size <= this.size)) {
      throw new IpcCheckError(`${this.what} points outside its bytes`);
    }
  }
  u8(o: number): number {
    this.need(o, 1);
    return this.view.getUint8(o);
  }
  u16(o: number): number {
    this.need(o, 2);
    return this.view.getUint16(o, true);
  }
  i16(o: number): number {
    this.need(o, 2);
    return this.view.getInt16(o, true);
  }
  i32(o: number): number {
    this.need(o, 4);
    return this.view.getInt32(o, true);
  }
  u32(o: number): number {
    this.need(o, 4);
    return this.view.getUint32(o, true);
  }
  i64(o: number): number {
    this.need(o, 8);
    return Number(this.view.getBigInt64(o, true));
  }

  /** Offset of the root table. */
  root(): number {
    return this.u32(0);
  }
  /** Position of field `index` of the table at `table`, or 0 when absent. */
  field(table: number, index: number): number {
    const vtable = table - this.i32(table);
    const vtableSize = this.u16(vtable);
    if (vtableSize < 4 || vtableSize % 2 !== 0) throw new IpcCheckError(`${this.what} has a malformed table`);
    this.need(vtable, vtableSize);
    const slot = 4 + 2 * index;
    if (slot >= vtableSize) return 0;
    const rel = this.u16(vtable + slot);
    if (rel === 0) return 0;
    return table + rel;
  }
  /** The table an offset field refers to, or 0. */
  table(table: number, index: number): number {
    const at = this.field(table, index);
    if (!at) return 0;
    const target = at + this.u32(at);
    this.need(target, 4);
    return target;
  }
  /** Start and length of a vector field whose elements take `size` bytes; length 0 when absent. */
  vector(table: number, index: number, size: number): { start: number; length: number } {
    const at = this.field(table, index);
    if (!at) return { start: 0, length: 0 };
    const vec = at + this.u32(at);
    const length = this.u32(vec);
    this.need(vec + 4, length * size);
    return { start: vec + 4, length };
  }
  /** A string field (UTF-8, invalid bytes replaced), or null when absent. */
  string(table: number, index: number): string | null {
    const at = this.field(table, index);
    if (!at) return null;
    const vec = at + this.u32(at);
    const length = this.u32(vec);
    this.need(vec + 4, length);
    const start = this.view.byteOffset + vec + 4;
    const bytes = new Uint8Array(this.view.buffer, start, length);
    // Short ASCII strings (most names) without TextDecoder's per-call cost.
    if (length <= 64) {
      let s = '';
      for (let i = 0; i < length; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) return utf8.decode(bytes);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(bytes);
  }
  /** The tables of a vector of tables. */
  tables(table: number, index: number): number[] {
    const { start, length } = this.vector(table, index, 4);
    const out: number[] = [];
    for (let i = 0; i < length; i++) {
      const at = start + 4 * i;
      const target = at + this.u32(at);
      this.need(target, 4);
      out.push(target);
    }
    return out;
  }
}

function checkKeyValues(fb: Flat, table: number, index: number): void {
  for (const kv of fb.tables(table, index)) {
    fb.vector(kv, 0, 1);
    fb.vector(kv, 1, 1);
  }
}

function checkSchema(fb: Flat, schema: number): void {
  let budget = MAX_FIELDS;
  const checkField = (field: number, depth: number): void => {
    if (--budget < 0) throw new IpcCheckError(`the schema has more than ${MAX_FIELDS} fields`);
    if (depth > MAX_DEPTH) throw new IpcCheckError(`the schema nests fields more than ${MAX_DEPTH} levels deep`);
    fb.vector(field, 0, 1); // name
    const typeType = fb.field(field, 2) ? fb.u8(fb.field(field, 2)) : 0;
    const type = fb.table(field, 3);
    if (type && typeType === TYPE_UNION) fb.vector(type, 1, 4); // typeIds
    const dictionary = fb.table(field, 4);
    if (dictionary) fb.table(dictionary, 1); // index type
    for (const child of fb.tables(field, 5)) checkField(child, depth + 1);
    checkKeyValues(fb, field, 6);
  };
  for (const field of fb.tables(schema, 1)) checkField(field, 0);
  checkKeyValues(fb, schema, 2);
  fb.vector(schema, 3, 8); // features
}

function checkRecordBatch(fb: Flat, batch: number): void {
  fb.vector(batch, 1, 16); // nodes
  fb.vector(batch, 2, 16); // buffers
  fb.table(batch, 3); // compression
  fb.vector(batch, 4, 8); // variadic buffer counts
}

/** Checks one framed message at `offset`; returns the offset after its body, or -1 at an end-of-stream marker. */
function checkMessage(bytes: Uint8Array, view: DataView, offset: number): number {
  const remaining = bytes.length - offset;
  if (remaining < 4) throw new IpcCheckError('a message header is cut off');
  let length = view.getInt32(offset, true);
  let header = 4;
  if (length === -1) {
    if (remaining < 8) throw new IpcCheckError('a message header is cut off');
    length = view.getInt32(offset + 4, true);
    header = 8;
  }
  if (length === 0) return -1;
  if (length < 0) throw new IpcCheckError('a message has a negative length');
  const start = offset + header;
  if (start + length > bytes.length) throw new IpcCheckError('the data is truncated (a message ends after the end of the file)');
  const fb = new Flat(new DataView(bytes.buffer, bytes.byteOffset + start, length), 'a message');
  const message = fb.root();
  const headerTypeAt = fb.field(message, 1);
  const headerType = headerTypeAt ? fb.u8(headerTypeAt) : 0;
  const body = fb.field(message, 3) ? fb.i64(fb.field(message, 3)) : 0;
  if (body < 0) throw new IpcCheckError('a message has a negative body length');
  const content = fb.table(message, 2);
  if (content && headerType === HEADER_SCHEMA) checkSchema(fb, content);
  if (content && headerType === HEADER_RECORD_BATCH) checkRecordBatch(fb, content);
  if (content && headerType === HEADER_DICTIONARY_BATCH) {
    const data = fb.table(content, 1);
    if (data) checkRecordBatch(fb, data);
  }
  checkKeyValues(fb, message, 4);
  const end = start + length + body;
  if (end > bytes.length) throw new IpcCheckError('the data is truncated (a message body ends after the end of the file)');
  return end;
}

/** Checks an IPC stream: every message up to the end-of-stream marker or the end of the bytes. */
export function checkIpcStream(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    const next = checkMessage(bytes, view, offset);
    if (next < 0) break;
    offset = next;
  }
}

/** Checks an IPC file (magic at both ends already checked): the footer and every message its blocks point at. */
export function checkIpcFile(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerEnd = bytes.length - 10;
  const length = view.getInt32(footerEnd, true);
  if (length <= 0 || length > footerEnd - 8) throw new IpcCheckError('the file footer is corrupt');
  const fb = new Flat(new DataView(bytes.buffer, bytes.byteOffset + footerEnd - length, length), 'the file footer');
  const footer = fb.root();
  const schema = fb.table(footer, 1);
  if (schema) checkSchema(fb, schema);
  for (const index of [2, 3]) {
    const { start, length: count } = fb.vector(footer, index, 24);
    for (let i = 0; i < count; i++) {
      const offset = fb.i64(start + 24 * i);
      if (offset < 8 || offset >= footerEnd - length) throw new IpcCheckError('a file footer block points outside the data');
      checkMessage(bytes, view, offset);
    }
  }
}
