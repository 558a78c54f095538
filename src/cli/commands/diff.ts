import { diffModels } from '../../diff/compute.js';
import { diffSide, renderJson, renderMarkdown, renderText } from '../../diff/render.js';
import { loadSide, prepareSide, SourceError } from '../../diff/sources.js';
import { sharedLoading } from '../../spec/index.js';
import { summaryLine } from '../../spec/report.js';
import { openStoreTarget } from '../../store/open.js';
import { pullWithProgress } from '../progress.js';
import { withStoreErrors } from '../store-errors.js';
import { choiceOption, CommandError, EXIT, stringOption, type Command } from '../command.js';
import { paint } from '../io.js';
import { DEFAULT_SPECS } from './validate.js';

const FORMATS = ['text', 'markdown', 'json'] as const;

export const diffCommand: Command = {
  usage: 'metafuse diff --base X [--head Y] [--specs DIR] [--format text|markdown|json] [--fail-on-breaking]',
  help: `X and Y are each a specs directory, a catalog file, a store URL, or git:<ref> (the specs
directory at that commit, read from git without touching the working tree).
--head defaults to the specs directory (--specs, default ${DEFAULT_SPECS}).

Options:
  --base X             the version to compare against (required)
  --head Y             the new version (default: the specs directory)
  --specs DIR          specs directory; git:<ref> reads this path at the commit
  --format F           text (default), markdown (pull-request comment), or json
  --fail-on-breaking   exit 3 when there are breaking changes and the head's policy
                       is breakingChanges: fail (the default)

Every change is breaking, warning or safe; docs/diff.md lists the kinds and why.

Examples:
  metafuse diff --base git:origin/main
  metafuse diff --base old-catalog.db --head catalog-specs --format markdown`,
  options: {
    base: { type: 'string' },
    head: { type: 'string' },
    specs: { type: 'string' },
    format: { type: 'string' },
    'fail-on-breaking': { type: 'boolean' },
  },
  positionals: [0, 0],
  async run(args, io) {
    const format = choiceOption(args, 'format', FORMATS, 'text');
    const baseRef = stringOption(args, 'base');
    if (!baseRef) throw new CommandError('--base is required (a specs directory, a catalog file, or git:<ref>)', EXIT.usage);
    const specsDir = stringOption(args, 'specs') ?? DEFAULT_SPECS;
    const headRef = stringOption(args, 'head') ?? specsDir;
    let base, head;
    try {
      const pullUrl = async (url: string) => (await withStoreErrors(async () => pullWithProgress(io, await openStoreTarget(url), { quiet: format === 'json' }))).path;
      // Head first: the base then reuses the parsing of every file the two share
      // (a git base's files are read by git meanwhile).
      const shared = sharedLoading();
      const basePrepared = prepareSide(baseRef, { specsDir, pullUrl, ...shared });
      head = await loadSide(headRef, { specsDir, pullUrl, ...shared });
      base = await basePrepared.load();
    } catch (e) {
      if (e instanceof SourceError) throw new CommandError(e.message);
      throw e;
    }
    if (head.errors > 0) {
      io.err(head.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}:${d.column}: error ${d.code}: ${d.message}\n`).join(''));
      throw new CommandError(`the head (${head.label}) has errors (${summaryLine(head.diagnostics)}); fix them before diffing`);
    }
    if (base.errors > 0) io.err(`note: the base (${base.label}) has ${base.errors} validation errors; the diff uses what could be read\n`);
    const result = diffModels(base.model, head.model);
    const sides = { base: diffSide(base.label, base.model), head: diffSide(head.label, head.model) };
    if (format === 'json') io.out(renderJson(result, sides));
    else if (format === 'markdown') io.out(renderMarkdown(result, sides));
    else io.out(renderText(result, sides, (style, s) => paint(io, style, s)));
    if (args.values['fail-on-breaking'] && result.breaking && result.policy === 'fail') return EXIT.breaking;
    return EXIT.ok;
  },
};
