// A progress line on stderr for large downloads (pull, and every read command given a
// store URL): only when stderr is a terminal, only for a large object or a slow
// transfer, at most 10 updates a second, finished with a newline. Off with
// METAFUSE_NO_PROGRESS=1, TERM=dumb, and for JSON output.
import type { StoreTarget } from '../store/open.js';
import { pull, type PullOptions, type PullOutcome } from '../store/pull.js';
import type { Io } from './io.js';

/** Objects larger than this get a progress line from the first chunk. */
export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
/** Smaller objects get one once the transfer has lasted this long. */
export const PROGRESS_MIN_MS = 1000;
/** At most one redraw per this interval (the final state is always drawn). */
export const PROGRESS_INTERVAL_MS = 100;

const MiB = 1024 * 1024;

/** Whether progress may be drawn on io's stderr. */
export function progressAllowed(io: Io, env: NodeJS.ProcessEnv = process.env): boolean {
  const off = env.METAFUSE_NO_PROGRESS;
  return io.errIsTTY && !(off !== undefined && off !== '' && off !== '0') && env.TERM !== 'dumb';
}

export interface TransferProgress {
  onProgress(received: number, total: number | undefined): void;
  /** Draws the final state and ends the line, if a line was drawn at all. */
  done(): void;
}

/** `verb subject  12.3 / 32.2 MiB  38%  4.1 MiB/s`; a long subject loses its start to fit one row. */
export function transferProgress(io: Io, verb: string, subject: string, options: { now?: () => number; columns?: number } = {}): TransferProgress {
  const now = options.now ?? Date.now;
  const start = now();
  let shown = false;
  let lastDraw = -Infinity;
  let drawn = '';
  let drawnReceived = -1;
  let received = 0;
  let total: number | undefined;

  const line = (): string => {
    const secs = Math.max((now() - start) / 1000, 0.001);
    const amount = total !== undefined ? `${mib(received)} / ${mib(total)} MiB  ${total > 0 ? Math.floor((100 * received) / total) : 100}%` : `${mib(received)} MiB`;
    const tail = `  ${amount}  ${mib(received / secs)} MiB/s`;
    // One terminal row: \r only returns to the start of the last row of a wrapped line.
    const room = Math.max((options.columns || 80) - 1 - tail.length - verb.length - 1, 10);
    return `${verb} ${subject.length <= room ? subject : `…${subject.slice(subject.length - room + 1)}`}${tail}`;
  };
  const draw = (): void => {
    const text = line();
    lastDraw = now();
    drawnReceived = received;
    if (text === drawn) return;
    drawn = text;
    io.err(`\r${text}\u001b[K`);
  };

  return {
    onProgress(r, t) {
      received = r;
      total = t;
      const elapsed = now() - start;
      if (!shown) {
        if (!((t ?? 0) > PROGRESS_MIN_BYTES || elapsed >= PROGRESS_MIN_MS)) return;
        shown = true;
      }
      if (now() - lastDraw >= PROGRESS_INTERVAL_MS) draw();
    },
    done() {
      if (!shown) return;
      if (drawnReceived !== received) draw();
      io.err('\n');
      shown = false;
    },
  };
}

/** pull() with a progress line on a terminal's stderr (`quiet` for JSON output). */
export async function pullWithProgress(io: Io, target: StoreTarget, options: PullOptions & { quiet?: boolean } = {}): Promise<PullOutcome> {
  const { quiet, ...rest } = options;
  const progress = !quiet && progressAllowed(io) ? transferProgress(io, 'pulling', target.url, { columns: io.errColumns }) : undefined;
  try {
    return await pull(target, { ...rest, onProgress: progress?.onProgress });
  } finally {
    progress?.done();
  }
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}
