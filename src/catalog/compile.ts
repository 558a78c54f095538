// Model in, catalog file out: one transaction of prepared inserts, indexes and the
// search index built after the load, written beside the target and renamed into place.
import { statSync } from 'node:fs';
import path from 'node:path';
import { batchInsert } from '../db/batch.js';
import type { WriteDatabase } from '../db/index.js';
import { openWriter } from '../db/writer.js';
import { replaceAtomicallyAsync } from '../files/durable.js';
import { errnoText } from '../files/system-error.js';
import { digestAhead } from '../spec/digest.js';
import { bySpelling, datasetKey, fieldPosition, parseDatasetRef, type Dataset, type Model } from '../spec/model.js';
import { parseType, sqlType } from '../spec/types.js';
import { computeDrift, type ObservationRow, type ObservedField } from './observations.js';
import { APPLICATION_ID, INDEXES, SCHEMA_VERSION, TABLES } from './schema.js';

export type { ObservationRow } from './observations.js';

export const BUILDER = 'metafuse 0.1.0';

export interface BuildInfo {
  /** Publish counter stored in catalog_meta.version (0 for a local build). */
  version: number;
  sourceCommit: string | null;
  /** ISO 8601, from the commit time or SOURCE_DATE_EPOCH; never the wall clock. */
  builtAt: string | null;
  /** ISO 8601 commit time of sourceCommit (orders publishes), or null. */
  commitTime?: string | null;
  /** Run-time observations carried over from an earlier catalog. */
  observations?: ObservationRow[];
}

export interface CompileResult {
  path: string;
  datasets: number;
  fields: number;
  lineageEdges: number;
  bytes: number;
}

/**
 * Writes the catalog to `outPath` atomically: a reader sees the old file or the new one,
 * never a part. The statements run on a second thread where one is available
 * (src/db/writer.ts) while this one makes the rows and the spec hash.
 */
export async function compileCatalog(model: Model, outPath: string, info: BuildInfo): Promise<CompileResult> {
  const target = path.resolve(outPath);
  const counts = await replaceAtomicallyAsync(target, async (tmp) => {
    // While the writer thread catches up, this one hashes the model (catalog_meta's spec_hash).
    const writer = openWriter(tmp, { meanwhile: digestAhead(model.datasets, model.terms) });
    let counts: Omit<CompileResult, 'path' | 'bytes'>;
    try {
      counts = writeCatalog(writer, model, info);
    } catch (e) {
      await writer.finish().catch(() => {}); // the first failure is the one to report
      throw e;
    }
    await writer.finish();
    return counts;
  }).catch((e: unknown) => {
    throw writeError(outPath, e);
  });
  return { path: target, ...counts, bytes: statSync(target).size };
}

/** The catalog file could not be written for a reason of the place or the disk (see writeFailure), not a bug. */
export class CatalogWriteError extends Error {
  constructor(
    /** The path as given to compileCatalog. */
    readonly file: string,
    /** The driver's or the system's words. */
    readonly reason: string,
  ) {
    super(`cannot write the catalog "${file}": ${reason}`);
  }
}

/** `e`, a failure writing `file`, as a CatalogWriteError when writeFailure knows it; else as it is (a bug). */
export function writeError(file: string, e: unknown): unknown {
  const why = writeFailure(e);
  return why === undefined ? e : new CatalogWriteError(file, why);
}

/**
 * Why the catalog file could not be written, when the cause is the place or the
 * disk (permissions, a missing or read-only folder, no space) rather than a bug:
 * the driver's or the system's own words.
 */
export function writeFailure(e: unknown): string | undefined {
  const { code, errcode } = (e ?? {}) as { code?: unknown; errcode?: unknown };
  // better-sqlite3 names the result code; node:sqlite gives its number (primary code in the low byte).
  if (typeof code === 'string' && /^SQLITE_(PERM|READONLY|IOERR|FULL|CANTOPEN)/.test(code)) return (e as Error).message;
  if (typeof errcode === 'number' && DISK_RESULT_CODES.has(errcode & 0xff)) return (e as Error).message;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return errnoText(e);
  return undefined;
}

/** SQLITE_PERM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN. */
const DISK_RESULT_CODES = new Set([3, 8, 10, 13, 14]);

/** Fills an empty database with the model. Returns row counts. */
export function writeCatalog(db: WriteDatabase, model: Model, info: BuildInfo): Omit<CompileResult, 'path' | 'bytes'> {
  // The file is a private temp file until renamed: no journal file needed, a crash just discards it.
  // MEMORY, not OFF: better-sqlite3's defensive mode silently ignores journal_mode = OFF, which
  // left a "-journal" file beside the target (debris after a kill, and slower builds).
  db.exec(`PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${SCHEMA_VERSION};`);
  db.exec(TABLES);
  let fieldCount = 0;
  let edgeCount = 0;
  db.transaction(() => {
    // Each dataset's id and where its field ids start — by case-insensitive key, and
    // by spelling: references in a model name their target as it is spelled, and two
    // map lookups without building a key string per reference measured ~100 ms less
    // for the 90,000 references of 10k datasets. Field ids are consecutive in field
    // order, so a field's id is its dataset's base plus its position: no map of every
    // field (645,000 entries, ~60 MB, at 50k datasets).
    interface Row {
      id: number;
      /** The id before this dataset's first field. */
      fieldBase: number;
      dataset: Dataset | null;
    }
    const rows: Row[] = model.datasets.map((d, i) => ({ id: i + 1, fieldBase: 0, dataset: d }));
    /** Field id of `path` in a declared dataset, or undefined. */
    const fieldId = (row: Row, path: string): number | undefined => {
      const position = row.dataset ? fieldPosition(row.dataset, path) : undefined;
      return position === undefined ? undefined : row.fieldBase + position + 1;
    };
    const byKey = new Map<string, Row>(model.datasets.map((d, i) => [datasetKey(d), rows[i]!]));
    const spelled = bySpelling(model.datasets, (i) => rows[i]!);
    const target = (ref: { tenant: string; name: string }): Row | undefined => spelled(ref) ?? byKey.get(datasetKey(ref));
    const nameCount = new Map<string, number>();
    for (const d of model.datasets) nameCount.set(d.name.toLowerCase(), (nameCount.get(d.name.toLowerCase()) ?? 0) + 1);
    const defaultTenant = model.config.defaultTenant;

    const insDataset = batchInsert(db, 'INSERT', 'datasets', [
      'id', 'tenant', 'name', 'display_name', 'domain', 'owner', 'description', 'location', 'format', 'schema_file', 'source_file',
      'partition_keys', 'properties', 'deprecated', 'deprecated_since', 'deprecated_reason', 'replacement_id', 'declared',
    ]);
    const insField = batchInsert(db, 'INSERT', 'fields', ['id', 'dataset_id', 'path', 'name', 'parent_path', 'depth', 'position', 'type', 'sql_type', 'nullable', 'description']);
    const insTag = batchInsert(db, 'INSERT', 'tags', ['dataset_id', 'field_id', 'tag']);
    const insTermLink = batchInsert(db, 'INSERT', 'term_links', ['term_id', 'kind', 'dataset_id', 'field_id', 'related_term_id']);
    const insLineage = batchInsert(db, 'INSERT', 'lineage', ['upstream_id', 'downstream_id']);
    const insColumn = batchInsert(db, 'INSERT OR IGNORE', 'column_lineage', ['upstream_field_id', 'downstream_field_id']);

    let lastFieldId = 0;
    model.datasets.forEach((d, i) => {
      const id = i + 1;
      const ambiguous = (nameCount.get(d.name.toLowerCase()) ?? 0) > 1;
      const display = d.tenant === defaultTenant || !ambiguous ? d.name : `${d.tenant}/${d.name}`;
      const replacement = d.deprecated?.replacement ? (target(d.deprecated.replacement)?.id ?? null) : null;
      rows[i]!.fieldBase = lastFieldId;
      insDataset.add(
        id, d.tenant, d.name, display, d.domain, d.owner, d.description, d.location, d.format, d.schemaFile, d.sourceFile,
        JSON.stringify(d.partitionKeys), JSON.stringify(d.properties),
        d.deprecated ? 1 : 0, d.deprecated?.since ?? null, d.deprecated?.reason ?? null, replacement, 1,
      );
      for (const tag of d.tags) insTag.add(id, null, tag);
      for (const term of d.terms) insTermLink.add(term, 'dataset', id, null, null);
      for (const f of d.fields) {
        const fid = ++lastFieldId;
        insField.add(fid, id, f.path, f.name, f.parent, f.depth, f.position, f.type, f.sqlType, f.nullable ? 1 : 0, f.description);
        for (const tag of f.tags) insTag.add(id, fid, tag);
        for (const term of f.terms) insTermLink.add(term, 'field', id, fid, null);
      }
    });

    model.datasets.forEach((d, i) => {
      for (const u of d.upstream) {
        const up = target(u)?.id;
        if (up === undefined) continue;
        insLineage.add(up, i + 1);
        edgeCount++;
      }
      const base = rows[i]!.fieldBase;
      d.fields.forEach((f, position) => {
        if (f.from.length === 0) return;
        const down = base + position + 1;
        for (const c of f.from) {
          const row = target(c);
          const up = row && fieldId(row, c.field);
          if (up !== undefined) insColumn.add(up, down);
        }
      });
    });

    const insTerm = batchInsert(db, 'INSERT', 'glossary_terms', ['id', 'name', 'definition', 'domain', 'owner', 'parent_id', 'synonyms', 'source_file']);
    for (const t of model.terms) {
      insTerm.add(t.id, t.name, t.definition, t.domain, t.owner, t.parent, JSON.stringify(t.synonyms), t.sourceFile);
      for (const r of t.related) insTermLink.add(t.id, 'related', null, null, r);
    }

    // Observations outlive rebuilds: keyed by name, drift recomputed against today's declared fields.
    const observations = info.observations ?? [];
    const latest = new Map<string, ObservationRow>();
    for (const o of observations) {
      const k = datasetKey({ tenant: o.tenant, name: o.dataset });
      const cur = latest.get(k);
      if (!cur || o.observed_at >= cur.observed_at) latest.set(k, o);
    }
    let nextId = model.datasets.length;
    for (const [k, o] of [...latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (byKey.has(k)) continue;
      // A dataset only pipelines have seen: listed, searchable, marked declared = 0.
      const id = ++nextId;
      byKey.set(k, { id, fieldBase: lastFieldId, dataset: null });
      const display = o.tenant === defaultTenant || (nameCount.get(o.dataset.toLowerCase()) ?? 0) === 0 ? o.dataset : `${o.tenant}/${o.dataset}`;
      insDataset.add(id, o.tenant, o.dataset, display, null, null, null, null, null, null, null, '[]', '{}', 0, null, null, null, 0);
      const observed = o.schema ? (JSON.parse(o.schema) as ObservedField[]) : [];
      observed.forEach((f, position) => {
        const fid = ++lastFieldId;
        const dot = f.name.lastIndexOf('.');
        insField.add(fid, id, f.name, f.name.slice(dot + 1), dot < 0 ? null : f.name.slice(0, dot), f.name.split('.').length - 1, position, f.type, sqlTypeOf(f.type), f.nullable ? 1 : 0, null);
      });
    }
    fieldCount = lastFieldId;
    const declared = new Map(model.datasets.map((d) => [datasetKey(d), d]));
    const insObs = batchInsert(db, 'INSERT', 'observations', ['uid', 'tenant', 'dataset', 'observed_at', 'run_id', 'row_count', 'size_bytes', 'schema', 'upstream', 'drift']);
    for (const o of [...observations].sort((a, b) => (a.observed_at < b.observed_at ? -1 : a.observed_at > b.observed_at ? 1 : a.uid < b.uid ? -1 : 1))) {
      const d = declared.get(datasetKey({ tenant: o.tenant, name: o.dataset }));
      const drift = d ? computeDrift(d.fields, o.schema ? (JSON.parse(o.schema) as ObservedField[]) : null) : null;
      insObs.add(o.uid, o.tenant, o.dataset, o.observed_at, o.run_id, o.row_count, o.size_bytes, o.schema, o.upstream, drift ? JSON.stringify(drift) : null);
    }
    // Lineage of observed-only datasets comes from what their latest run read.
    for (const [k, o] of latest) {
      if (declared.has(k) || !o.upstream) continue;
      const down = byKey.get(k)!.id;
      const seen = new Set<number>();
      for (const ref of JSON.parse(o.upstream) as string[]) {
        const up = byKey.get(datasetKey(parseDatasetRef(ref, o.tenant)))?.id;
        if (up === undefined || up === down || seen.has(up)) continue;
        seen.add(up);
        insLineage.add(up, down);
        edgeCount++;
      }
    }

    // The search index, one row per dataset, filled from the model in the same pass
    // (an external-content rebuild through a view cost several times more at 10k).
    // One row per statement: multi-row VALUES into FTS5 measured twice as slow.
    const insSearch = db.prepare(
      'INSERT INTO dataset_search (rowid, name, tenant, description, domain, owner, tags, terms, fields, field_descriptions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const termText = new Map(model.terms.map((t) => [t.id, [t.id, t.name, ...t.synonyms].join(' ')]));
    model.datasets.forEach((d, i) => {
      // The dataset's own, then its fields' in field order (most fields have none).
      const termIds = new Set(d.terms);
      const tags = new Set(d.tags);
      for (const f of d.fields) {
        for (const t of f.terms) termIds.add(t);
        for (const t of f.tags) tags.add(t);
      }
      insSearch.run(
        i + 1, d.name, d.tenant, d.description ?? '', d.domain ?? '', d.owner ?? '',
        [...tags].join(' '),
        [...termIds].map((t) => termText.get(t) ?? t).join(' '),
        d.fields.map((f) => f.path).join(' '),
        d.fields.map((f) => f.description).filter(Boolean).join(' '),
      );
    });
    for (const [k, o] of latest) {
      if (declared.has(k)) continue;
      const observed = o.schema ? (JSON.parse(o.schema) as ObservedField[]) : [];
      insSearch.run(byKey.get(k)!.id, o.dataset, o.tenant, '', '', '', '', '', observed.map((f) => f.name).join(' '), '');
    }

    for (const batch of [insDataset, insField, insTag, insTermLink, insLineage, insColumn, insTerm, insObs]) batch.flush();
    const insMeta = db.prepare('INSERT INTO catalog_meta (key, value) VALUES (?, ?)');
    const meta: Record<string, string | null> = {
      schema_version: String(SCHEMA_VERSION),
      version: String(info.version),
      spec_hash: model.specHash,
      source_commit: info.sourceCommit,
      source_commit_time: info.commitTime ?? null,
      built_at: info.builtAt,
      catalog_name: model.config.name,
      default_tenant: model.config.defaultTenant,
      policy: JSON.stringify(model.config.policy),
      publish_target: model.config.publishTarget,
      builder: BUILDER,
    };
    for (const [k, v] of Object.entries(meta)) insMeta.run(k, v);
  });
  db.exec(INDEXES);
  // Sampled statistics (analysis_limit): the planner needs the shape, not exact counts; full ANALYZE cost ~60 ms at 10k.
  db.exec('PRAGMA analysis_limit = 1000; ANALYZE;');
  return { datasets: model.datasets.length, fields: fieldCount, lineageEdges: edgeCount };
}

function sqlTypeOf(type: string): string {
  try {
    return sqlType(parseType(type));
  } catch {
    return '';
  }
}
