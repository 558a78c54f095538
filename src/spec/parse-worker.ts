// A parse worker: claims chunks of the job list from the counter it shares with
// the main thread and its sibling workers (work stealing, so a slow chunk never
// leaves a thread idle), parses them and sends the outcomes back.
import { parentPort, workerData } from 'node:worker_threads';
import { parseJob, type ParseJob } from './parse.js';

const { jobs, counter, chunk } = workerData as { jobs: ParseJob[]; counter: SharedArrayBuffer; chunk: number };
const next = new Int32Array(counter);
for (;;) {
  const c = Atomics.add(next, 0, 1);
  const start = c * chunk;
  if (start >= jobs.length) break;
  parentPort!.postMessage({ chunk: c, outcomes: jobs.slice(start, start + chunk).map((job) => parseJob(job)) });
}
parentPort!.postMessage({ done: true });
