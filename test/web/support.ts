// Browser tests of the web page: a real `metafuse serve` (in this process, on a
// random loopback port) over catalogs built with the CLI, driven through
// Debian's Chromium with playwright-core. See docs/testing.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { buildCatalog, REPO, run } from '../catalog/support.js';

export { buildCatalog, REPO };
export const CHROMIUM = process.env.METAFUSE_CHROMIUM ?? '/usr/bin/chromium';
export const WEB_ROOT = path.join(REPO, 'lib', 'web');
export const ARTIFACTS = path.join(REPO, 'test-results', 'web');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const temps: string[] = [];

export function tempDir(prefix = 'metafuse-web-'): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The page under test is lib/web (what `npm run build:web` and `npm ci` make).
 * It is rebuilt when missing or older than src/web; a lock folder keeps test
 * files running in parallel from building at the same time.
 */
export function ensureWebBuilt(): void {
  const index = path.join(WEB_ROOT, 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newestMtime(path.join(REPO, 'src', 'web'));
  if (fresh()) return;
  const lock = path.join(REPO, 'lib', '.web-build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${lock} is held for too long; remove it if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
      if (fresh()) return;
    }
  }
  try {
    if (!fresh()) {
      execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src/web/vite.config.ts', '--logLevel', 'warn'], { cwd: REPO, stdio: 'pipe' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs the CLI in this process (src/cli/main.ts); throws when it fails. */
export async function cli(argv: string[]): Promise<string> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`metafuse ${argv.join(' ')} failed (exit ${r.code}):\n${r.stderr}`);
  return r.stdout;
}

export async function serve(catalog: string, o: { token?: string } = {}): Promise<RunningServer> {
  return startServer({ location: catalog, port: 0, host: '127.0.0.1', pollSeconds: 0, corsOrigins: [], token: o.token, webRoot: WEB_ROOT, log: () => {}, accessLog: false });
}

export interface Browser {
  context: BrowserContext;
  /** A new tab; console errors and page errors are collected into `problems`. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  problems: string[];
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const userDataDir = tempDir('metafuse-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: DESKTOP,
    reducedMotion: 'reduce',
  });
  const problems: string[] = [];
  return {
    context,
    problems,
    async page(viewport = DESKTOP) {
      const p = await context.newPage();
      await p.setViewportSize(viewport);
      p.on('console', (m: ConsoleMessage) => {
        // 401/404 answers the page handles itself are logged by Chromium as failed resources.
        if (m.type() === 'error' && !/status of (401|404)|net::ERR_CONNECTION_REFUSED/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      return p;
    },
    close: () => context.close(),
  };
}

/** Saves what the viewport shows (or the whole page) as test-results/web/NAME.png. */
export async function screenshot(page: Page, name: string, o: { full?: boolean } = {}): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: o.full ?? false });
}

/** expect.poll with room for a loaded machine (vitest's default gives up after 1 s). */
export function until<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 15_000, interval: 50 });
}
