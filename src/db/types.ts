// The one small database contract the catalog code uses. better-sqlite3 serves
// it in the CLI and server; Node's built-in node:sqlite serves it inside the
// GitHub Action, which must not carry a native addon. Nothing outside src/db/
// imports a driver.

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Params = SqlValue[] | [Record<string, SqlValue>];

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement {
  run(...params: SqlValue[]): RunResult;
  get<T = Record<string, SqlValue>>(...params: SqlValue[]): T | undefined;
  all<T = Record<string, SqlValue>>(...params: SqlValue[]): T[];
  iterate<T = Record<string, SqlValue>>(...params: SqlValue[]): IterableIterator<T>;
}

export interface Database {
  readonly driver: DriverName;
  readonly path: string;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  /** Runs fn in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/** What loading data needs: statements run for their effect only (a Database, or a Writer). */
export interface WriteDatabase {
  exec(sql: string): void;
  prepare(sql: string): { run(...params: SqlValue[]): unknown };
  /** Runs fn in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: () => T): T;
}

export type DriverName = 'better-sqlite3' | 'node:sqlite';

export interface OpenOptions {
  readonly?: boolean;
  /** Fail instead of creating the file. Implied by readonly. */
  mustExist?: boolean;
}
