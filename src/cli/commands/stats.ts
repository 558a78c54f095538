import { stats } from '../../catalog/queries.js';
import { EXIT, type Command } from '../command.js';
import { CATALOG_HELP, CATALOG_OPTIONS, withCatalog } from '../catalog-arg.js';
import { json, keyValues } from '../table.js';

export const statsCommand: Command = {
  usage: 'metafuse stats [--json]',
  help: `Options:\n${CATALOG_HELP}`,
  options: CATALOG_OPTIONS,
  positionals: [0, 0],
  async run(args, io) {
    return withCatalog(args, io, (cat) => {
      const s = stats(cat);
      if (args.values.json) {
        io.out(json(s));
        return EXIT.ok;
      }
      io.out(
        keyValues([
          ['catalog', s.catalog ?? '(unnamed)'],
          ['version', String(s.version)],
          ['built at', s.builtAt ?? '(unknown)'],
          ['source commit', s.sourceCommit],
          ['spec hash', s.specHash],
          ['datasets', String(s.datasets) + (s.deprecated ? ` (${s.deprecated} deprecated)` : '') + (s.observedOnly ? ` (${s.observedOnly} observed only)` : '')],
          ['fields', String(s.fields)],
          ['lineage edges', `${s.lineageEdges} datasets, ${s.columnLineageEdges} columns`],
          ['glossary terms', String(s.glossaryTerms)],
          ['tags', String(s.tags)],
          ['observations', String(s.observations)],
          ['tenants', s.tenants.map((t) => `${t.tenant} (${t.datasets})`).join(', ')],
          ['domains', s.domains.map((d) => `${d.domain || '(none)'} (${d.datasets})`).join(', ')],
        ]),
      );
      return EXIT.ok;
    });
  },
};
