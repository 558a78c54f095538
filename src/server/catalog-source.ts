// The catalog a server answers from: a local file, or a store URL pulled into the
// cache and re-pulled periodically. A new version is opened and swapped in
// atomically; requests already running finish on the catalog they started with,
// which is closed once the last of them is done.
import { openCatalog, type Catalog } from '../catalog/open.js';
import { openStoreTarget, isStoreUrl } from '../store/open.js';
import { pull } from '../store/pull.js';

interface Held {
  catalog: Catalog;
  users: number;
  retired: boolean;
  /** Identifies the file's content: changes whenever a new catalog is swapped in. */
  id: string;
}

export interface CatalogSourceOptions {
  /** A file path, file:// URL, or store URL. */
  location: string;
  /** Seconds between re-pulls of a store URL (default 60; 0 = never). Local files are re-opened when they change. */
  pollSeconds?: number;
  onSwap?: (version: number) => void;
  onError?: (message: string) => void;
}

export class CatalogSource {
  private current: Held | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly o: CatalogSourceOptions) {}

  /** Loads the first catalog; throws when it cannot (the server should not start without one). */
  async start(): Promise<void> {
    await this.refresh(true);
    const seconds = this.o.pollSeconds ?? 60;
    if (seconds > 0) {
      this.timer = setInterval(() => void this.refresh(false), seconds * 1000);
      this.timer.unref();
    }
  }

  get version(): number | undefined {
    return this.current?.catalog.meta.version;
  }

  get id(): string | undefined {
    return this.current?.id;
  }

  /** Runs fn against the current catalog, keeping it open until fn returns. */
  use<T>(fn: (cat: Catalog, id: string) => T): T {
    const held = this.current;
    if (!held) throw new Error('no catalog loaded');
    held.users++;
    try {
      return fn(held.catalog, held.id);
    } finally {
      held.users--;
      if (held.retired && held.users === 0) held.catalog.close();
    }
  }

  /** Re-pulls (URL) or re-stats (file) and swaps in a new catalog when it changed. */
  refresh(initial = false): Promise<void> {
    this.refreshing ??= this.doRefresh(initial).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(initial: boolean): Promise<void> {
    try {
      let file = this.o.location;
      if (isStoreUrl(file) && !file.startsWith('file://')) file = (await pull(await openStoreTarget(file))).path;
      else if (file.startsWith('file://')) file = new URL(file).pathname;
      const { statSync } = await import('node:fs');
      const st = statSync(file);
      const id = `${st.size}-${st.mtimeMs}-${st.ino}`;
      if (this.current?.id === id) return;
      const next: Held = { catalog: openCatalog(file), users: 0, retired: false, id };
      const old = this.current;
      this.current = next;
      if (old) {
        old.retired = true;
        if (old.users === 0) old.catalog.close();
      }
      if (!initial) this.o.onSwap?.(next.catalog.meta.version);
    } catch (e) {
      if (initial) throw e;
      // Keep serving the catalog we have; report and try again at the next tick.
      this.o.onError?.(e instanceof Error ? e.message : String(e));
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.current) {
      this.current.retired = true;
      if (this.current.users === 0) this.current.catalog.close();
    }
    this.current = undefined;
  }
}
