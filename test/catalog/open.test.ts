// Opening a catalog: anything that is not a complete MetaFuse catalog of a
// version this build understands is refused with a clear message; the CLI turns
// that into one line on stderr and exit 1, never a stack trace.
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogError, openCatalog } from '../../src/catalog/open.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/catalog/schema.js';
import { openDatabase } from '../../src/db/index.js';
import { buildCatalog, EXAMPLE_SPECS, removeTempDirs, run, tempDir } from './support.js';

let dir: string;
let good: string;

beforeAll(async () => {
  dir = tempDir();
  good = path.join(dir, 'good.db');
  await buildCatalog(EXAMPLE_SPECS, good);
});
afterAll(removeTempDirs);

interface BadCase {
  name: string;
  make: () => string;
  message: RegExp;
}

let made = 0;
/** A fresh path in the test directory (each case builds its own file). */
const file = (name: string) => path.join(dir, `${++made}-${name}`);
function copyOfGood(name: string): string {
  const p = file(name);
  copyFileSync(good, p);
  return p;
}

const CASES: BadCase[] = [
  { name: 'a missing file', make: () => file('nope.db'), message: /does not exist; build one with "metafuse build"/ },
  {
    name: 'a directory',
    make: () => {
      const p = file('a-directory');
      mkdirSync(p, { recursive: true });
      return p;
    },
    message: /is a directory, not a catalog file/,
  },
  {
    name: 'an empty file',
    make: () => {
      const p = file('empty.db');
      writeFileSync(p, '');
      return p;
    },
    message: /is not a MetaFuse catalog \(not an SQLite file\)/,
  },
  {
    name: 'a text file',
    make: () => {
      const p = file('notes.txt');
      writeFileSync(p, 'These are not the droids you are looking for.\n'.repeat(20));
      return p;
    },
    message: /is not a MetaFuse catalog \(not an SQLite file\)/,
  },
  {
    name: 'an SQLite file that is not a catalog',
    make: () => {
      const p = file('other.sqlite');
      const db = openDatabase(p);
      db.exec('CREATE TABLE things (a, b); INSERT INTO things VALUES (1, 2);');
      db.close();
      return p;
    },
    message: /is an SQLite file but not a MetaFuse catalog/,
  },
  {
    name: 'a catalog written by a newer MetaFuse (user_version > SCHEMA_VERSION)',
    make: () => {
      const p = copyOfGood('newer.db');
      const db = openDatabase(p);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      return p;
    },
    message: new RegExp(`uses catalog schema version ${SCHEMA_VERSION + 1}, newer than this MetaFuse understands \\(${SCHEMA_VERSION}\\); upgrade MetaFuse`),
  },
  {
    name: 'a file with the MetaFuse application id but no catalog tables',
    make: () => {
      const p = file('hollow.db');
      const db = openDatabase(p);
      db.exec(`PRAGMA application_id = ${APPLICATION_ID}; CREATE TABLE x (a);`);
      db.close();
      return p;
    },
    message: /is damaged or incomplete/,
  },
  {
    name: 'a catalog cut to its first 100 bytes',
    make: () => {
      const p = copyOfGood('cut100.db');
      truncateSync(p, 100);
      return p;
    },
    message: /is truncated \(100 of \d+ bytes\)/,
  },
  {
    name: 'a catalog cut in half',
    make: () => {
      const p = copyOfGood('half.db');
      truncateSync(p, Math.floor(readFileSync(good).length / 2));
      return p;
    },
    message: /is truncated/,
  },
  {
    name: 'a catalog missing its last page',
    make: () => {
      const p = copyOfGood('lastpage.db');
      truncateSync(p, readFileSync(good).length - 4096);
      return p;
    },
    message: /is truncated/,
  },
  {
    // SQLite zero-fills a short last page and would answer queries from the rest.
    name: 'a catalog missing its last 100 bytes',
    make: () => {
      const p = copyOfGood('short.db');
      truncateSync(p, readFileSync(good).length - 100);
      return p;
    },
    message: /is truncated/,
  },
];

describe('openCatalog', () => {
  it('opens a good catalog and reads its metadata', () => {
    const cat = openCatalog(good);
    try {
      expect(cat.meta).toMatchObject({ schemaVersion: SCHEMA_VERSION, version: 0, catalogName: 'acme', defaultTenant: 'acme' });
    } finally {
      cat.close();
    }
  });

  it.each(CASES.map((c) => [c.name, c]))('refuses %s with a CatalogError', (_name, c) => {
    const p = c.make();
    let err: unknown;
    try {
      openCatalog(p).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as Error).message).toMatch(c.message);
    expect((err as Error).message).toContain(p);
  });

  it('opens read-only: the good catalog is byte-for-byte unchanged after reading', async () => {
    const before = readFileSync(good);
    for (const args of [['stats'], ['list'], ['show', 'customer_profiles'], ['search', 'order'], ['lineage', 'stg_orders'], ['glossary', 'order']]) {
      expect((await run([...args, '--catalog', good])).code).toBe(0);
    }
    expect(readFileSync(good).equals(before)).toBe(true);
  });
});

describe('read commands on a bad catalog', () => {
  const COMMANDS = [['stats'], ['list'], ['show', 'orders_raw'], ['search', 'order'], ['lineage', 'stg_orders'], ['glossary']];

  it.each(CASES.map((c) => [c.name, c]))('%s: every read command exits 1 with one clear line, no stack trace', async (_name, c) => {
    const p = c.make();
    for (const args of COMMANDS) {
      const r = await run([...args, '--catalog', p]);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^metafuse ${args[0]}: `));
      expect(r.stderr).toMatch(c.message);
      expect(r.stderr).not.toContain('internal error');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('METAFUSE_CATALOG names the catalog when --catalog is not given; a bad one is refused the same way', async () => {
    const before = process.env.METAFUSE_CATALOG;
    try {
      process.env.METAFUSE_CATALOG = good;
      expect((await run(['stats', '--json'])).code).toBe(0);
      process.env.METAFUSE_CATALOG = file('still-missing.db');
      const r = await run(['stats']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/still-missing\.db" does not exist/);
    } finally {
      if (before === undefined) delete process.env.METAFUSE_CATALOG;
      else process.env.METAFUSE_CATALOG = before;
    }
  });

  it('a file:// URL is read like a path', async () => {
    const r = await run(['stats', '--json', '--catalog', `file://${good}`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ catalog: 'acme' });
  });
});
