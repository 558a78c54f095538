// The web page over a generated catalog of 1,000 datasets (pagination, filters,
// search and a big lineage graph), a catalog with hostile descriptions (nothing
// may execute), and a server that requires a bearer token.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { cli, until, ensureWebBuilt, launch, PHONE, REPO, removeTemps, screenshot, serve, tempDir, type Browser } from './support.js';
import { writeTree } from '../catalog/support.js';

let browser: Browser;
const servers: RunningServer[] = [];
let big: string;
let hostile: string;
let locked: string;
let hub: string;
/** Datasets read by `hub`: more than the page draws at once (DRAW_AT_ONCE_MAX, 2,000, in LineagePage.tsx). */
const HUB_SOURCES = 2100;
const TOKEN = 'correct horse battery staple';

const XSS_SCRIPT = '<script>window.__xss=1</script>';
const XSS_IMG = '<img src=x onerror="window.__xss=1">';

function hostileSpecs(dir: string): void {
  const q = (s: string) => JSON.stringify(s);
  writeTree(dir, {
    'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\nname: hostile\ndefaults:\n  tenant: main\n',
    'glossary/terms.yaml': [
      'apiVersion: metafuse/v1',
      'kind: GlossaryTerm',
      'id: evil_term',
      'name: Evil <b>term</b>',
      `definition: ${q(`Definition ${XSS_SCRIPT} and ${XSS_IMG} and [a link](javascript:window.__xss=1).`)}`,
      '',
    ].join('\n'),
    'datasets/evil.yaml': [
      'apiVersion: metafuse/v1',
      'kind: Dataset',
      'name: evil_dataset',
      'domain: sec',
      'owner: "<img src=x onerror=window.__xss=1>@example.com"',
      `description: ${q(`Hello ${XSS_SCRIPT}\n\n${XSS_IMG}\n\n[click me](javascript:window.__xss=1) and <a href="javascript:window.__xss=1">raw</a>`)}`,
      'tags: ["<svg onload=window.__xss=1>"]',
      'terms: [evil_term]',
      'properties:',
      '  link: "javascript:window.__xss=1"',
      'fields:',
      '  - name: payload',
      '    type: string',
      `    description: ${q(`Field ${XSS_SCRIPT} ${XSS_IMG}`)}`,
      '    terms: [evil_term]',
      '',
    ].join('\n'),
  });
}

beforeAll(async () => {
  ensureWebBuilt();
  const dir = tempDir();
  execFileSync(process.execPath, [path.join(REPO, 'bench', 'generate.mjs'), '--datasets', '1000', '--out', path.join(dir, 'specs1k')], { stdio: 'pipe' });
  big = path.join(dir, 'big.db');
  await cli(['build', '--specs', path.join(dir, 'specs1k'), '--out', big]);
  hostileSpecs(path.join(dir, 'hostile'));
  hostile = path.join(dir, 'hostile.db');
  await cli(['build', '--specs', path.join(dir, 'hostile'), '--out', hostile]);
  locked = hostile;
  const sources = Array.from({ length: HUB_SOURCES }, (_, i) => `s${String(i).padStart(4, '0')}`);
  const dataset = (name: string, upstream: string[]) =>
    `apiVersion: metafuse/v1\nkind: Dataset\nname: ${name}\nowner: team\ndescription: x\n${upstream.length ? `upstream: [${upstream.join(', ')}]\n` : ''}`;
  writeTree(path.join(dir, 'hub'), {
    'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\nname: hub\n',
    ...Object.fromEntries(sources.map((n) => [`datasets/${n}.yaml`, dataset(n, [])])),
    'datasets/hub.yaml': dataset('hub', sources),
  });
  hub = path.join(dir, 'hub.db');
  await cli(['build', '--specs', path.join(dir, 'hub'), '--out', hub]);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  removeTemps();
});

async function start(catalog: string, token?: string): Promise<string> {
  const s = await serve(catalog, { token });
  servers.push(s);
  return s.url.replace(/\/$/, '');
}

async function xss(page: Page): Promise<unknown> {
  return page.evaluate('window.__xss');
}

describe('a catalog of 1,000 datasets', () => {
  it('pages through the list, filters it, and searches it quickly', async () => {
    const base = await start(big);
    const page = await browser.page();
    await page.goto(base + '/');
    await page.locator('.dataset-table').waitFor();
    expect(await page.locator('.stat', { hasText: 'datasets' }).textContent()).toContain('1,000');
    expect(await page.locator('.list-status').textContent()).toBe('Showing 1–25 of 1,000 datasets');
    await screenshot(page, 'home-1k-desktop');
    await page.locator('.pager a[rel=next]').click();
    await page.waitForURL(/page=2/);
    await until(() => page.locator('.list-status').textContent()).toBe('Showing 26–50 of 1,000 datasets');
    await page.locator('#f-domain').selectOption('finance');
    await page.waitForURL(/domain=finance/);
    await until(() => page.locator('.list-status').textContent()).toMatch(/^Showing 1–25 of \d+ datasets matching the filters$/);
    await page.goBack();
    await until(() => page.locator('.list-status').textContent()).toBe('Showing 26–50 of 1,000 datasets');

    // Search as you type: time from the last key to the results on screen.
    await page.locator('#search-hero-input').click();
    const t0 = Date.now();
    await page.keyboard.type('customer addr', { delay: 20 });
    await until(() => page.locator('#search-hero-status').textContent()).toMatch(/results? for “customer addr”/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await page.locator('#search-hero-listbox [role=option]').count()).toBeGreaterThan(0);
    // Enter typed while a search is still running opens its first result when it arrives.
    await page.keyboard.type('e');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/datasets\//);
    await page.locator('.field-table').waitFor();
    await page.close();
  });

  it('draws a lineage graph of a hundred and more datasets', async () => {
    const base = await start(big);
    const page = await browser.page();
    await page.goto(`${base}/lineage/stg_web_page_views_110?direction=both&depth=3&columns=0`);
    const graph = page.locator('#lineage-graph[data-state=ready]');
    await graph.waitFor({ timeout: 20_000 });
    const n = Number(await graph.getAttribute('data-nodes'));
    expect(n).toBeGreaterThan(100);
    expect(await page.locator('#lineage-summary').textContent()).toContain(`${n.toLocaleString('en-US')} datasets`);
    await screenshot(page, 'lineage-1k-desktop');
    await page.close();
  });
});

describe('a lineage graph too large to draw at once', () => {
  it('offers to draw it, lists its datasets at once, and draws it when asked', async () => {
    const base = await start(hub);
    const page = await browser.page();
    await page.goto(`${base}/lineage/hub?direction=up&depth=1&columns=0`);
    const box = page.locator('#lineage-graph');
    await page.locator('#lineage-graph[data-state=deferred]').waitFor({ timeout: 20_000 });
    const nodes = (HUB_SOURCES + 1).toLocaleString('en-US');
    expect(await page.locator('.graph-deferred').textContent()).toContain(`${nodes} datasets and ${HUB_SOURCES.toLocaleString('en-US')} edges`);
    // Nothing drawn, and no zoom buttons for a graph that is not there.
    expect(await box.getAttribute('data-nodes')).toBeNull();
    expect(await page.locator('.graph-tools').isVisible()).toBe(false);
    expect(await page.locator('#lineage-summary').textContent()).toContain(`${nodes} datasets and ${HUB_SOURCES.toLocaleString('en-US')} edges: ${HUB_SOURCES.toLocaleString('en-US')} upstream, 0 downstream`);
    expect(await page.locator('.node-lists a').count()).toBe(HUB_SOURCES + 1);
    await screenshot(page, 'lineage-deferred-desktop');
    await page.getByRole('button', { name: `Draw all ${nodes} datasets` }).click();
    await page.locator('#lineage-graph[data-state=ready]').waitFor({ timeout: 60_000 });
    expect(await box.getAttribute('data-nodes')).toBe(String(HUB_SOURCES + 1));
    expect(await page.locator('.graph-tools').isVisible()).toBe(true);
    // A small graph is drawn at once: one source and the hub that reads it.
    await page.goto(`${base}/lineage/s0001?direction=both&depth=all&columns=0`);
    await page.locator('#lineage-graph[data-state=ready]').waitFor({ timeout: 20_000 });
    expect(await box.getAttribute('data-nodes')).toBe('2');
    await page.close();
  });
});

describe('hostile catalog text', () => {
  it('shows HTML in descriptions as text and runs none of it', async () => {
    const base = await start(hostile);
    const page = await browser.page();
    await page.goto(base + '/datasets/evil_dataset');
    await page.locator('.field-table').waitFor();
    // The Markdown renderer is in place (not the plain-text fallback).
    await page.locator('.description .markdown:not(.is-plain)').waitFor();
    const desc = (await page.locator('.description').textContent())!;
    expect(desc).toContain(XSS_SCRIPT);
    expect(desc).toContain(XSS_IMG);
    expect(await page.locator('.field-table').textContent()).toContain(XSS_SCRIPT);
    expect(await page.locator('main img, main script, main svg:not([aria-hidden])').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    expect(await page.locator('.details').textContent()).toContain('javascript:window.__xss=1');
    expect(await xss(page)).toBeUndefined();
    await screenshot(page, 'xss-dataset-desktop');

    await page.goto(base + '/glossary/evil_term');
    await page.locator('.card .markdown:not(.is-plain)').first().waitFor();
    expect(await page.locator('h1').textContent()).toBe('Evil <b>term</b>');
    expect(await page.locator('main').textContent()).toContain(XSS_IMG);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);

    await page.goto(base + '/');
    await page.locator('#search-hero-input').fill('hello');
    await page.locator('#search-hero-listbox [role=option]').first().waitFor();
    expect(await page.locator('#search-hero-listbox').textContent()).toContain('<script>');
    await page.locator('.dataset-table').waitFor();
    await page.goto(base + '/glossary');
    await page.locator('.term-list').waitFor();
    expect(await xss(page)).toBeUndefined();
    expect(browser.problems).toEqual([]);
    await page.close();
  });
});

describe('a server with a token', () => {
  it('asks for the token, keeps it for the tab, and sends it', async () => {
    const base = await start(locked, TOKEN);
    const page = await browser.page(PHONE);
    await page.goto(base + '/datasets/evil_dataset');
    await page.locator('#token-input').waitFor();
    await screenshot(page, 'token-prompt-phone');
    await page.locator('#token-input').fill('wrong');
    await page.locator('#token-input').press('Enter');
    await page.locator('.form-error').waitFor();
    await page.locator('#token-input').fill(TOKEN);
    await page.locator('.token-form button').click();
    await until(() => page.locator('h1').textContent()).toBe('evil_dataset');
    expect(await page.locator('#token-input').count()).toBe(0);
    expect(await page.evaluate('sessionStorage.getItem("metafuse.token")')).toBe(TOKEN);
    await page.reload();
    await until(() => page.locator('h1').textContent()).toBe('evil_dataset');
    expect(await page.locator('#token-input').count()).toBe(0);
    await page.close();
  });
});
