// A parse worker: claims chunks of the job list from the counter it shares with
// the main thread and its sibling workers (work stealing, so a slow chunk never
// leaves a thread idle), parses them and sends the outcomes back.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { chunkMessage, parseJob, type ParseJob } from './parse.js';

// `port`: where the outcomes go (the main thread takes them between its own chunks);
// without one, to the parent.
const { jobs, counter, chunk, port } = workerData as { jobs: ParseJob[]; counter: SharedArrayBuffer; chunk: number; port?: MessagePort };
const to = port ?? parentPort!;
const next = new Int32Array(counter);
for (;;) {
  const c = Atomics.add(next, 0, 1);
  const start = c * chunk;
  if (start >= jobs.length) break;
  to.postMessage(chunkMessage(c, jobs.slice(start, start + chunk).map((job) => parseJob(job))));
}
to.postMessage({ done: true });
port?.close();
