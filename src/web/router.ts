// Client-side routing with the History API: every page has a real URL that the
// server answers with index.html, so deep links, reloads and back/forward work.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'home'; params: URLSearchParams }
  | { page: 'dataset'; name: string }
  | { page: 'lineage'; name: string; params: URLSearchParams }
  | { page: 'glossary' }
  | { page: 'term'; id: string }
  | { page: 'not-found'; path: string };

function decodePath(rest: string): string | null {
  try {
    return rest
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    return null;
  }
}

export function parseRoute(loc: { pathname: string; search: string }): Route {
  const p = loc.pathname.replace(/\/+$/, '') || '/';
  const params = new URLSearchParams(loc.search);
  if (p === '/') return { page: 'home', params };
  if (p === '/glossary') return { page: 'glossary' };
  let m = /^\/datasets\/(.+)$/.exec(p);
  if (m) {
    const name = decodePath(m[1]!);
    if (name) return { page: 'dataset', name };
  }
  m = /^\/lineage\/(.+)$/.exec(p);
  if (m) {
    const name = decodePath(m[1]!);
    if (name) return { page: 'lineage', name, params };
  }
  m = /^\/glossary\/(.+)$/.exec(p);
  if (m) {
    const id = decodePath(m[1]!);
    if (id) return { page: 'term', id };
  }
  return { page: 'not-found', path: loc.pathname };
}

/** A dataset name as a path: tenant/name keeps its slash, everything else is encoded. */
export function namePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

export const href = {
  home: (params?: Record<string, string | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params ?? {})) if (v) q.set(k, v);
    const s = q.toString();
    return s ? `/?${s}` : '/';
  },
  dataset: (name: string, field?: string) => `/datasets/${namePath(name)}${field ? `#field-${encodeURIComponent(field)}` : ''}`,
  lineage: (name: string, o: { direction?: string; depth?: string; columns?: boolean } = {}) => {
    const q = new URLSearchParams({ direction: o.direction ?? 'both', depth: o.depth ?? '2', columns: o.columns ? '1' : '0' });
    return `/lineage/${namePath(name)}?${q.toString()}`;
  },
  glossary: () => '/glossary',
  term: (id: string) => `/glossary/${encodeURIComponent(id)}`,
};

// ----------------------------------------------------------------- navigation

type Listener = () => void;
const listeners = new Set<Listener>();
let navCount = 0;
/** Whether the last location change came from back/forward. */
let lastWasPop = false;

function notify(): void {
  navCount++;
  for (const l of [...listeners]) l();
}

function saveScroll(): void {
  const state: unknown = history.state;
  const base = typeof state === 'object' && state !== null ? state : {};
  history.replaceState({ ...base, scrollY: window.scrollY }, '');
}

export function navigate(url: string, o: { replace?: boolean } = {}): void {
  const target = new URL(url, location.href);
  const same = target.pathname === location.pathname && target.search === location.search;
  if (o.replace) {
    history.replaceState({ scrollY: 0 }, '', target.pathname + target.search + target.hash);
  } else {
    saveScroll();
    history.pushState({ scrollY: 0 }, '', target.pathname + target.search + target.hash);
  }
  lastWasPop = false;
  if (same && target.hash) {
    scrollToHash();
    return;
  }
  notify();
  if (!o.replace) window.scrollTo(0, 0);
}

export function wasPopNavigation(): boolean {
  return lastWasPop;
}

/** After a page has its data: back/forward restores the scroll position; a #hash scrolls to its element. */
export function restoreScroll(): void {
  requestAnimationFrame(() => {
    if (location.hash) {
      scrollToHash();
      return;
    }
    if (lastWasPop) {
      const state: unknown = history.state;
      const y = typeof state === 'object' && state !== null && 'scrollY' in state ? Number((state as { scrollY: unknown }).scrollY) : 0;
      window.scrollTo(0, Number.isFinite(y) ? y : 0);
    }
  });
}

function scrollToHash(): void {
  let id: string;
  try {
    id = decodeURIComponent(location.hash.slice(1));
  } catch {
    return;
  }
  const el = document.getElementById(id);
  if (el) {
    el.scrollIntoView({ block: el.tagName === 'TR' ? 'center' : 'start' });
    el.classList.remove('flash');
    void el.offsetWidth;
    el.classList.add('flash');
  }
}

export function startRouter(): void {
  history.scrollRestoration = 'manual';
  window.addEventListener('popstate', () => {
    lastWasPop = true;
    notify();
  });
  window.addEventListener('beforeunload', saveScroll);
  // Same-origin links are handled here, so pages use plain <a href>.
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || !(a instanceof HTMLAnchorElement)) return;
    if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
    if (a.pathname.startsWith('/api/') || a.pathname === '/health') return;
    // A #hash on this very page (the skip link, a field of this dataset): the browser moves focus there itself.
    if (a.hash && a.pathname === location.pathname && a.search === location.search) return;
    e.preventDefault();
    navigate(a.pathname + a.search + a.hash);
  });
}

export function useRoute(): Route {
  const [, setN] = useState(navCount);
  useEffect(() => {
    const l = () => setN(navCount);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return parseRoute(location);
}
