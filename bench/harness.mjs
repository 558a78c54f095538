// Shared pieces of the bench/ scripts: spawning and timing fresh processes, order
// statistics and formatting. One code path for "run a command, measure it" so that
// every row of the tables is measured the same way.
//
// measure() runs `node <args>` once: wall time from spawn to exit, and the CPU time
// and peak RSS from `/usr/bin/time -v` when it exists (else from the child's own
// process.resourceUsage(), reported by bench/child.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const outRoot = path.join(root, 'bench', 'out');
export const bin = path.join(root, 'bin', 'metafuse.js');
export const generator = path.join(root, 'bench', 'generate.mjs');
const childWrapper = path.join(root, 'bench', 'child.mjs');

export const useTime = (() => {
  if (process.env.BENCH_NO_TIME) return false; // force the bench/child.mjs fallback
  try {
    return statSync('/usr/bin/time').isFile();
  } catch {
    return false;
  }
})();

/**
 * Runs `node <args>` once; resolves {ms, cpuMs, rssKiB, code, stdout, stderr}.
 * options: env (added to process.env), cwd (default: the repository root).
 */
export function measure(args, { env = {}, cwd = root } = {}) {
  return new Promise((resolve, reject) => {
    const cmd = useTime ? '/usr/bin/time' : process.execPath;
    const argv = useTime ? ['-v', process.execPath, ...args] : [childWrapper, ...args];
    const started = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let stderr = Buffer.concat(err).toString('utf8');
      let rssKiB = null;
      let cpuMs = null;
      if (useTime) {
        const user = /User time \(seconds\): ([0-9.]+)/.exec(stderr);
        const sys = /System time \(seconds\): ([0-9.]+)/.exec(stderr);
        if (user && sys) cpuMs = (Number(user[1]) + Number(sys[1])) * 1000;
      } else {
        const c = /^bench-cpu-us: (\d+)$/m.exec(stderr);
        if (c) (cpuMs = Number(c[1]) / 1000), (stderr = stderr.replace(c[0], ''));
      }
      const m = useTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr) : /^bench-maxrss-kib: (\d+)$/m.exec(stderr);
      if (m) {
        rssKiB = Number(m[1]);
        stderr = useTime ? stderr.slice(0, stderr.lastIndexOf('\tCommand being timed:')) : stderr.replace(m[0], '');
      }
      resolve({ ms, cpuMs, rssKiB, code, stdout: Buffer.concat(out).toString('utf8'), stderr: stderr.trim() });
    });
  });
}

/**
 * Runs `node <args>` n times, each a fresh process. check(result, i) may throw or call
 * fail(); value(result) picks the figure to summarise (default: wall time in ms).
 * Resolves {median, min, max, cpuMs (median), rss {median, min, max} KiB, samples, last}.
 */
export async function repeat(label, args, n, { check, env, cwd, value = (r) => r.ms, describe } = {}) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const r = await measure(args, { env, cwd });
    if (r.code !== 0) fail(`${label} exited with ${r.code}:\n${r.stderr}\n${r.stdout}`);
    check?.(r, i);
    r.value = value(r);
    samples.push(r);
    const extra = describe ? describe(r) : `${fmtMs(r.ms)} wall, ${r.cpuMs === null ? 'n/a' : fmtMs(r.cpuMs)} CPU, ${fmtRss(r.rssKiB)}`;
    process.stderr.write(`  ${label} run ${i + 1}/${n}: ${extra}\n`);
  }
  const rss = samples.map((s) => s.rssKiB).filter((x) => x !== null);
  const cpu = samples.map((s) => s.cpuMs).filter((x) => x !== null);
  return {
    ...spread(samples.map((s) => s.value)),
    cpuMs: cpu.length ? spread(cpu).median : null,
    rss: rss.length ? spread(rss) : null,
    rssKiB: rss.length ? Math.max(...rss) : null,
    samples,
    last: samples[samples.length - 1],
  };
}

/** {median, min, max} of a list of numbers. */
export function spread(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: median(s), min: s[0], max: s[s.length - 1] };
}

/** Median of an ascending list. */
export function median(sorted) {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** The p-th percentile (nearest rank) of an ascending list. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Seeded PRNG (mulberry32), the generator's. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}

/** Durations: seconds from 1 s, whole ms from 10 ms, else two or three decimals. */
export function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return 'n/a';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function fmtRss(kib) {
  return kib === null || kib === undefined ? 'n/a' : `${Math.round(kib / 1024)} MiB`;
}

export function fmtBytes(n) {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** One line describing this machine and Node. */
export function machine() {
  const cpu = os.cpus()[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`;
}

/**
 * Fixed CPU work of the kinds a build does (parsing, hashing, string building) in
 * a fresh process: ms. bench/regression.mjs divides by it; bench/run.mjs reports
 * it as the machine's speed at the moment of a table.
 */
export function reference() {
  const script = `
    const { createHash } = require('node:crypto');
    const t = performance.now();
    let acc = '';
    for (let i = 0; i < 60000; i++) {
      const o = { name: 'dataset_' + i, fields: [{ name: 'id', type: 'int64' }, { name: 'v', type: 'string' }], tags: ['a', 'b'] };
      const s = JSON.stringify(o);
      acc = createHash('sha256').update(s + acc).digest('hex');
      JSON.parse(s);
    }
    process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}
