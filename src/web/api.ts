// Talking to the REST API: bearer token (sessionStorage), errors as ApiError,
// aborting stale requests, and a hook that loads JSON for a component.
import { useEffect, useState } from 'preact/hooks';
import type { ApiErrorBody } from './types';

const TOKEN_KEY = 'metafuse.token';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// ----------------------------------------------------------------- a tiny store

type Listener = () => void;
const listeners = new Set<Listener>();
let authEpoch = 0;
let needsToken = false;
let tokenRejected = false;
let catalogVersion: string | null = null;

function emit(): void {
  for (const l of [...listeners]) l();
}

export function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Re-renders the caller when the auth state or the catalog version changes. */
export function useApiState(): { needsToken: boolean; tokenRejected: boolean; authEpoch: number; catalogVersion: string | null } {
  const [, force] = useState(0);
  useEffect(() => subscribe(() => force((n) => n + 1)), []);
  return { needsToken, tokenRejected, authEpoch, catalogVersion };
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Private mode without storage: the token lives until the page is closed.
  }
  memoryToken = token;
  needsToken = false;
  authEpoch++;
  cache.clear();
  emit();
}

let memoryToken: string | null = null;

// ----------------------------------------------------------------- requests

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken() ?? memoryToken;
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { headers, signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The catalog API cannot be reached. Is `metafuse serve` running?');
  }
  const version = res.headers.get('X-Catalog-Version');
  if (version !== null && version !== catalogVersion) {
    if (catalogVersion !== null) cache.clear();
    catalogVersion = version;
    emit();
  }
  if (res.status === 401) {
    tokenRejected = token !== null;
    if (!needsToken) {
      needsToken = true;
      emit();
    }
  }
  if (!res.ok) {
    let code = 'http-error';
    let message = `The server answered ${res.status} ${res.statusText}`.trim();
    try {
      const body = (await res.json()) as ApiErrorBody;
      if (body && typeof body.error?.message === 'string') {
        code = body.error.code;
        message = body.error.message;
      }
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(res.status, code, message);
  }
  return (await res.json()) as T;
}

// Small, short-lived cache for data many pages share (the glossary, the stats).
const cache = new Map<string, { at: number; value: Promise<unknown> }>();
const CACHE_MS = 30_000;

export function getCached<T>(path: string): Promise<T> {
  const hit = cache.get(path);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value as Promise<T>;
  const value = getJson<T>(path);
  cache.set(path, { at: Date.now(), value });
  value.catch(() => cache.delete(path));
  return value;
}

// ----------------------------------------------------------------- paths

const enc = encodeURIComponent;

export const api = {
  datasets: (q: URLSearchParams) => `/api/v1/datasets?${q.toString()}`,
  /** tenant/name goes as tenant%2Fname. */
  dataset: (name: string) => `/api/v1/datasets/${enc(name)}`,
  search: (q: string, limit = 20) => `/api/v1/search?q=${enc(q)}&limit=${limit}`,
  lineage: (name: string, direction: string, depth: number, columns: boolean) =>
    `/api/v1/lineage/${enc(name)}?direction=${enc(direction)}&depth=${depth}&columns=${columns ? 1 : 0}`,
  glossary: () => '/api/v1/glossary',
  term: (id: string) => `/api/v1/glossary/${enc(id)}`,
  stats: () => '/api/v1/stats',
};

// ----------------------------------------------------------------- the hook

export type Load<T> =
  | { state: 'loading'; data?: undefined; error?: undefined }
  | { state: 'ok'; data: T; error?: undefined }
  | { state: 'error'; data?: undefined; error: ApiError };

/** Loads `path` (null = nothing to load); a new path aborts the previous request. */
export function useJson<T>(path: string | null, cached = false): Load<T> & { reload: () => void } {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  const [nonce, setNonce] = useState(0);
  const { authEpoch: epoch } = useApiState();
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setResult((r) => (r.state === 'loading' ? r : { state: 'loading' }));
    (cached ? getCached<T>(path) : getJson<T>(path, ctl.signal)).then(
      (data) => {
        if (!ctl.signal.aborted) setResult({ state: 'ok', data });
      },
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        setResult({ state: 'error', error: e instanceof ApiError ? e : new ApiError(0, 'client', e instanceof Error ? e.message : String(e)) });
      },
    );
    return () => ctl.abort();
  }, [path, nonce, epoch, cached]);
  return { ...result, reload: () => setNonce((n) => n + 1) };
}
