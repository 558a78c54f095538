// The committed bundle: reproducible from the sources, documented from action.yml,
// and free of native addons (GitHub runs it on Linux, macOS and Windows, x64 and arm64).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from './support.js';

function run(script: string, args: string[] = []): { code: number; output: string } {
  try {
    const output = execFileSync(process.execPath, [path.join(REPO, 'scripts', script), ...args], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, output };
  } catch (e) {
    const x = e as { status?: number; stdout?: string; stderr?: string };
    return { code: x.status ?? -1, output: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('dist/', () => {
  it('is what a fresh build of the sources produces (scripts/check-dist.mjs)', { timeout: 240_000 }, () => {
    const r = run('check-dist.mjs');
    expect(r.output).toMatch(/dist\/ matches a fresh build \(\d+ files\)/);
    expect(r.code).toBe(0);
  });

  it('README.md documents the inputs and outputs of action.yml as generated (scripts/action-docs.mjs --check)', () => {
    const r = run('action-docs.mjs', ['--check']);
    expect(r.output).toContain('README.md action table is up to date');
    expect(r.code).toBe(0);
  });

  it('holds no native addon (.node file)', () => {
    const files = filesUnder(path.join(REPO, 'dist'));
    expect(files).toContain('index.js');
    expect(files.filter((f) => f.endsWith('.node'))).toEqual([]);
  });

  it('is what action.yml runs, on Node 24', () => {
    const action = parse(readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as { runs: { using: string; main: string } };
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(existsSync(path.join(REPO, action.runs.main))).toBe(true);
  });
});
