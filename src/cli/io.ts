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
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    color: Boolean(process.stdout.isTTY) && !noColor && process.env.TERM !== 'dumb',
    errIsTTY: Boolean(process.stderr.isTTY),
    errColumns: process.stderr.isTTY ? process.stderr.columns : undefined,
  };
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
