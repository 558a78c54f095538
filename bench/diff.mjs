#!/usr/bin/env node
// Times `metafuse diff --base git:HEAD` on a generated corpus where the working
// tree differs from HEAD in 10 files, against `metafuse validate` of the same tree:
// the diff should cost little more than one validation (the base re-parses only
// the changed files).
//
//   npm run bench:diff                  # 10,000 datasets
//   node bench/diff.mjs --datasets 1000 --runs 3
//
// bench/run.mjs --diff uses prepareDiffRepo() and times the diff the same way.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bin, fmtMs, generator, outRoot, repeat } from './harness.mjs';

/** The arguments of the timed diff, run in the repository prepareDiffRepo() returns. */
export const DIFF_ARGS = [bin, 'diff', '--base', 'git:HEAD', '--specs', 'specs', '--format', 'json'];

/**
 * Commits bench/out/specs-<n>/ (generated if missing) to a fresh git repository
 * bench/out/diff-repo-<n>/ as specs/, then edits the descriptions of 10 dataset files
 * in the working tree. Returns the repository's path.
 */
export function prepareDiffRepo(n, seed = 1) {
  const corpus = path.join(outRoot, `specs-${n}`);
  if (!existsSync(path.join(corpus, 'metafuse.yaml'))) {
    execFileSync(process.execPath, [generator, '--datasets', String(n), '--seed', String(seed), '--out', corpus, '--force'], { stdio: 'inherit' });
  }
  const repo = path.join(outRoot, `diff-repo-${n}`);
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
  return repo;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { datasets: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
  const n = Number(values.datasets);
  const runs = Number(values.runs);
  const repo = prepareDiffRepo(n);
  const v = await repeat(`validate ${n}`, [bin, 'validate', '--specs', 'specs'], runs, { cwd: repo });
  const d = await repeat(`diff ${n}`, DIFF_ARGS, runs, { cwd: repo });
  console.log(`| what | datasets | median | min | max |\n|---|---:|---:|---:|---:|`);
  console.log(`| \`metafuse validate\` | ${n} | ${fmtMs(v.median)} | ${fmtMs(v.min)} | ${fmtMs(v.max)} |`);
  console.log(`| \`metafuse diff --base git:HEAD\` (10 files changed) | ${n} | ${fmtMs(d.median)} | ${fmtMs(d.min)} | ${fmtMs(d.max)} |`);
  console.log(`\ndiff / validate = ${(d.median / v.median).toFixed(2)}`);
}
