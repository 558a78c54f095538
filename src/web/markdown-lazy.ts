// markdown-it is most of the page's script: it is loaded after the first paint
// (and on demand), so the home page and search start without it.
import { useEffect, useState } from 'preact/hooks';

type MarkdownModule = typeof import('./markdown');

let loaded: MarkdownModule | null = null;
let loading: Promise<MarkdownModule> | null = null;

export function loadMarkdown(): Promise<MarkdownModule> {
  loading ??= import('./markdown').then((m) => (loaded = m));
  return loading;
}

/** The Markdown renderer, or null for the moment it takes to load. */
export function useMarkdown(): MarkdownModule | null {
  const [m, setM] = useState<MarkdownModule | null>(loaded);
  useEffect(() => {
    if (m) return;
    let live = true;
    loadMarkdown().then((x) => live && setM(x), () => {});
    return () => {
      live = false;
    };
  }, []);
  return m;
}
