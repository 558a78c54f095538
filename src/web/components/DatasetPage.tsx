// One dataset: header, deprecation, description, details, lineage at a glance,
// observations and schema drift, and the fields table.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, useJson } from '../api';
import { loadMarkdown } from '../markdown-lazy';
import { href, restoreScroll } from '../router';
import type { Dataset, Field, Observation } from '../types';
import { DatasetLink, DomainChip, ErrorView, formatBytes, formatNumber, formatTime, InlineMarkdown, Loading, Markdown, plural, TagChip, TenantBadge, TermChip, useTermNames, useTitle } from './ui';

export function DatasetPage({ name }: { name: string }) {
  const ds = useJson<Dataset>(api.dataset(name));
  // The description needs the Markdown renderer: fetch it alongside the data.
  useEffect(() => void loadMarkdown().catch(() => {}), []);
  useTitle(ds.state === 'ok' ? ds.data.name : ds.state === 'error' ? 'Not found' : name);
  useEffect(() => {
    if (ds.state === 'ok') restoreScroll();
  }, [ds.state, ds.data]);
  if (ds.state === 'loading') return <Loading label={`Loading ${name}…`} />;
  if (ds.state === 'error') return <ErrorView error={ds.error} what={`dataset ${name}`} onRetry={ds.reload} />;
  return <DatasetView d={ds.data} />;
}

function DatasetView({ d }: { d: Dataset }) {
  const termNames = useTermNames();
  const drifted = useMemo(() => driftByField(d.observed), [d.observed]);
  return (
    <article class="dataset" aria-labelledby="dataset-title">
      <nav class="breadcrumb" aria-label="Breadcrumb">
        <a href="/">Catalog</a>
        {d.domain && (
          <>
            <span aria-hidden="true">/</span>
            <a href={href.home({ domain: d.domain })}>{d.domain}</a>
          </>
        )}
        <span aria-hidden="true">/</span>
        <span aria-current="page">{d.name}</span>
      </nav>
      <header class="page-head">
        <div class="title-row">
          <h1 id="dataset-title" class="page-title" tabIndex={-1}>
            {d.name}
          </h1>
          <TenantBadge tenant={d.tenant} />
          {d.deprecated && <span class="badge badge-warn">deprecated</span>}
          {!d.declared && (
            <span class="badge badge-info" title="No spec declares this dataset: a pipeline run recorded it">
              observed only
            </span>
          )}
        </div>
        <p class="page-meta">
          {d.domain && <DomainChip domain={d.domain} />}
          {d.owner && (
            <span class="meta-item">
              <span class="muted">Owner</span> <a href={href.home({ owner: d.owner })}>{d.owner}</a>
            </span>
          )}
          <span class="meta-item">{plural(d.fields.length, 'field')}</span>
          {d.format && <span class="meta-item">{d.format}</span>}
          <a class="meta-item meta-lineage" href={href.lineage(d.name)}>
            Lineage graph →
          </a>
        </p>
      </header>

      {d.deprecated && (
        <div class="banner banner-warn" role="note">
          <strong>Deprecated{d.deprecated.since ? ` since ${d.deprecated.since}` : ''}.</strong> {d.deprecated.reason ?? ''}
          {d.deprecated.replacement && (
            <>
              {' '}
              Use <DatasetLink name={d.deprecated.replacement} /> instead.
            </>
          )}
        </div>
      )}
      {!d.declared && (
        <div class="banner banner-info" role="note">
          <strong>Observed only.</strong> No spec in the catalog declares this dataset; a pipeline run reported it with <code>metafuse emit</code>.
        </div>
      )}

      <div class="dataset-grid">
        <div class="dataset-main">
          <section aria-label="Description" class="card description">
            {d.description ? <Markdown text={d.description} /> : <p class="muted">No description.</p>}
          </section>
          <LineageGlance d={d} />
          {d.observed && <ObservationCard o={d.observed} />}
        </div>
        <aside class="dataset-aside" aria-label="Details">
          <Details d={d} termNames={termNames} />
        </aside>
      </div>

      <FieldsTable d={d} termNames={termNames} drifted={drifted} />
    </article>
  );
}

function Details({ d, termNames }: { d: Dataset; termNames: Map<string, string> }) {
  const props = Object.entries(d.properties);
  return (
    <section class="card details" aria-labelledby="details-title">
      <h2 id="details-title" class="card-title">
        Details
      </h2>
      <dl class="kv">
        {d.location && (
          <>
            <dt>Location</dt>
            <dd>
              <code class="break">{d.location}</code>
            </dd>
          </>
        )}
        {d.format && (
          <>
            <dt>Format</dt>
            <dd>{d.format}</dd>
          </>
        )}
        {d.partitionKeys.length > 0 && (
          <>
            <dt>Partitioned by</dt>
            <dd>
              {d.partitionKeys.map((k, i) => (
                <span key={k}>
                  {i > 0 && ', '}
                  <code>{k}</code>
                </span>
              ))}
            </dd>
          </>
        )}
        {d.tenant && (
          <>
            <dt>Tenant</dt>
            <dd>{d.tenant}</dd>
          </>
        )}
        {props.map(([k, v]) => (
          <Prop key={k} k={k} v={v} />
        ))}
        {d.sourceFile && (
          <>
            <dt>Spec</dt>
            <dd>
              <code class="break">{d.sourceFile}</code>
            </dd>
          </>
        )}
        {d.schemaFile && (
          <>
            <dt>Schema file</dt>
            <dd>
              <code class="break">{d.schemaFile}</code>
            </dd>
          </>
        )}
      </dl>
      <h3 class="card-subtitle">Tags</h3>
      {d.tags.length ? (
        <p class="chip-row">
          {d.tags.map((t) => (
            <TagChip key={t} tag={t} />
          ))}
        </p>
      ) : (
        <p class="muted">No tags.</p>
      )}
      <h3 class="card-subtitle">Glossary terms</h3>
      {d.terms.length ? (
        <p class="chip-row">
          {d.terms.map((t) => (
            <TermChip key={t} id={t} names={termNames} />
          ))}
        </p>
      ) : (
        <p class="muted">No terms.</p>
      )}
    </section>
  );
}

function Prop({ k, v }: { k: string; v: string }) {
  const isUrl = /^https?:\/\/[^\s]+$/i.test(v);
  return (
    <>
      <dt>{k}</dt>
      <dd class="break">
        {isUrl ? (
          <a href={v} target="_blank" rel="noopener noreferrer">
            {v}
          </a>
        ) : (
          v
        )}
      </dd>
    </>
  );
}

function LineageGlance({ d }: { d: Dataset }) {
  const list = (names: string[], label: string) =>
    names.length ? (
      <ul class="glance-list" aria-label={label}>
        {names.map((n) => (
          <li key={n}>
            <DatasetLink name={n} />
          </li>
        ))}
      </ul>
    ) : (
      <p class="muted glance-none">None</p>
    );
  return (
    <section class="card glance" aria-labelledby="glance-title">
      <div class="card-head">
        <h2 id="glance-title" class="card-title">
          Lineage
        </h2>
        <a href={href.lineage(d.name)} class="card-link">
          Open graph →
        </a>
      </div>
      <div class="glance-flow">
        <div class="glance-col">
          <h3 class="glance-head">Upstream ({d.upstream.length})</h3>
          {list(d.upstream, 'Upstream datasets')}
        </div>
        <div class="glance-arrow" aria-hidden="true">
          →
        </div>
        <div class="glance-col glance-self">
          <h3 class="glance-head">This dataset</h3>
          <p class="glance-node">{d.name}</p>
        </div>
        <div class="glance-arrow" aria-hidden="true">
          →
        </div>
        <div class="glance-col">
          <h3 class="glance-head">Downstream ({d.downstream.length})</h3>
          {list(d.downstream, 'Downstream datasets')}
        </div>
      </div>
    </section>
  );
}

function ObservationCard({ o }: { o: Observation }) {
  const drift = o.drift && (o.drift.added.length || o.drift.removed.length || o.drift.changed.length) ? o.drift : null;
  return (
    <section class={`card observation ${drift ? 'has-drift' : ''}`} aria-labelledby="obs-title">
      <h2 id="obs-title" class="card-title">
        Last observed
      </h2>
      <dl class="obs-grid">
        <div>
          <dt>When</dt>
          <dd>
            <time dateTime={o.observedAt} title={o.observedAt}>
              {formatTime(o.observedAt)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Run</dt>
          <dd>{o.runId ? <code>{o.runId}</code> : <span class="muted">—</span>}</dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>{o.rowCount !== null ? formatNumber(o.rowCount) : <span class="muted">—</span>}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{o.sizeBytes !== null ? formatBytes(o.sizeBytes) : <span class="muted">—</span>}</dd>
        </div>
      </dl>
      <p class="muted small">{plural(o.count, 'observation')} recorded in all.</p>
      {drift && (
        <div class="drift" role="note" aria-labelledby="drift-title">
          <h3 id="drift-title" class="drift-title">
            Schema drift: the data no longer matches the spec
          </h3>
          <dl class="drift-list">
            {drift.added.length > 0 && (
              <div>
                <dt>
                  <span class="badge badge-info">added</span> in the data, not in the spec ({drift.added.length})
                </dt>
                <dd class="chip-row">
                  {drift.added.map((n) => (
                    <code key={n}>{n}</code>
                  ))}
                </dd>
              </div>
            )}
            {drift.removed.length > 0 && (
              <div>
                <dt>
                  <span class="badge badge-danger">missing</span> in the spec, not in the data ({drift.removed.length})
                </dt>
                <dd class="chip-row">
                  {drift.removed.map((n) => (
                    <code key={n}>{n}</code>
                  ))}
                </dd>
              </div>
            )}
            {drift.changed.length > 0 && (
              <div>
                <dt>
                  <span class="badge badge-warn">changed</span> type differs ({drift.changed.length})
                </dt>
                <dd>
                  <ul class="drift-changed">
                    {drift.changed.map((c) => (
                      <li key={c.name}>
                        <code>{c.name}</code>: declared <code>{c.declared}</code>, observed <code>{c.observed}</code>
                      </li>
                    ))}
                  </ul>
                </dd>
              </div>
            )}
          </dl>
        </div>
      )}
    </section>
  );
}

function driftByField(o: Observation | null): Map<string, string> {
  const m = new Map<string, string>();
  if (!o?.drift) return m;
  for (const n of o.drift.removed) m.set(n, 'missing in data');
  for (const c of o.drift.changed) m.set(c.name, `observed ${c.observed}`);
  return m;
}

function splitRef(ref: string): { dataset: string; field: string } {
  const i = ref.indexOf(':');
  return i < 0 ? { dataset: ref, field: '' } : { dataset: ref.slice(0, i), field: ref.slice(i + 1) };
}

function fieldMatches(f: Field, q: string): boolean {
  const hay = [f.name, f.type, f.sqlType, f.description ?? '', ...f.tags, ...f.terms, ...f.from].join(' ').toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

function FieldsTable({ d, termNames, drifted }: { d: Dataset; termNames: Map<string, string>; drifted: Map<string, string> }) {
  const [filter, setFilter] = useState('');
  const shown = filter.trim() ? d.fields.filter((f) => fieldMatches(f, filter)) : d.fields;
  return (
    <section class="fields" aria-labelledby="fields-title">
      <div class="section-head">
        <h2 id="fields-title">
          Fields <span class="count">{formatNumber(d.fields.length)}</span>
        </h2>
        {d.fields.length > 8 && (
          <div class="field-filter">
            <label for="field-filter" class="sr-only">
              Filter fields
            </label>
            <input id="field-filter" type="search" placeholder="Filter fields…" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
          </div>
        )}
      </div>
      {filter.trim() && (
        <p class="list-status" aria-live="polite">
          {shown.length === 0 ? `No fields match “${filter.trim()}”` : `${plural(shown.length, 'field')} of ${formatNumber(d.fields.length)} match “${filter.trim()}”`}
        </p>
      )}
      {d.fields.length === 0 ? (
        <p class="muted">This dataset declares no fields.</p>
      ) : (
        <div class="table-wrap">
          <table class="field-table">
            <caption class="sr-only">Fields of {d.name}</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">
                  Type <span class="th-sub">SQL · Arrow</span>
                </th>
                <th scope="col">Description</th>
                <th scope="col">Tags &amp; terms</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((f) => {
                const dot = f.name.lastIndexOf('.');
                const parent = f.depth > 0 && dot > 0 ? f.name.slice(0, dot + 1) : '';
                const leaf = parent ? f.name.slice(dot + 1) : f.name;
                const drift = drifted.get(f.name);
                return (
                  <tr key={f.name} id={`field-${f.name}`} class={`field-row depth-${Math.min(f.depth, 6)} ${drift ? 'is-drifted' : ''}`}>
                    <th scope="row" class="field-name" style={{ paddingLeft: `calc(var(--cell-pad) + ${f.depth * 1.25}rem)` }}>
                      {f.depth > 0 && (
                        <span class="nest" aria-hidden="true">
                          ↳
                        </span>
                      )}
                      <code>
                        {parent && <span class="muted">{parent}</span>}
                        {leaf}
                      </code>
                      {!f.nullable && (
                        <span class="badge badge-quiet" title="The field never holds null">
                          not null
                        </span>
                      )}
                      {drift && <span class="drift-tag">{drift}</span>}
                    </th>
                    <td data-label="Type" class="field-type">
                      <span>
                        <code title={f.type}>{f.sqlType}</code>
                        {f.type.toLowerCase() !== f.sqlType.toLowerCase() && f.type.length <= 40 && <span class="muted small type-arrow">{f.type}</span>}
                      </span>
                    </td>
                    <td data-label="Description" class={`field-desc ${f.description ? '' : 'is-empty'}`}>
                      {f.description ? <InlineMarkdown text={f.description} /> : <span class="muted">—</span>}
                    </td>
                    <td data-label="Tags & terms">
                      {f.tags.length + f.terms.length > 0 && (
                        <span class="chip-row">
                          {f.tags.map((t) => (
                            <TagChip key={`t-${t}`} tag={t} />
                          ))}
                          {f.terms.map((t) => (
                            <TermChip key={`g-${t}`} id={t} names={termNames} />
                          ))}
                        </span>
                      )}
                    </td>
                    <td data-label="From" class="field-from">
                      {f.from.length > 0 && (
                        <ul class="from-list">
                          {f.from.map((ref) => {
                            const { dataset, field } = splitRef(ref);
                            return (
                              <li key={ref}>
                                <DatasetLink name={dataset} field={field} />
                              </li>
                            );
                          })}
                        </ul>
                      )}
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
