// The incremental mode: parsed YAML kept in <specs>/.metafuse/ between runs,
// keyed by each file's content hash, so a rebuild after editing one file parses
// one file. The folder ignores itself in git.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeDirs } from '../files/durable.js';
import type { ParseCache, ParsedFile } from './load.js';

/** Bump when parsing changes meaning, so old caches are ignored. */
const FORMAT = 'metafuse-parse-cache-3';
/**
 * JSON, not v8.serialize: at 10,000 files (15 MB) JSON.parse reads it in ~0.2 s,
 * v8.deserialize took ~0.5 s, which is most of what the cache saves. Documents
 * holding a value JSON cannot carry (.nan, .inf, -0) are simply not kept.
 */
const FILE = 'parse-cache.json';

/** Remembers which entries a run used, so the saved cache holds only current files. */
class TrackingCache extends Map<string, ParsedFile> {
  readonly used = new Set<string>();
  override get(key: string): ParsedFile | undefined {
    const v = super.get(key);
    if (v !== undefined) this.used.add(key);
    return v;
  }
  /** Entries parsed in this run. */
  added = 0;
  override set(key: string, value: ParsedFile): this {
    if (!super.has(key)) this.added++;
    this.used.add(key);
    return super.set(key, value);
  }
}

export interface DiskCache {
  cache: ParseCache;
  /** Writes the cache back (atomically); failures only cost the next run its speed-up. */
  save(): void;
  /** Entries read from disk. */
  loaded: number;
}

export function openDiskCache(specsRoot: string): DiskCache {
  const dir = path.join(specsRoot, '.metafuse');
  const file = path.join(dir, FILE);
  const cache = new TrackingCache();
  let loaded = 0;
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; entries?: Array<[string, unknown[]]> };
    if (data.format === FORMAT && Array.isArray(data.entries)) {
      for (const [k, docs] of data.entries) Map.prototype.set.call(cache, k, { docs });
      loaded = data.entries.length;
    }
  } catch {
    // no cache yet, or an unreadable one: start empty
  }
  return {
    cache,
    loaded,
    save() {
      // Nothing new parsed and nothing dropped: the file on disk is already right.
      if (cache.added === 0 && cache.used.size === loaded) return;
      try {
        makeDirs(dir);
        writeFileSync(path.join(dir, '.gitignore'), '*\n');
        // Documents only: a hit reads the file anyway (for its key), and has its text from there.
        const entries = [...cache.used].map((k): [string, unknown[]] => [k, (Map.prototype.get.call(cache, k) as ParsedFile).docs]).filter(([, docs]) => jsonSafe(docs));
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ format: FORMAT, entries }));
        renameSync(tmp, file);
        rmSync(path.join(dir, 'parse-cache.bin'), { force: true }); // the first format's file
      } catch {
        // read-only checkout: the cache is an optimisation only
      }
    },
  };
}

/** Whether JSON keeps the value as it is: no NaN, no infinities, no negative zero. */
function jsonSafe(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (v === null || typeof v !== 'object') return true;
  return Array.isArray(v) ? v.every(jsonSafe) : Object.values(v).every(jsonSafe);
}
