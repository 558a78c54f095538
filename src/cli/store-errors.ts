// Maps storage failures to the CLI's messages and exit codes.
import path from 'node:path';
import { CatalogWriteError } from '../catalog/compile.js';
import { ConflictError } from '../store/protocol.js';
import { StoreUrlError } from '../store/open.js';
import { AmbiguousStoreError, StoreError } from '../store/types.js';
import { CommandError, EXIT } from './command.js';

export async function withStoreErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ConflictError) throw new CommandError(e.message, EXIT.conflict);
    // Publish and emit build the new catalog in a work folder under TMPDIR before writing it to the store.
    if (e instanceof CatalogWriteError) throw new CommandError(`cannot write a catalog in the temporary folder ${path.dirname(e.file)}: ${e.reason} (TMPDIR chooses another folder)`);
    if (e instanceof StoreError || e instanceof StoreUrlError) throw new CommandError(e.message);
    // The retry loops already say how many attempts were made and which variables raise the limits.
    if (e instanceof AmbiguousStoreError) throw new CommandError(e.attempts ? e.message : `${e.message} (METAFUSE_TIMEOUT_MS sets the timeout of each storage request)`);
    throw e;
  }
}
