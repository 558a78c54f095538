// The in-memory search index (src/catalog/search-index.ts) must answer exactly as
// FTS5 does: the same datasets in the same order, the same shown scores. Checked on
// a generated 2,000-dataset catalog for every indexed word and some prefixes of it,
// multi-word queries, exact names, several limits; and it must step aside (FTS5
// answers) where it cannot be exact: non-ASCII text, phrases.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../../src/catalog/open.js';
import { prepareSearch, searchDatasets } from '../../src/catalog/queries.js';
import { SEARCH_WEIGHTS } from '../../src/catalog/schema.js';
import { SearchIndex } from '../../src/catalog/search-index.js';
import { toFtsQuery } from '../../src/catalog/search-query.js';
import { generatedCatalog } from '../server/support.js';
import { buildCatalog, removeTempDirs, tempDir, writeTree } from './support.js';

let file: string;
let plain: Catalog;
let indexed: Catalog;
let vocabulary: string[];

beforeAll(async () => {
  file = await generatedCatalog(tempDir(), 2000);
  plain = openCatalog(file);
  indexed = openCatalog(file);
  await prepareSearch(indexed);
  // Every term FTS5 indexed, from its own vocabulary table.
  plain.db.exec("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, dataset_search, 'row')");
  vocabulary = plain.db.prepare('SELECT term FROM temp.vocabulary ORDER BY doc DESC, term').all<{ term: string }>().map((r) => r.term);
}, 120_000);
afterAll(() => {
  plain?.close();
  indexed?.close();
  removeTempDirs();
});

/** The answers of the catalog without the index (FTS5) and of the one with it. */
function compare(q: string, limit = 20): void {
  const a = searchDatasets(plain, q, limit);
  const b = searchDatasets(indexed, q, limit);
  expect(b, JSON.stringify(q)).toEqual(a);
}

describe('the in-memory search index ranks as FTS5 does', () => {
  it('is built for this ASCII catalog', async () => {
    expect(vocabulary.length).toBeGreaterThan(1000);
    expect(await SearchIndex.build(plain.db)).toBeInstanceOf(SearchIndex);
  });

  it('every indexed word, as typed (a prefix) and quoted (the word only), and shortened prefixes', () => {
    let nonEmpty = 0;
    for (const w of vocabulary) {
      compare(w);
      compare(`"${w}"`);
      if (w.length > 2) compare(w.slice(0, 2));
      if (w.length > 4) compare(w.slice(0, -2));
      if (searchDatasets(plain, w).results.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBe(vocabulary.length);
  });

  it('multi-word queries (all words must match), larger limits, exact dataset names first', () => {
    const common = vocabulary.slice(0, 60);
    for (let i = 0; i < common.length; i++) {
      compare(`${common[i]} ${common[(i * 7 + 3) % common.length]}`, 50);
      compare(`${common[i]!.toUpperCase()} ${common[(i * 11 + 5) % common.length]} ${common[(i * 13 + 1) % common.length]}`);
    }
    for (const limit of [1, 5, 100, 1000]) compare(vocabulary[0]!, limit);
    const names = plain.db.prepare('SELECT name FROM datasets ORDER BY id LIMIT 40').all<{ name: string }>().map((r) => r.name);
    for (const n of names) {
      compare(n);
      compare(n.split('_')[0]!);
    }
  });

  it('answers words and multi-word queries itself, with the rows and ranks FTS5 gives', async () => {
    const index = (await SearchIndex.build(plain.db))!;
    const fts = plain.db.prepare(`SELECT rowid AS id, rank FROM dataset_search WHERE dataset_search MATCH ? AND rank MATCH 'bm25(${SEARCH_WEIGHTS.join(', ')})' ORDER BY rank LIMIT 20`);
    const queries = [...vocabulary.slice(0, 80), ...vocabulary.slice(0, 20).map((w, i) => `${w} ${vocabulary[i + 20]}`)];
    for (const text of queries) {
      const q = toFtsQuery(text)!;
      const mine = index.rank(q.parts, new Set(), 20);
      expect(mine, text).not.toBeNull();
      const theirs = fts.all<{ id: number; rank: number }>(q.match);
      expect(theirs.length, text).toBeGreaterThan(0);
      expect(mine!.map((r) => r.id), text).toEqual(theirs.map((r) => r.id));
      mine!.forEach((r, i) => expect(Math.abs(r.rank - theirs[i]!.rank), text).toBeLessThanOrEqual(Math.abs(theirs[i]!.rank) * 1e-12));
    }
    // A dataset named as the query comes first, as `ORDER BY exact DESC, rank` puts it.
    const named = plain.db.prepare("SELECT id, name FROM datasets WHERE declared = 1 ORDER BY id DESC LIMIT 1").get<{ id: number; name: string }>()!;
    const word = named.name.split('_')[0]!;
    const ranked = index.rank(toFtsQuery(word)!.parts, new Set([named.id]), 5)!;
    expect(ranked[0]!.id).toBe(named.id);
  });
});

describe('where the index steps aside', () => {
  it('phrases (words next to each other, quoted or joined by punctuation) are ranked by FTS5, identically', async () => {
    const index = (await SearchIndex.build(plain.db))!;
    expect(index.rank(toFtsQuery('orders_daily')!.parts, new Set(), 20)).toBeNull();
    // Pairs and triples of words that follow each other in some dataset's text, and pairs that never do.
    const texts = plain.db.prepare('SELECT description, field_descriptions, fields FROM dataset_search ORDER BY rowid LIMIT 25').all<Record<string, string>>();
    let phrases = 0;
    for (const t of texts) {
      const words = Object.values(t).join(' . ').toLowerCase().match(/[a-z0-9]+/g) ?? [];
      for (let i = 0; i + 2 < words.length; i += 13) {
        compare(`"${words[i]} ${words[i + 1]}"`);
        compare(`${words[i]}_${words[i + 1]}_${words[i + 2]!.slice(0, 2)}`);
        compare(`${words[i]}.${words[i + 1]} ${words[i + 2]}`);
        compare(`"${words[i + 1]} ${words[i]}"`);
        phrases += 4;
      }
    }
    expect(phrases).toBeGreaterThan(60);
  });

  it('a catalog with non-ASCII text is not indexed, and its searches still work', async () => {
    const dir = tempDir();
    writeTree(dir, {
      'specs/metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\nname: t\n',
      'specs/a.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: desserts\nowner: café-team\ndescription: Crème brûlée orders\nfields:\n  - name: id\n    type: int64\n',
      'specs/b.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: orders\nowner: shop\ndescription: plain orders\nfields:\n  - name: id\n    type: int64\n',
    });
    const out = path.join(dir, 'c.db');
    await buildCatalog(path.join(dir, 'specs'), out);
    const cat = openCatalog(out);
    try {
      expect(await SearchIndex.build(cat.db)).toBeNull();
      await prepareSearch(cat);
      expect(searchDatasets(cat, 'creme brulee').results.map((r) => r.name)).toEqual(['desserts']);
      expect(searchDatasets(cat, 'cafe').results.map((r) => r.name)).toEqual(['desserts']);
      expect(searchDatasets(cat, 'orders').results.map((r) => r.name)).toEqual(['orders', 'desserts']);
    } finally {
      cat.close();
    }
  });

  it('a query with a non-ASCII word is answered by FTS5 (which folds diacritics)', () => {
    const w = vocabulary.find((t) => t.includes('e')) ?? vocabulary[0]!;
    compare(w.replace('e', 'é'));
  });
});
