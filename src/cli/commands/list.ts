import { listDatasets } from '../../catalog/queries.js';
import { EXIT, intOption, stringOption, type Command } from '../command.js';
import { CATALOG_HELP, CATALOG_OPTIONS, withCatalog } from '../catalog-arg.js';
import { json, table } from '../table.js';

export const listCommand: Command = {
  usage: 'metafuse list [--tenant T] [--domain D] [--tag X] [--owner O] [--term ID] [--limit N]',
  help: `Options:
  --tenant T   only this tenant
  --domain D   only this domain (case-insensitive)
  --tag X      only datasets tagged X (case-insensitive)
  --owner O    only this owner (case-insensitive)
  --term ID    only datasets linked to glossary term ID (directly or by a field)
  --limit N    at most N rows (default: all)
${CATALOG_HELP}`,
  options: {
    ...CATALOG_OPTIONS,
    tenant: { type: 'string' },
    domain: { type: 'string' },
    tag: { type: 'string' },
    owner: { type: 'string' },
    term: { type: 'string' },
    limit: { type: 'string' },
  },
  positionals: [0, 0],
  async run(args, io) {
    const limit = intOption(args, 'limit', -1, 1);
    return withCatalog(args, io, (cat) => {
      const result = listDatasets(cat, {
        tenant: stringOption(args, 'tenant'),
        domain: stringOption(args, 'domain'),
        tag: stringOption(args, 'tag'),
        owner: stringOption(args, 'owner'),
        term: stringOption(args, 'term'),
        limit: limit > 0 ? limit : undefined,
      });
      if (args.values.json) {
        io.out(json(result));
        return EXIT.ok;
      }
      const rows = result.datasets.map((d) => [d.name + (d.deprecated ? ' (deprecated)' : ''), d.tenant, d.domain ?? '', d.owner ?? '', String(d.fields), d.tags.join(', ')]);
      io.out(table(io, ['NAME', 'TENANT', 'DOMAIN', 'OWNER', 'FIELDS', 'TAGS'], rows, [60, 20, 20, 40, 6, 50]));
      io.err(`${result.datasets.length} of ${result.total} datasets\n`);
      return EXIT.ok;
    });
  },
};
