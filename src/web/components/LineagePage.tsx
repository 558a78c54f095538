// The lineage page: an interactive graph (Cytoscape, loaded on demand), the
// controls (direction, depth, column lineage) in the URL, and the same graph
// as lists for keyboards and screen readers.
import { useEffect, useRef, useState } from 'preact/hooks';
import { addTo } from '../../multimap';
import { api, useJson } from '../api';
import type { GraphHandle } from '../graph';
import { href, navigate, restoreScroll } from '../router';
import type { Edge, Lineage } from '../types';
import { DatasetLink, ErrorView, formatNumber, Loading, plural, useTitle } from './ui';

const DEPTHS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', 'all'];
const DIRECTIONS: Array<[string, string]> = [
  ['up', 'Upstream'],
  ['both', 'Both'],
  ['down', 'Downstream'],
];

export function LineagePage({ name, params }: { name: string; params: URLSearchParams }) {
  const direction = ['up', 'down', 'both'].includes(params.get('direction') ?? '') ? params.get('direction')! : 'both';
  const depth = DEPTHS.includes(params.get('depth') ?? '') ? params.get('depth')! : '2';
  const columns = params.get('columns') === '1' || params.get('columns') === 'true';
  const lin = useJson<Lineage>(api.lineage(name, direction, depth === 'all' ? 100 : Number(depth), columns));
  useTitle(`Lineage of ${lin.state === 'ok' ? lin.data.root : name}`);
  useEffect(() => {
    if (lin.state === 'ok') restoreScroll();
  }, [lin.state]);

  const set = (o: { direction?: string; depth?: string; columns?: boolean }) =>
    navigate(href.lineage(name, { direction, depth, columns, ...o }), { replace: false });

  // While new options load, the previous graph of the same dataset stays on screen.
  const last = useRef<{ name: string; g: Lineage } | null>(null);
  if (lin.state === 'ok') last.current = { name, g: lin.data };
  if (lin.state === 'error') return <ErrorView error={lin.error} what={`the lineage of ${name}`} onRetry={lin.reload} />;
  const g = lin.state === 'ok' ? lin.data : last.current?.name === name ? last.current.g : null;
  const up = g ? g.nodes.filter((n) => n.depth < 0).length : 0;
  const down = g ? g.nodes.filter((n) => n.depth > 0).length : 0;

  return (
    <article class="lineage" aria-labelledby="lineage-title">
      <nav class="breadcrumb" aria-label="Breadcrumb">
        <a href="/">Catalog</a>
        <span aria-hidden="true">/</span>
        <DatasetLink name={g?.root ?? name} />
        <span aria-hidden="true">/</span>
        <span aria-current="page">Lineage</span>
      </nav>
      <header class="page-head">
        <h1 id="lineage-title" class="page-title" tabIndex={-1}>
          Lineage of <a href={href.dataset(g?.root ?? name)}>{g?.root ?? name}</a>
        </h1>
      </header>
      <form class="lineage-controls" aria-label="Lineage options" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="segmented">
          <legend class="control-label">Direction</legend>
          <div class="segments">
            {DIRECTIONS.map(([v, label]) => (
              <label key={v} class={`segment ${direction === v ? 'is-on' : ''}`}>
                <input type="radio" name="direction" value={v} checked={direction === v} onChange={() => set({ direction: v })} />
                <span>{label}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div class="control">
          <label class="control-label" for="lineage-depth">
            Depth
          </label>
          <select id="lineage-depth" value={depth} onChange={(e) => set({ depth: (e.currentTarget as HTMLSelectElement).value })}>
            {DEPTHS.map((d) => (
              <option key={d} value={d}>
                {d === 'all' ? 'All levels' : d === '1' ? '1 level' : `${d} levels`}
              </option>
            ))}
          </select>
        </div>
        <div class="control control-check">
          <input id="lineage-columns" type="checkbox" checked={columns} onChange={(e) => set({ columns: (e.currentTarget as HTMLInputElement).checked })} />
          <label for="lineage-columns">Column lineage</label>
        </div>
      </form>
      <p id="lineage-summary" class="lineage-summary" aria-live="polite">
        {lin.state === 'ok' && g
          ? `${plural(g.nodes.length, 'dataset')} and ${plural(g.edges.length, 'edge')}: ${formatSide(up, 'upstream')}, ${formatSide(down, 'downstream')}${columns && g.columns ? `, ${plural(g.columns.length, 'column edge')}` : ''}.`
          : 'Loading the lineage…'}
      </p>
      <div class={`graph-panel ${lin.state === 'loading' ? 'is-stale' : ''}`}>
        {g ? <Graph g={g} /> : <div class="graph-box graph-loading"><Loading label="Loading the lineage…" /></div>}
        <ul class="legend" aria-label="Legend">
          <li>
            <span class="swatch swatch-root" aria-hidden="true" /> this dataset
          </li>
          <li>
            <span class="swatch swatch-up" aria-hidden="true" /> upstream (feeds it)
          </li>
          <li>
            <span class="swatch swatch-down" aria-hidden="true" /> downstream (reads it)
          </li>
          <li class="muted">Click a dataset to open it · drag to pan · scroll to zoom</li>
        </ul>
      </div>
      {g && columns && <ColumnEdges edges={g.columns ?? []} />}
      {g && <NodeLists g={g} />}
    </article>
  );
}

/**
 * Graphs of more datasets than this are drawn only when asked: Cytoscape takes about
 * a second per thousand datasets here (7 s for 7,010, 40 s for 47,867), and the
 * lists below the graph hold the same datasets at once.
 */
export const DRAW_AT_ONCE_MAX = 2000;

function formatSide(n: number, side: string): string {
  return `${formatNumber(n)} ${side}`;
}

function Graph({ g }: { g: Lineage }) {
  const box = useRef<HTMLDivElement>(null);
  const handle = useRef<GraphHandle | null>(null);
  const large = g.nodes.length > DRAW_AT_ONCE_MAX;
  // The graph the reader asked to draw although it is large (a new graph asks again).
  const [drawLarge, setDrawLarge] = useState<Lineage | null>(null);
  const deferred = large && drawLarge !== g;
  const [state, setState] = useState<'loading' | 'ready' | 'error' | 'deferred'>('loading');
  const [error, setError] = useState('');

  useEffect(() => {
    let cancelled = false;
    if (deferred) {
      handle.current?.destroy();
      handle.current = null;
      setState('deferred');
      return;
    }
    setState('loading');
    import('../graph').then(
      (m) => {
        if (cancelled || !box.current) return;
        try {
          handle.current?.destroy();
          handle.current = m.renderGraph(box.current, g, (n) => navigate(href.dataset(n)));
          box.current.dataset.nodes = String(g.nodes.length);
          box.current.dataset.edges = String(g.edges.length);
          setState('ready');
        } catch (e) {
          setError(e instanceof Error ? e.message : String(e));
          setState('error');
        }
      },
      (e: unknown) => {
        if (cancelled) return;
        setError(e instanceof Error ? e.message : String(e));
        setState('error');
      },
    );
    return () => {
      cancelled = true;
      handle.current?.destroy();
      handle.current = null;
    };
  }, [g, deferred]);

  return (
    <div class="graph-wrap">
      <div
        ref={box}
        class="graph-box"
        id="lineage-graph"
        role="img"
        aria-label={`Lineage graph of ${g.root}: ${plural(g.nodes.length, 'dataset')}, ${plural(g.edges.length, 'edge')}. The lists below hold the same datasets as links.`}
        data-state={state}
      />
      {state === 'loading' && (
        <div class="graph-overlay">
          <Loading label="Drawing the graph…" />
        </div>
      )}
      {state === 'deferred' && (
        <div class="graph-overlay graph-deferred">
          <p>
            {plural(g.nodes.length, 'dataset')} and {plural(g.edges.length, 'edge')}: a graph this large takes several seconds to draw. Choose
            fewer levels above, or
          </p>
          <button type="button" class="button button-primary" onClick={() => setDrawLarge(g)}>
            Draw all {g.nodes.length.toLocaleString('en-US')} datasets
          </button>
          <p class="muted">Every dataset is listed below the graph.</p>
        </div>
      )}
      {state === 'error' && (
        <div class="graph-overlay" role="alert">
          The graph could not be drawn: {error}
        </div>
      )}
      <div class="graph-tools" role="toolbar" aria-label="Graph view" hidden={state === 'deferred'}>
        <button type="button" class="icon-button" onClick={() => handle.current?.zoom(1.25)} aria-label="Zoom in" title="Zoom in">
          +
        </button>
        <button type="button" class="icon-button" onClick={() => handle.current?.zoom(0.8)} aria-label="Zoom out" title="Zoom out">
          −
        </button>
        <button type="button" class="button button-small" onClick={() => handle.current?.focusRoot()} title={`Center ${g.root}`}>
          Center
        </button>
        <button type="button" class="button button-small" onClick={() => handle.current?.fit()} title="Show the whole graph">
          Fit
        </button>
      </div>
    </div>
  );
}

function NodeLists({ g }: { g: Lineage }) {
  const byDepth = new Map<number, string[]>();
  for (const n of g.nodes) addTo(byDepth, n.depth, n.name);
  const depths = [...byDepth.keys()].sort((a, b) => a - b);
  const label = (d: number) => (d === 0 ? 'This dataset' : d < 0 ? `${-d} ${d === -1 ? 'step' : 'steps'} upstream` : `${d} ${d === 1 ? 'step' : 'steps'} downstream`);
  return (
    <section class="card node-lists" aria-labelledby="nodes-title">
      <h2 id="nodes-title" class="card-title">
        Datasets in this graph
      </h2>
      <div class="depth-columns">
        {depths.map((d) => (
          <div key={d} class={`depth-col ${d === 0 ? 'is-root' : d < 0 ? 'is-up' : 'is-down'}`}>
            <h3 class="depth-head">
              {label(d)} <span class="count">{byDepth.get(d)!.length}</span>
            </h3>
            <ul>
              {byDepth.get(d)!.map((n) => (
                <li key={n}>
                  <DatasetLink name={n} />
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}

function ColumnEdges({ edges }: { edges: Edge[] }) {
  const [filter, setFilter] = useState('');
  const split = (s: string) => {
    const i = s.indexOf(':');
    return { dataset: s.slice(0, i), field: s.slice(i + 1) };
  };
  const shown = filter.trim() ? edges.filter((e) => `${e.from} ${e.to}`.toLowerCase().includes(filter.trim().toLowerCase())) : edges;
  return (
    <section class="card column-edges" aria-labelledby="cols-title">
      <div class="card-head">
        <h2 id="cols-title" class="card-title">
          Column lineage <span class="count">{edges.length}</span>
        </h2>
        {edges.length > 10 && (
          <input type="search" class="small-input" aria-label="Filter column lineage" placeholder="Filter columns…" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
        )}
      </div>
      {edges.length === 0 ? (
        <p class="muted">No field-level lineage among these datasets.</p>
      ) : (
        <div class="table-wrap">
          <table class="col-table">
            <thead>
              <tr>
                <th scope="col">From (upstream field)</th>
                <th scope="col" aria-hidden="true" />
                <th scope="col">To (downstream field)</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => {
                const a = split(e.from);
                const b = split(e.to);
                return (
                  <tr key={`${e.from}>${e.to}`}>
                    <td>
                      <DatasetLink name={a.dataset} field={a.field} />
                    </td>
                    <td class="arrow" aria-hidden="true">
                      →
                    </td>
                    <td>
                      <DatasetLink name={b.dataset} field={b.field} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
