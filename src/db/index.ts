// Opens a database with the driver this runtime should use: better-sqlite3 when
// it loads, node:sqlite otherwise (the bundled Action), or as METAFUSE_SQLITE_DRIVER says.
import { openBetterSqlite3 } from './better-sqlite3.js';
import { nodeSqliteAvailable, openNodeSqlite } from './node-sqlite.js';
import type { Database, DriverName, OpenOptions } from './types.js';

let preferred: DriverName | undefined;

/** Forces a driver for this process (the Action sets node:sqlite). */
export function useDriver(name: DriverName): void {
  preferred = name;
}

/** The driver openDatabase uses in this process. */
export function chooseDriver(): DriverName {
  if (preferred) return preferred;
  const env = process.env.METAFUSE_SQLITE_DRIVER;
  if (env === 'node:sqlite' || env === 'better-sqlite3') return env;
  return 'better-sqlite3';
}

export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const driver = chooseDriver();
  if (driver === 'node:sqlite') return openNodeSqlite(path, options);
  try {
    return openBetterSqlite3(path, options);
  } catch (e) {
    // A missing or mismatched native addon: fall back to the built-in module where there is one.
    const code = (e as NodeJS.ErrnoException).code;
    const loadFailure = code === 'MODULE_NOT_FOUND' || code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION|invalid ELF|Could not locate the bindings/.test(String(e));
    if (loadFailure && nodeSqliteAvailable()) return openNodeSqlite(path, options);
    throw e;
  }
}

export type { Database, DriverName, OpenOptions, SqlValue, Statement, WriteDatabase } from './types.js';
