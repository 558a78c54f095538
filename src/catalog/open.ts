// Opens a catalog file for reading, refusing files that are not MetaFuse catalogs
// or that a newer MetaFuse wrote.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { openDatabase, type Database } from '../db/index.js';
import { APPLICATION_ID, SCHEMA_VERSION } from './schema.js';

export class CatalogError extends Error {}

export interface CatalogMeta {
  schemaVersion: number;
  version: number;
  specHash: string | null;
  sourceCommit: string | null;
  builtAt: string | null;
  catalogName: string | null;
  defaultTenant: string;
  builder: string | null;
  [key: string]: unknown;
}

export interface Catalog {
  db: Database;
  meta: CatalogMeta;
  path: string;
  close(): void;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

export function openCatalog(path: string): Catalog {
  const header = Buffer.alloc(100);
  let n: number;
  try {
    const fd = openSync(path, 'r');
    try {
      n = readSync(fd, header, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CatalogError(`catalog file "${path}" does not exist; build one with "metafuse build" or pass --catalog`);
    if (code === 'EISDIR') throw new CatalogError(`"${path}" is a directory, not a catalog file`);
    throw new CatalogError(`cannot read catalog file "${path}": ${(e as Error).message}`);
  }
  if (n < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new CatalogError(`"${path}" is not a MetaFuse catalog (not an SQLite file)`);
  }
  if (header.readUInt32BE(68) !== APPLICATION_ID) {
    throw new CatalogError(`"${path}" is an SQLite file but not a MetaFuse catalog`);
  }
  const fileVersion = header.readUInt32BE(60);
  if (fileVersion > SCHEMA_VERSION) {
    throw new CatalogError(`"${path}" uses catalog schema version ${fileVersion}, newer than this MetaFuse understands (${SCHEMA_VERSION}); upgrade MetaFuse`);
  }
  // A download or copy cut short: SQLite zero-fills missing pages and may answer
  // from the rest, so compare the size the header promises with the file's size.
  const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
  const sizeValid = header.readUInt32BE(92) === header.readUInt32BE(24);
  const expected = header.readUInt32BE(28) * pageSize;
  if (sizeValid && expected > 0) {
    const actual = statSync(path).size;
    if (actual < expected) throw new CatalogError(`"${path}" is truncated (${actual} of ${expected} bytes); download or build it again`);
  }
  let db: Database;
  try {
    db = openDatabase(path, { readonly: true });
  } catch (e) {
    throw new CatalogError(`cannot open catalog "${path}": ${(e as Error).message}`);
  }
  let rows: Array<{ key: string; value: string | null }>;
  try {
    rows = db.prepare('SELECT key, value FROM catalog_meta').all<{ key: string; value: string | null }>();
  } catch (e) {
    db.close();
    throw new CatalogError(`"${path}" is damaged or incomplete: ${(e as Error).message}`);
  }
  const raw = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  const meta: CatalogMeta = {
    schemaVersion: Number(raw.schema_version ?? fileVersion),
    version: Number(raw.version ?? 0),
    specHash: raw.spec_hash ?? null,
    sourceCommit: raw.source_commit ?? null,
    builtAt: raw.built_at ?? null,
    catalogName: raw.catalog_name ?? null,
    defaultTenant: raw.default_tenant ?? 'default',
    builder: raw.builder ?? null,
  };
  return { db, meta, path, close: () => db.close() };
}
