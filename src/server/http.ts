// HTTP plumbing for `metafuse serve`: JSON and error responses, conditional
// requests, compression, CORS, bearer tokens and security headers.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The one inline style the page needs: the lineage graph library (cytoscape)
 * inserts this <style> element; everything else comes from /assets/. The web
 * tests in Chromium fail on any CSP violation, so a library upgrade that changes
 * the text shows up there.
 */
export const CYTOSCAPE_STYLE = '.__________cytoscape_container { position: relative; }';

/**
 * The page loads nothing from elsewhere, runs no inline script and applies no
 * inline style but the hashed one above (style attributes set from script via
 * CSSOM are not inline styles for CSP).
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  `style-src 'self' 'sha256-${createHash('sha256').update(CYTOSCAPE_STYLE).digest('base64')}'`,
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

const COMPRESS_MIN_BYTES = 1024;

/**
 * Sends a body with ETag/304 handling and gzip or brotli when the client asks.
 * `encoded` keeps compressed bodies by encoding for the next request of the same body.
 */
export function send(req: IncomingMessage, res: ServerResponse, status: number, body: Buffer, headers: Record<string, string>, encoded?: Map<string, Buffer>): void {
  const etag = headers.ETag ?? etagOf(body);
  const all: Record<string, string> = { ...SECURITY_HEADERS, ...headers, ETag: etag, Vary: mergeVary(headers.Vary) };
  if (status === 200 && ifNoneMatch(req, etag)) {
    res.writeHead(304, withoutBodyHeaders(all));
    res.end();
    return;
  }
  let payload = body;
  const accept = String(req.headers['accept-encoding'] ?? '');
  if (body.length >= COMPRESS_MIN_BYTES && !all['Content-Encoding']) {
    const encoding = /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : undefined;
    if (encoding) {
      let compressed = encoded?.get(encoding);
      if (!compressed) {
        compressed =
          encoding === 'br'
            ? brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length } })
            : gzipSync(body, { level: 6 });
        encoded?.set(encoding, compressed);
      }
      payload = compressed;
      all['Content-Encoding'] = encoding;
    }
  }
  all['Content-Length'] = String(payload.length);
  res.writeHead(status, all);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

function mergeVary(v: string | undefined): string {
  return v ? `${v}, Accept-Encoding` : 'Accept-Encoding';
}

function withoutBodyHeaders(h: Record<string, string>): Record<string, string> {
  const out = { ...h };
  delete out['Content-Type'];
  delete out['Content-Length'];
  return out;
}

function ifNoneMatch(req: IncomingMessage, etag: string): boolean {
  const v = req.headers['if-none-match'];
  if (!v) return false;
  const weak = (s: string) => s.trim().replace(/^W\//, '');
  return v.split(',').some((t) => t.trim() === '*' || weak(t) === weak(etag));
}

export const JSON_HEADERS: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Security-Policy': API_CSP };

export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(req, res, status, Buffer.from(JSON.stringify(value)), { ...JSON_HEADERS, ...headers });
}

/** The ETag of a body: its SHA-1, quoted. */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

export function sendError(req: IncomingMessage, res: ServerResponse, e: HttpError, extra: Record<string, string> = {}): void {
  sendJson(req, res, e.status, { error: { code: e.code, message: e.message } }, { 'Cache-Control': 'no-store', ...extra, ...e.headers });
}

/** Constant-time comparison of a bearer token (lengths are compared via their hashes). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = createHash('sha256').update(m[1]!.trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export interface CorsOptions {
  /** Allowed origins; '*' allows any. Empty = no CORS headers. */
  origins: string[];
}

export function corsHeaders(req: IncomingMessage, cors: CorsOptions): Record<string, string> {
  const origin = req.headers.origin;
  if (cors.origins.length === 0) return {};
  const any = cors.origins.includes('*');
  // With a list of origins the answer depends on Origin even when it carries no CORS
  // headers: without Vary a shared cache could hand that answer to an allowed origin.
  if (!origin || (!any && !cors.origins.includes(origin))) return any ? {} : { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': any ? '*' : origin,
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, If-None-Match',
    'Access-Control-Expose-Headers': 'ETag, X-Catalog-Version',
    'Access-Control-Max-Age': '600',
    ...(any ? {} : { Vary: 'Origin' }),
  };
}
