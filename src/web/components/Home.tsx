// The home page: a prominent search, the catalog at a glance, and a browsable,
// filterable, paginated list of datasets. Filters and the page live in the URL.
import { useEffect, useState } from 'preact/hooks';
import { api, useJson } from '../api';
import { summary } from '../text';
import { href, navigate, restoreScroll } from '../router';
import type { DatasetList, Stats } from '../types';
import { SearchBox } from './SearchBox';
import { DomainChip, Empty, ErrorView, formatNumber, Loading, plural, TagChip, TenantBadge, useStats, useTitle } from './ui';

const PAGE_SIZE = 25;
const FILTERS = ['domain', 'tag', 'owner', 'tenant'] as const;
type Filter = (typeof FILTERS)[number];

export function Home({ params }: { params: URLSearchParams }) {
  useTitle(null);
  const stats = useStats();
  return (
    <div class="home">
      <section class="hero" aria-labelledby="hero-title">
        <h1 id="hero-title" class="hero-title">
          Find data{stats.state === 'ok' && stats.data.catalog ? <> in <span class="hero-catalog">{stats.data.catalog}</span></> : null}
        </h1>
        <SearchBox variant="hero" initialQuery={params.get('q') ?? ''} autoFocus />
      </section>
      {stats.state === 'ok' && <StatsPanel stats={stats.data} params={params} />}
      {stats.state === 'error' && <ErrorView error={stats.error} onRetry={stats.reload} />}
      <Browse params={params} stats={stats.state === 'ok' ? stats.data : null} />
    </div>
  );
}

function StatsPanel({ stats, params }: { stats: Stats; params: URLSearchParams }) {
  const current = params.get('domain');
  const items: Array<[string, number]> = [
    ['datasets', stats.datasets],
    ['fields', stats.fields],
    ['lineage edges', stats.lineageEdges],
    ['glossary terms', stats.glossaryTerms],
  ];
  return (
    <section class="stats" aria-label="Catalog statistics">
      <dl class="stat-grid">
        {items.map(([label, n]) => (
          <div class="stat" key={label}>
            <dt>{label}</dt>
            <dd>{formatNumber(n)}</dd>
          </div>
        ))}
      </dl>
      <div class="facets">
        <h2 class="facet-title">Domains</h2>
        <ul class="chip-list" aria-label="Filter by domain">
          {stats.domains.map((d) => {
            const on = current !== null && current.toLowerCase() === d.domain.toLowerCase();
            // The API cannot filter on a missing domain: that chip only counts.
            if (!d.domain) {
              return (
                <li key="">
                  <span class="chip chip-facet chip-static">
                    (no domain) <span class="chip-count">{formatNumber(d.datasets)}</span>
                  </span>
                </li>
              );
            }
            return (
              <li key={d.domain}>
                <a
                  class={`chip chip-facet ${on ? 'is-on' : ''}`}
                  aria-current={on ? 'true' : undefined}
                  href={on ? withParams(params, { domain: undefined, page: undefined }) : withParams(params, { domain: d.domain || undefined, page: undefined })}
                >
                  {d.domain || '(no domain)'} <span class="chip-count">{formatNumber(d.datasets)}</span>
                </a>
              </li>
            );
          })}
        </ul>
        {stats.tenants.length > 1 && (
          <>
            <h2 class="facet-title">Tenants</h2>
            <ul class="chip-list" aria-label="Filter by tenant">
              {stats.tenants.map((t) => {
                const on = params.get('tenant') === t.tenant;
                return (
                  <li key={t.tenant}>
                    <a class={`chip chip-facet ${on ? 'is-on' : ''}`} aria-current={on ? 'true' : undefined} href={withParams(params, { tenant: on ? undefined : t.tenant, page: undefined })}>
                      {t.tenant} <span class="chip-count">{formatNumber(t.datasets)}</span>
                    </a>
                  </li>
                );
              })}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

function withParams(params: URLSearchParams, changes: Record<string, string | undefined>): string {
  const q = new URLSearchParams(params);
  q.delete('q');
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  return `/${s ? `?${s}` : ''}#browse`;
}

function Browse({ params, stats }: { params: URLSearchParams; stats: Stats | null }) {
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const q = new URLSearchParams();
  for (const f of FILTERS) {
    const v = params.get(f);
    if (v) q.set(f, v);
  }
  q.set('limit', String(PAGE_SIZE));
  q.set('offset', String((page - 1) * PAGE_SIZE));
  const list = useJson<DatasetList>(api.datasets(q));
  const active = FILTERS.filter((f) => params.get(f));

  useEffect(() => {
    if (list.state === 'ok' && !params.get('q')) restoreScroll();
  }, [list.state]);

  return (
    <section class="browse" id="browse" aria-labelledby="browse-title">
      <div class="section-head">
        <h2 id="browse-title">Browse datasets</h2>
      </div>
      <Filters params={params} stats={stats} />
      <p class="list-status" aria-live="polite">
        {list.state === 'ok' &&
          (list.data.total === 0
            ? 'No datasets match these filters.'
            : `Showing ${formatNumber(list.data.offset + 1)}–${formatNumber(list.data.offset + list.data.datasets.length)} of ${plural(list.data.total, 'dataset')}${active.length ? ' matching the filters' : ''}`)}
      </p>
      {list.state === 'loading' && <Loading label="Loading datasets…" />}
      {list.state === 'error' && <ErrorView error={list.error} onRetry={list.reload} />}
      {list.state === 'ok' && list.data.total === 0 && (
        <Empty>
          <p>
            No datasets match{' '}
            {active.map((f, i) => (
              <span key={f}>
                {i > 0 ? ' and ' : ''}
                {f} <strong>“{params.get(f)}”</strong>
              </span>
            ))}
            .
          </p>
          <p>
            <a href="/#browse">Clear the filters</a>
          </p>
        </Empty>
      )}
      {list.state === 'ok' && list.data.datasets.length > 0 && (
        <>
          <div class="table-wrap">
            <table class="dataset-table">
              <caption class="sr-only">Datasets, page {page}</caption>
              <thead>
                <tr>
                  <th scope="col">Dataset</th>
                  <th scope="col">Domain</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Tags</th>
                  <th scope="col" class="num">
                    Fields
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.datasets.map((d) => (
                  <tr key={`${d.tenant}/${d.name}`}>
                    <td class="cell-main">
                      <a class="dataset-name" href={href.dataset(d.name)}>
                        {d.name}
                      </a>
                      <TenantBadge tenant={d.tenant} />
                      {d.deprecated && <span class="badge badge-warn">deprecated</span>}
                      {d.description && <p class="cell-desc">{summary(d.description)}</p>}
                    </td>
                    <td data-label="Domain">
                      <DomainChip domain={d.domain} />
                    </td>
                    <td data-label="Owner" class="cell-owner">
                      {d.owner && <a href={withParams(new URLSearchParams(), { owner: d.owner })}>{d.owner}</a>}
                    </td>
                    <td data-label="Tags">
                      <span class="chip-row">
                        {d.tags.map((t) => (
                          <TagChip key={t} tag={t} />
                        ))}
                      </span>
                    </td>
                    <td data-label="Fields" class="num cell-fields">
                      {formatNumber(d.fields)}
                      <span class="phone-only"> {d.fields === 1 ? 'field' : 'fields'}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager params={params} total={list.data.total} page={page} />
        </>
      )}
    </section>
  );
}

function Filters({ params, stats }: { params: URLSearchParams; stats: Stats | null }) {
  const [tag, setTag] = useState(params.get('tag') ?? '');
  const [owner, setOwner] = useState(params.get('owner') ?? '');
  useEffect(() => setTag(params.get('tag') ?? ''), [params.get('tag')]);
  useEffect(() => setOwner(params.get('owner') ?? ''), [params.get('owner')]);
  const apply = (changes: Partial<Record<Filter, string>>) => navigate(withParams(params, { ...changes, page: undefined }));
  const any = FILTERS.some((f) => params.get(f));
  return (
    <form
      class="filters"
      aria-label="Filter datasets"
      onSubmit={(e) => {
        e.preventDefault();
        apply({ tag: tag.trim(), owner: owner.trim() });
      }}
    >
      <div class="filter">
        <label for="f-domain">Domain</label>
        <select id="f-domain" value={params.get('domain') ?? ''} onChange={(e) => apply({ domain: (e.currentTarget as HTMLSelectElement).value })}>
          <option value="">All domains</option>
          {(stats?.domains ?? [])
            .filter((d) => d.domain)
            .map((d) => (
              <option key={d.domain} value={d.domain}>
                {d.domain} ({formatNumber(d.datasets)})
              </option>
            ))}
          {params.get('domain') && !stats?.domains.some((d) => d.domain === params.get('domain')) && <option value={params.get('domain')!}>{params.get('domain')}</option>}
        </select>
      </div>
      {(stats?.tenants.length ?? 0) > 1 && (
        <div class="filter">
          <label for="f-tenant">Tenant</label>
          <select id="f-tenant" value={params.get('tenant') ?? ''} onChange={(e) => apply({ tenant: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="">All tenants</option>
            {stats!.tenants.map((t) => (
              <option key={t.tenant} value={t.tenant}>
                {t.tenant} ({formatNumber(t.datasets)})
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="filter">
        <label for="f-tag">Tag</label>
        <input id="f-tag" type="text" value={tag} placeholder="e.g. pii" onInput={(e) => setTag((e.currentTarget as HTMLInputElement).value)} onBlur={() => tag.trim() !== (params.get('tag') ?? '') && apply({ tag: tag.trim() })} />
      </div>
      <div class="filter">
        <label for="f-owner">Owner</label>
        <input id="f-owner" type="text" value={owner} placeholder="e-mail address" onInput={(e) => setOwner((e.currentTarget as HTMLInputElement).value)} onBlur={() => owner.trim() !== (params.get('owner') ?? '') && apply({ owner: owner.trim() })} />
      </div>
      <div class="filter filter-actions">
        <button type="submit" class="button">
          Apply
        </button>
        {any && (
          <a class="button button-quiet" href="/#browse">
            Clear
          </a>
        )}
      </div>
    </form>
  );
}

function Pager({ params, total, page }: { params: URLSearchParams; total: number; page: number }) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (pages <= 1) return null;
  const link = (p: number) => withParams(params, { page: p === 1 ? undefined : String(p) });
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? (
        <a class="button" href={link(page - 1)} rel="prev">
          ← Previous
        </a>
      ) : (
        <span class="button is-disabled" aria-disabled="true">
          ← Previous
        </span>
      )}
      <span class="pager-status">
        Page {formatNumber(page)} of {formatNumber(pages)}
      </span>
      {page < pages ? (
        <a class="button" href={link(page + 1)} rel="next">
          Next →
        </a>
      ) : (
        <span class="button is-disabled" aria-disabled="true">
          Next →
        </span>
      )}
    </nav>
  );
}
