// An in-memory inverted index over dataset_search for long-running readers
// (`metafuse serve`). SQLite ranks a full-text match by computing bm25 for every
// matching row, about 1 µs each: a word found in every dataset costs ~10 ms at
// 10,000 datasets and ~45 ms at 50,000, and blocks the server meanwhile. This
// index holds, per term, the datasets that contain it and the column-weighted
// count of its occurrences, and ranks with the same bm25 formula and weights as
// FTS5 (fts5_aux.c: k1 = 1.2, b = 0.75, IDF clamped to 1e-6): the same results in
// the same order, scores equal to the last digit or two (C's log and V8's
// Math.log may differ in the last bit).
//
// It is only built for catalogs whose indexed text is ASCII, where FTS5's
// unicode61 tokenizer is simply "runs of letters and digits, lower-cased", and
// only when its token counts agree with FTS5's own (dataset_search_docsize) for
// every row and column; otherwise, and for queries it does not cover (quoted or
// joined multi-word phrases, non-ASCII words), searches run on FTS5 as before.
import type { Database } from '../db/index.js';
import { SEARCH_WEIGHTS } from './schema.js';

export const SEARCH_COLUMNS = ['name', 'tenant', 'description', 'domain', 'owner', 'tags', 'terms', 'fields', 'field_descriptions'] as const;

/** One part of a query: a phrase of tokens, optionally a prefix (see search-query.ts). */
export interface QueryPart {
  tokens: string[];
  prefix: boolean;
}

export interface Ranked {
  id: number;
  /** FTS5's rank: minus the bm25 score (lower is better). */
  rank: number;
}

const K1 = 1.2;
const B = 0.75;
const ASCII = /^[\x00-\x7f]*$/;
const TOKEN = /[a-z0-9]+/g;
/** Rows read per query of an incremental build. */
const SLICE = 250;
/** Longest stretch of an incremental build between pauses, in ms (a request waits at most about this long). */
const PAUSE_EVERY_MS = 8;

export class SearchIndex {
  private constructor(
    /** Every indexed term, sorted (code unit order: a prefix's terms are one range). */
    private readonly terms: string[],
    /** Per term: the rowids that contain it, ascending. */
    private readonly docs: Int32Array[],
    /** Per term, parallel to docs: the sum of the column weights of its occurrences. */
    private readonly freq: Int32Array[],
    /** Per rowid: bm25's length normalisation, k1 * (1 - b + b * tokens / average tokens), as FTS5 computes it. */
    private readonly norm: Float64Array,
    private readonly rows: number,
  ) {
    this.scratch = [];
  }

  /** Per query part, reused by every query (no garbage per query): summed frequencies and a generation mark per rowid, and the rows gathered. */
  private readonly scratch: Array<{ freq: Float64Array; mark: Int32Array; rows: Int32Array }>;
  private generation = 0;

  /**
   * Builds the index from a catalog's search table, pausing after about every
   * PAUSE_EVERY_MS of work (`pause` runs there: serve yields to the event loop). Returns
   * null when the index would not rank exactly as FTS5 does (see above).
   */
  static async build(db: Database, pause: () => Promise<void> | void = () => {}): Promise<SearchIndex | null> {
    const weights = SEARCH_WEIGHTS;
    // Rows are read from FTS5's content table (columns c0, c1, … in the declared order):
    // a rowid range on the virtual table itself was a scan from the start, ~25 ms per
    // slice at 50,000 datasets, against ~2 ms here.
    const declared = db.prepare('PRAGMA table_info(dataset_search)').all<{ cid: number; name: string }>();
    const contentColumn = (name: string) => {
      const c = declared.find((d) => d.name === name);
      if (!c) throw new Error(`dataset_search has no column ${name}`);
      return `c${c.cid} AS ${name}`;
    };
    const maxId = db.prepare('SELECT max(id) AS n FROM dataset_search_content').get<{ n: number | null }>()?.n ?? 0;
    const length = new Float64Array(maxId + 1);
    const postings = new Map<string, { docs: number[]; freq: number[] }>();
    const select = db.prepare(`SELECT id, ${SEARCH_COLUMNS.map(contentColumn).join(', ')} FROM dataset_search_content WHERE id > ? ORDER BY id LIMIT ${SLICE}`);
    const sizes = db.prepare('SELECT id, sz FROM dataset_search_docsize WHERE id > ? ORDER BY id LIMIT ' + SLICE);
    let rows = 0;
    let total = 0;
    let after = 0;
    // Checked per row without awaiting anything unless a pause is due.
    let since = performance.now();
    const due = () => performance.now() - since >= PAUSE_EVERY_MS;
    const rest = async () => {
      await pause();
      since = performance.now();
    };
    for (;;) {
      const slice = select.all<Record<string, string | number | null>>(after);
      if (slice.length === 0) break;
      const counted = sizes.all<{ id: number; sz: Uint8Array }>(after);
      if (counted.length !== slice.length) return null;
      for (let r = 0; r < slice.length; r++) {
        const row = slice[r]!;
        const id = row.id as number;
        if (counted[r]!.id !== id) return null;
        const expected = decodeVarints(counted[r]!.sz);
        const tf = new Map<string, number>();
        let n = 0;
        for (let c = 0; c < SEARCH_COLUMNS.length; c++) {
          const value = row[SEARCH_COLUMNS[c]!];
          const text = value === null || value === undefined ? '' : String(value);
          if (!ASCII.test(text)) return null;
          const tokens = text.toLowerCase().match(TOKEN) ?? [];
          if (tokens.length !== (expected[c] ?? 0)) return null;
          n += tokens.length;
          for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + weights[c]!);
        }
        length[id] = n;
        total += n;
        rows++;
        for (const [t, f] of tf) {
          let p = postings.get(t);
          if (!p) postings.set(t, (p = { docs: [], freq: [] }));
          p.docs.push(id);
          p.freq.push(f);
        }
        if (due()) await rest();
      }
      after = slice[slice.length - 1]!.id as number;
    }
    // The default sort compares strings by UTF-16 code units, the order wanted, without a comparator call per pair.
    const terms = [...postings.keys()].sort();
    const docs: Int32Array[] = [];
    const freq: Int32Array[] = [];
    for (let t = 0; t < terms.length; t++) {
      const p = postings.get(terms[t]!)!;
      docs.push(Int32Array.from(p.docs));
      freq.push(Int32Array.from(p.freq));
      if (t % 256 === 255 && due()) await rest();
    }
    const avgdl = total / rows;
    const norm = length.map((n) => K1 * (1 - B + (B * n) / avgdl));
    return new SearchIndex(terms, docs, freq, norm, rows);
  }

  /**
   * The best `limit` rows for a query, as FTS5 orders them for
   * `ORDER BY (rowid in exact) DESC, rank`; null when this index cannot answer it.
   */
  rank(parts: QueryPart[], exact: ReadonlySet<number>, limit: number): Ranked[] | null {
    if (parts.length === 0 || parts.some((p) => p.tokens.length !== 1 || !ASCII.test(p.tokens[0]!))) return null;
    const gen = ++this.generation;
    // Per phrase: the rows that match it and their weighted frequencies (in its scratch slot), and how many.
    const counts = parts.map((p, i) => this.gather(p.tokens[0]!, p.prefix, i, gen));
    const idf = counts.map((n) => {
      const v = Math.log((this.rows - n + 0.5) / (n + 0.5));
      return v <= 0 ? 1e-6 : v;
    });
    let fewest = 0;
    for (let i = 1; i < counts.length; i++) if (counts[i]! < counts[fewest]!) fewest = i;
    const heap = new TopK(limit);
    const norm = this.norm;
    const slots = this.scratch;
    const anyExact = exact.size > 0;
    const rows = slots[fewest]!.rows;
    const n = counts[fewest]!;
    if (parts.length === 1) {
      // One phrase (a word as typed, the commonest query): every gathered row matches.
      const freq = slots[0]!.freq;
      const w = idf[0]!;
      for (let k = 0; k < n; k++) {
        const id = rows[k]!;
        const f = freq[id]!;
        heap.offer(id, -1.0 * (0 + w * ((f * (K1 + 1.0)) / (f + norm[id]!))), anyExact && exact.has(id));
      }
      return heap.sorted();
    }
    for (let k = 0; k < n; k++) {
      const id = rows[k]!;
      let score = 0;
      let all = true;
      for (let i = 0; i < parts.length; i++) {
        const s = slots[i]!;
        if (s.mark[id] !== gen) {
          all = false;
          break;
        }
        const f = s.freq[id]!;
        score += idf[i]! * ((f * (K1 + 1.0)) / (f + norm[id]!));
      }
      if (all) heap.offer(id, -1.0 * score, anyExact && exact.has(id));
    }
    return heap.sorted();
  }

  /** Gathers the rows matching one phrase (a term, or every term with a prefix) into scratch slot `slot`, with their frequencies; returns how many. */
  private gather(token: string, prefix: boolean, slot: number, gen: number): number {
    const size = this.norm.length;
    const s = (this.scratch[slot] ??= { freq: new Float64Array(size), mark: new Int32Array(size), rows: new Int32Array(size) });
    const { mark, freq: sum, rows } = s;
    const first = this.lowerBound(token);
    const end = prefix ? this.lowerBound(`${token}\uffff`) : this.terms[first] === token ? first + 1 : first;
    let n = 0;
    for (let t = first; t < end; t++) {
      const docs = this.docs[t]!;
      const freq = this.freq[t]!;
      for (let k = 0; k < docs.length; k++) {
        const id = docs[k]!;
        if (mark[id] !== gen) {
          mark[id] = gen;
          sum[id] = 0;
          rows[n++] = id;
        }
        sum[id]! += freq[k]!;
      }
    }
    return n;
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.terms[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The k best of a stream by (exact first, rank ascending, rowid ascending), in a bounded heap (worst on top). */
class TopK {
  private readonly items: Array<{ id: number; rank: number; exact: boolean }> = [];
  constructor(private readonly k: number) {}

  /** a ranks worse than b. */
  private static worse(a: { id: number; rank: number; exact: boolean }, b: { id: number; rank: number; exact: boolean }): boolean {
    if (a.exact !== b.exact) return b.exact;
    if (a.rank !== b.rank) return a.rank > b.rank;
    return a.id > b.id;
  }

  offer(id: number, rank: number, exact: boolean): void {
    const h = this.items;
    if (h.length < this.k) {
      h.push({ id, rank, exact });
      let i = h.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopK.worse(h[i]!, h[parent]!)) break;
        [h[i], h[parent]] = [h[parent]!, h[i]!];
        i = parent;
      }
      return;
    }
    if (this.k === 0) return;
    // Most rows of a common word lose to the worst kept one: decided without allocating.
    const top = h[0]!;
    if (top.exact !== exact ? top.exact : top.rank !== rank ? top.rank < rank : top.id < id) return;
    h[0] = { id, rank, exact };
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < h.length && TopK.worse(h[l]!, h[w]!)) w = l;
      if (r < h.length && TopK.worse(h[r]!, h[w]!)) w = r;
      if (w === i) break;
      [h[i], h[w]] = [h[w]!, h[i]!];
      i = w;
    }
  }

  sorted(): Ranked[] {
    return [...this.items].sort((a, b) => (TopK.worse(a, b) ? 1 : TopK.worse(b, a) ? -1 : 0)).map(({ id, rank }) => ({ id, rank }));
  }
}

/** FTS5's docsize record: one SQLite varint per column. */
function decodeVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    let v = 0;
    for (let k = 0; k < 9 && i < bytes.length; k++) {
      const b = bytes[i++]!;
      if (k === 8) {
        v = v * 256 + b;
        break;
      }
      v = v * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    out.push(v);
  }
  return out;
}
