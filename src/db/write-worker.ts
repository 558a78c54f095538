// The thread behind a Writer (writer.ts): owns the connection and runs the batches
// of statements it is sent, in order. After a failure it runs nothing more but
// still counts batches, so the sender never waits for room that will not come.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, useDriver } from './index.js';
import type { Database, SqlValue } from './types.js';
import type { WriterBatch, WriterData, WriterOpen, WriterResult, WriterSpare } from './writer.js';

const data = workerData as WriterData | WriterSpare;
let taken: Int32Array;
let failure: WriterResult['failure'];
let db: Database | undefined;
useDriver(data.driver);
if ('file' in data) open(data);
else {
  // Started ahead (prepareWriter): load the driver now, open the file when told.
  try {
    openDatabase(':memory:').close();
  } catch {
    // Reported when the file is opened.
  }
}

function open({ file, progress }: Pick<WriterData, 'file' | 'progress'>): void {
  taken = new Int32Array(progress);
  try {
    db = openDatabase(file);
  } catch (e) {
    failure = describe(e);
  }
}
const sqlOf = new Map<number, string>();
/** Prepared on first use: a batch may create the table its statements insert into. */
const statements = new Map<number, ReturnType<Database['prepare']>>();

parentPort!.on('message', (m: WriterBatch | WriterOpen | 'end') => {
  if (typeof m === 'object' && 'open' in m) return open(m.open);
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
