// Reading and parsing one spec file, with no dependency on diagnostics or source
// positions: the same code runs on the main thread and in the parse workers
// (parse-worker.ts), which send their outcomes back as plain data.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import jsYaml from 'js-yaml';
import { errnoText } from '../files/system-error.js';
import { parseSimpleYaml } from './fast-yaml.js';

export const LIMITS = {
  /** Largest YAML file read. */
  yamlFileBytes: 4 * 1024 * 1024,
  /** Deepest YAML nesting accepted. */
  yamlDepth: 64,
  /** Values one document may expand to, counting every alias use (stops "billion laughs"). */
  yamlNodes: 250_000,
  /** Largest Arrow schema file read. */
  arrowFileBytes: 64 * 1024 * 1024,
};

/** A file to parse: read from disk unless its bytes are given (a git tree read into memory). */
export interface ParseJob {
  abs: string;
  display: string;
  bytes?: Uint8Array;
  /** Also return the file's contentKey (the parse cache's key), computed where the file is read. */
  hash?: boolean;
  /**
   * Return the contentKey instead of the text of a file read without error: the
   * caller reads the text again if it ever needs it, and checks it by the key.
   */
  withoutText?: boolean;
}

/**
 * What became of one file: its text and documents, or a problem with where it
 * is (a line and column, or a whole document of the text).
 */
export type ParseOutcome =
  /** `json`: the documents are plain JSON values (the fast reader's), so JSON text carries them whole. */
  | { ok: true; text?: string; docs: unknown[]; key?: string; json?: true }
  | { ok: false; code: string; message: string; line?: number; column?: number; doc?: number; text?: string };

/** What a parse worker posts (parse-worker.ts): a chunk's outcomes, or that it has finished. */
export type WorkerMessage = { chunk: number; outcomes: ParseOutcome[] } | { chunk: number; json: string } | { done: true };

/**
 * A chunk's outcomes as a worker posts them: as JSON text when every outcome survives
 * it (failures do; documents when the fast reader made them), since JSON.parse on the
 * main thread is ~2x faster than structured-clone deserialization and its objects
 * ~25 % smaller (keys and short strings shared); else as they are.
 */
export function chunkMessage(chunk: number, outcomes: ParseOutcome[]): WorkerMessage {
  return outcomes.every((o) => !o.ok || o.json) ? { chunk, json: JSON.stringify(outcomes) } : { chunk, outcomes };
}

/** The outcomes of a chunkMessage. */
export function chunkOutcomes(m: Exclude<WorkerMessage, { done: true }>): ParseOutcome[] {
  return 'json' in m ? (JSON.parse(m.json) as ParseOutcome[]) : m.outcomes;
}

export function readBytes(job: ParseJob): Uint8Array | ParseOutcome {
  if (job.bytes) {
    return job.bytes.length > LIMITS.yamlFileBytes ? tooLarge(job.bytes.length) : job.bytes;
  }
  let fd: number | undefined;
  try {
    // Non-blocking, so that a link to a pipe cannot block the open; fstat (which follows
    // links, as the open did) then refuses anything but a regular file, and a large file
    // before it is read. One stat fewer per file than statSync + readFileSync.
    fd = openSync(job.abs, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    // A link to a pipe, socket or device would block the read (or never end).
    if (!st.isFile()) return { ok: false, code: 'file-unreadable', message: 'not a regular file (a link to a pipe, socket or device?)' };
    if (st.size > LIMITS.yamlFileBytes) return tooLarge(st.size);
    return readAll(fd, st.size);
  } catch (e) {
    return { ok: false, code: 'file-unreadable', message: `cannot read file: ${errnoText(e)}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The file's first `size` bytes (what stat gave), or fewer if it shrank meanwhile; as readFileSync reads a regular file. */
function readAll(fd: number, size: number): Uint8Array {
  const buf = Buffer.allocUnsafe(size);
  let length = 0;
  while (length < size) {
    const n = readSync(fd, buf, length, size - length, null);
    if (n === 0) break;
    length += n;
  }
  return length === size ? buf : buf.subarray(0, length);
}

function tooLarge(size: number): ParseOutcome {
  return { ok: false, code: 'file-too-large', message: `file is ${size} bytes; spec files are limited to ${LIMITS.yamlFileBytes} bytes (split it into several files)` };
}


/**
 * Reads (unless the bytes are given) and parses one file. `own`: the documents
 * stay on this thread (a worker's are copied when sent), so when the text is not
 * kept they must not refer to it.
 */
export function parseJob(job: ParseJob, own = false): ParseOutcome {
  const bytes = readBytes(job);
  if (!(bytes instanceof Uint8Array)) return bytes;
  const outcome = parseSpecBytes(bytes, job.display, own && job.withoutText === true);
  if ((job.hash || job.withoutText) && outcome.ok) outcome.key = contentKey(bytes);
  if (job.withoutText && outcome.ok) delete outcome.text;
  return outcome;
}

/**
 * The parse cache's key of a file: its git blob id (the sha1 of "blob <size>", a NUL
 * and the bytes), so that a file of a git tree is known by the id git lists for it,
 * without reading it.
 */
export function contentKey(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Text of a spec file without its byte-order mark. */
export function decodeText(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The documents of a spec file's bytes, or what is wrong with them. `detach`:
 * the documents must not refer to the text (slices of it would keep it alive).
 */
export function parseSpecBytes(bytes: Uint8Array, display: string, detach = false): ParseOutcome {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, code: 'file-encoding', message: 'file is UTF-16 text; save it as UTF-8' };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return { ok: false, code: 'file-encoding', message: 'file contains a NUL byte: it looks binary, not YAML text', ...bytePosition(bytes, nul) };
  }
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (bad >= 0) {
    return { ok: false, code: 'file-encoding', message: 'file is not valid UTF-8 text; save it as UTF-8', ...bytePosition(bytes, bad) };
  }
  const text = decodeText(bytes);
  // Plain block-style YAML (nearly every spec file) is read by our own reader, ~5x
  // faster; anything else, and every error, by js-yaml.
  const simple = parseSimpleYaml(text, detach, bytes);
  const docs = simple ?? readWithJsYaml(text, display);
  if (!Array.isArray(docs)) return docs;
  // Every value takes at least a character of the text unless an alias repeats one:
  // a text shorter than the limit and without "*" cannot exceed it.
  const mayExceed = text.length >= LIMITS.yamlNodes || text.includes('*');
  for (let i = 0; mayExceed && i < docs.length; i++) {
    if (!withinNodeLimit(docs[i])) {
      return { ok: false, code: 'yaml-limit', message: `document expands to more than ${LIMITS.yamlNodes} values (aliases used too often?)`, doc: i, text };
    }
  }
  // js-yaml cuts values out of the text with slice(), which V8 keeps as views of the
  // whole text; copying them as a worker's are copied frees it (heap after parsing
  // 50k files 245 -> 189 MB). The fast reader copies its own when asked.
  if (simple) return { ok: true, text, docs, json: true };
  return { ok: true, text, docs: detach ? structuredClone(docs) : docs };
}

/** The documents js-yaml reads in a text, or where it fails. */
function readWithJsYaml(text: string, display: string): unknown[] | ParseOutcome {
  try {
    return jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA, filename: display, maxDepth: LIMITS.yamlDepth } as jsYaml.LoadOptions);
  } catch (e) {
    if (e instanceof jsYaml.YAMLException) {
      const mark = e.mark as { line?: number; column?: number } | undefined;
      const reason = (e.reason || 'invalid YAML').replace(/maxDepth \((\d+)\)/, 'the limit of $1 levels');
      const code = /nesting exceeded/.test(reason) ? 'yaml-limit' : 'yaml-syntax';
      return { ok: false, code, message: reason + quoteHint(text, mark?.line), line: (mark?.line ?? 0) + 1, column: (mark?.column ?? 0) + 1 };
    }
    if (e instanceof RangeError) return { ok: false, code: 'yaml-limit', message: 'YAML is nested too deeply to read' };
    throw e;
  }
}

/** Counts values as they would be seen when traversed, aliases included, up to the limit. */
function withinNodeLimit(value: unknown): boolean {
  let budget = LIMITS.yamlNodes;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (--budget < 0) return false;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      for (const x of Object.values(v)) stack.push(x);
    }
  }
  return true;
}

/**
 * Line and column of a byte offset, counted like SpecFile.positionAt counts
 * them in the decoded text: \n, \r\n and a lone \r end a line, a leading BOM
 * is not a column, and the column counts UTF-16 code units, not bytes.
 */
function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < offset; i++) {
    const b = bytes[i]!;
    if (b === 10 || (b === 13 && bytes[i + 1] !== 10)) {
      line++;
      column = 1;
    } else if ((b & 0xc0) !== 0x80) {
      column += b >= 0xf0 ? 2 : 1; // a 4-byte sequence is a surrogate pair in UTF-16
    }
  }
  return { line, column };
}

/** Offset of the first byte that breaks UTF-8, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) (n = 1), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (n = 2), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (n = 3), (min = 0x10000);
    else return i;
    let cp = c & (0xff >> (n + 2));
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * The most common YAML mistake in specs: an unquoted value containing ": "
 * (type: struct<a: int64>, description: Note: ...). Says so when the line (or the
 * one before, where the parser often stops) looks like that.
 */
function quoteHint(text: string, line: number | undefined): string {
  if (line === undefined) return '';
  const lines = text.split(/\r\n|\r|\n/);
  for (const l of [lines[line], lines[line - 1]]) {
    if (l !== undefined && /^\s*(- )?[\w.-]+:\s+[^'"\s|>][^#]*:\s/.test(l)) {
      return '; a value that contains ": " must be quoted, e.g. type: "struct<a: int64>"';
    }
  }
  return '';
}
