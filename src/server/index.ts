// Starts `metafuse serve`: the catalog source, the HTTP server, graceful shutdown.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { CatalogSource } from './catalog-source.js';

/** The built web page: lib/web next to lib/server. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));

export interface ServeOptions {
  location: string;
  port: number;
  host: string;
  pollSeconds: number;
  corsOrigins: string[];
  token?: string;
  webRoot?: string;
  log: (line: string) => void;
  /** Log one line per request. */
  accessLog: boolean;
}

export interface RunningServer {
  url: string;
  version: number;
  close(): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const source = new CatalogSource({
    location: o.location,
    pollSeconds: o.pollSeconds,
    onSwap: (v) => o.log(`catalog updated: version ${v}`),
    onError: (m) => o.log(`catalog refresh failed (still serving the previous one): ${m}`),
  });
  await source.start();
  const webRoot = o.webRoot ?? (existsSync(`${DEFAULT_WEB_ROOT}index.html`) ? DEFAULT_WEB_ROOT : undefined);
  if (!webRoot) o.log('the web page is not built (npm run build:web); serving the API only');
  const server = createApp({ source, cors: { origins: o.corsOrigins }, token: o.token, webRoot, log: o.accessLog ? o.log : undefined });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/`,
    version: source.version ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        // Finish requests in flight, then release the catalog. A keep-alive connection
        // whose request finishes after this point would otherwise stay open for
        // keepAliveTimeout: close connections as soon as they fall idle.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearInterval(sweep);
          source.close();
          resolve();
        });
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      }),
  };
}
