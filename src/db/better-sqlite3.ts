// better-sqlite3 driver (native addon; used by the CLI and the server).
import type BetterSqlite3 from 'better-sqlite3';
import { runTransaction } from './transaction.js';
import type { Database, OpenOptions, SqlValue, Statement } from './types.js';

/**
 * Loads the addon at run time, invisibly to bundlers: the Action bundle must not
 * carry a platform-specific .node file (it uses node:sqlite instead).
 */
function loadAddon(): typeof BetterSqlite3 {
  const mod = process.getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
  if (!mod) throw Object.assign(new Error('process.getBuiltinModule is unavailable (Node < 20.16)'), { code: 'MODULE_NOT_FOUND' });
  return mod.createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
}

export function openBetterSqlite3(path: string, options: OpenOptions = {}): Database {
  const Driver = loadAddon();
  const db = new Driver(path, { readonly: options.readonly ?? false, fileMustExist: options.mustExist ?? options.readonly ?? false });
  const cache = new Map<string, Statement>();
  return {
    driver: 'better-sqlite3',
    path,
    exec: (sql) => void db.exec(sql),
    prepare(sql) {
      let s = cache.get(sql);
      if (!s) {
        const stmt = db.prepare(sql);
        const reader = stmt.reader;
        s = {
          run: (...p: SqlValue[]) => stmt.run(...p),
          get: <T>(...p: SqlValue[]) => (reader ? (stmt.get(...p) as T | undefined) : (stmt.run(...p), undefined)),
          all: <T>(...p: SqlValue[]) => (reader ? (stmt.all(...p) as T[]) : (stmt.run(...p), [])),
          iterate: <T>(...p: SqlValue[]) => stmt.iterate(...p) as IterableIterator<T>,
        };
        cache.set(sql, s);
      }
      return s;
    },
    transaction: (fn) => runTransaction((sql) => db.exec(sql), () => db.inTransaction, fn),
    close: () => db.close(),
  };
}
