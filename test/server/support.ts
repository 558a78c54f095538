// Shared helpers for the server tests: catalogs built once per test file, a real
// server on a random loopback port, a raw HTTP client that sends paths exactly as
// written (no normalisation, so "..", "%2e" and backslashes reach the server), and
// a validator that checks every response against the served OpenAPI document.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { openApiDocument } from '../../src/server/openapi.js';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/index.js';
import { BIN, buildCatalog, EXAMPLE_SPECS, REPO, tempDir } from '../catalog/support.js';

export { BIN, EXAMPLE_SPECS, REPO };

/** Builds the example catalog (catalog-specs/) into dir/name. */
export async function exampleCatalog(dir: string, name = 'example.db'): Promise<string> {
  const file = path.join(dir, name);
  await buildCatalog(EXAMPLE_SPECS, file);
  return file;
}

/** Generates a synthetic corpus of n datasets with bench/generate.mjs (seed 1) and builds it into dir. */
export async function generatedCatalog(dir: string, n = 10_000): Promise<string> {
  const specs = path.join(dir, `specs-${n}`);
  const r = await runNode([path.join(REPO, 'bench', 'generate.mjs'), '--datasets', String(n), '--out', specs, '--seed', '1']);
  if (r.code !== 0) throw new Error(`generate.mjs failed (exit ${r.code}):\n${r.stderr}`);
  const file = path.join(dir, `catalog-${n}.db`);
  await buildCatalog(specs, file);
  return file;
}

let fakeRoot: string | undefined;

/**
 * A tiny stand-in for the built web page (index.html and assets/app.js), in a
 * temporary folder beside a file that must never be served. The tests use it
 * rather than lib/web, which exists only after `npm run build:web`.
 */
export function fakeWebRoot(): string {
  if (fakeRoot) return fakeRoot;
  // Removed with the test file's other temporary folders (removeTempDirs in afterAll).
  const dir = tempDir('metafuse-fakeweb-');
  const root = path.join(dir, 'web');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), FAKE_INDEX);
  writeFileSync(path.join(root, 'assets', 'app.js'), FAKE_APP_JS);
  writeFileSync(path.join(dir, 'secret.txt'), SECRET);
  fakeRoot = root;
  return root;
}

export const FAKE_INDEX = '<!doctype html><html><head><title>fake page</title><script type="module" src="/assets/app.js"></script></head><body>fake page</body></html>\n';
export const FAKE_APP_JS = `console.log(${JSON.stringify('x'.repeat(2000))});\n`;
/** The content of a file beside the fake web root: no response may contain it. */
export const SECRET = 'TOP-SECRET-OUTSIDE-WEB-ROOT';

export interface Served extends RunningServer {
  logs: string[];
}

/** startServer on 127.0.0.1 with a random port, no polling, no CORS, the fake web root, logs collected. */
export async function serve(location: string, o: Partial<ServeOptions> = {}): Promise<Served> {
  const logs: string[] = [];
  const running = await startServer({ location, port: 0, host: '127.0.0.1', pollSeconds: 0, corsOrigins: [], log: (l) => logs.push(l), accessLog: false, webRoot: fakeWebRoot(), ...o });
  return { ...running, logs };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw body bytes as received (still compressed when Content-Encoding is set). */
  raw: Buffer;
  /** The body decompressed and decoded as UTF-8. */
  text: string;
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
}

/** One request on a fresh connection; `target` is sent as written (path and query). */
export function request(base: string, target: string, o: RequestOptions = {}): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: o.method ?? 'GET', path: target, headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const plain = raw.length === 0 ? raw : encoding === 'gzip' ? gunzipSync(raw) : encoding === 'br' ? brotliDecompressSync(raw) : raw;
        const text = plain.toString('utf8');
        let json: unknown;
        if (text && String(res.headers['content-type']).startsWith('application/json')) json = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes on a socket and collects everything until the server closes it (or timeoutMs). */
export function rawExchange(base: string, bytes: string | Buffer, timeoutMs = 5000): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(), timeoutMs);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    sock.on('error', reject);
    sock.write(bytes);
    sock.end();
  });
}

// ---------------------------------------------------------------- OpenAPI validation

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const DOC = openApiDocument() as JsonObject;
const DOC_ID = 'https://metafuse.test/openapi.json';

/**
 * A copy of the component schemas in which every object also forbids properties
 * the document does not name, so a field added to a response but not to the
 * document fails the tests (allOf members are left open; their parent is closed).
 */
function closeObjects(s: Json, inAllOf = false): Json {
  if (Array.isArray(s)) return s.map((x) => closeObjects(x, inAllOf));
  if (s === null || typeof s !== 'object') return s;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, closeObjects(ps)]));
    } else out[k] = closeObjects(v, k === 'allOf');
  }
  if (!inAllOf && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.allOf) out.unevaluatedProperties = false;
  return out;
}

/** allOf members that are references point to an open copy (`<Name>__open`): their parent closes them. */
function openAllOfRefs(s: Json): Json {
  if (Array.isArray(s)) return s.map(openAllOfRefs);
  if (s === null || typeof s !== 'object') return s;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    out[k] = k === 'allOf' && Array.isArray(v) ? v.map((m) => (m && typeof m === 'object' && !Array.isArray(m) && typeof m.$ref === 'string' ? { $ref: `${m.$ref}__open` } : m)) : openAllOfRefs(v);
  }
  return out;
}

const componentSchemas = (DOC.components as JsonObject).schemas as JsonObject;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({
  $id: DOC_ID,
  components: {
    schemas: {
      ...(closeObjects(openAllOfRefs(componentSchemas)) as JsonObject),
      ...Object.fromEntries(Object.entries(componentSchemas).map(([k, v]) => [`${k}__open`, v])),
    },
  },
});
const validators = new Map<string, ValidateFunction>();

function validatorFor(schemaRef: string): ValidateFunction {
  let v = validators.get(schemaRef);
  if (!v) {
    v = ajv.compile({ $ref: `${DOC_ID}${schemaRef}` });
    validators.set(schemaRef, v);
  }
  return v;
}

/** The OpenAPI path template a request path belongs to, or undefined for paths the document does not describe. */
export function templateOf(pathname: string): string | undefined {
  const paths = Object.keys(DOC.paths as JsonObject);
  if (paths.includes(pathname)) return pathname;
  if (/^\/api\/v1\/datasets\/.+$/.test(pathname)) return '/api/v1/datasets/{name}';
  if (/^\/api\/v1\/lineage\/.+$/.test(pathname)) return '/api/v1/lineage/{name}';
  if (/^\/api\/v1\/glossary\/.+$/.test(pathname)) return '/api/v1/glossary/{id}';
  return undefined;
}

/** Statuses any path can answer with an Error body: not described per path in the document. */
const GENERIC_ERRORS = new Set([400, 405, 414]);

function deref(o: JsonObject): JsonObject {
  const ref = o.$ref;
  if (typeof ref !== 'string') return o;
  const parts = ref.replace(/^#\//, '').split('/');
  let cur: Json = DOC;
  for (const p of parts) cur = (cur as JsonObject)[p]!;
  return cur as JsonObject;
}

/**
 * Checks a reply against the document: the status must be declared for the
 * path (or be a generic error), and a JSON body must match its schema. Every
 * error body must be {error: {code, message}} without a stack trace. Returns the reply.
 */
export function checkOpenApi(target: string, r: Reply, method = 'GET'): Reply {
  const pathname = new URL(target, 'http://x').pathname;
  const where = `${method} ${target.slice(0, 120)} → ${r.status}`;
  expect(r.status, `${where}: never a 5xx for a request`).toBeLessThan(500);
  if (r.status >= 400 && method !== 'HEAD') {
    expect(r.headers['content-type'], where).toMatch(/^application\/json/);
    validate('#/components/schemas/Error', r.json, where);
    expect(r.text, `${where}: no stack trace in an error`).not.toMatch(/\n\s+at |node:internal|\.ts:\d+|\.js:\d+/);
  }
  if (method === 'HEAD' || r.status === 304) {
    expect(r.raw.length, `${where}: no body`).toBe(0);
    return r;
  }
  const template = templateOf(pathname);
  // An unknown path (its error shape was checked above) or the web page.
  if (template === undefined) return r;
  const responses = ((DOC.paths as JsonObject)[template] as JsonObject).get as JsonObject;
  const declared = (responses.responses as JsonObject)[String(r.status)] as JsonObject | undefined;
  if (!declared) {
    expect(GENERIC_ERRORS.has(r.status), `${where}: status not declared in the OpenAPI document for ${template}`).toBe(true);
    return r;
  }
  const content = (deref(declared).content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined;
  if (!content) return r;
  const schema = content.schema as JsonObject;
  validate(String(schema.$ref), r.json, where);
  return r;
}

function validate(schemaRef: string, value: unknown, where: string): void {
  const v = validatorFor(schemaRef);
  if (!v(value)) {
    throw new Error(`${where}: does not match ${schemaRef}:\n${ajv.errorsText(v.errors, { separator: '\n' })}\n${JSON.stringify(value).slice(0, 500)}`);
  }
}

/** GET (or another method) and check the reply against the OpenAPI document. */
export async function api(base: string, target: string, o: RequestOptions = {}): Promise<Reply> {
  return checkOpenApi(target, await request(base, target, o), o.method ?? 'GET');
}

/** api() that also insists on one status. */
export async function expectStatus(base: string, target: string, status: number, o: RequestOptions = {}): Promise<Reply> {
  const r = await api(base, target, o);
  expect(r.status, `${o.method ?? 'GET'} ${target.slice(0, 120)}: ${r.text.slice(0, 300)}`).toBe(status);
  return r;
}

/** The error code of an error reply. */
export function errorCode(r: Reply): string {
  return (r.json as { error: { code: string } }).error.code;
}

// ---------------------------------------------------------------- child processes

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface ServeChild {
  child: ChildProcess;
  url: string;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `metafuse serve --port 0 ...args` and waits for its "serving ... at URL" line. */
export function serveChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`metafuse serve did not start in 20 s:\n${err}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = / at (http:\/\/[^\s]+\/)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`metafuse serve exited with ${code} before serving:\n${err}`));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls fn every 100 ms until it returns true or timeoutMs passes. */
export async function waitFor(fn: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
