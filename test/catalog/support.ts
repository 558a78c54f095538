// Shared helpers for the catalog and read-command tests: temporary directories,
// running the CLI in-process, building the example catalog reproducibly, and
// making sure the compiled CLI in lib/ is current for tests that spawn it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLE_SPECS = path.join(REPO, 'catalog-specs');
export const BIN = path.join(REPO, 'bin', 'metafuse.js');

/** 2026-01-01T00:00:00Z: the fixed build time of every catalog these tests compare. */
export const EPOCH = '1767225600';
export const EPOCH_ISO = '2026-01-01T00:00:00Z';
/** A fixed source commit, so that output never shows the commit this checkout happens to be at. */
export const FAKE_SHA = '0123456789abcdef0123456789abcdef01234567';

const dirs: string[] = [];

/** A fresh empty directory under the OS temp folder, removed by removeTempDirs(). */
export function tempDir(prefix = 'metafuse-cat-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes files (forward-slash paths relative to dir), creating folders. */
export function writeTree(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(dir, ...rel.split('/'));
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `metafuse ...argv` in this process with captured output. */
export async function run(argv: string[]): Promise<RunResult> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/**
 * Environment for reproducible builds: built_at from SOURCE_DATE_EPOCH, and the
 * source commit pinned (git is pointed at no repository, GITHUB_SHA is fixed).
 * Returns a function that restores the previous values.
 */
export function pinBuildEnv(env: Record<string, string> = {}): () => void {
  const wanted: Record<string, string> = { SOURCE_DATE_EPOCH: EPOCH, GIT_DIR: path.join(tmpdir(), 'metafuse-no-git-here'), GITHUB_SHA: FAKE_SHA, ...env };
  const before = new Map(Object.keys(wanted).map((k) => [k, process.env[k]]));
  Object.assign(process.env, wanted);
  return () => {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Builds specsDir into outFile through the CLI with a pinned environment; throws when the build fails. */
export async function buildCatalog(specsDir: string, outFile: string): Promise<RunResult> {
  const restore = pinBuildEnv();
  try {
    const r = await run(['build', '--specs', specsDir, '--out', outFile]);
    if (r.code !== 0) throw new Error(`build of ${specsDir} failed (exit ${r.code}):\n${r.stderr}`);
    return r;
  } finally {
    restore();
  }
}

/** Source files under src/ with their compiled counterparts under lib/. */
function sources(dir: string, out: Array<{ ts: string; js: string }> = []): Array<{ ts: string; js: string }> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    // src/web is the web page: Vite builds it into lib/web, tsc never compiles it.
    if (e.isDirectory() && p === path.join(REPO, 'src', 'web')) continue;
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push({ ts: p, js: path.join(REPO, 'lib', path.relative(path.join(REPO, 'src'), p)).replace(/\.ts$/, '.js') });
  }
  return out;
}

/**
 * bin/metafuse.js runs the compiled code in lib/. Compiles src/ when lib/ is
 * missing or any source file is newer than the compiled entry point.
 */
export function ensureCompiledCli(): void {
  const entry = path.join(REPO, 'lib', 'cli', 'main.js');
  // A margin, because a compile that started just before an edit writes its (stale) output after it.
  const MARGIN_MS = 10_000;
  const stale = sources(path.join(REPO, 'src')).some(({ ts, js }) => !existsSync(js) || statSync(js).mtimeMs < statSync(ts).mtimeMs + MARGIN_MS);
  if (existsSync(entry) && !stale) return;
  try {
    execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'pipe' });
  } catch {
    // tsc emits even with type errors elsewhere; what matters is that the entry point exists.
  }
  if (!existsSync(entry)) throw new Error('lib/cli/main.js is missing after "tsc -p tsconfig.build.json"');
}
