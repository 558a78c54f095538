import { openDiskCache } from '../../spec/disk-cache.js';
import { loadSpecs } from '../../spec/index.js';
import { DIAGNOSTIC_FORMATS, formatDiagnostics, summaryLine } from '../../spec/report.js';
import { choiceOption, EXIT, stringOption, type Command, type ParsedArgs } from '../command.js';
import { paint } from '../io.js';

export const DEFAULT_SPECS = 'catalog-specs';

export const validateCommand: Command = {
  usage: 'metafuse validate [--specs DIR] [--format text|json|github]',
  help: `Options:
  --specs DIR       specs directory (default: ${DEFAULT_SPECS})
  --incremental     keep parsed specs in DIR/.metafuse/ and reuse them for unchanged
                    files (also METAFUSE_INCREMENTAL=1)
  --format FORMAT   text (default): file:line:col: severity code: message
                    json: {ok, errors, warnings, diagnostics: [...]}
                    github: workflow-command annotations

Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.
Every diagnostic code is explained in docs/diagnostics.md.

Example:
  metafuse validate --specs catalog-specs`,
  options: { specs: { type: 'string' }, format: { type: 'string' }, incremental: { type: 'boolean' } },
  positionals: [0, 0],
  async run(args, io) {
    const format = choiceOption(args, 'format', DIAGNOSTIC_FORMATS, 'text');
    const specs = stringOption(args, 'specs') ?? DEFAULT_SPECS;
    const disk = incremental(args) ? openDiskCache(specs) : undefined;
    const result = await loadSpecs(specs, { cache: disk?.cache });
    disk?.save();
    if (format === 'text') {
      for (const d of result.diagnostics) {
        const sev = paint(io, d.severity === 'error' ? 'red' : 'yellow', d.severity);
        io.out(`${d.file}:${d.line}:${d.column}: ${sev} ${d.code}: ${d.message}\n`);
      }
      const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
      const counts = `${n(result.model.datasets.length, 'dataset')}, ${n(result.model.terms.length, 'glossary term')}`;
      const line = `${result.errors === 0 ? 'ok' : 'invalid'}: ${summaryLine(result.diagnostics)} (${counts})\n`;
      io.err(paint(io, result.errors === 0 ? 'green' : 'red', line));
    } else {
      io.out(formatDiagnostics(result.diagnostics, format));
    }
    return result.errors === 0 ? EXIT.ok : EXIT.invalid;
  },
};

/** --incremental, or METAFUSE_INCREMENTAL=1: reuse parsed specs from DIR/.metafuse/. */
export function incremental(args: ParsedArgs): boolean {
  return args.values.incremental === true || /^(1|true|yes)$/i.test(process.env.METAFUSE_INCREMENTAL ?? '');
}
