// Small shared pieces: states (loading, error, empty), chips and links, Markdown.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo } from 'preact/hooks';
import { api, type ApiError, useJson } from '../api';
import { useMarkdown } from '../markdown-lazy';
import { href } from '../router';
import type { Glossary, Stats } from '../types';

export function useTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · MetaFuse` : 'MetaFuse';
  }, [title]);
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function ErrorView({ error, what, onRetry }: { error: ApiError; what?: string; onRetry?: () => void }) {
  // The token prompt (App) says what to do.
  if (error.status === 401) return null;
  if (error.status === 404) {
    return (
      <div class="state state-error" role="alert">
        <h1 class="state-title">Not found</h1>
        <p class="state-message">{error.message}</p>
        <p>
          <a href="/">Back to the catalog home</a> or search for something else.
        </p>
      </div>
    );
  }
  const down = error.status === 0 || error.status >= 500;
  return (
    <div class="state state-error" role="alert">
      <h1 class="state-title">{down ? 'The catalog is not reachable' : 'Something went wrong'}</h1>
      {what && <p>Could not load {what}.</p>}
      <p class="state-message">{error.message}</p>
      <p>
        {onRetry && (
          <button type="button" class="button" onClick={onRetry}>
            Try again
          </button>
        )}{' '}
        <a href="/">Catalog home</a>
      </p>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}

export function Markdown({ text, class: cls }: { text: string; class?: string }) {
  const md = useMarkdown();
  const html = useMemo(() => md?.renderMarkdown(text) ?? null, [text, md]);
  // Until the renderer is there, the text is shown as text.
  if (html === null) return <div class={`markdown is-plain ${cls ?? ''}`}>{text}</div>;
  return <div class={`markdown ${cls ?? ''}`} dangerouslySetInnerHTML={{ __html: html }} />;
}

export function InlineMarkdown({ text }: { text: string }) {
  const md = useMarkdown();
  const html = useMemo(() => md?.renderInline(text) ?? null, [text, md]);
  if (html === null) return <span class="markdown-inline">{text}</span>;
  return <span class="markdown-inline" dangerouslySetInnerHTML={{ __html: html }} />;
}

export function TagChip({ tag }: { tag: string }) {
  return (
    <a class="chip chip-tag" href={href.home({ tag })} title={`Datasets tagged ${tag}`}>
      <span aria-hidden="true">#</span>
      {tag}
    </a>
  );
}

export function TermChip({ id, names }: { id: string; names?: Map<string, string> }) {
  return (
    <a class="chip chip-term" href={href.term(id)} title={`Glossary term ${id}`}>
      {names?.get(id) ?? id}
    </a>
  );
}

export function DomainChip({ domain }: { domain: string | null }) {
  if (!domain) return null;
  return (
    <a class="chip chip-domain" href={href.home({ domain })} title={`Datasets in the ${domain} domain`}>
      {domain}
    </a>
  );
}

export function TenantBadge({ tenant }: { tenant: string }) {
  const def = useDefaultTenant();
  if (def === undefined || tenant === def) return null;
  return (
    <span class="badge badge-tenant" title={`Tenant ${tenant}`}>
      {tenant}
    </span>
  );
}

export function DatasetLink({ name, field }: { name: string; field?: string }) {
  return (
    <a class="dataset-link" href={href.dataset(name, field)}>
      {field ? (
        <>
          {name}
          <span class="muted">.</span>
          {field}
        </>
      ) : (
        name
      )}
    </a>
  );
}

export function useStats() {
  return useJson<Stats>(api.stats(), true);
}

/** The catalog's default tenant (bare names refer to it), from /api/v1/stats. */
export function useDefaultTenant(): string | undefined {
  const s = useStats();
  return s.state === 'ok' ? s.data.defaultTenant : undefined;
}

/** Glossary term id → display name, for links that only carry ids. */
export function useTermNames(): Map<string, string> {
  const g = useJson<Glossary>(api.glossary(), true);
  return useMemo(() => new Map((g.data?.terms ?? []).map((t) => [t.id, t.name])), [g.data]);
}

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}
