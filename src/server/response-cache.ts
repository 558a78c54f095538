// Recent API answers, kept in memory. A catalog never changes while it is served
// (a new one is swapped in whole), so an answer stays right until the swap, which
// empties the cache. At 10k datasets a search for a common word spends 2-7 ms
// ranking thousands of matches; the same search from the cache costs microseconds.

export interface CachedAnswer {
  body: Buffer;
  etag: string;
  version: number;
  /** Compressed bodies by Content-Encoding, filled as clients ask for them. */
  encoded: Map<string, Buffer>;
}

export interface ResponseCacheOptions {
  maxEntries?: number;
  maxBytes?: number;
  /** Larger answers are not kept. */
  maxEntryBytes?: number;
}

/**
 * Least recently used first out, bounded by entries and by body bytes (compressed
 * variants are not counted: they are smaller than their body), one catalog at a time.
 */
export class ResponseCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private bytes = 0;
  private catalogId: string | undefined;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;

  constructor(o: ResponseCacheOptions = {}) {
    this.maxEntries = o.maxEntries ?? 2000;
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
    this.maxEntryBytes = o.maxEntryBytes ?? 8 * 1024 * 1024;
  }

  get size(): number {
    return this.entries.size;
  }

  get(catalogId: string, key: string): CachedAnswer | undefined {
    this.forCatalog(catalogId);
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used goes last.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(catalogId: string, key: string, answer: CachedAnswer): void {
    this.forCatalog(catalogId);
    if (this.maxEntries === 0 || answer.body.length > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.body.length;
    }
    this.entries.set(key, answer);
    this.bytes += answer.body.length;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.body.length;
    }
  }

  /** An answer from another catalog is never right: a swap empties the cache. */
  private forCatalog(catalogId: string): void {
    if (catalogId === this.catalogId) return;
    this.entries.clear();
    this.bytes = 0;
    this.catalogId = catalogId;
  }
}
