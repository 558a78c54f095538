import { readFile } from 'node:fs/promises';
import { flattenFields, type ObservedField } from '../../catalog/observations.js';
import { ArrowSchemaError, readArrowSchema } from '../../spec/arrow-schema.js';
import { openStoreTarget } from '../../store/open.js';
import { emit, EmitInputError, unknownUpstreamText } from '../../store/publish.js';
import { CommandError, EXIT, intOption, stringOption, type Command } from '../command.js';
import { paint } from '../io.js';
import { withStoreErrors } from '../store-errors.js';

export const emitCommand: Command = {
  usage: 'metafuse emit --to URL --dataset NAME [--arrow FILE] [--row-count N] [--size-bytes N] [--upstream a,b] [--run-id ID]',
  help: `Adds one observation to the catalog at URL with the same conditional-write
loop as publish; nothing else changes. A dataset the specs do not declare is
recorded as observed-only; a schema that differs from the declared one is
recorded as drift (metafuse show displays both).

Options:
  --to URL          the catalog (path, file://, s3://, gs://, az://)
  --dataset NAME    "name" or "tenant/name"
  --arrow FILE      Arrow IPC file or stream whose schema the run wrote
  --row-count N     rows written
  --size-bytes N    bytes written
  --upstream a,b    datasets the run read
  --run-id ID       the run (default: $GITHUB_RUN_ID when set)`,
  options: {
    to: { type: 'string' },
    dataset: { type: 'string' },
    arrow: { type: 'string' },
    'row-count': { type: 'string' },
    'size-bytes': { type: 'string' },
    upstream: { type: 'string' },
    'run-id': { type: 'string' },
  },
  positionals: [0, 0],
  async run(args, io) {
    const to = stringOption(args, 'to');
    const dataset = stringOption(args, 'dataset');
    if (!to) throw new CommandError('--to URL is required', EXIT.usage);
    if (!dataset) throw new CommandError('--dataset NAME is required', EXIT.usage);
    const rowCount = intOption(args, 'row-count', -1, 0);
    const sizeBytes = intOption(args, 'size-bytes', -1, 0);
    let schema: ObservedField[] | undefined;
    const arrow = stringOption(args, 'arrow');
    if (arrow) {
      try {
        const bytes = await readFile(arrow);
        schema = flattenFields((await readArrowSchema(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))).fields);
      } catch (e) {
        if (e instanceof ArrowSchemaError) throw new CommandError(`--arrow ${arrow}: ${e.message}`);
        if ((e as NodeJS.ErrnoException).code) throw new CommandError(`--arrow ${arrow}: cannot read (${(e as NodeJS.ErrnoException).code})`);
        throw e;
      }
    }
    const upstream = stringOption(args, 'upstream')?.split(',').map((s) => s.trim()).filter(Boolean);
    return withStoreErrors(async () => {
      const target = await openStoreTarget(to);
      const outcome = await emit(target, {
        dataset,
        schema,
        rowCount: rowCount >= 0 ? rowCount : undefined,
        sizeBytes: sizeBytes >= 0 ? sizeBytes : undefined,
        upstream,
        runId: stringOption(args, 'run-id') ?? process.env.GITHUB_RUN_ID,
      }).catch((e: unknown) => {
        throw e instanceof EmitInputError ? new CommandError(`--${e.message}`, EXIT.usage) : e;
      });
      const note = outcome.declared ? '' : paint(io, 'yellow', ' (observed only: no spec declares it)');
      io.err(`recorded ${outcome.dataset} in ${target.url}: version ${outcome.version}${note}\n`);
      if (outcome.unknownUpstream.length) io.err(paint(io, 'yellow', `warning: ${unknownUpstreamText(outcome.unknownUpstream)}\n`));
      io.out(`${JSON.stringify({ status: outcome.status, version: outcome.version, dataset: outcome.dataset, declared: outcome.declared, attempts: outcome.attempts, conflicts: outcome.conflicts })}\n`);
      return EXIT.ok;
    });
  },
};
