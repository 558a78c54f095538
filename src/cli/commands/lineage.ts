import { lineage, MAX_LINEAGE_DEPTH, type Direction, type LineageGraph } from '../../catalog/queries.js';
import { renderMermaid } from '../../render/mermaid.js';
import { addTo } from '../../multimap.js';
import { choiceOption, EXIT, intOption, type Command } from '../command.js';
import { CATALOG_HELP, CATALOG_OPTIONS, withCatalog } from '../catalog-arg.js';
import { paint, type Io } from '../io.js';
import { json } from '../table.js';

const FORMATS = ['text', 'json', 'mermaid'] as const;

export const lineageCommand: Command = {
  usage: 'metafuse lineage NAME [--direction up|down|both] [--depth N] [--columns] [--format text|json|mermaid]',
  help: `Options:
  --direction D   up (sources), down (consumers) or both (default)
  --depth N       how many hops to follow (default and maximum ${MAX_LINEAGE_DEPTH})
  --columns       include column-level lineage between the datasets shown
  --format F      text (default), json ({root, nodes: [{name, depth}], edges: [{from, to}]}),
                  or mermaid (a flowchart to paste into Markdown)
${CATALOG_HELP} (same as --format json)

In JSON, depth is 0 for NAME, negative upstream (-1 = direct source) and positive
downstream; an edge goes from the upstream dataset to the downstream one.`,
  options: { ...CATALOG_OPTIONS, direction: { type: 'string' }, depth: { type: 'string' }, columns: { type: 'boolean' }, format: { type: 'string' } },
  positionals: [1, 1],
  async run(args, io) {
    const direction = choiceOption<Direction>(args, 'direction', ['up', 'down', 'both'], 'both');
    const depth = intOption(args, 'depth', MAX_LINEAGE_DEPTH, 0, MAX_LINEAGE_DEPTH);
    const format = args.values.json ? 'json' : choiceOption(args, 'format', FORMATS, 'text');
    return withCatalog(args, io, (cat) => {
      const g = lineage(cat, args.positionals[0]!, direction, depth, args.values.columns === true);
      if (format === 'json') io.out(json(g));
      else if (format === 'mermaid') io.out(mermaid(g));
      else io.out(renderTree(g, io));
      return EXIT.ok;
    });
  },
};

function mermaid(g: LineageGraph): string {
  if (g.columns) {
    // Column lineage: one node per field, grouped by reading order.
    const fields = [...new Set(g.columns.flatMap((c) => [c.from, c.to]))].sort();
    return renderMermaid({
      nodes: fields.map((f) => ({ id: f, label: f, cls: f.startsWith(`${g.root}:`) ? 'root' : undefined })),
      edges: g.columns.map((c) => ({ from: c.from, to: c.to })),
      classDefs: { root: 'fill:#fde68a,stroke:#b45309' },
    });
  }
  return renderMermaid({
    nodes: g.nodes.map((n) => ({ id: n.name, label: n.name, cls: n.depth === 0 ? 'root' : undefined })),
    edges: g.edges,
    classDefs: { root: 'fill:#fde68a,stroke:#b45309' },
  });
}

/**
 * Two indented trees: what NAME reads (upstream) and what reads NAME (downstream).
 * Each dataset is drawn once, under the first dataset (in drawing order) one hop
 * nearer to NAME, so a tree is never deeper than --depth; its other mentions say
 * where it is drawn. (Expanding each dataset where it is first met instead
 * followed the longest way round: a tree thousands of levels deep, with lines as
 * long, for a graph whose datasets are all two hops from NAME.)
 */
function renderTree(g: LineageGraph, io: Io): string {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const e of g.edges) {
    addTo(up, e.to, e.from);
    addTo(down, e.from, e.to);
  }
  const hops = new Map(g.nodes.map((n) => [n.name, Math.abs(n.depth)]));
  let s = paint(io, 'bold', g.root) + '\n';
  const tree = (edges: Map<string, string[]>, side: (depth: number) => boolean, title: string) => {
    const inTree = new Set(g.nodes.filter((n) => side(n.depth)).map((n) => n.name));
    const kids = new Map<string, string[]>();
    const kidsOf = (name: string): string[] => {
      let list = kids.get(name);
      if (!list) kids.set(name, (list = (edges.get(name) ?? []).filter((k) => inTree.has(k)).sort()));
      return list;
    };
    // Where each dataset is drawn: under a dataset one hop nearer, the first in drawing order.
    const parent = new Map<string, string>();
    const place = (name: string, level: number) => {
      for (const k of kidsOf(name)) {
        if (hops.get(k) !== level + 1 || parent.has(k)) continue;
        parent.set(k, name);
        place(k, level + 1);
      }
    };
    place(g.root, 0);
    const drawn = new Set<string>();
    const lines: string[] = [];
    const draw = (name: string, prefix: string) => {
      const list = kidsOf(name);
      list.forEach((k, i) => {
        const last = i === list.length - 1;
        // Each dataset is drawn once, and this list is read once: its tree children are drawn here.
        const here = parent.get(k) === name;
        const where = here ? '' : paint(io, 'dim', drawn.has(k) ? ' (shown above)' : ' (shown below)');
        lines.push(`${prefix}${last ? '└─ ' : '├─ '}${k}${where}`);
        if (here) {
          drawn.add(k);
          draw(k, prefix + (last ? '   ' : '│  '));
        }
      });
    };
    draw(g.root, '  ');
    if (lines.length) s += `${paint(io, 'dim', title)}\n${lines.join('\n')}\n`;
  };
  tree(up, (d) => d < 0, 'upstream (reads from):');
  tree(down, (d) => d > 0, 'downstream (read by):');
  if (g.nodes.length === 1) s += '  (no lineage)\n';
  if (g.columns?.length) {
    s += `${paint(io, 'dim', 'column lineage:')}\n${g.columns.map((c) => `  ${c.from} → ${c.to}`).join('\n')}\n`;
  }
  return s;
}
