import { showDataset, type DatasetDetail } from '../../catalog/queries.js';
import { EXIT, type Command } from '../command.js';
import { CATALOG_HELP, CATALOG_OPTIONS, withCatalog } from '../catalog-arg.js';
import { paint, type Io } from '../io.js';
import { json, keyValues, table } from '../table.js';

export const showCommand: Command = {
  usage: 'metafuse show NAME [--json]',
  help: `NAME is "name" (the default tenant, or a name unique across tenants) or "tenant/name".

Options:
${CATALOG_HELP}`,
  options: CATALOG_OPTIONS,
  positionals: [1, 1],
  async run(args, io) {
    return withCatalog(args, io, (cat) => {
      const d = showDataset(cat, args.positionals[0]!);
      if (args.values.json) {
        // Field `depth`, `from` and the dataset extras extend PRODUCT.md's shape; the documented keys come first.
        io.out(json(d));
        return EXIT.ok;
      }
      io.out(renderDataset(d, io));
      return EXIT.ok;
    });
  },
};

function renderDataset(d: DatasetDetail, io: Io): string {
  let s = paint(io, 'bold', d.name) + paint(io, 'dim', `  (${[d.tenant, d.domain].filter(Boolean).join(' · ')})`) + '\n';
  if (d.deprecated) {
    const dep = d.deprecated;
    s += paint(io, 'yellow', `DEPRECATED${dep.since ? ` since ${dep.since}` : ''}${dep.reason ? `: ${dep.reason}` : ''}${dep.replacement ? ` — use ${dep.replacement}` : ''}`) + '\n';
  }
  if (!d.declared) s += paint(io, 'yellow', 'observed only: no spec declares this dataset') + '\n';
  if (d.description) s += `\n${d.description.trim()}\n`;
  s += '\n';
  s += keyValues([
    ['owner', d.owner],
    ['location', d.location],
    ['format', d.format],
    ['tags', d.tags.join(', ')],
    ['terms', d.terms.join(', ')],
    ['partitioned by', d.partitionKeys.join(', ')],
    ['upstream', d.upstream.join(', ') || '(none)'],
    ['downstream', d.downstream.join(', ') || '(none)'],
    ...Object.entries(d.properties).map(([k, v]): [string, string] => [k, v]),
    ['schema file', d.schemaFile],
    ['defined in', d.sourceFile],
  ]);
  s += `\n${paint(io, 'bold', `Fields (${d.fields.length})`)}\n`;
  const rows = d.fields.map((f) => [
    `${'  '.repeat(f.depth)}${f.depth ? f.name.slice(f.name.lastIndexOf('.') + 1) : f.name}`,
    f.type,
    f.nullable ? '' : 'not null',
    [...f.tags.map((t) => `#${t}`), ...f.terms.map((t) => `[${t}]`)].join(' '),
    [f.description ?? '', f.from.length ? `← ${f.from.join(', ')}` : ''].filter(Boolean).join('  '),
  ]);
  s += table(io, ['NAME', 'TYPE', 'NULL', 'TAGS/TERMS', 'DESCRIPTION'], rows, [40, 40, 8, 30, 80]);
  if (d.observed) {
    const o = d.observed;
    s += `\n${paint(io, 'bold', 'Observed')}\n`;
    s += keyValues([
      ['at', o.observedAt],
      ['run', o.runId],
      ['rows', o.rowCount === null ? null : o.rowCount.toLocaleString('en-US')],
      ['size', o.sizeBytes === null ? null : `${o.sizeBytes.toLocaleString('en-US')} bytes`],
      ['observations', String(o.count)],
    ]);
    if (o.drift) {
      const parts = [
        ...o.drift.added.map((f) => `+${f}`),
        ...o.drift.removed.map((f) => `-${f}`),
        ...o.drift.changed.map((c) => `${c.name}: ${c.declared} → ${c.observed}`),
      ];
      s += paint(io, 'yellow', `schema drift: ${parts.join(', ')}`) + '\n';
    }
  }
  return s;
}
