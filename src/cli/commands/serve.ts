import { CatalogError } from '../../catalog/open.js';
import { startServer } from '../../server/index.js';
import { StoreError } from '../../store/types.js';
import { CommandError, EXIT, intOption, stringOption, type Command } from '../command.js';
import { catalogLocation } from '../catalog-arg.js';
import { paint } from '../io.js';

export const serveCommand: Command = {
  usage: 'metafuse serve [--catalog FILE|URL] [--port N] [--host H] [--poll SECONDS] [--cors ORIGINS] [--token T]',
  help: `Serves the web page at / and the read-only REST API under /api/v1
(description: /api/v1/openapi.json). A store URL is pulled first and re-pulled
every --poll seconds with a conditional GET; a new version is swapped in while
requests in flight finish on the old one. A local file is re-opened when it changes.

Options:
  --catalog FILE|URL  the catalog (default: $METAFUSE_CATALOG, else catalog.db)
  --port N            port (default 8080; 0 picks a free one)
  --host H            address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --poll SECONDS      how often to look for a new catalog (default 60 for URLs, 2 for files; 0 = never)
  --cors ORIGINS      comma-separated origins allowed to call the API from a browser, or *
  --token T           require "Authorization: Bearer T" for the API (default: $METAFUSE_API_TOKEN)
  --quiet             no access log

Stops gracefully on SIGTERM or Ctrl-C.`,
  options: {
    catalog: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    poll: { type: 'string' },
    cors: { type: 'string' },
    token: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  positionals: [0, 0],
  async run(args, io) {
    const location = catalogLocation(args);
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('file://');
    const port = intOption(args, 'port', 8080, 0, 65535);
    const pollSeconds = intOption(args, 'poll', isUrl ? 60 : 2, 0, 86_400);
    const token = stringOption(args, 'token') ?? process.env.METAFUSE_API_TOKEN ?? undefined;
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    let running;
    try {
      running = await startServer({
        location,
        port,
        host,
        pollSeconds,
        corsOrigins: (stringOption(args, 'cors') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        token: token || undefined,
        log: (line) => io.err(`${line}\n`),
        accessLog: args.values.quiet !== true,
      });
    } catch (e) {
      if (e instanceof CatalogError || e instanceof StoreError) throw new CommandError(e.message);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CommandError(`port ${port} is in use; choose another with --port`);
      if (code === 'EACCES') throw new CommandError(`not allowed to listen on port ${port}; use a port above 1023`);
      if (code === 'EADDRNOTAVAIL') throw new CommandError(`--host ${host} is not an address of this machine; use 127.0.0.1 (this machine only) or 0.0.0.0 (every network interface)`);
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new CommandError(`--host ${host}: no such host name (${code})`);
      throw e;
    }
    io.err(`${paint(io, 'green', 'serving')} ${location} (version ${running.version}) at ${paint(io, 'bold', running.url)}  —  API: ${running.url}api/v1/  (Ctrl-C stops)\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        io.err('shutting down\n');
        void running.close().then(resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return EXIT.ok;
  },
};
