// Loading a new database from a second thread. A Writer takes the statements of a
// bulk load (exec, prepare().run, transaction) and runs them, in order, on a worker
// thread that owns the connection, while this thread goes on making rows (and
// hashing the model): writing the catalog was the longest stretch of a build that
// used one core, ~1 s at 10,000 datasets, most of it inside SQLite. The same
// statements in the same order on one connection make the same file, byte for byte.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { chooseDriver, openDatabase } from './index.js';
import { runTransaction } from './transaction.js';
import type { DriverName, SqlValue, WriteDatabase } from './types.js';

export interface Writer extends WriteDatabase {
  /** Whether the statements run on a worker thread (else on this one, as they are given). */
  readonly onThread: boolean;
  /**
   * Waits until every statement given has run and the database is closed. Rejects
   * with the first statement's failure (later statements are not run).
   */
  finish(): Promise<void>;
}

/**
 * What the worker receives: statements first seen in this batch, then the work in
 * order. A string is SQL for exec(); a number is a statement's id, followed by its
 * parameters.
 */
export interface WriterBatch {
  defs: Array<[id: number, sql: string]>;
  ops: Array<string | number | SqlValue[]>;
}

/** The worker's last message. */
export interface WriterResult {
  failure?: { message: string; code?: string };
}

export interface WriterData {
  file: string;
  driver: DriverName;
  /** Int32 at 0: batches the worker has taken off the queue. */
  progress: SharedArrayBuffer;
}

/** What a thread started ahead by prepareWriter receives: the driver; the file comes later (WriterOpen). */
export interface WriterSpare {
  driver: DriverName;
}

/** The message that gives a thread started ahead its file. */
export interface WriterOpen {
  open: Pick<WriterData, 'file' | 'progress'>;
}

/** The compiled worker beside this module; absent when running from TypeScript sources or inside the Action bundle (built at run time so bundlers leave it alone). */
const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), ['write-worker', 'js'].join('.'));
/** Statements per message: ~75 KB of rows for the catalog's multi-row inserts. */
const OPS_PER_BATCH = 32;
/**
 * Messages sent but not yet taken: bounds the rows held twice (here and in the
 * worker). 4 × 32 measured as fast as 16 × 64 at 10k, with ~10 MB less peak RSS.
 */
const MAX_IN_FLIGHT = 4;
/**
 * No progress for this long while waiting for room means the worker is gone. Only
 * batches of inserts wait for room, and the worker takes one in milliseconds; the
 * long statements (index builds) are exec()s, which never wait.
 */
const STALL_MS = 60_000;

/**
 * A writer for a new database file: on a worker thread when the compiled worker is
 * there and the driver is better-sqlite3 (METAFUSE_WRITE_THREAD=0 turns it off),
 * otherwise on this thread, where statements run as they are given.
 */
export function openWriter(file: string, options: WriterOptions = {}, env: NodeJS.ProcessEnv = process.env): Writer {
  const driver = chooseDriver();
  if (!onThread(driver, env)) {
    const db = openDatabase(file);
    return { onThread: false, exec: (sql) => db.exec(sql), prepare: (sql) => db.prepare(sql), transaction: (fn) => db.transaction(fn), finish: async () => db.close() };
  }
  return onWorker(file, driver, options);
}

export interface WriterOptions {
  /**
   * Other work for this thread, done a step at a time while the worker is behind
   * instead of waiting for it; returns false when there is none left.
   */
  meanwhile?: () => boolean;
}

function onThread(driver: DriverName, env: NodeJS.ProcessEnv): boolean {
  return env.METAFUSE_WRITE_THREAD !== '0' && driver === 'better-sqlite3' && existsSync(WORKER_FILE);
}

/** A writer thread started ahead, waiting for its file. */
let spare: { worker: Worker; driver: DriverName } | undefined;

/**
 * Starts the writer thread of the next openWriter now, so that loading its modules
 * and the SQLite driver (~0.1 s) overlaps other work (a build's analysis). It does
 * not keep the process alive if no writer is opened.
 */
export function prepareWriter(env: NodeJS.ProcessEnv = process.env): void {
  const driver = chooseDriver();
  if (spare || !onThread(driver, env)) return;
  const worker = new Worker(WORKER_FILE, { workerData: { driver } satisfies WriterSpare });
  worker.on('error', () => {}); // a spare that fails is not used (openWriter starts another)
  worker.unref();
  spare = { worker, driver };
}

function onWorker(file: string, driver: DriverName, { meanwhile }: WriterOptions): Writer {
  let more = meanwhile !== undefined;
  const progress = new SharedArrayBuffer(4);
  const taken = new Int32Array(progress);
  let worker: Worker;
  if (spare?.driver === driver && spare.worker.threadId >= 0) {
    worker = spare.worker;
    worker.removeAllListeners('error').ref();
    worker.postMessage({ open: { file, progress } } satisfies WriterOpen);
  } else {
    worker = new Worker(WORKER_FILE, { workerData: { file, driver, progress } satisfies WriterData });
  }
  spare = undefined;
  const result = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: WriterResult) => {
      if (!m.failure) return resolve();
      reject(Object.assign(new Error(m.failure.message), m.failure.code === undefined ? {} : { code: m.failure.code }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the catalog writer thread stopped (exit code ${code}) before the catalog was written`)));
  });
  result.catch(() => {}); // handled by finish()

  const ids = new Map<string, number>();
  const defined = new Set<number>();
  let batch: WriterBatch = { defs: [], ops: [] };
  let count = 0;
  let sent = 0;
  let inTransaction = false;

  /** Sends the batch; with `room`, then waits while the worker is too far behind (doing other work meanwhile if there is some). */
  const send = (room: boolean): void => {
    if (count === 0) return;
    worker.postMessage(batch);
    batch = { defs: [], ops: [] };
    count = 0;
    sent++;
    while (room) {
      const done = Atomics.load(taken, 0);
      if (sent - done < MAX_IN_FLIGHT) return;
      if (more) {
        more = meanwhile!();
        continue;
      }
      if (Atomics.wait(taken, 0, done, STALL_MS) === 'timed-out' && Atomics.load(taken, 0) === done) {
        void worker.terminate(); // settles the result (exit), so finish() does not wait for it either
        throw new Error('the catalog writer thread stopped taking statements');
      }
    }
  };
  // An exec() goes at once and never waits: it is a transaction's edge or a long
  // statement (an index build), after which only exec()s follow.
  const exec = (sql: string): void => {
    batch.ops.push(sql);
    count++;
    if (sql === 'BEGIN') inTransaction = true;
    else if (sql === 'COMMIT' || sql === 'ROLLBACK') inTransaction = false;
    send(false);
  };
  return {
    onThread: true,
    exec,
    prepare(sql) {
      let id = ids.get(sql);
      if (id === undefined) ids.set(sql, (id = ids.size));
      const statement = id;
      return {
        run(...params: SqlValue[]) {
          // Sent with the batch that first runs it (the worker prepares it once).
          if (!defined.has(statement)) batch.defs.push([statement, sql]), defined.add(statement);
          batch.ops.push(statement, params);
          if (++count >= OPS_PER_BATCH) send(true);
        },
      };
    },
    transaction: (fn) => runTransaction(exec, () => inTransaction, fn),
    async finish() {
      send(false);
      worker.postMessage('end');
      await result;
    },
  };
}
