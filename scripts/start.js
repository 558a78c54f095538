#!/usr/bin/env node
// The README's main job on the built-in defaults: validate and build the example
// catalog-specs/ into catalog.db, then a short tour of the read commands.
import { main } from '../lib/cli/main.js';

const steps = [
  ['validate', '--specs', 'catalog-specs'],
  ['build', '--specs', 'catalog-specs', '--out', 'catalog.db'],
  ['stats', '--catalog', 'catalog.db'],
  ['show', 'sales_daily', '--catalog', 'catalog.db'],
  ['search', 'revenue', '--catalog', 'catalog.db', '--limit', '5'],
  ['lineage', 'sales_daily', '--catalog', 'catalog.db'],
];

const bold = process.stdout.isTTY && !process.env.NO_COLOR ? (s) => `\u001b[1m${s}\u001b[22m` : (s) => s;
for (const argv of steps) {
  process.stdout.write(`\n${bold(`$ metafuse ${argv.join(' ')}`)}\n`);
  const code = await main(argv);
  if (code !== 0) process.exit(code);
}
process.stdout.write('\nThe catalog is catalog.db: try "npx metafuse --help", or open it with sqlite3 (docs/catalog-schema.md).\n');
process.stdout.write(`\n${bold('Browse it: run "npx metafuse serve" and open http://127.0.0.1:8080/')}\n`);
