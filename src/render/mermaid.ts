// Mermaid flowcharts from a node/edge list, shared by `lineage --format mermaid`,
// the diff's Markdown report and the PR comment.
import { addTo } from '../multimap.js';

export interface MermaidNode {
  id: string;
  label: string;
  /** Name of a classDef to apply. */
  cls?: string;
}

export interface MermaidGraph {
  direction?: 'LR' | 'TD';
  nodes: MermaidNode[];
  edges: Array<{ from: string; to: string; dashed?: boolean }>;
  classDefs?: Record<string, string>;
}

/** Mermaid's own escape for text inside a quoted label. */
export function mermaidLabel(text: string): string {
  return `"${text.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/[\r\n]+/g, ' ')}"`;
}

export function renderMermaid(g: MermaidGraph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = [`flowchart ${g.direction ?? 'LR'}`];
  for (const n of g.nodes) lines.push(`  ${ids.get(n.id)}[${mermaidLabel(n.label)}]`);
  for (const e of g.edges) {
    const a = ids.get(e.from);
    const b = ids.get(e.to);
    if (a && b) lines.push(`  ${a} ${e.dashed ? '-.->' : '-->'} ${b}`);
  }
  for (const [name, style] of Object.entries(g.classDefs ?? {})) lines.push(`  classDef ${name} ${style}`);
  const byClass = new Map<string, string[]>();
  for (const n of g.nodes) if (n.cls) addTo(byClass, n.cls, ids.get(n.id)!);
  for (const [cls, members] of byClass) lines.push(`  class ${members.join(',')} ${cls}`);
  return lines.join('\n') + '\n';
}
