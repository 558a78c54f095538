// A fast reader for the plain block-style YAML that spec files are written in:
// block mappings with identifier keys, block sequences (indented or not), plain,
// quoted and block scalars, one-line flow sequences, comments and "---" between
// documents. It gives exactly what js-yaml (CORE_SCHEMA) gives for the same text,
// or `undefined` as soon as it meets anything else (anchors, tags, flow mappings,
// multi-line plain or quoted scalars, escapes, tabs, duplicate keys, a syntax
// error, ...): the caller then parses the text with js-yaml, which also reports
// any error. Its documents are exactly JSON: no NaN, infinities or -0 (those are
// left to js-yaml too). js-yaml takes ~85-100 µs for a typical 1.4 KB spec; this
// reader ~15-30 µs. It works a line at a time (indexOf), and asked to, copies
// values of 13 or more characters (from the bytes when they are ASCII) so that
// the documents do not keep the file's text alive.
//
// test/spec/fast-yaml.test.ts compares it with js-yaml on the repository's YAML
// files, generated texts and mutations.
import { isAscii } from 'node:buffer';
import jsYaml from 'js-yaml';

interface ImplicitType {
  resolve(data: string): boolean;
  construct(data: string): unknown;
}
/** js-yaml's own resolvers for plain scalars (null, bool, int, float), in its order. */
const IMPLICIT = (jsYaml.CORE_SCHEMA as unknown as { compiledImplicit: ImplicitType[] }).compiledImplicit;

/** Thrown (not an Error: no stack) to give up on a text. */
const GIVE_UP = { giveUp: true };
/** Deeper than this is left to js-yaml (whose limit is LIMITS.yamlDepth). */
const MAX_DEPTH = 32;

const SPACE = 0x20;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;

// The text being read, one file at a time (the reader is synchronous).
let T = '';
/** Copy values of 13 or more characters out of the text (see `text`). */
let copyLong = false;
/** The text's bytes when it is ASCII (a character's offset is its byte's, after `bytesFrom`). */
let asciiBytes: Buffer | undefined;
let bytesFrom = 0;
/** Per line: first byte, end (before "\n" or "\r\n") and count of leading spaces. */
let LS = new Int32Array(1024);
let LE = new Int32Array(1024);
let LI = new Int32Array(1024);
let lines = 0;
/** The current line. */
let li = 0;
let depth = 0;

/**
 * The documents of a text (decoded from valid UTF-8, without its byte-order mark),
 * or undefined when js-yaml must read it. `copy`: long values must not be slices of
 * the text; `bytes`, the text's bytes, lets ASCII values be copied from them.
 */
export function parseSimpleYaml(text: string, copy: boolean, bytes?: Uint8Array): unknown[] | undefined {
  T = text;
  copyLong = copy;
  bytesFrom = bytes ? bytes.length - text.length : 0;
  asciiBytes = copy && bytes && (bytesFrom === 0 || bytesFrom === 3) && isAscii(bytes.subarray(bytesFrom)) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
  try {
    splitLines();
    const docs: unknown[] = [];
    li = 0;
    depth = 0;
    for (;;) {
      skipBlank();
      if (li >= lines) break;
      if (isDocumentStart(li)) {
        li++;
        skipBlank();
        if (li >= lines || isDocumentStart(li)) throw GIVE_UP; // an empty document
      } else if (docs.length > 0) {
        throw GIVE_UP;
      }
      if (LI[li] !== 0) throw GIVE_UP;
      docs.push(blockNode(0));
      skipBlank();
      if (li < lines && !isDocumentStart(li)) throw GIVE_UP;
    }
    return docs.length > 0 ? docs : undefined;
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  } finally {
    T = ''; // do not keep the file's text
    asciiBytes = undefined;
  }
}

/**
 * Splits the text into lines; refuses a CR that is not before an LF (js-yaml
 * counts it as a line break).
 */
function splitLines(): void {
  if (T.indexOf('\r') >= 0 && /\r(?!\n)/.test(T)) throw GIVE_UP;
  const n = T.length;
  lines = 0;
  for (let s = 0; s <= n; ) {
    let nl = T.indexOf('\n', s);
    if (nl < 0) nl = n;
    let e = nl;
    if (e > s && T.charCodeAt(e - 1) === 13) e--;
    let c = s;
    while (c < e && T.charCodeAt(c) === SPACE) c++;
    if (lines === LS.length) grow();
    LS[lines] = s;
    LE[lines] = e;
    LI[lines] = c - s;
    lines++;
    s = nl + 1;
  }
}

/**
 * What a scalar may not contain here: js-yaml refuses non-printable characters
 * (its PATTERN_NON_PRINTABLE); tabs, other C0 and C1 controls and the non-ASCII
 * line breaks are left to it too. Scanning loops test this only for a scalar with
 * a character outside printable ASCII.
 */
const UNUSUAL = /[\x00-\x1F\x7F-\x9F\uFFFE\uFFFF\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

/** The text from `s` to `e` as a scalar: refused if `unusual` and it contains what UNUSUAL matches. */
function scalarText(s: number, e: number, unusual: boolean): string {
  const t = text(s, e);
  if (unusual && UNUSUAL.test(t)) throw GIVE_UP;
  return t;
}

function grow(): void {
  const size = LS.length * 2;
  const ls = new Int32Array(size);
  const le = new Int32Array(size);
  const lind = new Int32Array(size);
  ls.set(LS);
  le.set(LE);
  lind.set(LI);
  LS = ls;
  LE = le;
  LI = lind;
}

/**
 * The text from `s` to `e`. V8 keeps a slice of 13 or more characters as a view of
 * the whole text; when the documents must not hold the text, such values are
 * copies: decoded from the bytes if they are ASCII (a flat string), else a slice
 * of a fresh string one character longer.
 */
function text(s: number, e: number): string {
  if (!copyLong || e - s < 13) return T.slice(s, e);
  return asciiBytes ? asciiBytes.toString('latin1', s + bytesFrom, e + bytesFrom) : detached(T.slice(s, e));
}

/** A copy of `s` that is not a view of the string it was sliced from (for 13 characters or more, V8's slices are). */
function detached(s: string): string {
  return s.length >= 13 ? (' ' + s).slice(1) : s;
}

/** Skips blank lines and comment lines. */
function skipBlank(): void {
  while (li < lines) {
    const c = LS[li]! + LI[li]!;
    if (c < LE[li]! && T.charCodeAt(c) !== HASH) return;
    li++;
  }
}

function isDocumentStart(l: number): boolean {
  const s = LS[l]!;
  if (LI[l] !== 0 || T.charCodeAt(s) !== DASH || T.charCodeAt(s + 1) !== DASH || T.charCodeAt(s + 2) !== DASH) return false;
  const e = LE[l]!;
  if (s + 3 === e) return true;
  if (T.charCodeAt(s + 3) !== SPACE) return false; // "---x" is a plain scalar: not ours either way
  for (let i = s + 4; i < e; i++) if (T.charCodeAt(i) !== SPACE) throw GIVE_UP; // "--- value"
  return true;
}

function isSequenceItem(l: number): boolean {
  const c = LS[l]! + LI[l]!;
  return T.charCodeAt(c) === DASH && (c + 1 === LE[l] || T.charCodeAt(c + 1) === SPACE);
}

/** The block collection starting at line `li`, whose indentation is `indent`. */
function blockNode(indent: number): unknown {
  if (++depth > MAX_DEPTH) throw GIVE_UP;
  const value = isSequenceItem(li) ? blockSequence(indent) : blockMapping(indent);
  depth--;
  return value;
}

function blockMapping(indent: number): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (;;) {
    const e = LE[li]!;
    const ks = LS[li]! + indent;
    const ke = keyEnd(ks, e);
    if (ke < 0) throw GIVE_UP;
    const key = keyText(ks, ke);
    if (Object.prototype.hasOwnProperty.call(map, key)) throw GIVE_UP;
    map[key] = value(ke + 1, e, indent, true);
    skipBlank();
    if (li >= lines || LI[li]! < indent) break;
    if (LI[li]! > indent || isSequenceItem(li)) throw GIVE_UP;
    if (indent === 0 && isDocumentStart(li)) break;
  }
  return map;
}

function blockSequence(indent: number): unknown[] {
  const list: unknown[] = [];
  for (;;) {
    const e = LE[li]!;
    let c = LS[li]! + indent + 1;
    while (c < e && T.charCodeAt(c) === SPACE) c++;
    if (c < e && T.charCodeAt(c) !== HASH && keyEnd(c, e) >= 0) {
      // "- key: value": a mapping whose keys line up with this first one.
      list.push(blockNode((LI[li] = c - LS[li]!)));
    } else {
      if (c < e && T.charCodeAt(c) === DASH && (c + 1 === e || T.charCodeAt(c + 1) === SPACE)) throw GIVE_UP; // "- - x"
      list.push(value(c, e, indent, false));
    }
    skipBlank();
    if (li >= lines || LI[li]! < indent) break;
    if (LI[li]! > indent) throw GIVE_UP;
    if (!isSequenceItem(li)) break; // the next key of the mapping this sequence is in
  }
  // push() leaves room for 16 more items; a copy has none (~30 MB less at 50k files).
  return list.slice();
}

/**
 * End of an identifier key starting at `s` (the offset of its ":", which a space
 * or the line's end follows), or -1.
 */
function keyEnd(s: number, e: number): number {
  let b = T.charCodeAt(s);
  if (!((b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f)) return -1;
  let h = b;
  let i = s + 1;
  for (; i < e; i++) {
    b = T.charCodeAt(i);
    if ((b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === DASH || b === 0x2e || b === 0x2f) {
      h = (h * 31 + b) | 0;
      continue;
    }
    break;
  }
  keyHash = h;
  return i < e && T.charCodeAt(i) === COLON && (i + 1 === e || T.charCodeAt(i + 1) === SPACE) ? i : -1;
}

/** Hash of the key keyEnd last scanned. */
let keyHash = 0;
/**
 * Keys seen before, by hash: a file's keys come from a small vocabulary, and reusing
 * the string saves making it and V8's lookup of a new property name (~2x faster).
 */
const KEYS: string[] = new Array(1024).fill('');

/** The key from `s` to `e` (keyEnd scanned it just before). */
function keyText(s: number, e: number): string {
  const slot = keyHash & 1023;
  const cached = KEYS[slot]!;
  if (cached.length === e - s) {
    let i = 0;
    while (i < cached.length && cached.charCodeAt(i) === T.charCodeAt(s + i)) i++;
    if (i === cached.length) return cached;
  }
  const key = T.slice(s, e);
  if (NOT_AS_WRITTEN.has(key)) throw GIVE_UP;
  return (KEYS[slot] = detached(key));
}

/**
 * Keys that js-yaml does not keep as written (an identifier key can only resolve
 * to null or a boolean; __proto__ is set specially).
 */
const NOT_AS_WRITTEN = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '__proto__']);

/**
 * The value after a key's ":" or a sequence's "-", from offset `p` of line `li`:
 * on the same line, or the block below it (more indented than `indent`, or a
 * sequence at the same indentation after a key). Leaves `li` after the value.
 */
function value(p: number, e: number, indent: number, afterKey: boolean): unknown {
  while (p < e && T.charCodeAt(p) === SPACE) p++;
  // A space always comes before `p` here: keyEnd and isSequenceItem require one after ":" and "-".
  if (p === e || T.charCodeAt(p) === HASH) {
    li++;
    skipBlank();
    if (li < lines && LI[li]! > indent) return blockNode(LI[li]!);
    // An empty "-" item: js-yaml may go on with a list from further out.
    if (!afterKey) throw GIVE_UP;
    return li < lines && LI[li] === indent && isSequenceItem(li) ? blockNode(indent) : null;
  }
  const c = T.charCodeAt(p);
  if (c === 0x7c || c === 0x3e) return blockScalar(p, e, indent); // | >
  let v: unknown;
  let end: number;
  if (c === 0x22 || c === 0x27) {
    end = quotedEnd(p, e);
    v = quoted(p, end);
    end++;
  } else if (c === 0x5b) {
    const seq: unknown[] = [];
    end = flowSequence(p, e, seq);
    v = seq.slice();
  } else {
    if (!plainMayStart(p, e)) throw GIVE_UP;
    end = e;
    let unusual = false;
    for (let i = p; i < e; i++) {
      const b = T.charCodeAt(i);
      if (b === HASH && T.charCodeAt(i - 1) === SPACE) {
        end = i;
        break;
      }
      if (b === COLON && (i + 1 === e || T.charCodeAt(i + 1) === SPACE)) throw GIVE_UP;
      if (b < 0x20 || b > 0x7e) unusual = true;
    }
    while (T.charCodeAt(end - 1) === SPACE) end--;
    v = plain(scalarText(p, end, unusual));
  }
  lineEnds(end, e);
  li++;
  return v;
}

/** Only spaces, or spaces and a comment, from `p` to the line's end `e`. */
function lineEnds(p: number, e: number): void {
  if (p === e) return;
  if (T.charCodeAt(p) !== SPACE) throw GIVE_UP;
  while (p < e && T.charCodeAt(p) === SPACE) p++;
  if (p < e && T.charCodeAt(p) !== HASH) throw GIVE_UP;
}

/** Whether a plain scalar may start at `p`: not an indicator (or "-", "?", ":" before a space). */
function plainMayStart(p: number, e: number): boolean {
  const c = T.charCodeAt(p);
  switch (c) {
    case 0x2c: case 0x5b: case 0x5d: case 0x7b: case 0x7d: // , [ ] { }
    case 0x23: case 0x26: case 0x2a: case 0x21: case 0x7c: // # & * ! |
    case 0x3e: case 0x27: case 0x22: case 0x25: case 0x40: case 0x60: // > ' " % @ `
      return false;
    case DASH: case 0x3f: case COLON: { // - ? :
      const n = p + 1 < e ? T.charCodeAt(p + 1) : SPACE;
      return n !== SPACE && n !== 0x2c && n !== 0x5b && n !== 0x5d && n !== 0x7b && n !== 0x7d;
    }
    default:
      return true;
  }
}

/** A plain scalar's value, resolved as js-yaml's CORE_SCHEMA resolves it. */
function plain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Only a digit, sign, dot or ~ can start a number or null; a letter, only null or a
  // boolean (at most 5 letters). Anything else is a string.
  const numberLike = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x7e;
  const wordLike = s.length <= 5 && (c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46);
  if (numberLike || wordLike) {
    for (const type of IMPLICIT) {
      if (!type.resolve(s)) continue;
      const v = type.construct(s);
      // NaN, the infinities and -0 are left to js-yaml: this reader's documents are
      // exactly JSON (a parse worker sends them as JSON text).
      if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) throw GIVE_UP;
      return v;
    }
  }
  return s;
}

/** Offset of the closing quote of a one-line quoted scalar starting at `p`. */
function quotedEnd(p: number, e: number): number {
  const q = T.charCodeAt(p);
  quotedUnusual = false;
  for (let i = p + 1; i < e; i++) {
    const b = T.charCodeAt(i);
    if (b < 0x20 || b > 0x7e) quotedUnusual = true;
    if (b === q) {
      if (q === 0x27 && T.charCodeAt(i + 1) === 0x27) {
        i++; // '' in single quotes
        continue;
      }
      return i;
    }
    if (b === 0x5c && q === 0x22) throw GIVE_UP; // escapes are left to js-yaml
  }
  throw GIVE_UP; // continues on the next line
}

/** Whether the quoted scalar quotedEnd last scanned has a character outside printable ASCII. */
let quotedUnusual = false;

function quoted(p: number, end: number): string {
  const s = scalarText(p + 1, end, quotedUnusual);
  return T.charCodeAt(p) === 0x27 && s.includes("''") ? s.replaceAll("''", "'") : s;
}

/** A flow sequence on one line from `p` ("["): fills `seq`, returns the offset after "]". */
function flowSequence(p: number, e: number, seq: unknown[]): number {
  let i = p + 1;
  while (i < e && T.charCodeAt(i) === SPACE) i++;
  if (T.charCodeAt(i) === 0x5d && i < e) return i + 1;
  for (;;) {
    if (i >= e) throw GIVE_UP;
    const c = T.charCodeAt(i);
    if (c === 0x22 || c === 0x27) {
      const q = quotedEnd(i, e);
      seq.push(quoted(i, q));
      i = q + 1;
    } else {
      if (!plainMayStart(i, e)) throw GIVE_UP;
      const s = i;
      let unusual = false;
      for (; i < e; i++) {
        const b = T.charCodeAt(i);
        if (b === 0x2c || b === 0x5d) break;
        if (b === COLON || b === 0x5b || b === 0x7b || b === 0x7d || (b === HASH && T.charCodeAt(i - 1) === SPACE)) throw GIVE_UP;
        if (b < 0x20 || b > 0x7e) unusual = true;
      }
      let t = i;
      while (T.charCodeAt(t - 1) === SPACE) t--;
      seq.push(plain(scalarText(s, t, unusual)));
    }
    while (i < e && T.charCodeAt(i) === SPACE) i++;
    if (i >= e) throw GIVE_UP;
    if (T.charCodeAt(i) === 0x5d) return i + 1;
    if (T.charCodeAt(i) !== 0x2c) throw GIVE_UP;
    i++;
    while (i < e && T.charCodeAt(i) === SPACE) i++;
    if (i >= e || T.charCodeAt(i) === 0x5d || T.charCodeAt(i) === 0x2c) throw GIVE_UP; // [a, ] or [a,,b]
  }
}

/** A literal (|) or folded (>) scalar, clipped or stripped (-), more indented than `indent`. */
function blockScalar(p: number, e: number, indent: number): string {
  const folded = T.charCodeAt(p) === 0x3e;
  let i = p + 1;
  let strip = false;
  if (T.charCodeAt(i) === DASH && i < e) {
    strip = true;
    i++;
  }
  lineEnds(i, e);
  li++;
  let leading = 0;
  while (li < lines && LS[li] === LE[li]) {
    leading++;
    li++;
  }
  if (li >= lines) throw GIVE_UP;
  const m = LI[li]!;
  if (m <= indent || LS[li]! + m === LE[li]) throw GIVE_UP; // empty, or a leading line of spaces
  let out = '\n'.repeat(leading);
  let blank = 0;
  let first = true;
  while (li < lines) {
    const s = LS[li]!;
    const end = LE[li]!;
    if (s + LI[li]! === end) {
      // A blank line: no more spaces than the indentation (else leave it to js-yaml).
      if (end - s > m) throw GIVE_UP;
      blank++;
      li++;
      continue;
    }
    if (LI[li]! < m) break;
    if (folded && (LI[li]! > m || T.charCodeAt(end - 1) === SPACE)) throw GIVE_UP;
    if (!first) out += folded && blank === 0 ? ' ' : '\n'.repeat(folded ? blank : blank + 1);
    out += scalarText(s + m, end, true);
    blank = 0;
    first = false;
    li++;
  }
  return strip ? out : out + '\n';
}
