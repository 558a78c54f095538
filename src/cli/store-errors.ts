// Maps storage failures to the CLI's messages and exit codes.
import { ConflictError } from '../store/protocol.js';
import { StoreUrlError } from '../store/open.js';
import { AmbiguousStoreError, StoreError } from '../store/types.js';
import { CommandError, EXIT } from './command.js';

export async function withStoreErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ConflictError) throw new CommandError(e.message, EXIT.conflict);
    if (e instanceof StoreError || e instanceof StoreUrlError) throw new CommandError(e.message);
    if (e instanceof AmbiguousStoreError) throw new CommandError(`${e.message} (gave up after retries; METAFUSE_TIMEOUT_MS and METAFUSE_MAX_ATTEMPTS tune this)`);
    throw e;
  }
}
