import { loadSpecs } from '../../spec/index.js';
import { DIAGNOSTIC_FORMATS, formatDiagnostics, summaryLine } from '../../spec/report.js';
import { choiceOption, EXIT, stringOption, type Command } from '../command.js';
import { paint } from '../io.js';

export const DEFAULT_SPECS = 'catalog-specs';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check the specs and print diagnostics',
  usage: 'metafuse validate [--specs DIR] [--format text|json|github]',
  help: `Options:
  --specs DIR       specs directory (default: ${DEFAULT_SPECS})
  --format FORMAT   text (default): file:line:col: severity code: message
                    json: {ok, errors, warnings, diagnostics: [...]}
                    github: workflow-command annotations

Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.
Every diagnostic code is explained in docs/diagnostics.md.

Example:
  metafuse validate --specs catalog-specs`,
  options: { specs: { type: 'string' }, format: { type: 'string' } },
  positionals: [0, 0],
  async run(args, io) {
    const format = choiceOption(args, 'format', DIAGNOSTIC_FORMATS, 'text');
    const specs = stringOption(args, 'specs') ?? DEFAULT_SPECS;
    const result = await loadSpecs(specs);
    if (format === 'text') {
      for (const d of result.diagnostics) {
        const sev = paint(io, d.severity === 'error' ? 'red' : 'yellow', d.severity);
        io.out(`${d.file}:${d.line}:${d.column}: ${sev} ${d.code}: ${d.message}\n`);
      }
      const counts = `${result.model.datasets.length} datasets, ${result.model.terms.length} glossary terms`;
      const line = `${result.errors === 0 ? 'ok' : 'invalid'}: ${summaryLine(result.diagnostics)} (${counts})\n`;
      io.err(paint(io, result.errors === 0 ? 'green' : 'red', line));
    } else {
      io.out(formatDiagnostics(result.diagnostics, format));
    }
    return result.errors === 0 ? EXIT.ok : EXIT.invalid;
  },
};
