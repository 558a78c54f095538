// The Markdown report (pull-request comments, job summaries): a golden file for a
// small realistic change set, GitHub's size limits on a huge one, and escaping of
// names and descriptions that would break tables or inject HTML.
// Regenerate the golden file after an intended change with
// `npx vitest run test/diff/markdown.test.ts -u`, then read its diff.
import { afterEach, describe, expect, it } from 'vitest';
import { type DiffResult } from '../../src/diff/compute.js';
import { diffSide, excerpts, MARKDOWN_LIMIT, MERMAID_LIMIT, renderJson, renderMarkdown, renderText, type DiffSides } from '../../src/diff/render.js';
import { cleanupSpecTrees } from '../helpers/fixtures.js';
import { clone, diffSpecs, type DatasetSpec, type Specs } from './support.js';

afterEach(cleanupSpecTrees);

const SIDES: DiffSides = {
  base: { label: 'git:origin/main (1a2b3c4)', specHash: 'b'.repeat(64) },
  head: { label: 'catalog-specs', specHash: 'h'.repeat(64) },
};

// ---------------------------------------------------------------- structural checks

/** Number of `|` that separate cells: not escaped by an odd run of backslashes. */
function cellSeparators(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== '|') continue;
    let bs = 0;
    for (let j = i - 1; j >= 0 && line[j] === '\\'; j--) bs++;
    if (bs % 2 === 0) n++;
  }
  return n;
}

interface Structure {
  tables: number;
  rows: number;
  mermaid: string[];
  details: number;
}

/**
 * Checks what GitHub needs to render the report and returns what it found: every
 * table row has as many cell separators as its header; fences and <details> are
 * balanced; only a few harmless HTML tags appear; Mermaid blocks start with flowchart.
 */
function checkMarkdown(md: string): Structure {
  const lines = md.split('\n');
  const out: Structure = { tables: 0, rows: 0, mermaid: [], details: 0 };
  let fence: string[] | null = null;
  let fenceLang = '';
  let header = -1;
  let openDetails = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      if (line === '```') {
        if (fenceLang === 'mermaid') out.mermaid.push(fence.join('\n') + '\n');
        fence = null;
      } else fence.push(line);
      continue;
    }
    if (line.startsWith('```')) {
      fence = [];
      fenceLang = line.slice(3);
      header = -1;
      continue;
    }
    if (line.startsWith('|')) {
      if (header < 0) {
        header = cellSeparators(line);
        expect(lines[i + 1], `separator after table header at line ${i + 1}`).toMatch(/^\|(?:-+:?\|)+$/);
        expect(cellSeparators(lines[i + 1]!), `separator width at line ${i + 2}`).toBe(header);
        out.tables++;
      } else {
        expect(cellSeparators(line), `cells of line ${i + 1}: ${line}`).toBe(header);
        out.rows++;
      }
      expect(line.endsWith('|'), `line ${i + 1} ends its last cell`).toBe(true);
    } else header = -1;
    for (const m of line.matchAll(/<(\/?)([A-Za-z][\w-]*)/g)) {
      expect(['details', 'summary', 'code', 'sub', 'br'], `HTML tag <${m[1]}${m[2]}> at line ${i + 1}`).toContain(m[2]!.toLowerCase());
    }
    openDetails += (line.match(/<details>/g) ?? []).length;
    out.details += (line.match(/<details>/g) ?? []).length;
    openDetails -= (line.match(/<\/details>/g) ?? []).length;
    expect(openDetails, `<details> nesting at line ${i + 1}`).toBeGreaterThanOrEqual(0);
    expect(openDetails, `<details> nesting at line ${i + 1}`).toBeLessThanOrEqual(1);
  }
  expect(fence, 'every fence is closed').toBeNull();
  expect(openDetails, 'every <details> is closed').toBe(0);
  for (const m of out.mermaid) {
    expect(m.startsWith('flowchart ')).toBe(true);
    expect(m.length).toBeLessThanOrEqual(MERMAID_LIMIT);
  }
  return out;
}

// ---------------------------------------------------------------- golden

const SALES: Specs = {
  catalog: { name: 'acme', policy: { breakingChanges: 'fail' } },
  terms: [
    { id: 'revenue', name: 'Revenue', definition: 'Income from sales, net of refunds.' },
    { id: 'order', name: 'Order', definition: 'A customer purchase.' },
  ],
  datasets: [
    {
      name: 'orders_raw', domain: 'sales', owner: 'sales-data@acme.example', location: 's3://lake/raw/orders/', format: 'parquet',
      terms: ['order'], partitionKeys: ['order_date'],
      fields: [
        { name: 'order_id', type: 'int64', nullable: false, description: 'Order key' },
        { name: 'customer_id', type: 'int64' },
        { name: 'amount', type: 'decimal128(12, 2)', description: 'Order total in the order currency' },
        { name: 'currency', type: 'string' },
        { name: 'order_date', type: 'date32[day]', nullable: false },
        { name: 'shipping', type: 'struct<city: string, country: string>' },
      ],
    },
    {
      name: 'orders_daily', domain: 'sales', upstream: ['orders_raw'], terms: ['revenue'],
      fields: [
        { name: 'order_date', type: 'date32[day]', from: ['orders_raw:order_date'] },
        { name: 'revenue', type: 'decimal128(14, 2)', from: ['orders_raw:amount'] },
        { name: 'orders', type: 'int32' },
      ],
    },
    { name: 'revenue_dashboard', domain: 'finance', upstream: ['orders_daily'], format: 'view', fields: [{ name: 'revenue', type: 'decimal128(14, 2)', from: ['orders_daily:revenue'] }] },
    { name: 'customers', domain: 'crm', fields: [{ name: 'id', type: 'int64' }, { name: 'email', type: 'string' }] },
    { name: 'customers_legacy', domain: 'crm', deprecated: { since: '2025-10-01', reason: 'use customers', replacement: 'customers' }, fields: [{ name: 'id', type: 'int64' }] },
  ],
};

function salesHead(): Specs {
  const h = clone(SALES);
  const raw = h.datasets[0]!;
  raw.fields![2]!.type = 'decimal128(12, 4)'; // scale change: breaking, reaches the dashboard
  raw.fields = raw.fields!.filter((f) => f.name !== 'currency'); // removed: breaking
  raw.fields.find((f) => f.name === 'shipping')!.type = 'struct<city: string, country: string, zip: string>'; // safe
  const daily = h.datasets[1]!;
  daily.fields![2]!.type = 'int64'; // safe widening
  daily.owner = 'analytics@acme.example';
  h.datasets = h.datasets.filter((d) => d.name !== 'customers_legacy'); // warning: had a replacement
  h.datasets.push({ name: 'returns', domain: 'sales', upstream: ['orders_raw'], fields: [{ name: 'order_id', type: 'int64', from: ['orders_raw:order_id'] }] });
  h.terms!.push({ id: 'gross_margin', name: 'Gross margin', definition: 'Revenue minus cost of goods sold.' });
  return h;
}

describe('Markdown report', () => {
  it('matches the golden file for a small realistic change set', async () => {
    const r = await diffSpecs(SALES, salesHead());
    const md = renderMarkdown(r, SIDES);
    await expect(md).toMatchFileSnapshot('golden/sales-change.md');
    const s = checkMarkdown(md);
    // Summary table, breaking table, one table per dataset with changes (4) and the glossary.
    expect(s.tables).toBe(2 + 5);
    expect(s.details).toBe(5);
    expect(s.mermaid).toHaveLength(1);
    expect(md).not.toContain('… and');
    // The verdict counts what the report lists; the new dataset `returns` reads orders_raw, so it is affected too.
    expect(r.counts).toEqual({ breaking: 2, warning: 1, safe: 5, total: 8 });
    expect(md.split('\n')[2]).toBe(
      '❌ **2 breaking changes** affecting 3 downstream datasets — this fails the check (policy `breakingChanges: fail`; the label `metafuse/allow-breaking` overrides).',
    );
  });

  it('says so when nothing changed, and when nothing breaks', async () => {
    const none = await diffSpecs(SALES, SALES);
    expect(renderMarkdown(none, SIDES)).toBe('## MetaFuse catalog diff\n\n✅ **No changes** to datasets or glossary terms.\n');
    const h = clone(SALES);
    h.datasets[3]!.description = 'Customers, one row each.';
    const safe = renderMarkdown(await diffSpecs(SALES, h), SIDES);
    expect(safe).toContain('✅ **No breaking changes.**');
    expect(safe).not.toContain('Breaking changes\n');
    checkMarkdown(safe);
  });
});

// ---------------------------------------------------------------- size limits

/** 500 datasets in chains of 5, ten fields each; the head removes five fields and narrows five in every dataset. */
function bigPair(): { base: Specs; head: Specs } {
  const datasets: DatasetSpec[] = [];
  for (let i = 0; i < 500; i++) {
    datasets.push({
      name: `ds_${String(i).padStart(3, '0')}`,
      upstream: i % 5 === 0 ? [] : [`ds_${String(i - 1).padStart(3, '0')}`],
      fields: Array.from({ length: 10 }, (_, j) => ({ name: `field_${j}`, type: 'int64' })),
    });
  }
  const base: Specs = { datasets };
  const head = clone(base);
  for (const d of head.datasets) {
    d.fields = d.fields!.filter((_, j) => j >= 5).map((f) => ({ ...f, type: 'int32' }));
  }
  return { base, head };
}

describe('size limits', () => {
  it('~5,000 changes: Markdown ≤ 60,000 characters, whole tables and blocks, a bounded Mermaid graph, "… and N more"; JSON has all', async () => {
    const { base, head } = bigPair();
    const r: DiffResult = await diffSpecs(base, head);
    expect(r.counts).toEqual({ breaking: 5000, warning: 0, safe: 0, total: 5000 });

    const md = renderMarkdown(r, SIDES);
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(MARKDOWN_LIMIT).toBe(60_000);
    const s = checkMarkdown(md);
    expect(s.mermaid).toHaveLength(1);
    expect(s.mermaid[0]!.length).toBeLessThanOrEqual(40_000);
    expect(md).toMatch(/… and [\d,]+ more breaking changes?; run `metafuse diff --format json` for the full list\./);
    expect(md).toMatch(/… and \d+ more datasets? with changes; run `metafuse diff --format json` for the full list\./);
    expect(md).toMatch(/<sub>Showing \d+ of 500 datasets, the most affected first\.<\/sub>/);
    // The budget is used, not wasted: the report is most of the limit.
    expect(md.length).toBeGreaterThan(MARKDOWN_LIMIT * 0.8);
    expect(s.rows).toBeGreaterThan(100);

    const json = JSON.parse(renderJson(r, SIDES)) as { changes: unknown[]; counts: { total: number } };
    expect(json.changes).toHaveLength(5000);
    expect(json.counts.total).toBe(5000);
    expect(new Set(json.changes.map((c) => JSON.stringify(c))).size).toBe(5000);
  });

  it('a smaller budget is respected the same way (limit option)', async () => {
    const { base, head } = bigPair();
    base.datasets = base.datasets.slice(0, 60);
    head.datasets = head.datasets.slice(0, 60);
    const r = await diffSpecs(base, head);
    for (const limit of [4_000, 10_000, 25_000]) {
      const md = renderMarkdown(r, SIDES, { limit });
      expect(md.length, `limit ${limit}`).toBeLessThanOrEqual(limit);
      checkMarkdown(md);
      expect(md).toContain('… and');
    }
  });

  it('many changes in one dataset are cut inside its block with a count, the block still closed', async () => {
    const wide: Specs = { datasets: [{ name: 'wide', fields: Array.from({ length: 3000 }, (_, j) => ({ name: `a_rather_long_field_name_${j}`, type: 'int64' })) }] };
    const narrowed = clone(wide);
    for (const f of narrowed.datasets[0]!.fields!) f.type = 'int16';
    const r = await diffSpecs(wide, narrowed);
    const md = renderMarkdown(r, SIDES);
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    const s = checkMarkdown(md);
    expect(s.details).toBe(1);
    expect(md).toMatch(/\n… and \d+ more changes\.\n\n<\/details>/);
  });
});

// ---------------------------------------------------------------- safety

describe('names and descriptions cannot break the Markdown', () => {
  const NASTY = 'a | b <script>alert(1)</script> `tick` ``` **bold** [link](http://x) &amp; \\| end\nsecond line\r\n| --- |';

  it('pipes, HTML, backticks and newlines in descriptions, field names, terms and properties stay inside their cells', async () => {
    const base: Specs = {
      terms: [{ id: 'weird', name: 'Weird', definition: 'x' }],
      datasets: [
        { name: 'shop', upstream: [], fields: [{ name: 'id', type: 'int64' }, { name: 'plain', type: 'string' }], properties: { note: 'x' } },
        { name: 'sink', upstream: ['shop'], fields: [{ name: 'p', type: 'string', from: ['shop:plain'] }] },
      ],
    };
    const head = clone(base);
    const shop = head.datasets[0]!;
    shop.description = NASTY;
    shop.properties = { note: NASTY, [`k|<b>`]: 'v' };
    shop.fields!.push({ name: 'weird | <img src=x onerror=alert(1)> `x`\nname', type: 'string', nullable: false });
    shop.fields![1]!.description = NASTY;
    shop.fields![1]!.type = 'int64'; // breaking, so the field also shows in the breaking table
    head.terms![0]!.name = NASTY;
    head.terms!.push({ id: 'pipe', name: '| <script> |', definition: NASTY });
    const r = await diffSpecs(base, head);
    const md = renderMarkdown(r, SIDES);
    const s = checkMarkdown(md);
    expect(s.tables).toBeGreaterThanOrEqual(4);
    expect(md).not.toMatch(/<script|<img|<b>/i);
    expect(md).toContain('&lt;script&gt;');
    // No stray fence from a backtick run in the data.
    expect(md.split('\n').filter((l) => l.startsWith('```'))).toEqual(['```mermaid', '```']);
    // Newlines inside values never start a new table row.
    expect(md).not.toContain('second line\n');
    // The odd field name appears in its row, every special character as an entity.
    expect(md).toContain('| 🟡 | field added | <code>weird &#124; &lt;img src=x onerror=alert(1)&gt; &#96;x&#96; name</code> | — | string |');
  });

  it('names in code style keep every character and give Markdown nothing to interpret (`__x__` is not bold)', async () => {
    const names = ['__index_level_0__', '*starred*', 'tick`ed', 'a\\b', '~~gone~~', '[x](y)', 'snake_case_ok', '<b>|x'];
    const base: Specs = { datasets: [{ name: 'src', fields: names.map((n) => ({ name: n, type: 'int64' })) }, { name: 'dst', upstream: ['src'], fields: names.map((n, i) => ({ name: `d${i}`, type: 'int64', from: [`src:${n}`] })) }] };
    const head = clone(base);
    for (const f of head.datasets[0]!.fields!) f.type = 'int32';
    const r = await diffSpecs(base, head);
    const md = renderMarkdown(r, SIDES);
    checkMarkdown(md);
    const decode = (x: string) => x.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const shown = [...md.matchAll(/<code>(.*?)<\/code>/g)].map((m) => m[1]!);
    for (const inner of shown) {
      // Nothing left that Markdown would turn into a code span, emphasis, strikethrough, link or escape.
      expect(inner, inner).not.toMatch(/[`*~[\]\\]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/);
    }
    const decoded = new Set(shown.map(decode));
    for (const n of names) expect(decoded, n).toContain(n);
    // Intraword underscores stay readable in the source.
    expect(md).toContain('<code>snake_case_ok</code>');
  });

  it('a label (path or ref) with Markdown or HTML is escaped too', async () => {
    const h = clone(SALES);
    h.datasets[3]!.owner = 'x@acme.example';
    const r = await diffSpecs(SALES, h);
    const md = renderMarkdown(r, { base: { label: 'git:<b>|x`', specHash: '' }, head: { label: 'dir|<script>', specHash: '' } });
    checkMarkdown(md);
    expect(md).not.toMatch(/<b>|<script/);
  });
});

describe('spec hashes of the sides', () => {
  it('are computed only for the JSON output (hashing a large model is costly)', async () => {
    const r = await diffSpecs(SALES, salesHead());
    let reads = 0;
    const model = (h: string) => ({
      get specHash() {
        reads++;
        return h;
      },
    });
    const sides = { base: diffSide('base', model('b'.repeat(64))), head: diffSide('head', model('h'.repeat(64))) };
    renderMarkdown(r, sides);
    renderText(r, sides, (_style, s) => s);
    expect(reads).toBe(0);
    const json = JSON.parse(renderJson(r, sides)) as { base: { label: string; specHash: string }; head: { specHash: string } };
    expect(json.base).toEqual({ label: 'base', specHash: 'b'.repeat(64) });
    expect(json.head.specHash).toBe('h'.repeat(64));
    expect(reads).toBe(2);
  });
});

describe('before and after of a long text', () => {
  const LONG = 'Daily order rollup per shipping country, in EUR, refreshed at 05:30 UTC from the web shop and the marketplace feeds.';

  it('short texts are shown whole; long ones from shortly before where they first differ', () => {
    expect(excerpts('Test data.', 'Raw orders.', 80)).toEqual(['Test data.', 'Raw orders.']);
    const [b, a] = excerpts(LONG, `${LONG} Owned by sales.`, 80);
    expect(b.startsWith('…') && a.startsWith('…')).toBe(true);
    expect(a.endsWith('Owned by sales.')).toBe(true);
    expect(b).not.toBe(a);
    // From the start of a word, with some of the text before the difference.
    expect(b).toMatch(/^…\S+ .*marketplace feeds\.$/);
    expect(LONG.endsWith(b.slice(1))).toBe(true);
    for (const x of [a, b]) expect(x.length).toBeLessThanOrEqual(80);
  });

  it('a difference near the start keeps the start and cuts the end; whitespace runs are one space', () => {
    const [b, a] = excerpts(`Weekly ${LONG}`, `Monthly   ${LONG}`, 60);
    expect(b.startsWith('Weekly Daily order')).toBe(true);
    expect(a.startsWith('Monthly Daily order')).toBe(true);
    expect(b.endsWith('…') && a.endsWith('…')).toBe(true);
    expect([a.length, b.length]).toEqual([60, 60]);
  });

  it('the text and Markdown reports show the edit at the end of a long description', async () => {
    const base: Specs = { datasets: [{ name: 'orders_daily', owner: 'sales', description: LONG, fields: [{ name: 'id', type: 'int64' }] }] };
    const head = clone(base);
    head.datasets[0]!.description = `${LONG} Owned by sales.`;
    const r = await diffSpecs(base, head);
    expect(renderText(r, SIDES)).toMatch(/description changed \(…[^→]*marketplace feeds\. → …[^→]*marketplace feeds\. Owned by sales\.\)/);
    expect(renderMarkdown(r, SIDES)).toMatch(/\| …[^|]*marketplace feeds\. \| …[^|]*marketplace feeds\. Owned by sales\. \|/);
  });
});
