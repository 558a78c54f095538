// A diff rendered three ways: text for terminals, JSON for tools, and Markdown
// for pull-request comments and job summaries (kept within GitHub's limits).
import { renderMermaid } from '../render/mermaid.js';
import { addTo } from '../multimap.js';
import type { Change, ChangeValue, DiffResult, Severity } from './compute.js';

export interface DiffSide {
  label: string;
  readonly specHash: string;
}

export interface DiffSides {
  base: DiffSide;
  head: DiffSide;
}

/**
 * One side of a diff for rendering. Its spec hash is computed when read: only the
 * JSON output shows it, and hashing a 10,000-dataset model costs ~0.25 s.
 */
export function diffSide(label: string, model: { readonly specHash: string }): DiffSide {
  return {
    label,
    get specHash() {
      return model.specHash;
    },
  };
}

// ---------------------------------------------------------------- shared wording

const KIND_TEXT: Record<Change['kind'], string> = {
  'dataset-added': 'dataset added',
  'dataset-removed': 'dataset removed',
  'dataset-renamed': 'dataset renamed',
  'dataset-deprecated': 'deprecated',
  'dataset-undeprecated': 'no longer deprecated',
  'domain-changed': 'domain changed',
  'owner-changed': 'owner changed',
  'description-changed': 'description changed',
  'location-changed': 'location changed',
  'format-changed': 'format changed',
  'tags-changed': 'tags changed',
  'terms-changed': 'terms changed',
  'properties-changed': 'properties changed',
  'partition-keys-changed': 'partition keys changed',
  'upstream-added': 'upstream added',
  'upstream-removed': 'upstream removed',
  'field-added': 'field added',
  'field-removed': 'field removed',
  'field-type-changed': 'type changed',
  'field-nullability-changed': 'nullability changed',
  'field-description-changed': 'field description changed',
  'field-tags-changed': 'field tags changed',
  'field-terms-changed': 'field terms changed',
  'field-order-changed': 'field order changed',
  'column-lineage-changed': 'column lineage changed',
  'term-added': 'glossary term added',
  'term-removed': 'glossary term removed',
  'term-changed': 'glossary term changed',
};

export function kindText(kind: Change['kind']): string {
  return KIND_TEXT[kind];
}

function valueText(v: ChangeValue | undefined): string {
  if (v === undefined || v === null) return '—';
  if (Array.isArray(v)) return v.length ? v.join(', ') : '(none)';
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length ? entries.map(([k, x]) => `${k}=${x}`).join(', ') : '(none)';
  }
  return String(v);
}

/** `s` on one line: runs of white space as one space. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** `s` cut to `max` characters, the last an ellipsis when it was cut. */
function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Before and after on one line each, at most `max` characters: when either is
 * longer, both start shortly before where they first differ, so that an edit near
 * the end of a long description shows instead of two equal beginnings.
 */
export function excerpts(before: string, after: string, max: number): [string, string] {
  const b = oneLine(before);
  const a = oneLine(after);
  let start = 0;
  if (b.length > max || a.length > max) {
    let same = 0;
    while (same < b.length && same < a.length && b[same] === a[same]) same++;
    // Some of the text before the difference, from the start of a word.
    const context = Math.floor(max / 4);
    if (same > context) {
      start = same - context;
      const space = b.lastIndexOf(' ', start);
      if (space >= 0 && space > start - 12) start = space + 1;
    }
  }
  const cut = (s: string) => clip(start > 0 ? `…${s.slice(start)}` : s, max);
  return [cut(b), cut(a)];
}

/** "before → after", or just one side, shortened for one line. */
function delta(c: Change, max = 120): string {
  const short = (s: string) => clip(s, max);
  if (c.before !== undefined && c.after !== undefined) return excerpts(valueText(c.before), valueText(c.after), max).join(' → ');
  if (c.after !== undefined) return short(valueText(c.after));
  if (c.before !== undefined) return short(valueText(c.before));
  return '';
}

function subject(c: Change): string {
  if (c.term !== undefined) return `term ${c.term}`;
  return c.field !== undefined ? `${c.dataset}.${c.field}` : (c.dataset ?? '');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function verdict(r: DiffResult): string {
  const { breaking, warning, safe } = r.counts;
  if (r.counts.total === 0) return 'No changes';
  return `${plural(breaking, 'breaking change')}, ${plural(warning, 'warning')}, ${plural(safe, 'safe change')}`;
}

// ---------------------------------------------------------------- JSON

export function renderJson(r: DiffResult, sides: DiffSides): string {
  const { graph: _graph, ...rest } = r;
  void _graph;
  return `${JSON.stringify({ ...rest, base: sides.base, head: sides.head }, null, 2)}\n`;
}

// ---------------------------------------------------------------- text

const MARK: Record<Severity, string> = { breaking: 'BREAKING', warning: 'warning ', safe: 'safe    ' };

export function renderText(r: DiffResult, sides: DiffSides, paint: (style: 'red' | 'yellow' | 'green' | 'bold' | 'dim', s: string) => string = (_, s) => s): string {
  let out = `${paint('bold', verdict(r))}  (${sides.base.label} → ${sides.head.label})\n`;
  if (r.counts.total === 0) return out;
  const color = { breaking: 'red', warning: 'yellow', safe: 'green' } as const;
  for (const c of r.changes) {
    const d = delta(c);
    out += `${paint(color[c.severity], MARK[c.severity])}  ${subject(c)}: ${kindText(c.kind)}${d ? ` (${d})` : ''}\n`;
    if (c.impact.length) out += paint('dim', `          impact: ${c.impact.slice(0, 10).join(', ')}${c.impact.length > 10 ? ` and ${c.impact.length - 10} more` : ''}`) + '\n';
    if (c.impactFields?.length) out += paint('dim', `          fields: ${c.impactFields.slice(0, 10).join(', ')}${c.impactFields.length > 10 ? ` and ${c.impactFields.length - 10} more` : ''}`) + '\n';
  }
  if (r.breaking) out += `\nBreaking changes ${r.policy === 'fail' ? 'fail' : 'do not fail'} the check under this catalog's policy (breakingChanges: ${r.policy}).\n`;
  return out;
}

// ---------------------------------------------------------------- Markdown

/** GitHub refuses comments over 65,536 characters; leave room for the Action's wrapper. */
export const MARKDOWN_LIMIT = 60_000;
/** Mermaid refuses diagrams over 50,000 characters by default; stay well inside. */
export const MERMAID_LIMIT = 40_000;
const MERMAID_MAX_NODES = 150;

export interface MarkdownOptions {
  /** Character budget for the whole report. */
  limit?: number;
  /** Where the full report is (said when the Markdown is cut). */
  fullReportHint?: string;
  /** Heading level of the title (default 2). */
  heading?: number;
}

/** Text safe inside a Markdown table cell and inline HTML. */
export function mdCell(s: string, max = 200): string {
  const cut = clip(oneLine(s), max);
  return cut.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, "'").replace(/([*_~[\]])/g, '\\$1');
}

/** Text safe inside inline HTML (and a table cell). */
function htmlText(s: string, max = 120): string {
  const cut = clip(oneLine(s), max);
  return (
    cut
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;')
      // Markdown still reads code spans, emphasis and links between inline tags (`__x__` turns bold):
      // entities neutralise them, and also decode inside HTML blocks such as <summary>.
      .replace(/[\\`*~[\]]/g, (c) => `&#${c.charCodeAt(0)};`)
      .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '&#95;')
  );
}

/** A name in code style, safe inside a table cell. */
function code(s: string): string {
  return `<code>${htmlText(s)}</code>`;
}

const ICON: Record<Severity, string> = { breaking: '🔴', warning: '🟡', safe: '🟢' };

export function renderMarkdown(r: DiffResult, sides: DiffSides, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? MARKDOWN_LIMIT;
  const hint = options.fullReportHint ?? 'run `metafuse diff --format json` for the full list';
  const h = '#'.repeat(options.heading ?? 2);
  const parts: string[] = [];
  let used = 0;
  const fits = (s: string, reserve = 0) => used + s.length + reserve <= limit;
  const push = (s: string) => {
    parts.push(s);
    used += s.length;
  };

  const impacted = new Set(r.changes.filter((c) => c.breaking).flatMap((c) => c.impact));
  let head = `${h} MetaFuse catalog diff\n\n`;
  if (r.counts.total === 0) {
    head += '✅ **No changes** to datasets or glossary terms.\n';
    return head;
  }
  if (r.breaking) {
    head += `❌ **${plural(r.counts.breaking, 'breaking change')}**${impacted.size ? ` affecting ${plural(impacted.size, 'downstream dataset')}` : ''}`;
    head += ` — ${r.policy === 'fail' ? 'this fails the check (policy `breakingChanges: fail`; the label `metafuse/allow-breaking` overrides)' : 'reported only (policy `breakingChanges: warn`)'}.\n`;
  } else {
    head += '✅ **No breaking changes.**\n';
  }
  head += `\n<sub>${mdCell(sides.base.label, 100)} → ${mdCell(sides.head.label, 100)}</sub>\n\n`;
  const datasetsBy = (s: Severity) => new Set(r.changes.filter((c) => c.severity === s && c.dataset).map((c) => c.dataset)).size;
  head += '| | changes | datasets |\n|---|---:|---:|\n';
  for (const s of ['breaking', 'warning', 'safe'] as const) head += `| ${ICON[s]} ${s} | ${r.counts[s]} | ${datasetsBy(s)} |\n`;
  push(head);

  // Breaking changes first, with their impact.
  const breaking = r.changes.filter((c) => c.breaking);
  if (breaking.length) {
    const title = `\n${h}# Breaking changes\n\n| dataset | change | details | downstream impact |\n|---|---|---|---|\n`;
    const rows = breaking.map((c) => `| ${code(c.term ?? c.dataset ?? '')} | ${kindText(c.kind)}${c.field !== undefined ? ` ${code(c.field)}` : ''} | ${mdCell(delta(c, 80)) || '—'} | ${impactCell(c)} |\n`);
    pushTable(title, rows, 'breaking changes', Math.floor((limit - used) * 0.45));
  }

  const mermaid = mermaidBlock(r, Math.min(MERMAID_LIMIT, Math.floor((limit - used) * 0.35)));
  if (mermaid && fits(mermaid, 400)) push(`\n${h}# Lineage of what changed\n\n${mermaid}`);
  else if (r.graph.nodes.length) push(`\n<sub>The lineage graph of the changes is too large to draw here; ${hint}.</sub>\n`);

  // Every change, grouped by dataset, collapsed.
  const byDataset = new Map<string, Change[]>();
  for (const c of r.changes) {
    const k = c.dataset ?? `glossary term ${c.term}`;
    addTo(byDataset, k, c);
  }
  const groups = [...byDataset].sort(([a, ca], [b, cb]) => worst(ca) - worst(cb) || (a < b ? -1 : 1));
  const tail = (n: number) => `\n… and ${plural(n, 'more dataset')} with changes; ${hint}.\n`;
  push(`\n${h}# All changes\n\n`);
  let shown = 0;
  for (const [name, list] of groups) {
    const counts = (['breaking', 'warning', 'safe'] as const).map((s) => [s, list.filter((c) => c.severity === s).length] as const).filter(([, n]) => n > 0);
    let block = `<details><summary>${ICON[counts[0]![0]]} ${code(name)} — ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}</summary>\n\n`;
    block += '| | change | field | before | after |\n|---|---|---|---|---|\n';
    const rows = list.map((c) => {
      const [before, after] = excerpts(valueText(c.before), valueText(c.after), 80);
      return `| ${ICON[c.severity]} | ${kindText(c.kind)} | ${c.field !== undefined ? code(c.field) : ''} | ${mdCell(before, 80)} | ${mdCell(after, 80)} |\n`;
    });
    let body = '';
    let i = 0;
    const room = limit - used - tail(groups.length).length - 40;
    for (; i < rows.length && block.length + body.length + rows[i]!.length + 200 < room; i++) body += rows[i];
    if (i === 0) break;
    if (i < rows.length) body += `\n… and ${plural(rows.length - i, 'more change')}.\n`;
    block += `${body}\n</details>\n`;
    if (!fits(block, tail(1).length)) break;
    push(block);
    shown++;
  }
  if (shown < groups.length) push(tail(groups.length - shown));
  return parts.join('');

  function pushTable(title: string, rows: string[], what: string, budget: number) {
    let body = title;
    let i = 0;
    const more = (n: number) => `\n… and ${plural(n, `more ${what.replace(/s$/, '')}`)}; ${hint}.\n`;
    for (; i < rows.length; i++) {
      if (body.length + rows[i]!.length + more(rows.length).length > budget) break;
      body += rows[i];
    }
    if (i < rows.length) body += more(rows.length - i);
    push(body);
  }
}

function worst(list: Change[]): number {
  return Math.min(...list.map((c) => ({ breaking: 0, warning: 1, safe: 2 })[c.severity]));
}

function impactCell(c: Change): string {
  if (c.impact.length === 0) return 'none';
  const names = c.impact.slice(0, 5).map((n) => code(n)).join(', ');
  const more = c.impact.length > 5 ? ` and ${c.impact.length - 5} more` : '';
  const fields = c.impactFields?.length ? `<br>fields: ${c.impactFields.slice(0, 5).map((f) => code(f)).join(', ')}${c.impactFields.length > 5 ? ` and ${c.impactFields.length - 5} more` : ''}` : '';
  return `${c.impact.length}: ${names}${more}${fields}`;
}

/** A fenced Mermaid flowchart of the changed datasets and their neighbours, or '' when even a small one cannot fit. */
function mermaidBlock(r: DiffResult, budget: number): string {
  if (r.graph.nodes.length === 0) return '';
  // Nodes come most important first (breaking, warning, safe, context): keep a prefix that fits.
  const total = r.graph.nodes.length;
  const sizes = [...new Set([Math.min(MERMAID_MAX_NODES, total), 75, 40, 20, 10].filter((n) => n <= total))];
  for (const max of sizes) {
    const nodes = r.graph.nodes.slice(0, max);
    const keep = new Set(nodes.map((n) => n.name));
    const text = renderMermaid({
      direction: 'LR',
      nodes: nodes.map((n) => ({ id: n.name, label: `${n.name}${n.added ? ' (new)' : n.removed ? ' (removed)' : ''}`, cls: n.status })),
      edges: r.graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
      classDefs: {
        breaking: 'fill:#fecaca,stroke:#b91c1c,stroke-width:2px',
        warning: 'fill:#fef3c7,stroke:#b45309',
        safe: 'fill:#dcfce7,stroke:#15803d',
        context: 'fill:#f3f4f6,stroke:#9ca3af,color:#4b5563',
      },
    });
    const note = r.graph.nodes.length > max ? `\n<sub>Showing ${max} of ${r.graph.nodes.length} datasets, the most affected first.</sub>\n` : '';
    const block = `\`\`\`mermaid\n${text}\`\`\`\n${note}`;
    if (block.length <= budget) return block;
  }
  return '';
}
