// The --catalog option shared by the read commands: a file path (or file:// URL),
// else $METAFUSE_CATALOG, else ./catalog.db.
import { fileURLToPath } from 'node:url';
import { CatalogError, openCatalog, type Catalog } from '../catalog/open.js';
import { NotFoundError } from '../catalog/queries.js';
import { isStoreUrl, openStoreTarget } from '../store/open.js';
import { CommandError, stringOption, type OptionSpec, type ParsedArgs } from './command.js';
import type { Io } from './io.js';
import { pullWithProgress } from './progress.js';
import { withStoreErrors } from './store-errors.js';

export const DEFAULT_CATALOG = 'catalog.db';

export const CATALOG_OPTIONS: OptionSpec = {
  catalog: { type: 'string' },
  json: { type: 'boolean' },
};

export const CATALOG_HELP = `  --catalog FILE    catalog file or store URL, pulled into the cache first
                    (default: $METAFUSE_CATALOG, else ${DEFAULT_CATALOG})
  --json            print JSON instead of a table`;

export function catalogLocation(args: ParsedArgs): string {
  return stringOption(args, 'catalog') ?? (process.env.METAFUSE_CATALOG || DEFAULT_CATALOG);
}

/** Opens --catalog; a store URL is pulled first (with a progress line on a terminal unless the output is JSON). */
export async function openCatalogArg(args: ParsedArgs, io: Io): Promise<Catalog> {
  const loc = catalogLocation(args);
  let file = loc;
  if (loc.startsWith('file://')) file = fileURLToPath(loc);
  else if (isStoreUrl(loc)) {
    const quiet = args.values.json === true || args.values.format === 'json';
    file = (await withStoreErrors(async () => pullWithProgress(io, await openStoreTarget(loc), { quiet }))).path;
  }
  try {
    return openCatalog(file);
  } catch (e) {
    if (e instanceof CatalogError) throw new CommandError(e.message);
    throw e;
  }
}

/**
 * Runs fn with the catalog open, closing it afterwards; turns NotFoundError into exit 1 with its message.
 * Pulling a store URL shows progress on the command's terminal.
 */
export async function withCatalog<T>(args: ParsedArgs, io: Io, fn: (cat: Catalog) => T | Promise<T>): Promise<T> {
  const cat = await openCatalogArg(args, io);
  try {
    return await fn(cat);
  } catch (e) {
    if (e instanceof NotFoundError) throw new CommandError(e.message);
    throw e;
  } finally {
    cat.close();
  }
}
