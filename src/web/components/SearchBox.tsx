// Search as you type: debounced requests, stale ones aborted, results ranked by
// the server. A combobox: ↑/↓ move, Enter opens, Esc clears; "/" focuses it
// from anywhere (see App).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, getJson } from '../api';
import { summary } from '../text';
import { href, navigate } from '../router';
import type { SearchResult, SearchResults } from '../types';
import { TenantBadge } from './ui';

const DEBOUNCE_MS = 120;

type State =
  | { kind: 'idle' }
  | { kind: 'loading'; query: string; previous: SearchResult[] }
  | { kind: 'done'; query: string; results: SearchResult[] }
  | { kind: 'error'; query: string; message: string };

export function SearchBox({ variant, initialQuery = '', autoFocus = false }: { variant: 'hero' | 'header'; initialQuery?: string; autoFocus?: boolean }) {
  const [query, setQuery] = useState(initialQuery);
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(variant === 'hero');
  const inputRef = useRef<HTMLInputElement>(null);
  // Enter pressed before the results of the current query arrived.
  const openOnArrival = useRef(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const id = `search-${variant}`;

  // Back/forward to another ?q= changes the initial query.
  useEffect(() => setQuery(initialQuery), [initialQuery]);

  useEffect(() => {
    if (autoFocus) inputRef.current?.focus();
  }, [autoFocus]);

  useEffect(() => {
    const q = query.trim();
    if (variant === 'hero') {
      // Keep the URL shareable without adding a history entry per keystroke.
      const url = new URL(location.href);
      if (q) url.searchParams.set('q', query);
      else url.searchParams.delete('q');
      if (url.href !== location.href) history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    }
    if (!q) {
      setState({ kind: 'idle' });
      setActive(-1);
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ kind: 'loading', query: q, previous: s.kind === 'done' ? s.results : s.kind === 'loading' ? s.previous : [] }));
    const timer = setTimeout(() => {
      getJson<SearchResults>(api.search(q, variant === 'hero' ? 20 : 8), ctl.signal).then(
        (r) => {
          if (ctl.signal.aborted) return;
          setState({ kind: 'done', query: q, results: r.results });
          setActive(-1);
          if (openOnArrival.current) {
            openOnArrival.current = false;
            if (r.results[0]) openResult(r.results[0]);
          }
        },
        (e: unknown) => {
          if (ctl.signal.aborted) return;
          setState({ kind: 'error', query: q, message: e instanceof ApiError ? e.message : String(e) });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [query, variant]);

  // The header variant closes when focus leaves it.
  useEffect(() => {
    if (variant !== 'header') return;
    const onDown = (e: MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [variant]);

  const results = state.kind === 'done' ? state.results : state.kind === 'loading' ? state.previous : [];
  const showList = open && query.trim() !== '';

  function openResult(r: SearchResult) {
    if (variant === 'header') {
      setOpen(false);
      setQuery('');
    }
    navigate(href.dataset(r.name));
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      if (results.length) setActive((a) => (a + 1) % results.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      if (results.length) setActive((a) => (a <= 0 ? results.length - 1 : a - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      // Results for an older query (the newest is still on its way) are not what Enter means.
      const current = state.kind === 'done' && state.query === query.trim();
      if (!current && query.trim() && state.kind !== 'error' && active < 0) {
        openOnArrival.current = true;
        return;
      }
      const r = results[active >= 0 ? active : 0];
      if (r && state.kind === 'done') openResult(r);
      else if (variant === 'header' && query.trim()) navigate(href.home({ q: query.trim() }));
    } else if (e.key === 'Escape') {
      openOnArrival.current = false;
      if (query) {
        e.preventDefault();
        setQuery('');
      } else if (variant === 'header') {
        inputRef.current?.blur();
      }
      setOpen(variant === 'hero');
    }
  }

  // Keep the active option visible.
  useEffect(() => {
    if (active < 0) return;
    document.getElementById(`${id}-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, id]);

  const status =
    state.kind === 'idle'
      ? ''
      : state.kind === 'loading'
        ? 'Searching…'
        : state.kind === 'error'
          ? `Search failed: ${state.message}`
          : state.results.length === 0
            ? `No results for “${state.query}”`
            : `${state.results.length === 1 ? '1 result' : `${state.results.length}${state.results.length >= (variant === 'hero' ? 20 : 8) ? '+' : ''} results`} for “${state.query}”`;

  return (
    <div class={`search search-${variant}`} ref={rootRef}>
      <form
        role="search"
        class="search-form"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <label for={`${id}-input`} class={variant === 'hero' ? 'search-label' : 'sr-only'}>
          Search datasets
        </label>
        <div class="search-field">
          <svg class="search-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
            <path d="M8.5 3a5.5 5.5 0 1 0 3.4 9.83l3.63 3.64a.75.75 0 1 0 1.06-1.06l-3.63-3.64A5.5 5.5 0 0 0 8.5 3Zm-4 5.5a4 4 0 1 1 8 0 4 4 0 0 1-8 0Z" />
          </svg>
          <input
            ref={inputRef}
            id={`${id}-input`}
            data-search-input
            class="search-input"
            type="text"
            role="combobox"
            inputMode="search"
            enterKeyHint="search"
            autocomplete="off"
            spellcheck={false}
            placeholder={variant === 'hero' ? 'Search datasets, fields, tags, terms…' : 'Search…'}
            aria-autocomplete="list"
            aria-expanded={showList && results.length > 0}
            aria-controls={`${id}-listbox`}
            aria-activedescendant={active >= 0 && showList ? `${id}-opt-${active}` : undefined}
            aria-describedby={`${id}-hint`}
            value={query}
            onInput={(e) => {
              openOnArrival.current = false;
              setQuery((e.currentTarget as HTMLInputElement).value);
              setOpen(true);
            }}
            onFocus={() => setOpen(true)}
            onKeyDown={onKeyDown}
          />
          <kbd class="search-kbd" aria-hidden="true">
            /
          </kbd>
        </div>
        <p id={`${id}-hint`} class={variant === 'hero' ? 'search-hint' : 'sr-only'}>
          Words, <code>"exact phrases"</code> and <code>prefix*</code>. Use ↑ ↓ to move, Enter to open, Esc to clear.
        </p>
      </form>
      <p class={`search-status ${variant === 'header' && !showList ? 'sr-only' : ''}`} aria-live="polite" id={`${id}-status`}>
        {showList || variant === 'hero' ? status : ''}
      </p>
      {showList && results.length > 0 && (
        <ul id={`${id}-listbox`} role="listbox" aria-label="Search results" class={`results ${state.kind === 'loading' ? 'is-stale' : ''}`}>
          {results.map((r, i) => (
            <li
              key={`${r.tenant}/${r.name}`}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              class={`result ${i === active ? 'is-active' : ''}`}
              onMouseMove={() => setActive(i)}
            >
              <a
                href={href.dataset(r.name)}
                tabIndex={-1}
                class="result-link"
                onClick={(e) => {
                  if (e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey) {
                    e.preventDefault();
                    openResult(r);
                  }
                }}
              >
                <span class="result-head">
                  <span class="result-name">{r.name}</span>
                  <TenantBadge tenant={r.tenant} />
                  {r.domain && <span class="chip chip-domain chip-static">{r.domain}</span>}
                  {r.owner && <span class="result-owner">{r.owner}</span>}
                  {r.tags.slice(0, 4).map((t) => (
                    <span key={t} class="chip chip-static">
                      #{t}
                    </span>
                  ))}
                </span>
                {variant === 'hero' && r.description && <span class="result-desc">{summary(r.description, 200)}</span>}
                {r.matched.length > 0 && (
                  <span class="result-matched">
                    matched: {r.matched.join(', ')}
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
      )}
      {showList && state.kind === 'done' && results.length === 0 && (
        <div class="results-empty">
          <p>
            No datasets match <strong>“{state.query}”</strong>.
          </p>
          <p class="muted">Try fewer words or a prefix such as <code>cust*</code>{variant === 'hero' ? ', or browse by domain below' : ''}.</p>
        </div>
      )}
    </div>
  );
}
