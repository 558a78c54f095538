// Finds and parses every *.yaml / *.yml file under a specs root. Bad files become
// diagnostics; limits keep hostile input bounded (see docs/spec-format.md, "Limits").
import { readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import path from 'node:path';
import jsYaml from 'js-yaml';
import { DiagnosticBag } from './diagnostics.js';
import { SpecFile } from './source.js';

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

/** Parsed documents by the sha1 of the file's bytes: lets a second load (the base of a diff) reuse the first's parsing. */
export type ParseCache = Map<string, unknown[]>;

export interface LoadOptions {
  /**
   * The files to load, by absolute path under the specs root, instead of walking
   * the directory (a git tree read into memory). Arrow files are looked up here too.
   */
  inputs?: Map<string, Buffer>;
  cache?: ParseCache;
}

export function loadSpecFiles(specsDir: string, bag: DiagnosticBag, options: LoadOptions = {}): LoadResult {
  const root = path.resolve(specsDir);
  const files: LoadedFile[] = [];
  if (options.inputs) {
    const names = [...options.inputs.keys()].filter(isSpecName).sort();
    for (const abs of names) {
      const loaded = readSpecFile(abs, bag, options.cache, options.inputs.get(abs));
      if (loaded) files.push(loaded);
    }
    return { root, files };
  }
  let realRoot: string;
  try {
    if (!statSync(root).isDirectory()) {
      bag.error({ file: displayPath(root), line: 1, column: 1 }, 'specs-not-found', `"${displayPath(root)}" is not a directory; --specs takes the folder that holds the YAML specs`);
      return { root, files };
    }
    realRoot = realpathSync(root);
  } catch {
    bag.error({ file: displayPath(root), line: 1, column: 1 }, 'specs-not-found', `specs directory "${displayPath(root)}" does not exist`);
    return { root, files };
  }

  const found: string[] = [];
  const errorsBefore = bag.errorCount;
  walk(root, realRoot, new Set([realRoot]), found, bag);
  found.sort();
  for (const abs of found) {
    const loaded = readSpecFile(abs, bag, options.cache);
    if (loaded) files.push(loaded);
  }
  // Spec files that were found but refused (broken or escaping links) already have an error.
  if (found.length === 0 && bag.errorCount === errorsBefore) {
    bag.warning({ file: displayPath(root), line: 1, column: 1 }, 'no-specs', 'no *.yaml or *.yml files found under the specs directory');
  }
  return { root, files };
}

function isSpecName(name: string): boolean {
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

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(e);
}

/** Reads and parses one file; on failure records a diagnostic and returns undefined. */
export function readSpecFile(abs: string, bag: DiagnosticBag, cache?: ParseCache, given?: Buffer): LoadedFile | undefined {
  const display = displayPath(abs);
  const at = (line = 1, column = 1) => ({ file: display, line, column });
  let bytes: Buffer;
  try {
    // stat, not lstat: a symbolic link must not smuggle a large file past the limit.
    const size = given ? given.length : statSync(abs).size;
    if (size > LIMITS.yamlFileBytes) {
      bag.error(at(), 'file-too-large', `file is ${size} bytes; spec files are limited to ${LIMITS.yamlFileBytes} bytes (split it into several files)`);
      return undefined;
    }
    bytes = given ?? readFileSync(abs);
  } catch (e) {
    bag.error(at(), 'file-unreadable', `cannot read file: ${errnoText(e)}`);
    return undefined;
  }
  const key = cache ? createHash('sha1').update(bytes).digest('hex') : '';
  const cached = cache?.get(key);
  if (cached) {
    let text = bytes.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { file: new SpecFile(abs, display, text), docs: cached };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    bag.error(at(), 'file-encoding', 'file is UTF-16 text; save it as UTF-8');
    return undefined;
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const p = bytePosition(bytes, nul);
    bag.error(at(p.line, p.column), 'file-encoding', 'file contains a NUL byte: it looks binary, not YAML text');
    return undefined;
  }
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const p = bytePosition(bytes, bad);
    bag.error(at(p.line, p.column), 'file-encoding', 'file is not valid UTF-8 text; save it as UTF-8');
    return undefined;
  }
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const file = new SpecFile(abs, display, text);
  let docs: unknown[];
  try {
    docs = jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA, filename: display, maxDepth: LIMITS.yamlDepth } as jsYaml.LoadOptions);
  } catch (e) {
    if (e instanceof jsYaml.YAMLException) {
      const mark = e.mark as { line?: number; column?: number } | undefined;
      const reason = (e.reason || 'invalid YAML').replace(/maxDepth \((\d+)\)/, 'the limit of $1 levels');
      const code = /nesting exceeded/.test(reason) ? 'yaml-limit' : 'yaml-syntax';
      bag.error(at((mark?.line ?? 0) + 1, (mark?.column ?? 0) + 1), code, reason + quoteHint(text, mark?.line));
      return undefined;
    }
    if (e instanceof RangeError) {
      bag.error(at(), 'yaml-limit', 'YAML is nested too deeply to read');
      return undefined;
    }
    throw e;
  }
  for (let i = 0; i < docs.length; i++) {
    if (!withinNodeLimit(docs[i])) {
      bag.error({ file, doc: i, path: [] }, 'yaml-limit', `document expands to more than ${LIMITS.yamlNodes} values (aliases used too often?)`);
      return undefined;
    }
  }
  cache?.set(key, docs);
  return { file, docs };
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
function bytePosition(bytes: Buffer, offset: number): { line: number; column: number } {
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
