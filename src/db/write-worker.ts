// The thread behind a Writer (writer.ts): owns the connection and runs the batches
// of statements it is sent, in order. After a failure it runs nothing more but
// still counts batches, so the sender never waits for room that will not come.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, useDriver } from './index.js';
import type { Database, SqlValue } from './types.js';
import type { WriterBatch, WriterData, WriterResult } from './writer.js';

const { file, driver, progress } = workerData as WriterData;
const taken = new Int32Array(progress);
let failure: WriterResult['failure'];
let db: Database | undefined;
try {
  useDriver(driver);
  db = openDatabase(file);
} catch (e) {
  failure = describe(e);
}
const sqlOf = new Map<number, string>();
/** Prepared on first use: a batch may create the table its statements insert into. */
const statements = new Map<number, ReturnType<Database['prepare']>>();

parentPort!.on('message', (m: WriterBatch | 'end') => {
  if (m === 'end') {
    try {
      db?.close();
    } catch (e) {
      failure ??= describe(e);
    }
    parentPort!.postMessage({ failure } satisfies WriterResult);
    parentPort!.close();
    return;
  }
  if (!failure) {
    try {
      run(db!, m);
    } catch (e) {
      failure = describe(e);
    }
  }
  Atomics.add(taken, 0, 1);
  Atomics.notify(taken, 0);
});

function run(db: Database, { defs, ops }: WriterBatch): void {
  for (const [id, sql] of defs) sqlOf.set(id, sql);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (typeof op === 'string') {
      db.exec(op);
      continue;
    }
    const id = op as number;
    let statement = statements.get(id);
    if (!statement) statements.set(id, (statement = db.prepare(sqlOf.get(id)!)));
    statement.run(...(ops[++i] as SqlValue[]));
  }
}

function describe(e: unknown): NonNullable<WriterResult['failure']> {
  const code = (e as { code?: unknown }).code;
  return { message: e instanceof Error ? e.message : String(e), ...(typeof code === 'string' ? { code } : {}) };
}
