// The small database contract (src/db/types.ts) that all catalog code uses, run
// against every driver this runtime has: better-sqlite3 always, node:sqlite where
// Node ships it (22.13+; the GitHub Action runs on Node 24). On an older Node the
// node:sqlite suite is skipped, and a test below states that as a checked fact.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openBetterSqlite3 } from '../../src/db/better-sqlite3.js';
import { openDatabase, type Database, type DriverName, type OpenOptions } from '../../src/db/index.js';
import { nodeSqliteAvailable, openNodeSqlite } from '../../src/db/node-sqlite.js';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const root = mkdtempSync(path.join(tmpdir(), 'metafuse-db-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const freshPath = () => path.join(root, `db-${++seq}.sqlite`);

interface Driver {
  name: DriverName;
  available: boolean;
  open: (file: string, options?: OpenOptions) => Database;
}

const DRIVERS: Driver[] = [
  { name: 'better-sqlite3', available: true, open: openBetterSqlite3 },
  { name: 'node:sqlite', available: nodeSqliteAvailable(), open: openNodeSqlite },
];

describe('which drivers this runtime has', () => {
  it.runIf(major < 22)(`node:sqlite is not available on Node ${process.version} (it needs Node 22.13+), so its contract suite is skipped here`, () => {
    expect(nodeSqliteAvailable()).toBe(false);
  });

  it.runIf(major > 22 || (major === 22 && minor >= 13))(`node:sqlite is available on Node ${process.version}, so its contract suite runs`, () => {
    expect(nodeSqliteAvailable()).toBe(true);
  });

  it.runIf(!nodeSqliteAvailable())('forcing node:sqlite where it is missing fails with a message naming the Node version', () => {
    expect(() => openNodeSqlite(':memory:')).toThrow(`node:sqlite is not available in Node ${process.version}`);
  });

  it('openDatabase uses better-sqlite3 by default and honours METAFUSE_SQLITE_DRIVER', () => {
    const before = process.env.METAFUSE_SQLITE_DRIVER;
    try {
      delete process.env.METAFUSE_SQLITE_DRIVER;
      const db = openDatabase(':memory:');
      expect(db.driver).toBe('better-sqlite3');
      db.close();
      process.env.METAFUSE_SQLITE_DRIVER = 'node:sqlite';
      if (nodeSqliteAvailable()) {
        const n = openDatabase(':memory:');
        expect(n.driver).toBe('node:sqlite');
        n.close();
      } else {
        expect(() => openDatabase(':memory:')).toThrow(/node:sqlite is not available/);
      }
    } finally {
      if (before === undefined) delete process.env.METAFUSE_SQLITE_DRIVER;
      else process.env.METAFUSE_SQLITE_DRIVER = before;
    }
  });
});

for (const driver of DRIVERS) {
  describe.runIf(driver.available)(`database contract: ${driver.name}`, () => {
    const opened: Database[] = [];
    const open = (file = ':memory:', options?: OpenOptions) => {
      const db = driver.open(file, options);
      opened.push(db);
      return db;
    };
    afterEach(() => {
      for (const db of opened.splice(0)) {
        try {
          db.close();
        } catch {
          // closed by the test
        }
      }
    });
    const withTable = (file?: string) => {
      const db = open(file);
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n REAL, b BLOB); CREATE TABLE u (x INTEGER);');
      return db;
    };
    const count = (db: Database, table = 't') => db.prepare(`SELECT count(*) AS c FROM ${table}`).get<{ c: number }>()!.c;

    it('reports its driver name and path', () => {
      const file = freshPath();
      const db = open(file);
      expect(db.driver).toBe(driver.name);
      expect(db.path).toBe(file);
    });

    it('exec runs several statements at once', () => {
      const db = withTable();
      db.exec("INSERT INTO t (name) VALUES ('a'); INSERT INTO t (name) VALUES ('b');");
      expect(count(db)).toBe(2);
    });

    it('run returns changes and lastInsertRowid', () => {
      const db = withTable();
      const r = db.prepare('INSERT INTO t (id, name) VALUES (?, ?)').run(41, 'x');
      expect(r.changes).toBe(1);
      expect(Number(r.lastInsertRowid)).toBe(41);
      db.exec("INSERT INTO t (name) VALUES ('y'), ('z')");
      expect(db.prepare('UPDATE t SET name = upper(name)').run().changes).toBe(3);
    });

    it('get returns the first row as an object, or undefined when there is none', () => {
      const db = withTable();
      db.exec("INSERT INTO t (id, name, n) VALUES (1, 'a', 1.5), (2, 'b', NULL)");
      expect(db.prepare('SELECT id, name, n FROM t ORDER BY id').get()).toEqual({ id: 1, name: 'a', n: 1.5 });
      expect(db.prepare('SELECT * FROM t WHERE id = ?').get(99)).toBeUndefined();
    });

    it('all returns every row in order; iterate yields the same rows', () => {
      const db = withTable();
      const ins = db.prepare('INSERT INTO t (id, name) VALUES (?, ?)');
      for (let i = 1; i <= 5; i++) ins.run(i, `r${i}`);
      const sql = 'SELECT id, name FROM t WHERE id >= ? ORDER BY id DESC';
      const all = db.prepare(sql).all<{ id: number; name: string }>(2);
      expect(all.map((r) => r.id)).toEqual([5, 4, 3, 2]);
      expect([...db.prepare(sql).iterate<{ id: number; name: string }>(2)]).toEqual(all);
      expect(db.prepare('SELECT * FROM t WHERE id < 0').all()).toEqual([]);
    });

    it('binds null, numbers, bigints, strings and bytes and reads them back', () => {
      const db = withTable();
      db.prepare('INSERT INTO t (id, name, n, b) VALUES (?, ?, ?, ?)').run(2n ** 40n, 'ünïcødé ✓', -0.25, new Uint8Array([0, 1, 254, 255]));
      db.prepare('INSERT INTO t (id, name, n, b) VALUES (?, ?, ?, ?)').run(7, null, null, null);
      const rows = db.prepare('SELECT id, name, n, b FROM t ORDER BY id').all<{ id: number; name: string | null; n: number | null; b: Uint8Array | null }>();
      expect(rows[0]).toEqual({ id: 7, name: null, n: null, b: null });
      expect(rows[1]!.id).toBe(2 ** 40);
      expect(rows[1]!.name).toBe('ünïcødé ✓');
      expect(rows[1]!.n).toBe(-0.25);
      expect([...rows[1]!.b!]).toEqual([0, 1, 254, 255]);
    });

    it('get and all on a statement that returns no rows still run it', () => {
      const db = withTable();
      expect(db.prepare("INSERT INTO t (name) VALUES ('via get')").get()).toBeUndefined();
      expect(db.prepare("INSERT INTO t (name) VALUES ('via all')").all()).toEqual([]);
      expect(count(db)).toBe(2);
    });

    it('a prepared statement can be run many times with different parameters', () => {
      const db = withTable();
      const ins = db.prepare('INSERT INTO u (x) VALUES (?)');
      for (let i = 0; i < 100; i++) ins.run(i);
      expect(db.prepare('SELECT sum(x) AS s FROM u').get<{ s: number }>()!.s).toBe(4950);
    });

    it('SQL errors throw', () => {
      const db = withTable();
      expect(() => db.prepare('SELEC nonsense')).toThrow();
      expect(() => db.exec('INSERT INTO missing_table VALUES (1)')).toThrow();
      db.exec('CREATE UNIQUE INDEX u_x ON u (x)');
      db.exec('INSERT INTO u VALUES (1)');
      expect(() => db.prepare('INSERT INTO u VALUES (?)').run(1)).toThrow(/UNIQUE/);
    });

    it('transaction commits when fn returns, and returns its value', () => {
      const db = withTable();
      const v = db.transaction(() => {
        db.exec("INSERT INTO t (name) VALUES ('a'), ('b')");
        return 'done';
      });
      expect(v).toBe('done');
      expect(count(db)).toBe(2);
    });

    it('transaction rolls back every write when fn throws, and rethrows the same error', () => {
      const db = withTable();
      db.exec("INSERT INTO t (name) VALUES ('kept')");
      const boom = new Error('boom');
      let caught: unknown;
      try {
        db.transaction(() => {
          db.exec("INSERT INTO t (name) VALUES ('lost1')");
          db.prepare('INSERT INTO u (x) VALUES (?)').run(1);
          throw boom;
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(boom);
      expect(count(db)).toBe(1);
      expect(count(db, 'u')).toBe(0);
      // The connection is usable again: no transaction left open.
      db.transaction(() => db.exec("INSERT INTO t (name) VALUES ('after')"));
      expect(count(db)).toBe(2);
    });

    it('a failing SQL statement inside a transaction rolls the whole transaction back', () => {
      const db = withTable();
      db.exec('CREATE UNIQUE INDEX u_x ON u (x)');
      expect(() =>
        db.transaction(() => {
          db.exec('INSERT INTO u VALUES (1)');
          db.exec('INSERT INTO u VALUES (1)');
        }),
      ).toThrow(/UNIQUE/);
      expect(count(db, 'u')).toBe(0);
    });

    it('a nested transaction joins the outer one: committed together', () => {
      const db = withTable();
      const v = db.transaction(() => {
        db.exec('INSERT INTO u VALUES (1)');
        const inner = db.transaction(() => {
          db.exec('INSERT INTO u VALUES (2)');
          return 'inner';
        });
        db.exec('INSERT INTO u VALUES (3)');
        return inner;
      });
      expect(v).toBe('inner');
      expect(count(db, 'u')).toBe(3);
    });

    it('a nested transaction joins the outer one: an outer failure also undoes the inner writes', () => {
      const db = withTable();
      expect(() =>
        db.transaction(() => {
          db.transaction(() => db.exec('INSERT INTO u VALUES (1)'));
          throw new Error('outer fails after inner returned');
        }),
      ).toThrow('outer fails');
      expect(count(db, 'u')).toBe(0);
    });

    it('a nested transaction joins the outer one: an inner failure that propagates undoes everything', () => {
      const db = withTable();
      expect(() =>
        db.transaction(() => {
          db.exec('INSERT INTO u VALUES (1)');
          db.transaction(() => {
            db.exec('INSERT INTO u VALUES (2)');
            throw new Error('inner fails');
          });
        }),
      ).toThrow('inner fails');
      expect(count(db, 'u')).toBe(0);
    });

    it('writes are durable in the file: another connection sees committed data', () => {
      const file = freshPath();
      const db = withTable(file);
      db.transaction(() => db.exec("INSERT INTO t (name) VALUES ('persisted')"));
      db.close();
      const again = open(file, { mustExist: true });
      expect(again.prepare('SELECT name FROM t').all()).toEqual([{ name: 'persisted' }]);
    });

    it('readonly opens an existing file for reading and refuses writes', () => {
      const file = freshPath();
      const w = withTable(file);
      w.exec("INSERT INTO t (name) VALUES ('x')");
      w.close();
      const ro = open(file, { readonly: true });
      expect(ro.prepare('SELECT name FROM t').get()).toEqual({ name: 'x' });
      expect(() => ro.exec("INSERT INTO t (name) VALUES ('y')")).toThrow(/readonly|read-only|read only/i);
      expect(() => ro.prepare('DELETE FROM t').run()).toThrow(/readonly|read-only|read only/i);
      expect(() => ro.transaction(() => ro.exec('CREATE TABLE z (a)'))).toThrow(/readonly|read-only|read only/i);
      expect(ro.prepare('SELECT count(*) AS c FROM t').get()).toEqual({ c: 1 });
    });

    it('mustExist (and readonly, which implies it) refuses a missing file and does not create it', () => {
      const missing = path.join(root, `missing-${driver.name.replace(':', '-')}.sqlite`);
      expect(() => driver.open(missing, { mustExist: true })).toThrow();
      expect(existsSync(missing)).toBe(false);
      expect(() => driver.open(missing, { readonly: true })).toThrow();
      expect(existsSync(missing)).toBe(false);
      // Without it, the file is created.
      const db = open(missing);
      db.exec('CREATE TABLE a (x)');
      expect(existsSync(missing)).toBe(true);
    });

    it('close releases the connection; using it afterwards throws', () => {
      const db = driver.open(':memory:');
      db.close();
      expect(() => db.prepare('SELECT 1').get()).toThrow();
    });
  });
}
