// Where a command writes, and whether it may use colour (TTY only, NO_COLOR respected).
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Colour allowed on stdout. */
  color: boolean;
  /** stderr is a terminal (progress output allowed). */
  errIsTTY: boolean;
  /** Width of the terminal on stderr, when it is one. */
  errColumns?: number;
}

export function processIo(): Io {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  watchOutput();
  return {
    out: (t) => void (closed.stdout || process.stdout.write(t)),
    err: (t) => void (closed.stderr || process.stderr.write(t)),
    color: Boolean(process.stdout.isTTY) && !noColor && process.env.TERM !== 'dumb',
    errIsTTY: Boolean(process.stderr.isTTY),
    errColumns: process.stderr.isTTY ? process.stderr.columns : undefined,
  };
}

const closed = { stdout: false, stderr: false };
let failure: string | undefined;
let watching = false;

/**
 * Why the command's output could not be written (a full disk, a closed file), or
 * undefined: the output is then incomplete and the command must not exit 0.
 */
export function outputFailure(): string | undefined {
  return failure;
}

/**
 * A failed write to stdout or stderr stops further writes there instead of
 * crashing the process with an unhandled 'error' event. A reader that stops
 * reading (`metafuse list | head`, EPIPE) is no failure: the command finishes
 * with its own exit code, as command-line tools do. Any other failure is
 * reported on stderr and makes the exit code 1; it may come after the command
 * has returned (writes to a pipe report it a tick later), hence process.exitCode.
 */
function watchOutput(): void {
  if (watching) return;
  watching = true;
  for (const which of ['stdout', 'stderr'] as const) {
    process[which].on('error', (e: NodeJS.ErrnoException) => {
      closed[which] = true;
      if (e.code === 'EPIPE') return;
      failure ??= `cannot write to ${which}: ${e.message}`;
      process.exitCode = 1;
      if (!closed.stderr) process.stderr.write(`metafuse: ${failure}\n`);
    });
  }
}

/** A captured Io for tests and for embedding. */
export function bufferIo(): Io & { stdout: () => string; stderr: () => string } {
  let o = '';
  let e = '';
  return {
    out: (t) => void (o += t),
    err: (t) => void (e += t),
    color: false,
    errIsTTY: false,
    stdout: () => o,
    stderr: () => e,
  };
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], yellow: [33, 39], green: [32, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof CODES;

export function paint(io: Pick<Io, 'color'>, style: Style, text: string): string {
  if (!io.color) return text;
  const [a, b] = CODES[style];
  return `\u001b[${a}m${text}\u001b[${b}m`;
}
