// The `metafuse` command: dispatch, help, exit codes, and the one place where
// unexpected errors are caught (a message, never a stack trace, unless METAFUSE_DEBUG=1).
import { systemErrorText } from '../files/system-error.js';
import { CommandError, EXIT, parseCommandArgs, UsageError, type Command } from './command.js';
import { outputFailure, processIo, type Io } from './io.js';

export interface CommandEntry {
  name: string;
  summary: string;
  /** Each command loads its modules only when it runs: `pull` or `search` need not pay for the spec compiler or the cloud SDKs. */
  load: () => Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'init', summary: 'scaffold catalog-specs/ and the GitHub workflows', load: async () => (await import('./commands/init.js')).initCommand },
  { name: 'validate', summary: 'check the specs and print diagnostics', load: async () => (await import('./commands/validate.js')).validateCommand },
  { name: 'build', summary: 'validate the specs, then compile the SQLite catalog file', load: async () => (await import('./commands/build.js')).buildCommand },
  { name: 'diff', summary: 'what changes between two versions of the catalog, and what it breaks downstream', load: async () => (await import('./commands/diff.js')).diffCommand },
  { name: 'publish', summary: 'build and upload the catalog with a version-conditional write', load: async () => (await import('./commands/publish.js')).publishCommand },
  { name: 'pull', summary: 'download the catalog (conditional GET into a local cache)', load: async () => (await import('./commands/pull.js')).pullCommand },
  { name: 'emit', summary: 'record what a pipeline run observed (row count, size, schema)', load: async () => (await import('./commands/emit.js')).emitCommand },
  { name: 'list', summary: 'list datasets, optionally filtered', load: async () => (await import('./commands/list.js')).listCommand },
  { name: 'show', summary: 'one dataset: fields, tags, terms, lineage both ways, observations', load: async () => (await import('./commands/show.js')).showCommand },
  { name: 'search', summary: 'ranked full-text search over datasets', load: async () => (await import('./commands/search.js')).searchCommand },
  { name: 'lineage', summary: 'upstream and downstream lineage of a dataset', load: async () => (await import('./commands/lineage.js')).lineageCommand },
  { name: 'stats', summary: 'counts and catalog metadata', load: async () => (await import('./commands/stats.js')).statsCommand },
  { name: 'glossary', summary: 'glossary terms, or one term with its links', load: async () => (await import('./commands/glossary.js')).glossaryCommand },
  { name: 'serve', summary: 'REST API and web page over the catalog', load: async () => (await import('./commands/serve.js')).serveCommand },
];

export const VERSION = '0.1.0';

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `metafuse ${VERSION} — a GitOps data catalog

Usage: metafuse <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "metafuse <command> --help" for a command's options.
Exit codes: 0 success, 1 invalid input or failed operation, 2 usage error,
3 breaking changes (with --fail-on-breaking), 4 write conflict after all retries.
`;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.out(`${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`metafuse: unknown command "${name}". Run "metafuse --help" for the list.\n`);
    return EXIT.usage;
  }
  const cmd = await entry.load();
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      io.out(`${entry.summary}\n\nUsage: ${cmd.usage}\n\n${cmd.help}\n`);
      return EXIT.ok;
    }
    const code = await cmd.run(args, io);
    return outputFailure() === undefined ? code : EXIT.invalid;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`metafuse ${name}: ${e.message}\nRun "metafuse ${name} --help" for usage.\n`);
      return EXIT.usage;
    }
    if (e instanceof CommandError) {
      io.err(`metafuse ${name}: ${e.message}\n`);
      return e.exitCode;
    }
    const detail = process.env.METAFUSE_DEBUG ? `\n${e instanceof Error ? e.stack : String(e)}` : '';
    const place = systemErrorText(e);
    if (place !== undefined) {
      io.err(`metafuse ${name}: ${place}${detail}\n`);
      return EXIT.invalid;
    }
    io.err(`metafuse ${name}: internal error: ${e instanceof Error ? e.message : String(e)}${detail}\nThis is a bug in MetaFuse; please report it with the command you ran (METAFUSE_DEBUG=1 shows the stack).\n`);
    return EXIT.invalid;
  }
}
