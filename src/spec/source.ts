// A spec file as read from disk: its text, its documents as plain values, and
// lazy source positions. Values come from js-yaml (fast); positions come from
// the `yaml` package's syntax tree, parsed only when a diagnostic needs one.
import type { Node as YamlNode } from 'yaml';
import type { Position } from './diagnostics.js';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

/**
 * Loads the `yaml` package that source positions need (importing it costs tens
 * of milliseconds, which a clean run never pays). Call before locate() or
 * scalarSource(); DiagnosticBag.resolve() does.
 */
export async function loadPositionSupport(): Promise<void> {
  yamlModule ??= await import('yaml');
}

function yamlApi(): YamlModule {
  if (!yamlModule) throw new Error('SpecFile positions were asked for before loadPositionSupport()');
  return yamlModule;
}

export class SpecFile {
  private lineStarts: number[] | undefined;
  private trees: Array<YamlNode | null> | undefined;
  /** Offsets of each document's start in the text (from the YAML tree), for pointers into empty documents. */
  private docStarts: number[] | undefined;
  private source: string | (() => string);

  constructor(
    /** Absolute path. */
    readonly path: string,
    /** Path shown to users: relative to the current directory, with forward slashes. */
    readonly display: string,
    /**
     * The text, or a function that gives it when first needed: only a diagnostic's
     * position or a number's spelling needs it, and a build of 50,000 files without
     * diagnostics kept ~70 MB of texts for nothing (see load.ts).
     */
    text: string | (() => string),
  ) {
    this.source = text;
  }

  get text(): string {
    if (typeof this.source === 'function') this.source = this.source();
    return this.source;
  }

  /** 1-based line and column of a character offset. */
  positionAt(offset: number): Position {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.display, line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /**
   * Position of the node at `path` in document `doc` (the key of the last
   * segment when `at` is 'key'). When the path leads nowhere (the value is
   * absent), the deepest node found on the way is used.
   */
  locate(doc: number, path: ReadonlyArray<string | number>, at: 'key' | 'value'): Position {
    const { isMap, isPair, isScalar, isSeq } = yamlApi();
    this.parseTrees();
    let node: YamlNode | null | undefined = this.trees![doc];
    let offset = node?.range?.[0] ?? this.docStarts![doc] ?? 0;
    for (let i = 0; i < path.length && node; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const key = pair.key as YamlNode;
        const value = pair.value as YamlNode | null;
        if (last && at === 'key') {
          offset = key.range?.[0] ?? offset;
          break;
        }
        offset = (value?.range?.[0] ?? key.range?.[0]) ?? offset;
        node = value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as YamlNode | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.positionAt(offset);
  }

  /**
   * The text of the scalar at `path` in document `doc` as written (quotes and
   * escapes resolved), or undefined when that node is not a plain scalar in the
   * source (an alias, a merged key, a collection). Parses the tree on first use.
   */
  scalarSource(doc: number, path: ReadonlyArray<string | number>): string | undefined {
    const { isMap, isPair, isScalar, isSeq } = yamlApi();
    this.parseTrees();
    let node: YamlNode | null | undefined = this.trees![doc];
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        node = pair?.value as YamlNode | null | undefined;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg] as YamlNode | undefined;
      } else {
        return undefined;
      }
    }
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }

  private parseTrees(): void {
    if (this.trees) return;
    const { parseAllDocuments } = yamlApi();
    this.trees = [];
    this.docStarts = [];
    try {
      // Only called for text js-yaml accepted (bounded depth and size), so this parse is bounded too.
      // A lone CR ends a line for js-yaml and positionAt but not for `yaml`: make it LF (same length, same offsets).
      const docs = parseAllDocuments(this.text.replace(/\r(?!\n)/g, '\n'), { uniqueKeys: false });
      const list = Array.isArray(docs) ? docs : [];
      for (const d of list) {
        this.trees.push((d.contents as YamlNode | null) ?? null);
        this.docStarts.push(d.range?.[0] ?? 0);
      }
    } catch {
      // Positions degrade to the start of the file rather than failing the report.
    }
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}
