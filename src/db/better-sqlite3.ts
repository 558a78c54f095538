// better-sqlite3 driver (native addon; used by the CLI and the server).
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { runTransaction } from './transaction.js';
import type { Database, OpenOptions, SqlValue, Statement } from './types.js';

const require = createRequire(import.meta.url);

export function openBetterSqlite3(path: string, options: OpenOptions = {}): Database {
  const Driver = require('better-sqlite3') as typeof BetterSqlite3;
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
