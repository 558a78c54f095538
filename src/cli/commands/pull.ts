import { openStoreTarget } from '../../store/open.js';
import { cacheDir } from '../../store/pull.js';
import { CommandError, EXIT, stringOption, type Command } from '../command.js';
import { pullWithProgress } from '../progress.js';
import { withStoreErrors } from '../store-errors.js';

export const pullCommand: Command = {
  usage: 'metafuse pull --from URL [--out FILE]',
  help: `Downloads the catalog at URL into the cache (${cacheDir()}, or
$METAFUSE_CACHE_DIR / $XDG_CACHE_HOME/metafuse), keyed by the full URL. An unchanged
catalog is not downloaded again (conditional GET). The sha256 in the object's
metadata is verified and the local file is replaced atomically: a reader never
sees a half-written file. Prints the local path.

On a terminal, a large download (over 8 MiB, or lasting over a second) shows a
progress line on stderr; METAFUSE_NO_PROGRESS=1 turns it off.

Options:
  --from URL   path, file://..., s3://bucket/key, gs://bucket/key or az://container/path
  --out FILE   also copy the catalog to FILE (atomically)

Read commands accept a URL for --catalog and pull it first.`,
  options: { from: { type: 'string' }, out: { type: 'string' } },
  positionals: [0, 0],
  async run(args, io) {
    const from = stringOption(args, 'from');
    if (!from) throw new CommandError('--from URL is required', EXIT.usage);
    return withStoreErrors(async () => {
      const outcome = await pullWithProgress(io, await openStoreTarget(from), { out: stringOption(args, 'out') });
      io.err(`${outcome.status === 'downloaded' ? 'downloaded' : 'up to date'}: version ${outcome.version}, ${outcome.bytes} bytes\n`);
      io.out(`${outcome.path}\n`);
      return EXIT.ok;
    });
  },
};
