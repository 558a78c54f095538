import { statSync } from 'node:fs';
import path from 'node:path';
import { CatalogWriteError, compileCatalog } from '../../catalog/compile.js';
import { prepareWriter } from '../../db/writer.js';
import { makeDirs } from '../../files/durable.js';
import { provenance } from '../../git/git.js';
import { openDiskCache } from '../../spec/disk-cache.js';
import { loadSpecs } from '../../spec/index.js';
import { formatText, summaryLine } from '../../spec/report.js';
import { CommandError, EXIT, stringOption, type Command } from '../command.js';
import { DEFAULT_CATALOG } from '../catalog-arg.js';
import { paint } from '../io.js';
import { DEFAULT_SPECS, incremental } from './validate.js';

export const buildCommand: Command = {
  usage: 'metafuse build [--specs DIR] [--out FILE]',
  help: `Options:
  --specs DIR   specs directory (default: ${DEFAULT_SPECS})
  --out FILE    catalog file to write (default: ${DEFAULT_CATALOG})
  --incremental keep parsed specs in DIR/.metafuse/ and reuse them for unchanged
                files (also METAFUSE_INCREMENTAL=1)

The file is written beside the target and renamed into place: an interrupted
build never leaves a partial catalog. Nothing is written when the specs have
errors (exit 1). built_at comes from SOURCE_DATE_EPOCH or the commit time of
HEAD, so the same specs give the same bytes.`,
  options: { specs: { type: 'string' }, out: { type: 'string' }, incremental: { type: 'boolean' } },
  positionals: [0, 0],
  async run(args, io) {
    const specs = stringOption(args, 'specs') ?? DEFAULT_SPECS;
    const out = stringOption(args, 'out') ?? DEFAULT_CATALOG;
    const started = performance.now();
    const disk = incremental(args) ? openDiskCache(specs) : undefined;
    // The catalog writer's thread loads while the specs are read (~0.1 s less at 10k).
    prepareWriter();
    const result = await loadSpecs(specs, { cache: disk?.cache });
    disk?.save();
    if (result.diagnostics.length) io.err(formatText(result.diagnostics));
    if (result.errors > 0) {
      io.err(paint(io, 'red', `not built: ${summaryLine(result.diagnostics)}\n`));
      return EXIT.invalid;
    }
    const target = path.resolve(out);
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new CommandError(`--out "${out}" is a directory; name the catalog file, e.g. ${path.join(out, DEFAULT_CATALOG)}`);
    makeDirs(path.dirname(target));
    const built = await compileCatalog(result.model, target, { version: 0, ...provenance(result.root) }).catch((e: unknown) => {
      throw e instanceof CatalogWriteError ? new CommandError(`cannot write the catalog "${out}": ${e.reason}`) : e;
    });
    const ms = Math.round(performance.now() - started);
    const shown = path.relative(process.cwd(), built.path) || built.path;
    io.err(
      paint(io, 'green', `built ${shown}`) +
        `: ${built.datasets} datasets, ${built.fields} fields, ${built.lineageEdges} lineage edges, ${formatBytes(built.bytes)} in ${ms} ms` +
        (result.warnings ? ` (${result.warnings} warning${result.warnings === 1 ? '' : 's'})` : '') +
        '\n',
    );
    return EXIT.ok;
  },
};

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
