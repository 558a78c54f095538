// The shape of a CLI command and the argument parsing every command shares.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Io } from './io.js';

export const EXIT = { ok: 0, invalid: 1, usage: 2, breaking: 3, conflict: 4 } as const;

export class UsageError extends Error {}

/** A failure the user can act on: printed as "metafuse <cmd>: <message>" with exit 1, no stack. */
export class CommandError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.invalid) {
    super(message);
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  usage: string;
  /** Help text after the usage line: options and examples. */
  help: string;
  options: OptionSpec;
  /** Allowed number of positional arguments. */
  positionals: [min: number, max: number];
  run(args: ParsedArgs, io: Io): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(cleanParseError(e instanceof Error ? e.message : String(e)));
  }
  const [min, max] = cmd.positionals;
  if (!parsed.values.help) {
    if (parsed.positionals.length < min) throw new UsageError(`missing argument; usage: ${cmd.usage}`);
    if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}"; usage: ${cmd.usage}`);
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

function cleanParseError(msg: string): string {
  // Node's messages mention "To specify a positional argument starting with a '-'..." — keep the first sentence.
  return msg.split('. ')[0]!.replace(/^Unknown option/, 'unknown option').replace(/^Option/, 'option');
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
  const v = stringOption(args, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not "${v}"`);
  return v as T;
}

export function intOption(args: ParsedArgs, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = stringOption(args, name);
  if (v === undefined) return fallback;
  if (!/^-?[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${v}"`);
  return Number(v);
}
