// `metafuse serve`: the read-only REST API and the web page. Handlers call the
// same queries as the CLI (src/catalog/queries.ts); this file only routes,
// validates parameters and shapes HTTP responses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Catalog } from '../catalog/open.js';
import { glossary, glossaryTerm, lineage, listDatasets, MAX_LINEAGE_DEPTH, NotFoundError, searchDatasets, showDataset, stats, type Direction } from '../catalog/queries.js';
import type { CatalogSource } from './catalog-source.js';
import { corsHeaders, etagOf, HttpError, JSON_HEADERS, send, sendError, sendJson, tokenMatches, type CorsOptions } from './http.js';
import { openApiDocument } from './openapi.js';
import { ResponseCache, type ResponseCacheOptions } from './response-cache.js';
import { StaticFiles } from './static.js';

export interface AppOptions {
  source: CatalogSource;
  cors?: CorsOptions;
  /** Bearer token required for everything but /health and the page's static files. */
  token?: string;
  /** Folder of the built web page; absent = API only. */
  webRoot?: string;
  log?: (line: string) => void;
  /** Limits of the in-memory cache of API answers ({maxEntries: 0} turns it off). */
  cache?: ResponseCacheOptions;
}

const MAX_URL_LENGTH = 4096;
/** No request needs a body; a small one is ignored, a larger one is refused unread. */
export const MAX_BODY_BYTES = 16 * 1024;
const API = '/api/v1';

type Handler = (cat: Catalog, q: URLSearchParams, params: string[]) => unknown;

const ROUTES: Array<[RegExp, Handler]> = [
  [/^\/datasets$/, (cat, q) => {
    const limit = intParam(q, 'limit', 50, 1, 1000);
    const offset = intParam(q, 'offset', 0, 0, 1_000_000_000);
    const filters = { tenant: str(q, 'tenant'), domain: str(q, 'domain'), tag: str(q, 'tag'), owner: str(q, 'owner'), term: str(q, 'term') };
    const r = listDatasets(cat, { ...filters, limit, offset });
    return { total: r.total, limit, offset, datasets: r.datasets };
  }],
  [/^\/datasets\/(.+)$/, (cat, _q, [name]) => showDataset(cat, name!)],
  [/^\/search$/, (cat, q) => {
    const query = q.get('q');
    if (query === null) throw new HttpError(400, 'missing-parameter', 'the query parameter q is required');
    return searchDatasets(cat, query, intParam(q, 'limit', 20, 1, 1000));
  }],
  [/^\/lineage\/(.+)$/, (cat, q, [name]) => {
    const direction = (str(q, 'direction') ?? 'both') as Direction;
    if (!['up', 'down', 'both'].includes(direction)) throw new HttpError(400, 'invalid-parameter', 'direction must be up, down or both');
    const columns = str(q, 'columns');
    if (columns !== undefined && !['true', 'false', '1', '0'].includes(columns)) throw new HttpError(400, 'invalid-parameter', 'columns must be true or false');
    return lineage(cat, name!, direction, intParam(q, 'depth', MAX_LINEAGE_DEPTH, 0, MAX_LINEAGE_DEPTH), columns === 'true' || columns === '1');
  }],
  [/^\/glossary$/, (cat) => glossary(cat)],
  [/^\/glossary\/(.+)$/, (cat, _q, [id]) => glossaryTerm(cat, id!)],
  [/^\/stats$/, (cat) => stats(cat)],
];

function str(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === '') return fallback;
  if (!/^[0-9]{1,10}$/.test(v) || Number(v) < min || Number(v) > max) throw new HttpError(400, 'invalid-parameter', `${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

function decodeName(raw: string): string {
  try {
    // Accept both tenant%2Fname and tenant/name.
    return raw.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new HttpError(400, 'invalid-path', 'the name in the path is not valid percent-encoding');
  }
}

export function createApp(o: AppOptions): Server {
  const cors = o.cors ?? { origins: [] };
  const staticFiles = o.webRoot ? new StaticFiles(o.webRoot) : undefined;
  const cache = new ResponseCache(o.cache);
  // Node checks headersTimeout and requestTimeout only every connectionsCheckingInterval
  // (30 s by default), which let a client that trickles its headers hold a connection
  // for up to 40 s; checking every second enforces the limits below to within a second.
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      o.log?.(`${req.method} ${(req.url ?? '').slice(0, 200)} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    // A body of unknown length (chunked) or over the limit is never read: the answer
    // closes the connection instead of draining whatever the client keeps sending.
    if (req.headers['transfer-encoding'] !== undefined || declaredBody(req) > MAX_BODY_BYTES) res.setHeader('Connection', 'close');
    try {
      handle(req, res);
    } catch (e) {
      const err = e instanceof HttpError ? e : e instanceof NotFoundError ? new HttpError(404, 'not-found', e.message) : internal(e, o);
      sendError(req, res, err, corsHeaders(req, cors));
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL_LENGTH) throw new HttpError(414, 'uri-too-long', `the URL is longer than ${MAX_URL_LENGTH} characters`);
    const ch = corsHeaders(req, cors);
    if (req.method === 'OPTIONS' && ch['Access-Control-Allow-Origin']) {
      res.writeHead(204, ch);
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, 'method-not-allowed', 'only GET and HEAD are allowed: the API is read-only', { Allow: 'GET, HEAD' });
    }
    if (declaredBody(req) > MAX_BODY_BYTES) throw new HttpError(413, 'payload-too-large', `requests have no body; one of more than ${MAX_BODY_BYTES} bytes is refused`);
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://localhost');
    } catch {
      throw new HttpError(400, 'invalid-url', 'the URL cannot be parsed');
    }
    const path = url.pathname;
    if (path === '/health' || path === '/health/ready') {
      const version = o.source.version;
      const ready = version !== undefined;
      sendJson(req, res, ready || path === '/health' ? 200 : 503, { status: ready ? 'ok' : 'starting', catalogVersion: version ?? null }, { 'Cache-Control': 'no-store', ...ch });
      return;
    }
    if (path === API || path.startsWith(`${API}/`)) {
      if (o.token && !tokenMatches(req.headers.authorization, o.token)) {
        throw new HttpError(401, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)', { 'WWW-Authenticate': 'Bearer' });
      }
      const rest = path.slice(API.length);
      if (rest === '/openapi.json') {
        sendJson(req, res, 200, openApiDocument(), { 'Cache-Control': 'no-cache', ...ch });
        return;
      }
      for (const [re, handler] of ROUTES) {
        const m = re.exec(rest);
        if (!m) continue;
        const params = m.slice(1).map(decodeName);
        const key = `${rest}${url.search}`;
        const catalogId = o.source.id ?? '';
        let answer = cache.get(catalogId, key);
        if (!answer) {
          answer = o.source.use((cat) => {
            const body = Buffer.from(JSON.stringify(handler(cat, url.searchParams, params)));
            return { body, etag: etagOf(body), version: cat.meta.version, encoded: new Map<string, Buffer>() };
          });
          cache.set(catalogId, key, answer);
        }
        send(req, res, 200, answer.body, { ...JSON_HEADERS, 'Cache-Control': 'no-cache', 'X-Catalog-Version': String(answer.version), ETag: answer.etag, ...ch }, answer.encoded);
        return;
      }
      throw new HttpError(404, 'not-found', `no API endpoint ${path}; see ${API}/openapi.json`);
    }
    // Other API versions and typos under /api are JSON 404s, never the page's index.html.
    if (path === '/api' || path.startsWith('/api/')) throw new HttpError(404, 'not-found', `no API endpoint ${path}; see ${API}/openapi.json`);
    if (staticFiles) {
      staticFiles.serve(req, res, path);
      return;
    }
    throw new HttpError(404, 'not-found', 'this server has no web page; the API is under /api/v1');
  }

  // Slow clients must not hold connections forever. headersTimeout and requestTimeout
  // start with the first byte of a request; a connection on which nothing at all
  // happens (connect and send nothing, or never read the response) is closed after
  // `timeout` of inactivity.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.timeout = 30_000;
  return server;
}

/** The Content-Length a request declares (0 without one; Node rejects malformed values). */
function declaredBody(req: IncomingMessage): number {
  const v = req.headers['content-length'];
  return v === undefined ? 0 : Number(v);
}

function internal(e: unknown, o: AppOptions): HttpError {
  o.log?.(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return new HttpError(500, 'internal', 'internal error; the server log has the details');
}
