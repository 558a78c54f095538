import { openCatalog, CatalogError } from '../../catalog/open.js';
import { readModel } from '../../catalog/read-model.js';
import { provenance } from '../../git/git.js';
import { loadSpecs } from '../../spec/index.js';
import { formatText, summaryLine } from '../../spec/report.js';
import { openStoreTarget } from '../../store/open.js';
import { publish, type PublishOptions } from '../../store/publish.js';
import { CommandError, EXIT, intOption, stringOption, type Command } from '../command.js';
import { paint } from '../io.js';
import { withStoreErrors } from '../store-errors.js';
import { DEFAULT_SPECS } from './validate.js';

export const publishCommand: Command = {
  usage: 'metafuse publish [--specs DIR | --catalog FILE] [--to URL] [--keep-history N]',
  help: `Reads the remote catalog and its version token, builds the new catalog (the
remote's run-time observations carried over, version = remote + 1), and writes it
only if the remote is still the version read; on a conflict it re-reads and
retries with jittered backoff (METAFUSE_MAX_ATTEMPTS, default 12), then exits 4.

A publish whose specs and commit equal the remote's changes nothing; a publish
from an older commit than the remote's is refused (both exit 0).

Options:
  --specs DIR         specs to build (default: ${DEFAULT_SPECS})
  --catalog FILE      publish a catalog file built earlier instead
  --to URL            path, file://..., s3://bucket/key, gs://bucket/key or
                      az://container/path (default: publish.target of the Catalog spec)
  --keep-history N    also keep <dir>/versions/<version>.db copies, the newest N

Credentials come from each cloud SDK's standard chain; docs/storage.md has the details.`,
  options: { specs: { type: 'string' }, catalog: { type: 'string' }, to: { type: 'string' }, 'keep-history': { type: 'string' } },
  positionals: [0, 0],
  async run(args, io) {
    const keep = intOption(args, 'keep-history', 0, 0, 10_000);
    const catalogFile = stringOption(args, 'catalog');
    if (catalogFile && stringOption(args, 'specs')) throw new CommandError('give --specs or --catalog, not both', EXIT.usage);
    let options: PublishOptions;
    if (catalogFile) {
      let cat;
      try {
        cat = openCatalog(catalogFile);
      } catch (e) {
        if (e instanceof CatalogError) throw new CommandError(e.message);
        throw e;
      }
      try {
        const commitTime = cat.db.prepare("SELECT value FROM catalog_meta WHERE key = 'source_commit_time'").get<{ value: string | null }>()?.value ?? null;
        options = { model: readModel(cat), sourceCommit: cat.meta.sourceCommit, builtAt: cat.meta.builtAt, commitTime };
      } finally {
        cat.close();
      }
    } else {
      const specs = stringOption(args, 'specs') ?? DEFAULT_SPECS;
      const result = await loadSpecs(specs);
      if (result.diagnostics.length) io.err(formatText(result.diagnostics));
      if (result.errors > 0) throw new CommandError(`not published: ${summaryLine(result.diagnostics)}`);
      options = { model: result.model, ...provenance(result.root), gitDir: result.root };
    }
    const to = stringOption(args, 'to') ?? options.model.config.publishTarget;
    if (!to) throw new CommandError('where to? give --to URL, or publish.target in the Catalog spec (metafuse.yaml)', EXIT.usage);
    return withStoreErrors(async () => {
      const target = await openStoreTarget(to);
      const outcome = await publish(target, { ...options, keepHistory: keep }, undefined, {
        onRetry: (attempt, why) => io.err(`attempt ${attempt} failed (${why}); retrying\n`),
      });
      if (outcome.status === 'written') {
        io.err(paint(io, 'green', `published ${target.url}`) + `: version ${outcome.version} (${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}, ${outcome.conflicts} conflict${outcome.conflicts === 1 ? '' : 's'})\n`);
      } else {
        io.err(`${outcome.status === 'unchanged' ? 'unchanged' : paint(io, 'yellow', 'not published')}: ${outcome.message}\n`);
      }
      io.out(`${JSON.stringify({ status: outcome.status, version: outcome.version, url: target.url, attempts: outcome.attempts, conflicts: outcome.conflicts })}\n`);
      return EXIT.ok;
    });
  },
};
