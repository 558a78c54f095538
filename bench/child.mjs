#!/usr/bin/env node
// Runs a Node script in this process and, on exit, reports on stderr the peak RSS
// ("bench-maxrss-kib: N") and the CPU time, user + system ("bench-cpu-us: N").
// Used by bench/run.mjs when /usr/bin/time is missing:
//   node bench/child.mjs bin/metafuse.js validate --specs DIR
import { writeSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node bench/child.mjs SCRIPT [ARGS...]\n');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(script), ...args];
process.on('exit', () => {
  // maxRSS is in KiB (getrusage ru_maxrss on Linux).
  const u = process.resourceUsage();
  writeSync(2, `\nbench-maxrss-kib: ${u.maxRSS}\nbench-cpu-us: ${u.userCPUTime + u.systemCPUTime}\n`);
});
await import(pathToFileURL(path.resolve(script)).href);
