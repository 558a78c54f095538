// The web page's files, read once into memory. Any path that is not a file is
// answered with index.html so that deep links (/datasets/orders) work; nothing
// outside the web root can be reached.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { HttpError, PAGE_CSP, send } from './http.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  /** Compressed once per encoding, on first request. */
  encoded: Map<string, Buffer>;
}

export class StaticFiles {
  private readonly files = new Map<string, Asset>();

  constructor(readonly root: string) {
    const walk = (dir: string, prefix: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const abs = path.join(dir, e.name);
        if (e.isDirectory()) walk(abs, `${prefix}${e.name}/`);
        else if (e.isFile() && statSync(abs).size < 20 * 1024 * 1024) {
          this.files.set(`/${prefix}${e.name}`, { body: readFileSync(abs), type: TYPES[path.extname(e.name)] ?? 'application/octet-stream', encoded: new Map() });
        }
      }
    };
    walk(root, '');
    if (!this.files.has('/index.html')) throw new Error(`the web page is not built: ${root}/index.html is missing (run npm run build:web)`);
  }

  serve(req: IncomingMessage, res: ServerResponse, urlPath: string): void {
    let p: string;
    try {
      p = decodeURIComponent(urlPath);
    } catch {
      throw new HttpError(400, 'invalid-path', 'the path is not valid percent-encoding');
    }
    // Only exact names of files read at start-up are served: "..", encoded slashes and the like match nothing.
    const asset = this.files.get(p);
    if (asset) {
      const immutable = p.startsWith('/assets/');
      // The policy goes on every file, not only HTML: an SVG opened directly is a document that can run script.
      send(req, res, 200, asset.body, {
        'Content-Type': asset.type,
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'Content-Security-Policy': PAGE_CSP,
      }, asset.encoded);
      return;
    }
    if (path.extname(p) !== '' && !p.startsWith('/datasets/') && !p.startsWith('/glossary/') && !p.startsWith('/lineage/')) {
      throw new HttpError(404, 'not-found', `no file ${p}`);
    }
    const index = this.files.get('/index.html')!;
    send(req, res, 200, index.body, { 'Content-Type': index.type, 'Cache-Control': 'no-cache', 'Content-Security-Policy': PAGE_CSP }, index.encoded);
  }
}
