// Node's built-in node:sqlite driver (Node >= 22.5; used inside the GitHub Action
// on Node 24). Loaded with process.getBuiltinModule so bundlers leave it alone.
import { runTransaction } from './transaction.js';
import type { Database, OpenOptions, SqlValue, Statement } from './types.js';

interface NodeStatement {
  run(...p: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...p: SqlValue[]): unknown;
  all(...p: SqlValue[]): unknown[];
  iterate(...p: SqlValue[]): IterableIterator<unknown>;
}
interface NodeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
  readonly isTransaction: boolean;
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean; open?: boolean }) => NodeDatabase;
}

export function nodeSqliteAvailable(): boolean {
  return loadModule() !== undefined;
}

function loadModule(): NodeSqliteModule | undefined {
  const get = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    return get?.('node:sqlite') as NodeSqliteModule | undefined;
  } catch {
    return undefined;
  }
}

export function openNodeSqlite(path: string, options: OpenOptions = {}): Database {
  const mod = loadModule();
  if (!mod) throw new Error(`node:sqlite is not available in Node ${process.version}; it needs Node 22.13 or later`);
  const readOnly = options.readonly ?? false;
  if ((options.mustExist ?? readOnly) && path !== ':memory:') {
    // DatabaseSync would create a missing file when writable; refuse like better-sqlite3's fileMustExist.
    const fs = process.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
    if (fs && !fs.existsSync(path)) throw Object.assign(new Error(`unable to open database file: ${path}`), { code: 'SQLITE_CANTOPEN' });
  }
  const db = new mod.DatabaseSync(path, { readOnly });
  const cache = new Map<string, Statement>();
  return {
    driver: 'node:sqlite',
    path,
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      let s = cache.get(sql);
      if (!s) {
        const stmt = db.prepare(sql);
        s = {
          run: (...p: SqlValue[]) => {
            const r = stmt.run(...p);
            return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid };
          },
          get: <T>(...p: SqlValue[]) => stmt.get(...p) as T | undefined,
          all: <T>(...p: SqlValue[]) => stmt.all(...p) as T[],
          iterate: <T>(...p: SqlValue[]) => stmt.iterate(...p) as IterableIterator<T>,
        };
        cache.set(sql, s);
      }
      return s;
    },
    transaction: (fn) => runTransaction((sql) => db.exec(sql), () => db.isTransaction, fn),
    close: () => db.close(),
  };
}
