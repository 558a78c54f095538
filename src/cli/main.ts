// The `metafuse` command: dispatch, help, exit codes, and the one place where
// unexpected errors are caught (a message, never a stack trace, unless METAFUSE_DEBUG=1).
import { CommandError, EXIT, parseCommandArgs, UsageError, type Command } from './command.js';
import { buildCommand } from './commands/build.js';
import { diffCommand } from './commands/diff.js';
import { emitCommand } from './commands/emit.js';
import { publishCommand } from './commands/publish.js';
import { pullCommand } from './commands/pull.js';
import { glossaryCommand } from './commands/glossary.js';
import { initCommand } from './commands/init.js';
import { lineageCommand } from './commands/lineage.js';
import { listCommand } from './commands/list.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { showCommand } from './commands/show.js';
import { statsCommand } from './commands/stats.js';
import { validateCommand } from './commands/validate.js';
import { processIo, type Io } from './io.js';

export const COMMANDS: Command[] = [
  initCommand,
  validateCommand,
  buildCommand,
  diffCommand,
  publishCommand,
  pullCommand,
  emitCommand,
  listCommand,
  showCommand,
  searchCommand,
  lineageCommand,
  statsCommand,
  glossaryCommand,
  serveCommand,
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
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`metafuse: unknown command "${name}". Run "metafuse --help" for the list.\n`);
    return EXIT.usage;
  }
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      io.out(`${cmd.summary}\n\nUsage: ${cmd.usage}\n\n${cmd.help}\n`);
      return EXIT.ok;
    }
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`metafuse ${cmd.name}: ${e.message}\nRun "metafuse ${cmd.name} --help" for usage.\n`);
      return EXIT.usage;
    }
    if (e instanceof CommandError) {
      io.err(`metafuse ${cmd.name}: ${e.message}\n`);
      return e.exitCode;
    }
    const detail = process.env.METAFUSE_DEBUG ? `\n${e instanceof Error ? e.stack : String(e)}` : '';
    io.err(`metafuse ${cmd.name}: internal error: ${e instanceof Error ? e.message : String(e)}${detail}\nThis is a bug in MetaFuse; please report it with the command you ran (METAFUSE_DEBUG=1 shows the stack).\n`);
    return EXIT.invalid;
  }
}
