// The glossary: every term in its parent hierarchy, and one term with its
// definition, synonyms, relatives and the datasets and fields that use it.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { addTo } from '../../multimap';
import { api, useJson } from '../api';
import { loadMarkdown } from '../markdown-lazy';
import { href, restoreScroll } from '../router';
import type { Glossary, Term, TermSummary } from '../types';
import { DatasetLink, Empty, ErrorView, Loading, Markdown, plural, TermChip, useTermNames, useTitle } from './ui';
import { summary } from '../text';

export function GlossaryIndex() {
  useTitle('Glossary');
  const g = useJson<Glossary>(api.glossary());
  const [filter, setFilter] = useState('');
  useEffect(() => {
    if (g.state === 'ok') restoreScroll();
  }, [g.state]);
  if (g.state === 'loading') return <Loading label="Loading the glossary…" />;
  if (g.state === 'error') return <ErrorView error={g.error} what="the glossary" onRetry={g.reload} />;
  const terms = g.data.terms;
  const q = filter.trim().toLowerCase();
  const matches = (t: TermSummary) => !q || [t.id, t.name, t.definition, t.domain ?? '', ...t.synonyms].join(' ').toLowerCase().includes(q);
  return (
    <article class="glossary" aria-labelledby="glossary-title">
      <header class="page-head">
        <h1 id="glossary-title" class="page-title" tabIndex={-1}>
          Glossary
        </h1>
        <p class="page-lede">The business terms datasets and fields are tagged with, {plural(terms.length, 'term')} in all.</p>
      </header>
      <div class="toolbar">
        <label for="glossary-filter" class="sr-only">
          Filter terms
        </label>
        <input id="glossary-filter" type="search" placeholder="Filter terms, synonyms, definitions…" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <p class="list-status" aria-live="polite">
        {q ? `${plural(terms.filter(matches).length, 'term')} match “${filter.trim()}”` : ''}
      </p>
      {terms.length === 0 ? (
        <Empty>
          <p>This catalog has no glossary terms yet.</p>
        </Empty>
      ) : q ? (
        terms.filter(matches).length === 0 ? (
          <Empty>
            <p>No terms match “{filter.trim()}”.</p>
          </Empty>
        ) : (
          <ul class="term-list">
            {terms.filter(matches).map((t) => (
              <TermItem key={t.id} t={t} />
            ))}
          </ul>
        )
      ) : (
        <TermTree terms={terms} />
      )}
    </article>
  );
}

function TermTree({ terms }: { terms: TermSummary[] }) {
  const { roots, children } = useMemo(() => {
    const ids = new Set(terms.map((t) => t.id));
    const children = new Map<string, TermSummary[]>();
    const roots: TermSummary[] = [];
    for (const t of terms) {
      if (t.parent && ids.has(t.parent) && t.parent !== t.id) addTo(children, t.parent, t);
      else roots.push(t);
    }
    return { roots, children };
  }, [terms]);
  const render = (list: TermSummary[], seen: Set<string>) => (
    <ul class="term-list">
      {list.map((t) => (
        <TermItem key={t.id} t={t}>
          {children.has(t.id) && !seen.has(t.id) && render(children.get(t.id)!, new Set([...seen, t.id]))}
        </TermItem>
      ))}
    </ul>
  );
  return render(roots, new Set());
}

function TermItem({ t, children }: { t: TermSummary; children?: ComponentChildren }) {
  return (
    <li class="term-item">
      <div class="term-card">
        <div class="term-head">
          <a class="term-name" href={href.term(t.id)}>
            {t.name}
          </a>
          {t.id !== t.name && <code class="muted small">{t.id}</code>}
          {t.domain && <span class="chip chip-domain chip-static">{t.domain}</span>}
        </div>
        <p class="term-def">{summary(t.definition, 220)}</p>
        {t.synonyms.length > 0 && <p class="term-syn small muted">Also: {t.synonyms.join(', ')}</p>}
      </div>
      {children}
    </li>
  );
}

export function TermPage({ id }: { id: string }) {
  const t = useJson<Term>(api.term(id));
  // The description needs the Markdown renderer: fetch it alongside the data.
  useEffect(() => void loadMarkdown().catch(() => {}), []);
  const g = useJson<Glossary>(api.glossary(), true);
  const names = useTermNames();
  useTitle(t.state === 'ok' ? t.data.name : t.state === 'error' ? 'Not found' : id);
  useEffect(() => {
    if (t.state === 'ok') restoreScroll();
  }, [t.state]);
  if (t.state === 'loading') return <Loading label={`Loading ${id}…`} />;
  if (t.state === 'error') return <ErrorView error={t.error} what={`term ${id}`} onRetry={t.reload} />;
  const term = t.data;
  const byId = new Map((g.data?.terms ?? []).map((x) => [x.id, x]));
  const chain: string[] = [];
  for (let p = term.parent; p && !chain.includes(p) && chain.length < 20; p = byId.get(p)?.parent ?? null) chain.unshift(p);
  return (
    <article class="term" aria-labelledby="term-title">
      <nav class="breadcrumb" aria-label="Breadcrumb">
        <a href={href.glossary()}>Glossary</a>
        {chain.map((p) => (
          <span key={p}>
            <span aria-hidden="true"> / </span>
            <a href={href.term(p)}>{names.get(p) ?? p}</a>
          </span>
        ))}
        <span aria-hidden="true">/</span>
        <span aria-current="page">{term.name}</span>
      </nav>
      <header class="page-head">
        <div class="title-row">
          <h1 id="term-title" class="page-title" tabIndex={-1}>
            {term.name}
          </h1>
          <code class="muted">{term.id}</code>
        </div>
        <p class="page-meta">
          {term.domain && <span class="chip chip-domain chip-static">{term.domain}</span>}
          {term.owner && (
            <span class="meta-item">
              <span class="muted">Owner</span> {term.owner}
            </span>
          )}
        </p>
      </header>
      <div class="term-grid">
        <div>
          <section class="card" aria-label="Definition">
            <Markdown text={term.definition} />
            {term.synonyms.length > 0 && (
              <p class="small">
                <span class="muted">Synonyms:</span> {term.synonyms.join(', ')}
              </p>
            )}
          </section>
          <section class="card" aria-labelledby="used-title">
            <h2 id="used-title" class="card-title">
              Used by
            </h2>
            <h3 class="card-subtitle">Datasets ({term.datasets.length})</h3>
            {term.datasets.length ? (
              <ul class="link-list">
                {term.datasets.map((d) => (
                  <li key={d}>
                    <DatasetLink name={d} />
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">No dataset uses this term.</p>
            )}
            <h3 class="card-subtitle">Fields ({term.fields.length})</h3>
            {term.fields.length ? (
              <ul class="link-list">
                {term.fields.map((f) => (
                  <li key={`${f.dataset}:${f.field}`}>
                    <DatasetLink name={f.dataset} field={f.field} />
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">No field uses this term.</p>
            )}
          </section>
        </div>
        <aside class="card" aria-label="Related terms">
          <h2 class="card-title">Related terms</h2>
          <h3 class="card-subtitle">Parent</h3>
          {term.parent ? (
            <p class="chip-row">
              <TermChip id={term.parent} names={names} />
            </p>
          ) : (
            <p class="muted">None: a top-level term.</p>
          )}
          <h3 class="card-subtitle">Narrower terms</h3>
          {term.children.length ? (
            <p class="chip-row">
              {term.children.map((c) => (
                <TermChip key={c} id={c} names={names} />
              ))}
            </p>
          ) : (
            <p class="muted">None.</p>
          )}
          <h3 class="card-subtitle">See also</h3>
          {term.related.length ? (
            <p class="chip-row">
              {term.related.map((c) => (
                <TermChip key={c} id={c} names={names} />
              ))}
            </p>
          ) : (
            <p class="muted">None.</p>
          )}
        </aside>
      </div>
    </article>
  );
}
