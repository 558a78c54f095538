// The page's Content-Security-Policy in real Chromium: the strict policy the
// server sends (no 'unsafe-inline' for scripts or styles, no data: images) must
// not break anything the page does — Markdown tables with aligned columns, the
// lineage graph (cytoscape inserts one <style>, allowed by its hash), the
// glossary — and it must really block inline script and style (a control that
// injects them and expects violations, so an empty violation list means something).
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { writeTree } from '../catalog/support.js';
import { cli, ensureWebBuilt, launch, removeTemps, serve, tempDir, until, type Browser } from './support.js';

let server: RunningServer;
let browser: Browser;
let base: string;

const TABLE = ['| region | orders | share |', '|:-------|-------:|:-----:|', '| north | 1204 | 31% |', '| south | 87 | 2% |'].join('\n');

beforeAll(async () => {
  ensureWebBuilt();
  const dir = tempDir();
  const specs = path.join(dir, 'specs');
  const dataset = (name: string, extra: string[]) =>
    ['apiVersion: metafuse/v1', 'kind: Dataset', `name: ${name}`, 'domain: sales', 'owner: data@example.com', ...extra, 'fields:', '  - name: id', '    type: int64', '    terms: [order]', ''].join('\n');
  writeTree(specs, {
    'metafuse.yaml': 'apiVersion: metafuse/v1\nkind: Catalog\nname: csp\ndefaults:\n  tenant: main\n',
    'glossary/terms.yaml': 'apiVersion: metafuse/v1\nkind: GlossaryTerm\nid: order\nname: Order\ndefinition: "A **confirmed** purchase; see the table:\\n\\n| a | b |\\n|--:|:--|\\n| 1 | 2 |"\n',
    'datasets/raw_a.yaml': dataset('raw_a', ['description: First source.']),
    'datasets/raw_b.yaml': dataset('raw_b', ['description: Second source.']),
    'datasets/mart.yaml': dataset('mart', [`description: ${JSON.stringify(`Orders by region.\n\n${TABLE}\n\nSee *raw_a*.`)}`, 'upstream: [raw_a, raw_b]']),
  });
  const db = path.join(dir, 'csp.db');
  await cli(['build', '--specs', specs, '--out', db]);
  server = await serve(db);
  base = server.url.replace(/\/$/, '');
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  removeTemps();
});

/** A tab that records every securitypolicyviolation event (the listener is added by CDP, which CSP does not govern). */
async function watchedPage(): Promise<Page> {
  const page = await browser.page();
  // Strings, not functions: the tests are compiled without the DOM library.
  await page.addInitScript("window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI + ' ' + e.sample));");
  return page;
}

const violations = (page: Page) => page.evaluate('window.__csp') as Promise<string[]>;
const textAlign = (page: Page, selector: string) => page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).textAlign`);

describe('the strict Content-Security-Policy', () => {
  it('is what the page is served with', async () => {
    const page = await watchedPage();
    const res = (await page.goto(base + '/'))!;
    const csp = res.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(csp).not.toContain('unsafe-');
    expect(csp).not.toContain('data:');
    await page.close();
  });

  it('lets the home page, an aligned Markdown table, the lineage graph and the glossary work, with no violation', async () => {
    const page = await watchedPage();
    await page.goto(base + '/');
    await page.locator('.dataset-table').waitFor();
    expect(await violations(page)).toEqual([]);

    await page.goto(base + '/datasets/mart');
    await page.locator('.description .markdown:not(.is-plain) table').waitFor();
    const aligns = await page.evaluate("[...document.querySelectorAll('.description table tbody tr:first-child td')].map((td) => getComputedStyle(td).textAlign)");
    expect(aligns).toEqual(['left', 'right', 'center']);
    expect(await page.locator('.description [style]').count()).toBe(0);
    expect(await violations(page)).toEqual([]);

    await page.goto(base + '/lineage/mart?direction=both&depth=2&columns=0');
    const graph = page.locator('#lineage-graph[data-state=ready]');
    await graph.waitFor({ timeout: 20_000 });
    expect(await graph.getAttribute('data-nodes')).toBe('3');
    expect(await graph.locator('canvas').count()).toBeGreaterThan(0);
    // cytoscape's own stylesheet was applied (its hash is in the policy), not blocked.
    const rules = await page.evaluate("document.getElementById('__________cytoscape_stylesheet')?.sheet?.cssRules.length ?? -1");
    expect(rules).toBe(1);
    expect(await violations(page)).toEqual([]);

    await page.goto(base + '/glossary/order');
    await page.locator('.card .markdown:not(.is-plain) table').first().waitFor();
    expect(await textAlign(page, '.card table td')).toBe('right');
    await until(() => violations(page)).toEqual([]);
    expect(browser.problems).toEqual([]);
    await page.close();
  });

  it('blocks inline script, inline style elements and style attributes (control)', async () => {
    const page = await watchedPage();
    await page.goto(base + '/');
    await page.locator('.dataset-table').waitFor();
    await page.evaluate(`{
      const s = document.createElement('script');
      s.textContent = 'window.__ran = 1';
      document.body.append(s);
      const st = document.createElement('style');
      st.textContent = 'body { background: red }';
      document.head.append(st);
      const div = document.createElement('div');
      div.innerHTML = '<p id="styled" style="color: red">x</p>';
      document.body.append(div);
    }`);
    await until(async () => (await violations(page)).length).toBe(3);
    const v = await violations(page);
    expect(v.some((x) => x.startsWith('script-src-elem inline'))).toBe(true);
    expect(v.some((x) => x.startsWith('style-src-elem inline'))).toBe(true);
    expect(v.some((x) => x.startsWith('style-src-attr inline'))).toBe(true);
    expect(await page.evaluate('window.__ran')).toBeUndefined();
    expect(await page.evaluate("getComputedStyle(document.getElementById('styled')).color")).not.toBe('rgb(255, 0, 0)');
    // These violations were provoked on purpose: not page problems.
    browser.problems.length = 0;
    await page.close();
  });
});
