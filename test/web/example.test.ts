// The web page over the example catalog (catalog-specs/, plus a few pipeline
// observations): search, dataset, lineage and glossary pages, deep links,
// history, keyboard use, error states. Screenshots go to test-results/web/.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { buildCatalog, cli, until, DESKTOP, ensureWebBuilt, launch, PHONE, REPO, removeTemps, screenshot, serve, tempDir, type Browser } from './support.js';

let server: RunningServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ensureWebBuilt();
  const dir = tempDir();
  const db = path.join(dir, 'catalog.db');
  await buildCatalog(path.join(REPO, 'catalog-specs'), db);
  // Observations: one plain run, one whose schema drifted, one dataset no spec declares.
  await cli(['emit', '--to', db, '--dataset', 'sales_daily', '--row-count', '184220', '--size-bytes', '73400320', '--run-id', 'airflow-2026-01-02']);
  await cli(['emit', '--to', db, '--dataset', 'campaigns', '--arrow', path.join(REPO, 'catalog-specs', 'schemas', 'web_events.arrow'), '--row-count', '912', '--run-id', 'fivetran-77']);
  await cli(['emit', '--to', db, '--dataset', 'ml_scratch_features', '--arrow', path.join(REPO, 'catalog-specs', 'schemas', 'customer_profiles.arrow'), '--row-count', '5000']);
  server = await serve(db);
  base = server.url.replace(/\/$/, '');
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  removeTemps();
});

async function open(page: Page, p: string): Promise<void> {
  await page.goto(base + p, { waitUntil: 'domcontentloaded' });
}

function searchInput(page: Page) {
  return page.locator('#search-hero-input');
}

describe('home and search', () => {
  it('shows results as you type, ranked, with what matched; Enter opens the first', async () => {
    const page = await browser.page();
    await open(page, '/');
    await until(() => page.evaluate('document.activeElement?.id')).toBe('search-hero-input');
    await page.locator('.stat').first().waitFor();
    await page.keyboard.type('revenue');
    const options = page.locator('#search-hero-listbox [role=option]');
    await until(() => page.locator('#search-hero-status').textContent()).toMatch(/results? for “revenue”/);
    expect(await options.count()).toBeGreaterThan(2);
    expect(await options.first().locator('.result-name').textContent()).toBe('revenue_monthly');
    expect(await options.first().textContent()).toContain('matched: name');
    expect(await page.locator('#search-hero-status').textContent()).toMatch(/results? for “revenue”/);
    expect(new URL(page.url()).searchParams.get('q')).toBe('revenue');
    await screenshot(page, 'home-search-desktop');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/datasets\/revenue_monthly$/);
    await until(() => page.locator('h1').textContent()).toBe('revenue_monthly');
    // Back returns to the search with its query.
    await page.goBack();
    await until(() => searchInput(page).inputValue()).toBe('revenue');
    await page.close();
  });

  it('is usable with the keyboard: / focuses, arrows move, Enter opens, Esc clears', async () => {
    const page = await browser.page();
    await open(page, '/glossary');
    await page.locator('h1').waitFor();
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement?.id')).toBe('search-header-input');
    await page.keyboard.type('orders');
    const options = page.locator('#search-header-listbox [role=option]');
    await until(() => page.locator('#search-header-status').textContent()).toMatch(/results? for “orders”/);
    await options.nth(1).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const input = page.locator('#search-header-input');
    expect(await input.getAttribute('aria-activedescendant')).toBe('search-header-opt-1');
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowUp');
    expect(await input.getAttribute('aria-activedescendant')).toBe('search-header-opt-0');
    await page.keyboard.press('ArrowDown');
    const second = (await options.nth(1).locator('.result-name').textContent())!;
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/datasets/${second}$`));
    await until(() => page.locator('h1').textContent()).toBe(second);
    // Esc clears the query.
    await page.keyboard.press('/');
    await page.keyboard.type('xyz');
    await page.keyboard.press('Escape');
    expect(await page.locator('#search-header-input').inputValue()).toBe('');
    // A search with no hits says so.
    await page.keyboard.type('qqqzzznothing');
    await page.locator('.results-empty').waitFor();
    expect(await page.locator('.results-empty').textContent()).toContain('No datasets match “qqqzzznothing”');
    // The skip link is the first stop of the Tab order.
    await open(page, '/glossary');
    await page.locator('h1').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');
    await page.close();
  });

  it('shows stats and a filterable, paginated dataset list', async () => {
    const page = await browser.page();
    await open(page, '/');
    await page.locator('.dataset-table').waitFor();
    expect(await page.locator('.list-status').textContent()).toContain('of 22 datasets');
    await page.locator('.chip-facet', { hasText: 'marketing' }).click();
    await page.waitForURL(/domain=marketing/);
    await until(() => page.locator('.list-status').textContent()).toContain('of 4 datasets matching the filters');
    await page.locator('#f-tag').fill('pii');
    await page.locator('#f-tag').press('Enter');
    await page.waitForURL(/tag=pii/);
    await until(() => page.locator('.dataset-table tbody tr').count()).toBeLessThan(4);
    await page.locator('#f-tag').fill('no-such-tag');
    await page.locator('#f-tag').press('Enter');
    await page.locator('.state-empty').waitFor();
    expect(await page.locator('.state-empty').textContent()).toContain('tag “no-such-tag”');
    await page.goBack();
    await page.goBack();
    await until(() => page.locator('.list-status').textContent()).toContain('of 4 datasets');
    await page.close();
  });
});

describe('dataset page', () => {
  it('shows fields, tags, terms, lineage links and the rendered description', async () => {
    const page = await browser.page();
    await open(page, '/datasets/sales_daily');
    await page.locator('.field-table').waitFor();
    expect(await page.locator('h1').textContent()).toBe('sales_daily');
    expect(await page.title()).toBe('sales_daily · MetaFuse');
    const rows = page.locator('.field-table tbody tr');
    expect(await rows.count()).toBe(9);
    expect(await page.locator('#field-gross_margin_eur').textContent()).toContain('DECIMAL(16,2)');
    // Markdown: **official** is bold, `stg_orders` is code.
    expect(await page.locator('.description strong').first().textContent()).toBe('official');
    expect((await page.locator('.details .chip-tag').allTextContents()).sort()).toEqual(['#certified', '#daily', '#kpi', '#mart']);
    const term = page.locator('.details .chip-term', { hasText: 'Revenue' });
    expect(await term.getAttribute('href')).toBe('/glossary/revenue');
    // Observations.
    expect(await page.locator('.observation').textContent()).toContain('184,220');
    expect(await page.locator('.observation').textContent()).toContain('70 MiB');
    // Column lineage "from" links point at upstream fields.
    expect(await page.locator('#field-sales_date .field-from a').first().getAttribute('href')).toBe('/datasets/partner_orders#field-ordered_at');
    await screenshot(page, 'dataset-desktop');
    // Follow an upstream link, then come back.
    await page.locator('.glance-list[aria-label="Upstream datasets"] a', { hasText: 'stg_orders' }).click();
    await page.waitForURL(/\/datasets\/stg_orders$/);
    await until(() => page.locator('h1').textContent()).toBe('stg_orders');
    expect(await page.locator('.glance-list[aria-label="Downstream datasets"]').textContent()).toContain('sales_daily');
    await page.goBack();
    await until(() => page.locator('h1').textContent()).toBe('sales_daily');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'dataset-phone', { full: true });
    await page.close();
  });

  it('shows deprecation with a link to the replacement, drift and observed-only datasets', async () => {
    const page = await browser.page();
    await open(page, '/datasets/orders_daily');
    await page.locator('.banner-warn').waitFor();
    expect(await page.locator('.banner-warn').textContent()).toContain('Deprecated');
    await page.locator('.banner-warn a').click();
    await page.waitForURL(/\/datasets\/sales_daily$/);
    await open(page, '/datasets/campaigns');
    await page.locator('.drift').waitFor();
    expect(await page.locator('.drift').textContent()).toContain('Schema drift');
    expect(await page.locator('.field-row.is-drifted').count()).toBeGreaterThan(0);
    await screenshot(page, 'dataset-drift-desktop');
    await open(page, '/datasets/ml_scratch_features');
    await page.locator('.badge', { hasText: 'observed only' }).waitFor();
    expect(await page.locator('.banner-info').textContent()).toContain('Observed only');
    await page.close();
  });

  it('answers deep links, reloads and tenant/name paths; unknown names get a 404 page', async () => {
    const page = await browser.page();
    for (const p of ['/datasets/partner/partner_orders', '/datasets/partner%2Fpartner_orders']) {
      await open(page, p);
      await until(() => page.locator('h1').textContent()).toBe('partner_orders');
      await page.reload();
      await until(() => page.locator('h1').textContent()).toBe('partner_orders');
      expect(await page.locator('.title-row .badge-tenant').textContent()).toBe('partner');
    }
    await open(page, '/datasets/sales_dialy');
    await page.locator('.state-error').waitFor();
    expect(await page.locator('.state-error').textContent()).toContain('no dataset "sales_dialy"');
    expect(await page.locator('.state-error').textContent()).toContain('similar: sales_daily');
    await page.locator('.state-error a', { hasText: 'home' }).click();
    await page.waitForURL(base + '/');
    await open(page, '/no/such/page');
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    await page.close();
  });
});

describe('lineage page', () => {
  it('draws the graph, reports it, navigates on click, and follows the controls', async () => {
    const page = await browser.page();
    await open(page, '/datasets/sales_daily');
    await page.locator('.meta-lineage').click();
    await page.waitForURL(/\/lineage\/sales_daily\?direction=both&depth=2&columns=0$/);
    const graph = page.locator('#lineage-graph[data-state=ready]');
    await graph.waitFor();
    expect(await graph.locator('canvas').count()).toBeGreaterThan(0);
    expect(await graph.getAttribute('data-nodes')).toBe('9');
    await until(() => page.locator('#lineage-summary').textContent()).toBe('9 datasets and 9 edges: 7 upstream, 1 downstream.');
    expect(await page.locator('.depth-col').count()).toBe(4);
    await screenshot(page, 'lineage-desktop');

    // Depth 1, upstream only.
    await page.locator('#lineage-depth').selectOption('1');
    await page.waitForURL(/depth=1/);
    await page.locator('.segment', { hasText: 'Upstream' }).click();
    await page.waitForURL(/direction=up/);
    await until(() => page.locator('#lineage-summary').textContent()).toBe('5 datasets and 4 edges: 4 upstream, 0 downstream.');

    // Column lineage as a list of field edges.
    await page.locator('#lineage-columns').check();
    await page.waitForURL(/columns=1/);
    await page.locator('.col-table').waitFor();
    expect(await page.locator('.col-table tbody tr').count()).toBeGreaterThan(5);
    expect(await page.locator('.col-table').textContent()).toContain('fx_rates.rate');

    // Click a node: its dataset page opens.
    await page.locator('#lineage-graph[data-state=ready]').waitFor();
    await until(() => page.locator('#lineage-graph').getAttribute('data-nodes')).toBe('5');
    const nodes = (await page.evaluate("document.getElementById('lineage-graph').metafuseGraph.nodes()")) as Array<{ id: string; x: number; y: number; root: boolean }>;
    const target = nodes.find((n) => n.id === 'fx_rates')!;
    const box = (await page.locator('#lineage-graph').boundingBox())!;
    await page.mouse.click(box.x + target.x, box.y + target.y);
    await page.waitForURL(/\/datasets\/fx_rates$/);
    await until(() => page.locator('h1').textContent()).toBe('fx_rates');
    await page.goBack();
    await page.locator('#lineage-graph[data-state=ready]').waitFor();
    expect(new URL(page.url()).searchParams.get('columns')).toBe('1');
    await page.setViewportSize(PHONE);
    await open(page, '/lineage/sales_daily?direction=both&depth=2&columns=0');
    await page.locator('#lineage-graph[data-state=ready]').waitFor();
    await screenshot(page, 'lineage-phone');
    await page.close();
  });
});

describe('glossary', () => {
  it('lists terms in their hierarchy; a term links to its datasets and fields', async () => {
    const page = await browser.page();
    await open(page, '/glossary');
    await page.locator('.term-list').first().waitFor();
    // revenue sits under financial_metric.
    expect(await page.locator('.term-item:has(> .term-card a[href="/glossary/financial_metric"]) .term-list a[href="/glossary/revenue"]').count()).toBe(1);
    await screenshot(page, 'glossary-desktop');
    await page.locator('a[href="/glossary/revenue"]').first().click();
    await page.waitForURL(/\/glossary\/revenue$/);
    await until(() => page.locator('h1').textContent()).toBe('Revenue');
    // The parent's name comes from the glossary list, fetched apart from the term: its id shows until then.
    await until(() => page.locator('.breadcrumb').textContent()).toContain('Financial metric');
    await until(() => page.locator('aside').textContent()).toContain('Net revenue');
    await screenshot(page, 'term-desktop');
    await page.locator('.link-list a', { hasText: 'sales_daily' }).click();
    await page.waitForURL(/\/datasets\/sales_daily$/);
    await until(() => page.locator('h1').textContent()).toBe('sales_daily');
    await page.close();
  });
});

describe('states', () => {
  it('says so when the API cannot be reached', async () => {
    const page = await browser.page();
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await open(page, '/datasets/sales_daily');
    await page.locator('.state-error').waitFor();
    expect(await page.locator('.state-error h1').textContent()).toBe('The catalog is not reachable');
    await page.unroute('**/api/v1/**');
    await page.locator('.state-error button', { hasText: 'Try again' }).click();
    await until(() => page.locator('h1').textContent()).toBe('sales_daily');
    await page.close();
  });

  it('renders the home page on a phone and in dark mode', async () => {
    const page = await browser.page(PHONE);
    await open(page, '/');
    await page.locator('.dataset-table').waitFor();
    await screenshot(page, 'home-phone');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize(DESKTOP);
    await open(page, '/datasets/customer_profiles');
    await page.locator('.field-table').waitFor();
    await screenshot(page, 'dataset-dark-desktop');
    await page.close();
  });

  it('logged no console errors (CSP violations included)', () => {
    expect(browser.problems).toEqual([]);
  });
});
