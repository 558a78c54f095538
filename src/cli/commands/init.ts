// `metafuse init`: scaffold a working catalog-specs/ (example specs, editor
// schemas) and the two workflow files, never overwriting without --force.
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDirs } from '../../files/durable.js';
import { displayPath } from '../../spec/load.js';
import { EXIT, type Command } from '../command.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Template folder → destination folder, relative to the target directory. */
const PLAN: Array<[from: string, to: string]> = [
  ['templates/init/catalog-specs', 'catalog-specs'],
  ['schemas', 'catalog-specs/schemas'],
  ['templates/init/github/workflows', '.github/workflows'],
];

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), path.join(prefix, e.name)) : [path.join(prefix, e.name)],
  );
}

export const initCommand: Command = {
  usage: 'metafuse init [DIR] [--force]',
  help: `Creates in DIR (default: the current directory):
  catalog-specs/             example specs that validate, and the JSON Schemas for editors
  .github/workflows/catalog-pr.yml       checks pull requests
  .github/workflows/catalog-publish.yml  publishes the catalog on merge

Existing files are kept unless --force is given.

Options:
  --force   overwrite existing files`,
  options: { force: { type: 'boolean' } },
  positionals: [0, 1],
  async run(args, io) {
    const target = path.resolve(args.positionals[0] ?? '.');
    if (existsSync(target) && !statSync(target).isDirectory()) {
      io.err(`metafuse init: "${displayPath(target)}" exists and is not a directory\n`);
      return EXIT.invalid;
    }
    const force = args.values.force === true;
    let created = 0;
    let kept = 0;
    for (const [from, to] of PLAN) {
      const src = path.join(PACKAGE_ROOT, from);
      for (const rel of listFiles(src).sort()) {
        const dest = path.join(target, to, rel);
        const shown = displayPath(dest);
        if (existsSync(dest) && !force) {
          io.out(`  kept     ${shown} (exists; --force overwrites)\n`);
          kept++;
          continue;
        }
        makeDirs(path.dirname(dest));
        copyFileSync(path.join(src, rel), dest);
        io.out(`  created  ${shown}\n`);
        created++;
      }
    }
    const specs = displayPath(path.join(target, 'catalog-specs'));
    io.out(`\n${created} files created${kept ? `, ${kept} kept` : ''}. Next:\n  metafuse validate --specs ${specs}\n  metafuse build --specs ${specs}\n`);
    return EXIT.ok;
  },
};
