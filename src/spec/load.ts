// Finds and parses every *.yaml / *.yml file under a specs root. Bad files become
// diagnostics; limits keep hostile input bounded (see docs/spec-format.md, "Limits").
import { existsSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { errnoText } from '../files/system-error.js';
import type { AnalysisReuse } from './analyze.js';
import { DiagnosticBag } from './diagnostics.js';
import { chunkOutcomes, contentKey, decodeText, parseJob, readBytes, type ParseJob, type ParseOutcome, type WorkerMessage } from './parse.js';
import { SpecFile } from './source.js';

export { LIMITS } from './parse.js';

export interface LoadedFile {
  file: SpecFile;
  /** One value per YAML document, as plain data (null for an empty document). */
  docs: unknown[];
}

export interface LoadResult {
  root: string;
  files: LoadedFile[];
}

/** Path shown to users: relative to the current directory, forward slashes. */
export function displayPath(abs: string): string {
  const cwd = process.cwd();
  // The common case (inside the current directory) without path.relative's normalisation work.
  const rel = abs.startsWith(cwd + path.sep) ? abs.slice(cwd.length + 1) : path.relative(cwd, abs) || '.';
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}

/** What parsing a file gave: its documents, and its text where known (the disk cache keeps documents only). */
export interface ParsedFile {
  docs: unknown[];
  text?: string;
}

/** Parsed files by contentKey (the git blob id of the bytes): lets a second load (the base of a diff) reuse the first's parsing. */
export type ParseCache = Map<string, ParsedFile>;

export interface LoadOptions {
  /**
   * The files to load, by absolute path under the specs root, instead of walking
   * the directory (a git tree read into memory). Arrow files are looked up here too.
   */
  inputs?: Map<string, Buffer>;
  /**
   * The contentKeys (git blob ids) of files under the specs root, known without
   * reading them: a spec file whose key is cached with its text needs no bytes in
   * `inputs` (the base of a diff fetches from git only what the head did not have).
   */
  keys?: Map<string, string>;
  cache?: ParseCache;
  /** Shared with other analyses of mostly the same documents (the two sides of a diff, with the same cache). */
  reuse?: AnalysisReuse;
}

export async function loadSpecFiles(specsDir: string, bag: DiagnosticBag, options: LoadOptions = {}): Promise<LoadResult> {
  const root = path.resolve(specsDir);
  if (options.inputs) {
    const names = [...new Set([...options.inputs.keys(), ...(options.keys?.keys() ?? [])])].filter(isSpecName).sort();
    const jobs = names.map((abs) => ({ abs, display: displayPath(abs), bytes: options.inputs!.get(abs) }));
    return { root, files: await readSpecFiles(jobs, bag, options.cache, options.keys) };
  }
  let realRoot: string;
  try {
    if (!statSync(root).isDirectory()) {
      bag.error({ file: displayPath(root), line: 1, column: 1 }, 'specs-not-found', `"${displayPath(root)}" is not a directory; --specs takes the folder that holds the YAML specs`);
      return { root, files: [] };
    }
    realRoot = realpathSync(root);
  } catch {
    bag.error({ file: displayPath(root), line: 1, column: 1 }, 'specs-not-found', `specs directory "${displayPath(root)}" does not exist`);
    return { root, files: [] };
  }

  const found: string[] = [];
  const errorsBefore = bag.errorCount;
  walk(root, realRoot, new Set([realRoot]), found, bag);
  found.sort();
  const files = await readSpecFiles(found.map((abs) => ({ abs, display: displayPath(abs) })), bag, options.cache);
  // Spec files that were found but refused (broken or escaping links) already have an error.
  if (found.length === 0 && bag.errorCount === errorsBefore) {
    bag.warning({ file: displayPath(root), line: 1, column: 1 }, 'no-specs', 'no *.yaml or *.yml files found under the specs directory');
  }
  return { root, files };
}

/**
 * Reads and parses the files, in their order; a file that cannot be used becomes
 * a diagnostic. With a cache, each file's bytes are read here and only files
 * whose content is not cached are parsed; a file whose key is known (`keys`) and
 * cached with its text is not read at all.
 */
async function readSpecFiles(jobs: ParseJob[], bag: DiagnosticBag, cache?: ParseCache, known?: Map<string, string>): Promise<LoadedFile[]> {
  const loaded: Array<LoadedFile | undefined> = new Array(jobs.length);
  const todo: number[] = [];
  const keys: string[] = [];
  jobs.forEach((job, i) => {
    const knownKey = known?.get(job.abs);
    const knownHit = knownKey === undefined ? undefined : cache?.get(knownKey);
    if (knownHit?.text !== undefined) {
      loaded[i] = { file: new SpecFile(job.abs, job.display, knownHit.text), docs: knownHit.docs };
      return;
    }
    // Files of a git tree are never read from disk (that is the working tree).
    if (known && job.bytes === undefined) return void record(job, { ok: false, code: 'file-unreadable', message: 'its content was not read from git' });
    if (!cache) {
      // A file on disk keeps its key, not its text, until a position needs it (reread).
      if (job.bytes === undefined) job.withoutText = true;
      return void todo.push(i);
    }
    // Nothing cached yet (the first side of a diff, a first incremental run): every
    // file is parsed, and the parsers hash what they read, on their threads.
    if (cache.size === 0) {
      job.hash = true;
      return void todo.push(i);
    }
    const bytes = readBytes(job);
    if (!(bytes instanceof Uint8Array)) return void record(job, bytes);
    const key = knownKey ?? contentKey(bytes);
    const hit = knownHit ?? cache.get(key);
    if (hit) {
      const file = new SpecFile(job.abs, job.display, hit.text ?? decodeText(bytes));
      hit.text ??= file.text;
      loaded[i] = { file, docs: hit.docs };
    } else {
      keys[i] = key;
      job.bytes = bytes;
      todo.push(i);
    }
  });
  const outcomes = await parseAll(todo.map((i) => jobs[i]!));
  todo.forEach((i, k) => {
    const file = record(jobs[i]!, outcomes[k]!);
    if (file) {
      loaded[i] = file;
      const o = outcomes[k]!;
      const key = keys[i] ?? (o.ok ? o.key : undefined);
      if (cache && key !== undefined) cache.set(key, { docs: file.docs, text: file.file.text });
    }
  });
  return loaded.filter((f): f is LoadedFile => f !== undefined);

  function record(job: ParseJob, o: ParseOutcome): LoadedFile | undefined {
    if (o.ok) return { file: new SpecFile(job.abs, job.display, o.text ?? reread(job.abs, job.display, o.key!)), docs: o.docs };
    if (o.doc !== undefined && o.text !== undefined) {
      bag.error({ file: new SpecFile(job.abs, job.display, o.text), doc: o.doc, path: [] }, o.code, o.message);
    } else {
      bag.error({ file: job.display, line: o.line ?? 1, column: o.column ?? 1 }, o.code, o.message);
    }
    return undefined;
  }
}

/**
 * The text of a spec file parsed without keeping it, read again when first needed
 * (for a diagnostic's position, or the spelling of a number): '' when the file is
 * no longer what was parsed (edited meanwhile), so that positions in it fall back
 * to its first line rather than point at the wrong one.
 */
function reread(abs: string, display: string, key: string): () => string {
  return () => {
    const bytes = readBytes({ abs, display });
    return bytes instanceof Uint8Array && contentKey(bytes) === key ? decodeText(bytes) : '';
  };
}

function ignoreError(): void {}

/** Files per chunk claimed by a thread. */
const CHUNK = 64;
/** Below this many files, starting a worker costs more than it saves. */
const PARALLEL_MIN_FILES = 400;
/**
 * The compiled worker beside this module; absent when running from TypeScript
 * sources or inside the Action bundle, which parse on one thread. (Built at run
 * time so that the bundler does not copy the worker into the bundle as an asset
 * that could not load its imports there.)
 */
const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), ['parse-worker', 'js'].join('.'));

/**
 * Worker threads for parsing: METAFUSE_PARSE_THREADS when set (0 = none), else
 * one fewer than the cores (at most 3) for large trees. The main thread parses too.
 */
function workerCount(files: number, env: NodeJS.ProcessEnv = process.env): number {
  const set = env.METAFUSE_PARSE_THREADS;
  if (set !== undefined && /^[0-9]+$/.test(set)) return Math.min(Number(set), 16, Math.ceil(files / CHUNK) - 1);
  if (files < PARALLEL_MIN_FILES) return 0;
  return Math.max(0, Math.min(availableParallelism() - 1, 3));
}

/**
 * Parses the jobs on this thread and on worker threads, which claim chunks from
 * a shared counter. A worker that fails leaves its chunks to this thread: the
 * outcome never depends on the threads.
 */
async function parseAll(jobs: ParseJob[]): Promise<ParseOutcome[]> {
  const out: Array<ParseOutcome | undefined> = new Array(jobs.length);
  const threads = workerCount(jobs.length);
  const workers: Array<{ worker: Worker; port: MessagePort; done: boolean }> = [];
  const counter = new SharedArrayBuffer(4);
  if (threads > 0 && existsSync(WORKER_FILE)) {
    for (let t = 0; t < threads; t++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_FILE, { workerData: { jobs, counter, chunk: CHUNK, port: port2 }, transferList: [port2] });
      // From the start: a worker that fails after its last message must not throw here.
      worker.on('error', ignoreError);
      workers.push({ worker, port: port1, done: false });
    }
  }
  const take = (w: (typeof workers)[number], m: WorkerMessage): void => {
    if ('done' in m) w.done = true;
    else chunkOutcomes(m).forEach((o, k) => (out[m.chunk * CHUNK + k] = o));
  };
  const next = new Int32Array(counter);
  for (;;) {
    const c = Atomics.add(next, 0, 1);
    const start = c * CHUNK;
    if (start >= jobs.length) break;
    for (let i = start; i < Math.min(start + CHUNK, jobs.length); i++) out[i] = parseJob(jobs[i]!, true);
    // Take the workers' outcomes between chunks: copying them in is this thread's work
    // (~0.6 s at 50k files), and done now it leaves more chunks to the workers instead
    // of running alone after the last one.
    for (const w of workers) {
      for (let r = receiveMessageOnPort(w.port); r; r = receiveMessageOnPort(w.port)) take(w, r.message as WorkerMessage);
    }
  }
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.done) return resolve();
          w.port.on('message', (m: WorkerMessage) => {
            take(w, m);
            if (w.done) resolve();
          });
          w.worker.on('error', () => resolve());
          w.worker.on('exit', () => resolve());
        }),
    ),
  );
  // The listeners above share this function's closure context, so they hold every
  // outcome (file texts, documents) through `out`; a worker keeps its listeners until
  // its exit event, which a build that never yields to the event loop sees only at
  // its end: the parse output of all files lived through analysis and the catalog
  // write (~40 MB at 10k). A worker that fails while exiting must still not throw.
  for (const w of workers) {
    w.port.removeAllListeners().close();
    w.worker.removeAllListeners().on('error', ignoreError);
  }
  // Chunks a failed worker had claimed.
  for (let i = 0; i < jobs.length; i++) out[i] ??= parseJob(jobs[i]!, true);
  return out as ParseOutcome[];
}

/** A spec file's name: *.yaml or *.yml. */
export function isSpecName(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

/** Inside `root` or equal to it (both real paths). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function walk(dir: string, realRoot: string, seen: Set<string>, out: string[], bag: DiagnosticBag): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    bag.error({ file: displayPath(dir), line: 1, column: 1 }, 'file-unreadable', `cannot read directory: ${errnoText(e)}`);
    return;
  }
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith('.') || name === 'node_modules') continue;
    const abs = path.join(dir, name);
    if (entry.isSymbolicLink()) {
      let real: string;
      let isDir: boolean;
      try {
        real = realpathSync(abs);
        isDir = statSync(real).isDirectory();
      } catch {
        if (isSpecName(name)) bag.error({ file: displayPath(abs), line: 1, column: 1 }, 'file-unreadable', 'broken symbolic link');
        continue;
      }
      if (!isDir && !isSpecName(name)) continue;
      if (!isInside(realRoot, real)) {
        bag.error({ file: displayPath(abs), line: 1, column: 1 }, 'symlink-escape', 'symbolic link points outside the specs directory; specs must live inside it');
        continue;
      }
      if (isDir) {
        if (!seen.has(real)) {
          seen.add(real);
          walk(abs, realRoot, seen, out, bag);
        }
      } else {
        out.push(abs);
      }
    } else if (entry.isDirectory()) {
      walk(abs, realRoot, seen, out, bag);
    } else if (entry.isFile() && isSpecName(name)) {
      out.push(abs);
    }
  }
}


