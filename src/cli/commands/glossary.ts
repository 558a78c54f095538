import { glossary, glossaryTerm } from '../../catalog/queries.js';
import { EXIT, type Command } from '../command.js';
import { CATALOG_HELP, CATALOG_OPTIONS, withCatalog } from '../catalog-arg.js';
import { paint } from '../io.js';
import { json, keyValues, table } from '../table.js';

export const glossaryCommand: Command = {
  usage: 'metafuse glossary [TERM] [--json]',
  help: `Without TERM, lists every term. With TERM (an id, or a name), shows its
definition, parent, children, related terms and the datasets and fields that use it.

Options:
${CATALOG_HELP}`,
  options: CATALOG_OPTIONS,
  positionals: [0, 1],
  async run(args, io) {
    return withCatalog(args, io, (cat) => {
      const id = args.positionals[0];
      if (id === undefined) {
        const g = glossary(cat);
        if (args.values.json) io.out(json(g));
        else io.out(table(io, ['ID', 'NAME', 'PARENT', 'DEFINITION'], g.terms.map((t) => [t.id, t.name, t.parent ?? '', t.definition]), [40, 40, 30, 80]));
        return EXIT.ok;
      }
      const t = glossaryTerm(cat, id);
      if (args.values.json) {
        io.out(json(t));
        return EXIT.ok;
      }
      io.out(`${paint(io, 'bold', t.name)}  (${t.id})\n\n${t.definition.trim()}\n\n`);
      io.out(
        keyValues([
          ['domain', t.domain],
          ['owner', t.owner],
          ['synonyms', t.synonyms.join(', ')],
          ['parent', t.parent],
          ['children', t.children.join(', ')],
          ['related', t.related.join(', ')],
          ['datasets', t.datasets.join(', ') || '(none)'],
          ["fields", t.fields.map((f) => `${f.dataset}:${f.field}`).join(', ') || '(none)'],
        ]),
      );
      return EXIT.ok;
    });
  },
};
