#!/usr/bin/env node
// Times `metafuse diff --base git:HEAD` on a generated corpus where the working
// tree differs from HEAD in 10 files, against `metafuse validate` of the same tree:
// the diff should cost little more than one validation (the base re-parses only
// the changed files).
//
//   npm run bench:diff                  # 10,000 datasets
//   node bench/diff.mjs --datasets 1000 --runs 3
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { datasets: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const n = Number(values.datasets);
const runs = Number(values.runs);
const corpus = path.join(root, 'bench', 'out', `specs-${n}`);
if (!existsSync(corpus)) execFileSync(process.execPath, [path.join(root, 'bench', 'generate.mjs'), '--datasets', String(n), '--out', corpus], { stdio: 'inherit' });

const repo = path.join(root, 'bench', 'out', `diff-repo-${n}`);
rmSync(repo, { recursive: true, force: true });
cpSync(corpus, path.join(repo, 'specs'), { recursive: true });
const git = (...args) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], { cwd: repo, stdio: 'ignore' });
git('init', '-q');
git('add', '-A');
git('commit', '-qm', 'base');
// Ten changed files: descriptions edited, so ten datasets change.
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(path.join(d, e.name));
    else if (e.name.endsWith('.yaml') && d.includes('datasets')) files.push(path.join(d, e.name));
  }
};
walk(path.join(repo, 'specs'));
files.sort();
for (const f of files.filter((_, i) => i % Math.floor(files.length / 10) === 0).slice(0, 10)) {
  writeFileSync(f, readFileSync(f, 'utf8').replace(/^description: (.*)$/m, 'description: $1 (edited)'));
}

const bin = path.join(root, 'bin', 'metafuse.js');
const time = (args) => {
  const t = performance.now();
  execFileSync(process.execPath, [bin, ...args], { cwd: repo, stdio: 'ignore' });
  return performance.now() - t;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const v = [];
const d = [];
for (let i = 0; i < runs; i++) {
  v.push(time(['validate', '--specs', 'specs']));
  d.push(time(['diff', '--base', 'git:HEAD', '--specs', 'specs', '--format', 'json']));
}
const fmt = (x) => `${(x / 1000).toFixed(2)} s`;
console.log(`| what | datasets | median | min | max |\n|---|---:|---:|---:|---:|`);
console.log(`| \`metafuse validate\` | ${n} | ${fmt(median(v))} | ${fmt(Math.min(...v))} | ${fmt(Math.max(...v))} |`);
console.log(`| \`metafuse diff --base git:HEAD\` (10 files changed) | ${n} | ${fmt(median(d))} | ${fmt(Math.min(...d))} | ${fmt(Math.max(...d))} |`);
console.log(`\ndiff / validate = ${(median(d) / median(v)).toFixed(2)}`);
