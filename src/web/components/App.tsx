// The page shell: skip link, header with navigation and search, the routed
// page, footer; "/" focuses search from anywhere.
import { useEffect, useRef } from 'preact/hooks';
import { useApiState } from '../api';
import { type Route, useRoute } from '../router';
import { DatasetPage } from './DatasetPage';
import { GlossaryIndex, TermPage } from './GlossaryPages';
import { Home } from './Home';
import { LineagePage } from './LineagePage';
import { SearchBox } from './SearchBox';
import { TokenPrompt } from './TokenPrompt';
import { formatTime, useStats, useTitle } from './ui';

export function App() {
  const route = useRoute();
  const auth = useApiState();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const key = routeKey(route);

  // After client-side navigation, move focus to the new content (screen readers
  // start reading there); the home page focuses its search box instead.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (route.page !== 'home') main.current?.focus({ preventScroll: true });
  }, [key]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      const input = [...document.querySelectorAll<HTMLInputElement>('[data-search-input]')].find((el) => el.offsetParent !== null);
      if (input) {
        e.preventDefault();
        input.focus();
        input.select();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <div class="container header-inner">
          <a class="brand" href="/" aria-label="MetaFuse catalog home">
            <svg class="brand-mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <circle cx="5" cy="6" r="2.6" />
              <circle cx="5" cy="18" r="2.6" />
              <circle cx="18" cy="12" r="3.2" />
              <path d="M7.3 7.2 15 11M7.3 16.8 15 13" stroke-width="2" stroke-linecap="round" fill="none" />
            </svg>
            <span class="brand-name">MetaFuse</span>
            <CatalogName />
          </a>
          <nav class="site-nav" aria-label="Main">
            <a href="/" aria-current={route.page === 'home' ? 'page' : undefined}>
              Datasets
            </a>
            <a href="/glossary" aria-current={route.page === 'glossary' || route.page === 'term' ? 'page' : undefined}>
              Glossary
            </a>
          </nav>
          {route.page !== 'home' && (
            <div class="header-search">
              <SearchBox variant="header" />
            </div>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} class="container main">
        {auth.needsToken && <TokenPrompt rejected={auth.tokenRejected} />}
        <Page key={key} route={route} />
      </main>
      <Footer version={auth.catalogVersion} />
    </>
  );
}

function routeKey(r: Route): string {
  switch (r.page) {
    case 'home':
      return 'home';
    case 'dataset':
      return `dataset:${r.name}`;
    case 'lineage':
      return `lineage:${r.name}`;
    case 'glossary':
      return 'glossary';
    case 'term':
      return `term:${r.id}`;
    default:
      return `nf:${r.path}`;
  }
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'home':
      return <Home params={route.params} />;
    case 'dataset':
      return <DatasetPage name={route.name} />;
    case 'lineage':
      return <LineagePage name={route.name} params={route.params} />;
    case 'glossary':
      return <GlossaryIndex />;
    case 'term':
      return <TermPage id={route.id} />;
    default:
      return <NotFound path={route.path} />;
  }
}

function NotFound({ path }: { path: string }) {
  useTitle('Page not found');
  return (
    <div class="state state-error">
      <h1 class="state-title">Page not found</h1>
      <p>
        There is no page at <code>{path}</code>.
      </p>
      <p>
        <a href="/">Go to the catalog home</a>
      </p>
    </div>
  );
}

function CatalogName() {
  const s = useStats();
  if (s.state !== 'ok' || !s.data.catalog) return null;
  return <span class="brand-catalog">{s.data.catalog}</span>;
}

function Footer({ version }: { version: string | null }) {
  const s = useStats();
  return (
    <footer class="site-footer">
      <div class="container footer-inner">
        <span>
          {s.state === 'ok' && (
            <>
              Catalog <strong>{s.data.catalog ?? 'unnamed'}</strong>
              {version !== null && <> · version {version}</>}
              {s.data.builtAt && (
                <>
                  {' '}
                  · built <time dateTime={s.data.builtAt}>{formatTime(s.data.builtAt)}</time>
                </>
              )}
              {s.data.sourceCommit && (
                <>
                  {' '}
                  · commit <code>{s.data.sourceCommit.slice(0, 10)}</code>
                </>
              )}
            </>
          )}
        </span>
        <span class="footer-links">
          <span class="muted footer-kbd">
            Press <kbd>/</kbd> to search
          </span>
          <a href="/api/v1/openapi.json">API</a>
        </span>
      </div>
    </footer>
  );
}
