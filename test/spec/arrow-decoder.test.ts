// The hand-written Arrow Schema decoder (src/spec/arrow-decoder.ts) against
// apache-arrow, which readArrowSchema used before: the same ArrowSchemaInfo for
// every Arrow file in the repository and for random schemas apache-arrow
// writes, and only ArrowSchemaError for damaged files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as A from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrowSchemaError, convertArrowSchema, readArrowSchema, type ArrowSchemaInfo } from '../../src/spec/arrow-schema.js';
import { checkIpcFile, checkIpcStream, Flat, IpcCheckError } from '../../src/spec/arrow-ipc.js';
import { allTypes, field, ipcBytes, schema } from '../helpers/arrow.js';

const TEST_DIR = path.resolve(import.meta.dirname, '..');

/** readArrowSchema as it was before the decoder: the same checks, then apache-arrow's RecordBatchReader. */
async function readWithApacheArrow(bytes: Uint8Array): Promise<ArrowSchemaInfo> {
  if (bytes.length === 0) throw new ArrowSchemaError('the file is empty');
  const isFile = bytes.length >= 6 && String.fromCharCode(...bytes.subarray(0, 6)) === 'ARROW1';
  if (isFile) {
    if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(bytes.length - 6)) !== 'ARROW1') throw new ArrowSchemaError('truncated');
  } else {
    if (bytes.length < 8) throw new ArrowSchemaError('not arrow');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const first = view.getInt32(0, true);
    const length = first === -1 ? view.getInt32(4, true) : first;
    if (!(length > 0 && length <= bytes.length)) throw new ArrowSchemaError('not arrow');
  }
  try {
    if (isFile) checkIpcFile(bytes);
    else checkIpcStream(bytes);
    const reader = A.RecordBatchReader.from(bytes);
    reader.open();
    if (!reader.schema) throw new ArrowSchemaError('no schema message found');
    return convertArrowSchema(reader.schema);
  } catch (e) {
    if (e instanceof ArrowSchemaError) throw e;
    if (e instanceof IpcCheckError) throw new ArrowSchemaError(e.message);
    throw new ArrowSchemaError(`apache-arrow: ${e instanceof Error ? e.message : String(e)}`);
  }
}

type Outcome = { ok: true; info: ArrowSchemaInfo } | { ok: false; error: unknown };
async function outcome(read: (b: Uint8Array) => Promise<ArrowSchemaInfo>, bytes: Uint8Array): Promise<Outcome> {
  try {
    return { ok: true, info: await read(bytes) };
  } catch (error) {
    return { ok: false, error };
  }
}

function arrowFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(arrow|arrows|feather|ipc)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe('every Arrow file committed under test/', () => {
  const files = arrowFilesUnder(TEST_DIR);
  const index = new Map(
    readFileSync(path.join(TEST_DIR, 'fixtures/hostile/arrow/INDEX.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t'))
      .map(([file, , expect]) => [file!, expect!] as const),
  );

  it('finds the polars and hostile fixtures', () => {
    expect(files.filter((f) => f.includes('fixtures/polars/')).length).toBe(2);
    expect(files.filter((f) => f.includes('fixtures/hostile/arrow/')).length).toBe(index.size);
  });

  it.each(files.map((f) => [path.relative(TEST_DIR, f)]))('%s: the decoder gives what apache-arrow gave', async (rel) => {
    const bytes = new Uint8Array(readFileSync(path.join(TEST_DIR, rel)));
    const before = await outcome(readWithApacheArrow, bytes);
    const after = await outcome(readArrowSchema, bytes);
    if (!after.ok) expect(after.error).toBeInstanceOf(ArrowSchemaError);
    expect(after.ok).toBe(before.ok);
    if (before.ok && after.ok) expect(after.info).toEqual(before.info);
    // The hostile corpus says which files are accepted.
    const entry = index.get(path.basename(rel));
    if (rel.includes('hostile/arrow/')) expect(after.ok ? 'ok' : 'invalid').toBe(entry === 'ok' ? 'ok' : 'invalid');
  });

  it('reads the polars files: string_view, large_list, uint32 dictionaries, large_string', async () => {
    const file = await readArrowSchema(new Uint8Array(readFileSync(path.join(TEST_DIR, 'fixtures/polars/polars-file.arrow'))));
    expect(file.fields.map((f) => f.name)).toEqual(['id', 'name', 'tags', 'cat']);
    expect(file.fields[3]!.type).toMatchObject({ kind: 'dictionary', index: { kind: 'simple', name: 'uint32' } });
  });
});

// ---- random schemas written by apache-arrow ----

const name = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('id', 'a.b', 'item', ''));
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }));
const metadata = fc.option(
  fc.dictionary(fc.oneof(fc.constantFrom('description', 'comment'), text), text, { maxKeys: 3 }).map((o) => new Map(Object.entries(o))),
  { nil: undefined },
);

const intType = fc.constantFrom<A.DataType>(new A.Int8(), new A.Int16(), new A.Int32(), new A.Int64(), new A.Uint8(), new A.Uint16(), new A.Uint32(), new A.Uint64());
const leafType: fc.Arbitrary<A.DataType> = fc.oneof(
  intType,
  fc.constantFrom<A.DataType>(
    new A.Null(), new A.Bool(), new A.Float16(), new A.Float32(), new A.Float64(),
    new A.Utf8(), new A.LargeUtf8(), new A.Utf8View(), new A.Binary(), new A.LargeBinary(), new A.BinaryView(),
    new A.DateDay(), new A.DateMillisecond(),
    new A.TimeSecond(), new A.TimeMillisecond(), new A.TimeMicrosecond(), new A.TimeNanosecond(),
    new A.IntervalYearMonth(), new A.IntervalDayTime(), new A.IntervalMonthDayNano(),
    new A.DurationSecond(), new A.DurationMillisecond(), new A.DurationMicrosecond(), new A.DurationNanosecond(),
  ),
  fc.integer({ min: 0, max: 1 << 20 }).map((w) => new A.FixedSizeBinary(w)),
  fc.record({ bits: fc.constantFrom(32, 64, 128, 256), precision: fc.integer({ min: 1, max: 76 }), scale: fc.integer({ min: -10, max: 40 }) }).map((d) => new A.Decimal(d.scale, d.precision, d.bits)),
  fc.record({ unit: fc.constantFrom(A.TimeUnit.SECOND, A.TimeUnit.MILLISECOND, A.TimeUnit.MICROSECOND, A.TimeUnit.NANOSECOND), tz: fc.option(fc.oneof(fc.constantFrom('UTC', 'Europe/Paris', '+05:30'), text), { nil: null }) }).map((t) => new A.Timestamp(t.unit, t.tz)),
);

const arrowField = (type: fc.Arbitrary<A.DataType>): fc.Arbitrary<A.Field> =>
  fc.record({ name, type, nullable: fc.boolean(), metadata }).map((f) => new A.Field(f.name, f.type, f.nullable, f.metadata));

const { type: anyType } = fc.letrec<{ type: A.DataType }>((tie) => {
  const sub = arrowField(tie('type'));
  return {
    type: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafType,
      sub.map((f) => new A.List(f)),
      sub.map((f) => new A.LargeList(f)),
      fc.tuple(fc.integer({ min: 0, max: 1000 }), sub).map(([n, f]) => new A.FixedSizeList(n, f)),
      fc.array(sub, { maxLength: 4 }).map((fs) => new A.Struct(fs)),
      fc.record({ key: leafType, value: sub, sorted: fc.boolean(), meta: metadata }).map(
        ({ key, value, sorted, meta }) => new A.Map_(new A.Field('entries', new A.Struct([new A.Field('key', key, false, meta), value]), false) as A.Field<A.Struct<{ key: A.DataType; value: A.DataType }>>, sorted),
      ),
      // Each Dictionary gets a fresh id, so the schema written is the schema read back.
      // A dictionary of dictionaries cannot be written (apache-arrow writes its type enum as 255).
      fc.record({ value: fc.oneof(leafType, tie('type').filter((t) => !A.DataType.isDictionary(t))), index: intType, ordered: fc.boolean() }).map(({ value, index, ordered }) => new A.Dictionary(value, index as A.Int32, null, ordered)),
      fc.record({ dense: fc.boolean(), children: fc.array(sub, { minLength: 1, maxLength: 3 }), ids: fc.uniqueArray(fc.integer({ min: 0, max: 127 }), { minLength: 3, maxLength: 3 }) }).map(
        ({ dense, children, ids }) => (dense ? new A.DenseUnion(ids.slice(0, children.length), children) : new A.SparseUnion(ids.slice(0, children.length), children)),
      ),
    ),
  };
});

const arrowSchema = fc.record({ fields: fc.array(arrowField(anyType), { maxLength: 6 }), metadata }).map((s) => new A.Schema(s.fields, s.metadata));

function hasEmptyName(fields: A.Field[]): boolean {
  return fields.some((f) => f.name === '' || hasEmptyName(f.type.children ?? []));
}

describe('random apache-arrow schemas', () => {
  it('decode to convertArrowSchema(schema) from both the IPC file and stream', async () => {
    await fc.assert(
      fc.asyncProperty(arrowSchema, async (s) => {
        const expected = convertArrowSchema(s);
        for (const format of ['file', 'stream'] as const) {
          const bytes = ipcBytes(s, format);
          expect(await readArrowSchema(bytes)).toEqual(expected);
          // apache-arrow reads back an unnamed field as null where the decoder gives "": otherwise they agree too.
          if (!hasEmptyName(s.fields)) expect(await readWithApacheArrow(bytes)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decodes every supported type (the allTypes() schema) like apache-arrow, with record batches too', async () => {
    for (const format of ['file', 'stream'] as const) {
      for (const batches of [0, 2]) {
        const bytes = ipcBytes(allTypes().schema, format, batches);
        expect(await readArrowSchema(bytes)).toEqual(await readWithApacheArrow(bytes));
      }
    }
  });
});

// ---- apache-arrow's reading rules that decide a result ----

/** The Field table of top-level field `i` in the schema message of a stream, and the message's flatbuffer. */
function streamField(bytes: Uint8Array, i: number): { fb: Flat; field: number; start: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(view.getInt32(0, true)).toBe(-1);
  const start = 8;
  const fb = new Flat(new DataView(bytes.buffer, bytes.byteOffset + start, view.getInt32(4, true)), 'test');
  const message = fb.root();
  const schemaTable = fb.table(message, 2);
  return { fb, field: fb.tables(schemaTable, 1)[i]!, start };
}

/** A copy of stream bytes with the type enum of top-level field `i` set to `typeType`. */
function withTypeType(bytes: Uint8Array, i: number, typeType: number): Uint8Array {
  const out = bytes.slice();
  const { fb, field: f, start } = streamField(out, i);
  const at = fb.field(f, 2);
  expect(at).toBeGreaterThan(0);
  out[start + at] = typeType;
  return out;
}

describe('reading rules', () => {
  it('reads list views (which apache-arrow cannot) as list_view and large_list_view', async () => {
    const s = schema([field('lv', new A.List(field('item', new A.Int32(), true, { description: 'Item' }))), field('llv', new A.List(field('item', new A.Utf8())))]);
    let bytes = ipcBytes(s, 'stream');
    bytes = withTypeType(withTypeType(bytes, 0, 25), 1, 26);
    const info = await readArrowSchema(bytes);
    expect(info.fields.map((f) => f.type)).toEqual([
      { kind: 'list', variant: 'list_view', item: { name: 'item', type: { kind: 'simple', name: 'int32' }, nullable: true } },
      { kind: 'list', variant: 'large_list_view', item: { name: 'item', type: { kind: 'simple', name: 'string' }, nullable: true } },
    ]);
    expect(info.fieldDescriptions.get('lv')).toBe('Item');
    await expect(readWithApacheArrow(bytes)).rejects.toThrow(/Unrecognized type/);
  });

  it('rejects RunEndEncoded and unknown types with the field path', async () => {
    const s = schema([field('s', new A.Struct([field('ok', new A.Int8()), field('bad', new A.Int8())]))]);
    const bytes = ipcBytes(s, 'stream');
    // The struct's second child: patch its type enum through the children vector.
    const { fb, field: f, start } = streamField(bytes, 0);
    const bad = fb.tables(f, 5)[1]!;
    for (const [typeType, message] of [
      [22, 'field "s.bad" has an Arrow type MetaFuse does not support (RunEndEncoded)'],
      [200, 'field "s.bad" has an Arrow type MetaFuse does not support (type id 200)'],
    ] as const) {
      const out = bytes.slice();
      out[start + fb.field(bad, 2)] = typeType;
      await expect(readArrowSchema(out)).rejects.toThrow(new ArrowSchemaError(message));
      await expect(readWithApacheArrow(out)).rejects.toBeInstanceOf(ArrowSchemaError);
    }
  });

  it('names list items and map keys and values by the paths convertType uses', async () => {
    const entries = field('entries', new A.Struct([field('key', new A.Utf8(), false), field('value', new A.Int8())]), false) as A.Field<A.Struct<{ key: A.Utf8; value: A.Int8 }>>;
    const bytes = ipcBytes(schema([field('l', new A.List(field('item', new A.Int8()))), field('m', new A.Map_(entries))]), 'stream');
    const cases: Array<[string, (fb: Flat, top: (i: number) => number) => number]> = [
      ['l', (fb, top) => fb.tables(top(0), 5)[0]!],
      ['m.key', (fb, top) => fb.tables(fb.tables(top(1), 5)[0]!, 5)[0]!],
      ['m.value', (fb, top) => fb.tables(fb.tables(top(1), 5)[0]!, 5)[1]!],
    ];
    for (const [path, find] of cases) {
      const out = bytes.slice();
      const { fb, start } = streamField(out, 0);
      const target = find(fb, (i) => streamField(out, i).field);
      out[start + fb.field(target, 2)] = 22;
      // Name the field otherwise (arrow-rs calls them "keys" and "values"): the path stays the same.
      const nameAt = start + fb.field(target, 0);
      const nameStart = nameAt + new DataView(out.buffer).getUint32(nameAt, true) + 4;
      out[nameStart] = 'Z'.charCodeAt(0);
      await expect(readArrowSchema(out)).rejects.toThrow(new ArrowSchemaError(`field "${path}" has an Arrow type MetaFuse does not support (RunEndEncoded)`));
    }
  });

  it('reuses the value type of the first field with the same dictionary id, as apache-arrow does', async () => {
    const s = new A.Schema([
      field('a', new A.Dictionary(new A.Utf8(), new A.Int8(), 7)),
      field('b', new A.Dictionary(new A.Int64(), new A.Int32(), 7, true)),
      field('c', new A.Dictionary(new A.Float64(), new A.Uint16(), 8)),
    ], undefined, new Map()); // an empty dictionary map skips apache-arrow's check for reused ids
    for (const format of ['file', 'stream'] as const) {
      const bytes = ipcBytes(s, format);
      const info = await readArrowSchema(bytes);
      expect(info).toEqual(await readWithApacheArrow(bytes));
      expect(info.fields.map((f) => f.type)).toEqual([
        { kind: 'dictionary', value: { kind: 'simple', name: 'string' }, index: { kind: 'simple', name: 'int8' }, ordered: false },
        { kind: 'dictionary', value: { kind: 'simple', name: 'string' }, index: { kind: 'simple', name: 'int32' }, ordered: true },
        { kind: 'dictionary', value: { kind: 'simple', name: 'double' }, index: { kind: 'simple', name: 'uint16' }, ordered: false },
      ]);
    }
  });

  it('reads a missing type (NONE) as null and a missing name as ""', async () => {
    const bytes = withTypeType(ipcBytes(schema([field('x', new A.Int32())]), 'stream'), 0, 0);
    expect((await readArrowSchema(bytes)).fields).toEqual([{ name: 'x', type: { kind: 'simple', name: 'null' }, nullable: true }]);
    const unnamed = await readArrowSchema(ipcBytes(schema([field('', new A.Int32(), false)]), 'stream'));
    expect(unnamed.fields).toEqual([{ name: '', type: { kind: 'simple', name: 'int32' }, nullable: false }]);
  });

  it('keeps a leading U+FEFF in names and metadata (a decoder drops it by default)', async () => {
    const s = new A.Schema([new A.Field('\ufeffid', new A.Int32(), true, new Map([['description', '\ufeffthe id']]))], new Map([['\ufeffk', '\ufeffv']]));
    const expected = convertArrowSchema(s);
    expect(expected.fields[0]!.name).toBe('\ufeffid');
    for (const format of ['file', 'stream'] as const) expect(await readArrowSchema(ipcBytes(s, format))).toEqual(expected);
  });

  it('rejects parameters no Arrow writer produces instead of passing them on', async () => {
    const bytes = ipcBytes(schema([field('n', new A.Int32())]), 'stream');
    const { fb, field: f, start } = streamField(bytes, 0);
    const intTable = fb.table(f, 3);
    const out = bytes.slice();
    new DataView(out.buffer).setInt32(start + fb.field(intTable, 0), 7, true);
    await expect(readArrowSchema(out)).rejects.toThrow(new ArrowSchemaError('field "n" has an integer type of 7 bits'));
  });

  it('stops a schema whose shared dictionary types multiply the fields to convert', async () => {
    // Level L's dictionary value is a struct of two fields reusing level L-1's dictionary id (their
    // own types are ignored): 90 Field tables, but 2^30 fields to convert. apache-arrow shares the
    // types the same way, so the old path would have spun; the decoder path stops at the limit.
    const fields: A.Field[] = [field('d0', new A.Dictionary(new A.Int8(), new A.Int32(), 0))];
    for (let level = 1; level <= 30; level++) {
      const reuse = (n: string) => field(n, new A.Dictionary(new A.Int8(), new A.Int32(), level - 1));
      fields.push(field(`d${level}`, new A.Dictionary(new A.Struct([reuse('x'), reuse('y')]), new A.Int32(), level)));
    }
    const bytes = ipcBytes(new A.Schema(fields, undefined, new Map()), 'stream');
    expect(bytes.length).toBeLessThan(20_000);
    await expect(readArrowSchema(bytes)).rejects.toThrow(/more than 100000 fields/);
  });
});

// ---- damaged files ----

const valid: Array<[string, Uint8Array]> = [
  ['allTypes file', ipcBytes(allTypes().schema, 'file', 1)],
  ['allTypes stream', ipcBytes(allTypes().schema, 'stream', 1)],
  ['polars file', new Uint8Array(readFileSync(path.join(TEST_DIR, 'fixtures/polars/polars-file.arrow')))],
  ['polars stream', new Uint8Array(readFileSync(path.join(TEST_DIR, 'fixtures/polars/polars-stream.arrow')))],
  ['dictionary stream', new Uint8Array(readFileSync(path.join(TEST_DIR, 'fixtures/hostile/arrow/dictionary-stream.arrow')))],
];

async function onlyArrowSchemaError(bytes: Uint8Array): Promise<void> {
  try {
    const info = await readArrowSchema(bytes);
    expect(Array.isArray(info.fields)).toBe(true);
  } catch (e) {
    if (!(e instanceof ArrowSchemaError)) throw new Error(`not an ArrowSchemaError: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

describe('damaged files only ever give ArrowSchemaError', () => {
  it.each(valid)('%s: every truncation', async (_, bytes) => {
    for (let n = 0; n < bytes.length; n++) await onlyArrowSchemaError(bytes.subarray(0, n));
  });

  it.each(valid)('%s: random bit flips and overwritten words', async (_, bytes) => {
    const edit = fc.oneof(
      fc.record({ at: fc.nat(bytes.length - 1), bit: fc.integer({ min: 0, max: 7 }) }).map(({ at, bit }) => (b: Uint8Array) => void (b[at]! ^= 1 << bit)),
      fc.record({ at: fc.nat(bytes.length - 4), value: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1 << 30, 0x7fffffff, -0x80000000)) }).map(
        ({ at, value }) => (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).setInt32(at, value, true),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        const out = bytes.slice();
        for (const e of edits) e(out);
        await onlyArrowSchemaError(out);
      }),
      { numRuns: 1500 },
    );
  });
});
