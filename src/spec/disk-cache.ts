// The incremental mode: parsed YAML kept in <specs>/.metafuse/ between runs,
// keyed by each file's content hash, so a rebuild after editing one file parses
// one file. The folder ignores itself in git.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { ParseCache } from './load.js';

/** Bump when parsing changes meaning, so old caches are ignored. */
const FORMAT = 'metafuse-parse-cache-1';

/** Remembers which entries a run used, so the saved cache holds only current files. */
class TrackingCache extends Map<string, unknown[]> {
  readonly used = new Set<string>();
  override get(key: string): unknown[] | undefined {
    const v = super.get(key);
    if (v !== undefined) this.used.add(key);
    return v;
  }
  override set(key: string, value: unknown[]): this {
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
  const file = path.join(dir, 'parse-cache.bin');
  const cache = new TrackingCache();
  let loaded = 0;
  try {
    const data = deserialize(readFileSync(file)) as { format?: string; entries?: Array<[string, unknown[]]> };
    if (data.format === FORMAT && Array.isArray(data.entries)) {
      for (const [k, v] of data.entries) Map.prototype.set.call(cache, k, v);
      loaded = data.entries.length;
    }
  } catch {
    // no cache yet, or an unreadable one: start empty
  }
  return {
    cache,
    loaded,
    save() {
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, '.gitignore'), '*\n');
        const entries = [...cache.used].map((k): [string, unknown[]] => [k, Map.prototype.get.call(cache, k) as unknown[]]);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, serialize({ format: FORMAT, entries }));
        renameSync(tmp, file);
      } catch {
        // read-only checkout: the cache is an optimisation only
      }
    },
  };
}
