import { searchDatasets } from '../../catalog/queries.js';
import { EXIT, intOption, type Command } from '../command.js';
import { CATALOG_HELP, CATALOG_OPTIONS, withCatalog } from '../catalog-arg.js';
import { json, table } from '../table.js';

export const searchCommand: Command = {
  usage: 'metafuse search QUERY [--limit N] [--json]',
  help: `Searches names, descriptions, domains, owners, tags, glossary terms (with
synonyms), field names and field descriptions; the name weighs most.

Query syntax: words (all must match), "quoted phrases", prefixes (ord*).
The last word also matches as a prefix. Any other character is plain text:
sales-data, user.email, AND, quotes and * are all safe.

Options:
  --limit N   at most N results (default 20, at most 1000)
${CATALOG_HELP}`,
  options: { ...CATALOG_OPTIONS, limit: { type: 'string' } },
  positionals: [1, 1],
  async run(args, io) {
    const limit = intOption(args, 'limit', 20, 1, 1000);
    return withCatalog(args, io, (cat) => {
      const result = searchDatasets(cat, args.positionals[0]!, limit);
      if (args.values.json) {
        io.out(json({ query: result.query, results: result.results.map(({ name, tenant, domain, description, score, owner, matched, tags }) => ({ name, tenant, domain, description, score, owner, matched, tags })) }));
        return EXIT.ok;
      }
      if (result.results.length === 0) {
        io.err(`no datasets match "${result.query}"\n`);
        return EXIT.ok;
      }
      // Best first; the raw bm25 score (in --json) means little to a reader, and for words
      // found in most datasets it is near zero for all of them.
      const rows = result.results.map((r, i) => [String(i + 1), r.name, r.domain ?? '', r.matched.join(', '), r.description ?? '']);
      io.out(table(io, ['#', 'NAME', 'DOMAIN', 'MATCHED', 'DESCRIPTION'], rows, [4, 60, 20, 40, 70]));
      return EXIT.ok;
    });
  },
};
