// The lineage graph: Cytoscape.js with the dagre layout, left to right
// (upstream on the left). Loaded lazily, only by the lineage page.
import cytoscape, { type Core, type ElementDefinition, type StylesheetJson } from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { addTo } from '../multimap';
import type { Lineage } from './types';

cytoscape.use(dagre);

export interface GraphHandle {
  fit(): void;
  /** Centers the dataset the graph is about, at a readable zoom. */
  focusRoot(): void;
  zoom(factor: number): void;
  destroy(): void;
}

interface Colors {
  bg: string;
  text: string;
  edge: string;
  root: string;
  rootText: string;
  up: string;
  down: string;
  node: string;
  border: string;
  font: string;
}

function colors(el: HTMLElement): Colors {
  const s = getComputedStyle(el);
  const v = (name: string, fallback: string) => s.getPropertyValue(name).trim() || fallback;
  return {
    bg: v('--surface', '#fff'),
    text: v('--text', '#1f2328'),
    edge: v('--graph-edge', '#8c959f'),
    root: v('--accent', '#4f46e5'),
    rootText: v('--on-accent', '#fff'),
    up: v('--graph-up', '#0969da'),
    down: v('--graph-down', '#1a7f37'),
    node: v('--surface-2', '#f6f8fa'),
    border: v('--border', '#d0d7de'),
    font: s.fontFamily || 'system-ui, sans-serif',
  };
}

function style(c: Colors, big: boolean): StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        shape: 'round-rectangle',
        'background-color': c.node,
        'border-width': 1.5,
        'border-color': c.border,
        label: 'data(label)',
        color: c.text,
        'font-family': c.font,
        'font-size': 13,
        'text-valign': 'center',
        'text-halign': 'center',
        width: 'data(w)',
        height: 34,
      },
    },
    { selector: 'node.up', style: { 'border-color': c.up, 'border-width': 2 } },
    { selector: 'node.down', style: { 'border-color': c.down, 'border-width': 2 } },
    { selector: 'node.root', style: { 'background-color': c.root, 'border-color': c.root, color: c.rootText, 'font-weight': 'bold', 'border-width': 3 } },
    { selector: 'node:active, node.hover', style: { 'overlay-opacity': 0.08, 'overlay-color': c.text, 'overlay-padding': 4 } },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        'line-color': c.edge,
        'target-arrow-color': c.edge,
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.9,
        'curve-style': big ? 'haystack' : 'bezier',
        opacity: 0.85,
      },
    },
    { selector: 'edge.hl', style: { width: 2.5, 'line-color': c.root, 'target-arrow-color': c.root, opacity: 1 } },
  ];
}

/**
 * Big graphs: one column per distance from the dataset (the API's depth), each
 * column ordered by where its neighbours sit in the column nearer the dataset.
 * Clearer and much faster than a full layered layout of hundreds of nodes.
 */
function columnPositions(g: Lineage, vertical: boolean): Map<string, { x: number; y: number }> {
  const depthOf = new Map(g.nodes.map((n) => [n.name, n.depth]));
  const neighbours = new Map<string, string[]>();
  for (const e of g.edges) {
    addTo(neighbours, e.from, e.to);
    addTo(neighbours, e.to, e.from);
  }
  const columns = new Map<number, string[]>();
  for (const n of g.nodes) addTo(columns, n.depth, n.name);
  const index = new Map<string, number>();
  const place = (d: number) => {
    const col = columns.get(d);
    if (!col) return;
    const inner = d === 0 ? null : d < 0 ? d + 1 : d - 1;
    if (inner !== null) {
      const score = (name: string) => {
        const ys = (neighbours.get(name) ?? []).filter((m) => depthOf.get(m) === inner).map((m) => index.get(m) ?? 0);
        return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Number.MAX_SAFE_INTEGER;
      };
      const scores = new Map(col.map((n) => [n, score(n)]));
      col.sort((a, b) => scores.get(a)! - scores.get(b)! || (a < b ? -1 : 1));
    }
    // Centre each column on the others: indexes are relative to the middle.
    col.forEach((n, i) => index.set(n, i - (col.length - 1) / 2));
  };
  const depths = [...columns.keys()];
  place(0);
  for (let d = -1; d >= Math.min(...depths); d--) place(d);
  for (let d = 1; d <= Math.max(...depths); d++) place(d);
  // A tall column wraps into several side by side, at most MAX_ROWS high.
  const MAX_ROWS = 22;
  const [alongGap, acrossGap] = vertical ? [90, 200] : [300, 44];
  const out = new Map<string, { x: number; y: number }>();
  const band = new Map<number, { start: number; parts: number; rows: number }>();
  const sorted = [...columns.keys()].sort((a, b) => a - b);
  let cursor = 0;
  for (const d of sorted) {
    const len = columns.get(d)!.length;
    const parts = Math.ceil(len / MAX_ROWS);
    band.set(d, { start: cursor, parts, rows: Math.ceil(len / parts) });
    cursor += parts * alongGap;
  }
  const rootAt = band.get(0)!.start;
  for (const d of sorted) {
    const b = band.get(d)!;
    columns.get(d)!.forEach((name, i) => {
      const part = Math.floor(i / b.rows);
      const row = i - part * b.rows;
      const inPart = Math.min(b.rows, columns.get(d)!.length - part * b.rows);
      const along = b.start - rootAt + part * alongGap * 0.85;
      const across = (row - (inPart - 1) / 2) * acrossGap + (b.parts > 1 ? (part % 2) * acrossGap * 0.5 : 0);
      out.set(name, vertical ? { x: across, y: along } : { x: along, y: across });
    });
  }
  return out;
}

export function renderGraph(container: HTMLElement, g: Lineage, onOpen: (name: string) => void): GraphHandle {
  const c = colors(container);
  const elements: ElementDefinition[] = [
    ...g.nodes.map((n) => ({
      group: 'nodes' as const,
      data: { id: n.name, label: n.name, w: Math.max(80, Math.min(320, n.name.length * 7.6 + 28)), depth: n.depth },
      classes: n.depth === 0 ? 'root' : n.depth < 0 ? 'up' : 'down',
    })),
    ...g.edges.map((e) => ({ group: 'edges' as const, data: { id: `${e.from}\u0000${e.to}`, source: e.from, target: e.to } })),
  ];
  const big = g.nodes.length > 250;
  // Left to right on wide screens; top to bottom on a phone held upright.
  const rankDir = container.clientWidth < 640 ? 'TB' : 'LR';
  const columns = g.nodes.length > 80 ? columnPositions(g, rankDir === 'TB') : null;
  const cy: Core = cytoscape({
    container,
    elements,
    style: style(c, big),
    layout: columns
      ? { name: 'preset', positions: Object.fromEntries(columns), fit: true, padding: 24 }
      : ({ name: 'dagre', rankDir, nodeSep: rankDir === 'LR' ? 14 : 10, rankSep: rankDir === 'LR' ? 70 : 44, edgeSep: 8, fit: true, padding: 24, animate: false } as cytoscape.LayoutOptions),
    minZoom: 0.05,
    maxZoom: 3,
    wheelSensitivity: 0.3,
    boxSelectionEnabled: false,
    autoungrabify: true,
    textureOnViewport: big,
    hideEdgesOnViewport: big,
    pixelRatio: 'auto',
  });
  // A single root far out on a tiny graph looks lost: cap the initial zoom. A
  // graph too big to read whole starts on the dataset itself (Fit shows it all).
  if (cy.zoom() > 1.4) {
    cy.zoom(1.4);
    cy.center();
  } else if (cy.zoom() < 0.45) {
    cy.zoom(0.7);
    cy.center(cy.nodes('.root'));
  }
  cy.on('tap', 'node', (evt) => onOpen(String(evt.target.id())));
  cy.on('mouseover', 'node', (evt) => {
    container.style.cursor = 'pointer';
    evt.target.addClass('hover');
    evt.target.connectedEdges().addClass('hl');
  });
  cy.on('mouseout', 'node', (evt) => {
    container.style.cursor = '';
    evt.target.removeClass('hover');
    evt.target.connectedEdges().removeClass('hl');
  });
  // For tests and debugging: where each node is on screen.
  Object.defineProperty(container, 'metafuseGraph', {
    configurable: true,
    value: { nodes: () => cy.nodes().map((n) => ({ id: n.id(), x: n.renderedPosition('x'), y: n.renderedPosition('y'), root: n.hasClass('root') })) },
  });
  const scheme = window.matchMedia('(prefers-color-scheme: dark)');
  const restyle = () => cy.style(style(colors(container), big));
  scheme.addEventListener('change', restyle);
  const onResize = () => cy.resize();
  window.addEventListener('resize', onResize);
  return {
    fit: () => cy.animate({ fit: { eles: cy.elements(), padding: 24 }, duration: 200 }),
    focusRoot: () => cy.animate({ zoom: Math.max(cy.zoom(), 1), center: { eles: cy.nodes('.root') }, duration: 200 }),
    zoom: (f) => cy.animate({ zoom: { level: cy.zoom() * f, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } }, duration: 150 }),
    destroy: () => {
      scheme.removeEventListener('change', restyle);
      window.removeEventListener('resize', onResize);
      delete (container as { metafuseGraph?: unknown }).metafuseGraph;
      cy.destroy();
    },
  };
}
