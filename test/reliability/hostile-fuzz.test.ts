// Property-based fuzzing of the three loaders that read untrusted bytes (issue 9,
// part 4), with fast-check and fixed seeds:
//  (a) the YAML spec loader: arbitrary text and bytes, YAML token soup, and
//      structured mutations of valid spec documents;
//  (b) the Arrow schema reader: bit flips, overwritten lengths, truncations,
//      insertions and deletions on valid IPC files and streams;
//  (c) the catalog opener: random files, truncated and bit-flipped real catalogs,
//      future schema versions and foreign application ids in the header.
// Each input runs in a worker thread (the compiled lib/ code) with a capped heap;
// the test stops the worker when one input takes over 2 s (a hang) and fails.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import jsYaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/catalog/schema.js';
import { allTypes, ipcBytes, smallSchemaBytes } from '../helpers/arrow.js';
import { buildCatalog, ensureCompiledCli, removeTempDirs, REPO, tempDir } from '../catalog/support.js';
import { cleanupSpecTrees, datasetYaml, specTree, termYaml } from '../helpers/fixtures.js';
import { FULL, scale, suiteTimeout, writeReport } from './scale.js';

const RUNS = scale(300, 10_000);
const SEEDS = { yaml: Number(process.env.FUZZ_SEED ?? 90401), arrow: Number(process.env.FUZZ_SEED ?? 90402), catalog: Number(process.env.FUZZ_SEED ?? 90403) };
/** One input may take this long before the worker is declared hung and stopped. */
const HANG_MS = 2000;
/** Heap cap of the worker (MB): running out of it fails the run (bounded memory). */
const HEAP_MB = 512;
const DOCUMENTED = new Set([...readFileSync(path.join(REPO, 'docs', 'diagnostics.md'), 'utf8').matchAll(/^### `([a-z-]+)`$/gm)].map((m) => m[1]!));

// ---- the worker ---------------------------------------------------------------

type Task = { kind: 'yaml'; root: string; files: Record<string, Uint8Array> } | { kind: 'arrow'; bytes: Uint8Array } | { kind: 'catalog'; path: string; bytes: Uint8Array };
interface Reply {
  result?: Record<string, unknown>;
  thrown?: { errorClass: string; message: string; stack: string };
  ms: number;
}

class Runner {
  private worker!: Worker;
  private ready!: Promise<void>;
  private next = 0;
  restarts = 0;
  slowest = 0;
  constructor() {
    this.start();
  }
  private start(): void {
    this.worker = new Worker(new URL('./hostile-fuzz-worker.mjs', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
  }
  /** Runs one task; throws on a hang (over HANG_MS), a crash or a heap overflow of the worker. */
  async run(task: Task): Promise<Reply> {
    await this.ready;
    const id = ++this.next;
    const w = this.worker;
    return new Promise<Reply>((resolve, reject) => {
      const done = (f: () => void) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        f();
      };
      const restart = () => {
        this.restarts++;
        void w.terminate();
        this.start();
      };
      const onMessage = (m: Reply & { id?: number }) => {
        if (m.id !== id) return;
        this.slowest = Math.max(this.slowest, m.ms);
        done(() => resolve(m));
      };
      const onError = (e: Error) => done(() => (restart(), reject(new Error(`worker failed: ${e.message}`))));
      const onExit = (code: number) => done(() => (restart(), reject(new Error(`worker exited with ${code}`))));
      const timer = setTimeout(() => done(() => (restart(), reject(new Error(`hang: no answer within ${HANG_MS} ms`)))), HANG_MS);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ id, task });
    });
  }
  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

let runner: Runner;
const stats: Record<string, { runs: number; accepted: number; rejected: number; notes: Map<string, number>; slowestMs: number }> = {};
const note = (suite: string, accepted: boolean, key: string, ms: number) => {
  const s = (stats[suite] ??= { runs: 0, accepted: 0, rejected: 0, notes: new Map(), slowestMs: 0 });
  s.runs++;
  if (accepted) s.accepted++;
  else s.rejected++;
  s.notes.set(key, (s.notes.get(key) ?? 0) + 1);
  s.slowestMs = Math.max(s.slowestMs, ms);
};

beforeAll(() => {
  ensureCompiledCli();
  runner = new Runner();
}, 120_000);
afterAll(async () => {
  await runner?.stop();
  cleanupSpecTrees();
  removeTempDirs();
  const lines = [
    `# Hostile input fuzzing (${FULL ? 'full' : 'short'} run, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `fast-check, ${RUNS} runs per property; seeds: YAML ${SEEDS.yaml}, Arrow ${SEEDS.arrow}, catalog ${SEEDS.catalog}. Hang bound ${HANG_MS} ms per input, worker heap ${HEAP_MB} MB.`,
    '',
    '| property | runs | accepted | rejected | slowest input (ms) | outcomes |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, s] of Object.entries(stats)) {
    const top = [...s.notes].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, n]) => `${k} ×${n}`).join('; ');
    lines.push(`| ${name} | ${s.runs} | ${s.accepted} | ${s.rejected} | ${s.slowestMs.toFixed(0)} | ${top.replace(/\|/g, '\\|')} |`);
  }
  writeReport('hostile-fuzz', `${lines.join('\n')}\n`);
});

// ---- (a) YAML -------------------------------------------------------------------

const ROOT = path.join(tmpdir(), 'metafuse-fuzz-specs');
const BASE_FILES: Record<string, string> = {
  'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\nname: acme\ndefaults: {tenant: acme}\n',
  'glossary/terms.yaml': termYaml('revenue'),
  'datasets/base.yaml': datasetYaml('base', 'terms: [revenue]\nfields:\n  - {name: id, type: int64, nullable: false}\n  - {name: address, type: "struct<city: string>"}\n'),
};
const VALID_DOCS: Array<Record<string, unknown>> = [
  {
    apiVersion: 'metafuse/v1', kind: 'Dataset', name: 'orders', owner: 'team@acme.example', description: 'Orders.', domain: 'sales', tags: ['a', 'b'], terms: ['revenue'],
    upstream: ['base'], partitionKeys: ['id'], schema: '../schemas/orders.arrow',
    fields: [{ name: 'id', description: 'Id', from: ['base:id'] }, { name: 'address.city', tags: ['geo'] }],
    deprecated: { since: '2026-01-01', reason: 'r', replacement: 'base' }, properties: { sla: '06:00', retries: 3 },
  },
  {
    apiVersion: 'metafuse/v1', kind: 'Dataset', name: 'daily', owner: 'o', description: 'Daily.', terms: ['net'], upstream: ['acme/base'],
    fields: [{ name: 'day', type: 'date', nullable: false }, { name: 'm', type: 'map<string, list<item: struct<v: decimal(12,2)>>>' }, { name: 'm.value.v', description: 'v', from: ['base:address.city'] }],
  },
  { apiVersion: 'metafuse/v1', kind: 'GlossaryTerm', id: 'net', name: 'Net', definition: 'Net.', parent: 'revenue', related: ['revenue'], synonyms: ['n'] },
];
const TOKENS = [
  '\n', '\n', '  ', '    ', '- ', ': ', ':', '{', '}', '[', ']', ', ', '"', "'", '|', '>', '#', '---\n', '...\n', '? ', '&a ', '*a', '&b ', '*b', '!!str ', '!!js/function ', '!x ',
  '<<: ', '%YAML 1.2\n', '\t', '\r', '\r\n', '\u0000', '\ufeff', '\u202e', '\\', 'apiVersion: metafuse/v1', 'kind: Dataset', 'kind: GlossaryTerm', 'name: x', 'name: base',
  'owner: o', 'fields:', 'type: ', 'list<', 'struct<a: ', 'map<string, ', '>', 'int64', 'decimal(76,2)', 'schema: ', '../', '/etc/passwd', 'upstream: [base]', 'from: [base:id]',
  'id: t', 'parent: t', 'null', '~', 'true', '1e999', '0x10', 'é', '\u{1F600}',
];
const yamlText = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((t) => t.join('')) },
);
const yamlBytes = fc.oneof({ weight: 4, arbitrary: yamlText.map((s) => new TextEncoder().encode(s)) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) });

const scalar = fc.oneof(fc.constantFrom('base', 'BASE', 'acme/base', 'base:id', 'int64', 'list<', '', ' ', '../x.arrow', 'revenue', 'a'.repeat(250), '\u202e', null), fc.string({ maxLength: 8 }), fc.integer(), fc.boolean());
const anyValue: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), scalar, { maxKeys: 3 }) });
const OPS = ['drop', 'duplicate', 'retype', 'rename', 'insertChars', 'duplicateLine', 'truncate'] as const;
const mutation = fc.record({ op: fc.constantFrom(...OPS), a: fc.nat(), b: fc.nat(), value: anyValue, chars: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }) });

/** Every mapping and list inside a value. */
function containers(v: unknown, out: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (Array.isArray(v)) (out.push(v), v.forEach((x) => containers(x, out)));
  else if (v !== null && typeof v === 'object') (out.push(v as Record<string, unknown>), Object.values(v).forEach((x) => containers(x, out)));
  return out;
}

/** A valid document mutated: structural edits on the value, then textual edits on its YAML. */
interface Mutation {
  op: (typeof OPS)[number];
  a: number;
  b: number;
  value: unknown;
  chars: string;
}
function mutatedDoc(docIndex: number, muts: Mutation[]): string {
  const doc = structuredClone(VALID_DOCS[docIndex % VALID_DOCS.length]!);
  for (const m of muts) {
    const all = containers(doc);
    const target = all[m.a % all.length]!;
    if (Array.isArray(target)) {
      if (!target.length) target.push(m.value);
      else if (m.op === 'drop') target.splice(m.b % target.length, 1);
      else if (m.op === 'duplicate') target.push(structuredClone(target[m.b % target.length]));
      else if (m.op === 'retype') target[m.b % target.length] = m.value;
      continue;
    }
    const keys = Object.keys(target);
    const key = keys[m.b % Math.max(1, keys.length)];
    if (key === undefined) continue;
    if (m.op === 'drop') delete target[key];
    else if (m.op === 'retype') target[key] = m.value;
    else if (m.op === 'rename') (target[`${key}_`] = target[key], delete target[key]);
    else if (m.op === 'duplicate') target[key.toUpperCase()] = structuredClone(target[key]);
  }
  let text = jsYaml.dump(doc, { lineWidth: -1, noRefs: true });
  for (const m of muts) {
    if (m.op === 'insertChars') {
      const at = m.a % (text.length + 1);
      text = text.slice(0, at) + m.chars + text.slice(at);
    } else if (m.op === 'duplicateLine') {
      const lines = text.split('\n');
      const i = m.a % lines.length;
      lines.splice(i, 0, lines[i]!);
      text = lines.join('\n');
    } else if (m.op === 'truncate') {
      text = text.slice(0, m.a % (text.length + 1));
    }
  }
  return text;
}

const ORDERS_ARROW = smallSchemaBytes('file', 1);

async function checkYaml(target: Uint8Array, label: string): Promise<void> {
  const files: Record<string, Uint8Array> = { [path.join(ROOT, 'schemas', 'orders.arrow')]: ORDERS_ARROW };
  for (const [rel, text] of Object.entries(BASE_FILES)) files[path.join(ROOT, rel)] = new TextEncoder().encode(text);
  files[path.join(ROOT, 'datasets', 'fuzz.yaml')] = target;
  const reply = await runner.run({ kind: 'yaml', root: ROOT, files });
  expect(reply.thrown, JSON.stringify(reply.thrown)).toBeUndefined();
  const r = reply.result as { errors: number; diagnostics: Array<{ file: string; line: number; column: number; code: string; message: string }> };
  for (const d of r.diagnostics) {
    expect(DOCUMENTED.has(d.code), d.code).toBe(true);
    expect(d.line >= 1 && d.column >= 1, JSON.stringify(d)).toBe(true);
    expect(d.message, JSON.stringify(d)).not.toMatch(/[\n\r\u001b]|\n\s+at /);
  }
  // The base files are valid: every diagnostic is about the fuzzed file.
  for (const d of r.diagnostics) expect(d.file.endsWith('datasets/fuzz.yaml'), JSON.stringify(d)).toBe(true);
  note(label, r.errors === 0, r.errors === 0 ? 'accepted' : [...new Set(r.diagnostics.filter((d) => d).map((d) => d.code))].slice(0, 2).join('+'), reply.ms);
}

describe('fuzzing the YAML loader', () => {
  it('the base tree and the seed documents are valid', async () => {
    const files: Record<string, Uint8Array> = { [path.join(ROOT, 'schemas', 'orders.arrow')]: ORDERS_ARROW };
    for (const [rel, text] of Object.entries(BASE_FILES)) files[path.join(ROOT, rel)] = new TextEncoder().encode(text);
    files[path.join(ROOT, 'datasets', 'fuzz.yaml')] = new TextEncoder().encode(VALID_DOCS.map((d) => jsYaml.dump(d)).join('---\n'));
    const r = (await runner.run({ kind: 'yaml', root: ROOT, files })).result as { errors: number; datasets: number; diagnostics: unknown[] };
    expect(r.diagnostics).toEqual([]);
    expect(r.datasets).toBe(3);
  });

  it(`arbitrary text and bytes as a spec file: never throws, no hang, positioned documented diagnostics (${RUNS} runs, seed ${SEEDS.yaml})`, async () => {
    await fc.assert(fc.asyncProperty(yamlBytes, (b) => checkYaml(b, 'yaml: arbitrary text')), { numRuns: RUNS, seed: SEEDS.yaml });
  }, suiteTimeout(60_000, 900_000));

  it(`mutated valid documents (drop, duplicate, retype, rename keys; insert characters; duplicate lines; truncate) (${RUNS} runs, seed ${SEEDS.yaml + 1})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 5 }), (doc, muts) => checkYaml(new TextEncoder().encode(mutatedDoc(doc, muts)), 'yaml: mutated documents')),
      { numRuns: RUNS, seed: SEEDS.yaml + 1 },
    );
  }, suiteTimeout(60_000, 900_000));
});

// ---- (b) Arrow ------------------------------------------------------------------

const ARROW_SEEDS: Uint8Array[] = [
  smallSchemaBytes('file', 1),
  smallSchemaBytes('stream', 1),
  smallSchemaBytes('file', 0),
  ipcBytes(allTypes().schema, 'file', 1),
  ipcBytes(allTypes().schema, 'stream', 2),
];
const INTERESTING_I32 = [0, 1, -1, 8, 0x7fffffff, -0x80000000, 0xffff, 0x10000];
const arrowOp = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant('setByte' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ op: fc.constant('setI32' as const), at: fc.nat(), value: fc.constantFrom(...INTERESTING_I32) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
);
interface ArrowOp {
  op: string;
  at: number;
  bit?: number;
  value?: number;
  bytes?: Uint8Array;
  length?: number;
}

function mutateArrow(seed: Uint8Array, ops: ArrowOp[]): Uint8Array {
  let b = Uint8Array.from(seed);
  for (const o of ops) {
    if (b.length === 0) break;
    const at = o.at % b.length;
    if (o.op === 'flip') b[at]! ^= 1 << o.bit!;
    else if (o.op === 'setByte') b[at] = o.value!;
    else if (o.op === 'setI32' && at + 4 <= b.length) new DataView(b.buffer).setInt32(at, o.value!, true);
    else if (o.op === 'truncate') b = b.slice(0, at);
    else if (o.op === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...o.bytes!, ...b.subarray(at)]);
    else if (o.op === 'delete') b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + o.length!)]);
  }
  return b;
}

describe('fuzzing the Arrow schema reader', () => {
  it('the seed files are readable', async () => {
    for (const s of ARROW_SEEDS) expect((await runner.run({ kind: 'arrow', bytes: s })).result).toMatchObject({ ok: true });
  });

  it(`byte flips, overwritten lengths, truncations, insertions, deletions: only ArrowSchemaError, never a hang (${RUNS} runs, seed ${SEEDS.arrow})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: ARROW_SEEDS.length - 1 }), fc.array(arrowOp, { minLength: 1, maxLength: 6 }), async (seed, ops) => {
        const bytes = mutateArrow(ARROW_SEEDS[seed]!, ops as ArrowOp[]);
        const reply = await runner.run({ kind: 'arrow', bytes });
        expect(reply.thrown, JSON.stringify(reply.thrown)).toBeUndefined();
        const r = reply.result as { ok: boolean; own?: boolean; errorClass?: string; message?: string };
        if (!r.ok) {
          expect(r.own, `${r.errorClass}: ${r.message}`).toBe(true);
          expect(r.message!.length).toBeGreaterThan(0);
          expect(r.message).not.toMatch(/\n/);
        }
        note('arrow: mutated IPC', r.ok, r.ok ? 'accepted' : r.message!.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 60), reply.ms);
      }),
      { numRuns: RUNS, seed: SEEDS.arrow },
    );
  }, suiteTimeout(60_000, 900_000));

  it(`arbitrary bytes, with and without Arrow magic (${RUNS} runs, seed ${SEEDS.arrow + 1})`, async () => {
    const magic = new TextEncoder().encode('ARROW1\0\0');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom('none', 'head', 'both', 'stream'), async (body, frame) => {
        const bytes =
          frame === 'head' ? Uint8Array.from([...magic, ...body])
          : frame === 'both' ? Uint8Array.from([...magic, ...body, ...magic.subarray(0, 6)])
          : frame === 'stream' ? Uint8Array.from([0xff, 0xff, 0xff, 0xff, body.length & 0xff, 0, 0, 0, ...body])
          : body;
        const reply = await runner.run({ kind: 'arrow', bytes });
        expect(reply.thrown, JSON.stringify(reply.thrown)).toBeUndefined();
        const r = reply.result as { ok: boolean; own?: boolean; errorClass?: string; message?: string };
        if (!r.ok) expect(r.own, `${r.errorClass}: ${r.message}`).toBe(true);
        note('arrow: random bytes', r.ok, r.ok ? 'accepted' : r.message!.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 60), reply.ms);
      }),
      { numRuns: RUNS, seed: SEEDS.arrow + 1 },
    );
  }, suiteTimeout(60_000, 900_000));
});

// ---- (c) catalogs ------------------------------------------------------------------

let catalogBytes: Uint8Array;
let scratch: string;

describe('fuzzing the catalog opener', () => {
  beforeAll(async () => {
    const specs = specTree({ ...BASE_FILES, 'datasets/more.yaml': datasetYaml('more', 'upstream: [base]\n') });
    const dir = tempDir();
    await buildCatalog(specs, path.join(dir, 'catalog.db'));
    catalogBytes = readFileSync(path.join(dir, 'catalog.db'));
    scratch = mkdtempSync(path.join(tmpdir(), 'metafuse-fuzz-cat-'));
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const open = async (bytes: Uint8Array, label: string) => {
    const reply = await runner.run({ kind: 'catalog', path: path.join(scratch, 'c.db'), bytes });
    expect(reply.thrown, JSON.stringify(reply.thrown)).toBeUndefined();
    const r = reply.result as { ok: boolean; own?: boolean; errorClass?: string; message?: string; queryError?: { message: string } | null };
    if (!r.ok) {
      expect(r.own, `${r.errorClass}: ${r.message}`).toBe(true);
      expect(r.message).toContain(path.join(scratch, 'c.db'));
    }
    note(label, r.ok, r.ok ? (r.queryError ? 'opened; a query then found damage' : 'opened') : r.message!.replace(/"[^"]*"/g, '"…"').replace(/\(.*\)/, '(…)').replace(/\d+/g, 'N').slice(0, 70), reply.ms);
    return r;
  };

  it('the real catalog opens', async () => {
    expect(await open(catalogBytes, 'catalog: control')).toMatchObject({ ok: true, queryError: null });
  });

  it(`random files and truncated real catalogs are refused with a CatalogError (${RUNS} runs, seed ${SEEDS.catalog})`, async () => {
    const magic = new TextEncoder().encode('SQLite format 3\0');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 4096 }).map((b) => ({ kind: 'random', bytes: b })),
          fc.uint8Array({ minLength: 84, maxLength: 4096 }).map((b) => ({ kind: 'random with SQLite magic', bytes: Uint8Array.from([...magic, ...b]) })),
          fc.nat().map((n) => ({ kind: 'truncated', bytes: catalogBytes.subarray(0, n % catalogBytes.length) })),
        ),
        async ({ kind, bytes }) => {
          const r = await open(bytes, `catalog: ${kind}`);
          expect(r.ok, `${kind} opened`).toBe(false);
          if (kind === 'truncated') expect(r.message).toMatch(bytes.length < 100 ? /not an SQLite file/ : /is truncated/);
        },
      ),
      { numRuns: RUNS, seed: SEEDS.catalog },
    );
  }, suiteTimeout(60_000, 900_000));

  it(`future schema versions and foreign application ids are refused; bit flips never crash (${RUNS} runs, seed ${SEEDS.catalog + 1})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: SCHEMA_VERSION + 1, max: 0xffffffff }).map((v) => ({ kind: 'future version', v })),
          fc.integer({ min: 0, max: 0xffffffff }).filter((v) => v !== APPLICATION_ID).map((v) => ({ kind: 'foreign application id', v })),
          fc.array(fc.record({ at: fc.nat(), bit: fc.nat({ max: 7 }) }), { minLength: 1, maxLength: 8 }).map((flips) => ({ kind: 'bit flips', flips })),
        ),
        async (c) => {
          const b = Uint8Array.from(catalogBytes);
          const view = new DataView(b.buffer);
          if (c.kind === 'future version') view.setUint32(60, (c as { v: number }).v); // PRAGMA user_version
          else if (c.kind === 'foreign application id') view.setUint32(68, (c as { v: number }).v); // PRAGMA application_id
          else for (const f of (c as { flips: Array<{ at: number; bit: number }> }).flips) b[f.at % b.length]! ^= 1 << f.bit;
          const r = await open(b, `catalog: ${c.kind}`);
          if (c.kind === 'future version') expect(r.message).toMatch(/newer than this MetaFuse understands .*upgrade MetaFuse/);
          if (c.kind === 'foreign application id') expect(r.message).toMatch(/is an SQLite file but not a MetaFuse catalog/);
        },
      ),
      { numRuns: RUNS, seed: SEEDS.catalog + 1 },
    );
  }, suiteTimeout(60_000, 900_000));
});
