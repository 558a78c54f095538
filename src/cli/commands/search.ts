import { searchDatasets } from '../../catalog/queries.js';
import { EXIT, intOption, type Command } from '../command.js';
import { CATALOG_HELP, CATALOG_OPTIONS, withCatalog } from '../catalog-arg.js';
import { json, table } from '../table.js';

export const searchCommand: Command = {
  name: 'search',
  summary: 'ranked full-text search over datasets',
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
    return withCatalog(args, (cat) => {
      const result = searchDatasets(cat, args.positionals[0]!, limit);
      if (args.values.json) {
        io.out(json({ query: result.query, results: result.results.map(({ name, tenant, domain, description, score, owner, matched, tags }) => ({ name, tenant, domain, description, score, owner, matched, tags })) }));
        return EXIT.ok;
      }
      if (result.results.length === 0) {
        io.err(`no datasets match "${result.query}"\n`);
        return EXIT.ok;
      }
      const rows = result.results.map((r) => [r.name, r.domain ?? '', r.score >= 0.01 ? r.score.toFixed(2) : r.score.toExponential(1), r.matched.join(', '), r.description ?? '']);
      io.out(table(io, ['NAME', 'DOMAIN', 'SCORE', 'MATCHED', 'DESCRIPTION'], rows, [60, 20, 8, 40, 70]));
      return EXIT.ok;
    });
  },
};
