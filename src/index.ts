// MetaFuse as a library. Pipelines record what they observed with emitDataset();
// everything else (loading specs, compiling, diffing, storage) is exported for tools.
import type { Schema } from 'apache-arrow';
import { flattenFields } from './catalog/observations.js';
import { convertArrowSchema } from './spec/arrow-schema.js';
import { openStoreTarget } from './store/open.js';
import { emit, type EmitOutcome } from './store/publish.js';

export interface EmitDatasetOptions {
  /** Store URL of the catalog: a path, file://, s3://, gs:// or az://. */
  to: string;
  /** "name" or "tenant/name". */
  dataset: string;
  /** The schema the run wrote, as an apache-arrow Schema. */
  schema?: Schema;
  rowCount?: number;
  sizeBytes?: number;
  upstream?: string[];
  runId?: string;
}

/**
 * Records one observation of a dataset in the catalog at `to`, with the same
 * version-conditional write as `metafuse emit`. Throws EmitInputError when the
 * dataset or an upstream is not a dataset name (before the store is read),
 * ConflictError when the write still conflicts after all retries, StoreError for
 * configuration problems. `unknownUpstream` in the outcome lists upstreams the
 * catalog does not know (recorded all the same).
 */
export async function emitDataset(o: EmitDatasetOptions): Promise<EmitOutcome> {
  const target = await openStoreTarget(o.to);
  return emit(target, {
    dataset: o.dataset,
    schema: o.schema ? flattenFields(convertArrowSchema(o.schema).fields) : undefined,
    rowCount: o.rowCount,
    sizeBytes: o.sizeBytes,
    upstream: o.upstream,
    runId: o.runId,
  });
}

export { loadSpecs, type SpecResult } from './spec/index.js';
export type { Model, Dataset, Field, GlossaryTerm, Diagnostic } from './spec/index.js';
export { compileCatalog } from './catalog/compile.js';
export { openCatalog } from './catalog/open.js';
export * as queries from './catalog/queries.js';
export { diffModels } from './diff/compute.js';
export { openStoreTarget } from './store/open.js';
export { publish, emit, EmitInputError } from './store/publish.js';
export { pull } from './store/pull.js';
export { ConflictError } from './store/protocol.js';
export { StoreError } from './store/types.js';
