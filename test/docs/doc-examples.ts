// Runs the examples in the Markdown docs, so that the output they show is the
// output MetaFuse prints today.
//
// An example is the part of a page between two headings (any level) that holds
// at least one ```console block. Its steps run in document order in a fresh
// temporary folder (with `catalog-specs` linked to this repository's example
// catalog, for the Arrow files):
//
//   ```yaml            whose first line is `# some/path.yaml`: written to that path
//   ```sh              run with bash (set -e)
//   ```console         `$ metafuse ARGS` lines, each followed by its expected
//                      output (stdout, then stderr); `$ metafuse ARGS; echo $?`
//                      also prints the exit code
//
// YAML blocks without such a first line, and every block outside an example,
// are illustrations only. `metafuse` runs in-process with the folder as the
// current directory. Timings and sizes in `build` output are normalised.
//
// METAFUSE_UPDATE_DOCS=1 rewrites the console blocks with the actual output
// instead of comparing (review the diff before committing it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Fence {
  info: string;
  /** Line index (0-based) of the opening fence. */
  start: number;
  /** Line index of the closing fence. */
  end: number;
  body: string[];
}

export type Step =
  | { kind: 'file'; path: string; content: string }
  | { kind: 'sh'; script: string }
  | { kind: 'console'; fence: Fence; commands: Command[] };

export interface Command {
  line: string;
  argv: string[];
  echoExit: boolean;
  expected: string;
}

export interface Example {
  heading: string;
  /** 1-based line of the heading. */
  line: number;
  steps: Step[];
}

export interface Section {
  heading: string;
  /** Heading level (number of #). */
  level: number;
  line: number;
  /** Text up to the next heading of the same or a higher level. */
  body: string[];
}

const FILE_LINE = /^# ([\w./-]+\.ya?ml)$/;

/** Fenced code blocks (``` at the start of a line). */
export function fences(lines: string[]): Fence[] {
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const marker = open[1]!;
    let j = i + 1;
    while (j < lines.length && !(lines[j]!.startsWith(marker) && lines[j]!.trim() === marker)) j++;
    if (j >= lines.length) throw new Error(`unclosed code block at line ${i + 1}`);
    out.push({ info: open[2]!.trim(), start: i, end: j, body: lines.slice(i + 1, j) });
    i = j;
  }
  return out;
}

/** Headings outside code blocks, with the text each one covers. */
export function sections(md: string): Section[] {
  const lines = md.split('\n');
  const inFence = new Set<number>();
  for (const f of fences(lines)) for (let i = f.start; i <= f.end; i++) inFence.add(i);
  const heads: Array<{ level: number; heading: string; line: number }> = [];
  lines.forEach((l, i) => {
    const m = /^(#{1,6}) (.*)$/.exec(l);
    if (m && !inFence.has(i)) heads.push({ level: m[1]!.length, heading: m[2]!.trim(), line: i });
  });
  return heads.map((h, k) => {
    const next = heads.slice(k + 1).find((n) => n.level <= h.level);
    return { heading: h.heading, level: h.level, line: h.line + 1, body: lines.slice(h.line + 1, next ? next.line : lines.length) };
  });
}

/** Splits a command line into words: plain words, '…' and "…" quoting. */
export function shellWords(s: string): string[] {
  const words: string[] = [];
  const re = /\s*(?:'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+))/g;
  let m: RegExpExecArray | null;
  let current: string | null = null;
  let last = 0;
  while ((m = re.exec(s)) && m[0] !== '') {
    const glued = m.index === last && current !== null && !/^\s/.test(m[0]);
    const part = m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
    if (glued) current += part;
    else {
      if (current !== null) words.push(current);
      current = part;
    }
    last = re.lastIndex;
  }
  if (current !== null) words.push(current);
  return words;
}

function parseConsole(fence: Fence, where: string): Command[] {
  const commands: Command[] = [];
  for (const line of fence.body) {
    if (line.startsWith('$ ')) {
      let text = line.slice(2).trim();
      const echoExit = text.endsWith('; echo $?');
      if (echoExit) text = text.slice(0, -'; echo $?'.length).trim();
      const argv = shellWords(text);
      if (argv[0] !== 'metafuse') throw new Error(`${where}: console commands must run metafuse, not: ${line}`);
      commands.push({ line, argv: argv.slice(1), echoExit, expected: '' });
    } else {
      if (commands.length === 0) throw new Error(`${where}: console block must start with a "$ metafuse" line`);
      commands[commands.length - 1]!.expected += `${line}\n`;
    }
  }
  return commands;
}

/** The runnable examples of a page. */
export function examples(md: string): Example[] {
  const lines = md.split('\n');
  const all = fences(lines);
  const heads: number[] = [];
  const inFence = new Set<number>();
  for (const f of all) for (let i = f.start; i <= f.end; i++) inFence.add(i);
  lines.forEach((l, i) => {
    if (/^#{1,6} /.test(l) && !inFence.has(i)) heads.push(i);
  });
  const out: Example[] = [];
  heads.forEach((h, k) => {
    const end = heads[k + 1] ?? lines.length;
    const own = all.filter((f) => f.start > h && f.start < end);
    if (!own.some((f) => f.info === 'console')) return;
    const where = `line ${h + 1} (${lines[h]})`;
    const steps: Step[] = [];
    for (const f of own) {
      const lang = f.info.split(/\s+/)[0];
      if (lang === 'yaml') {
        const m = FILE_LINE.exec(f.body[0] ?? '');
        if (m) steps.push({ kind: 'file', path: m[1]!, content: `${f.body.join('\n')}\n` });
      } else if (lang === 'sh') {
        steps.push({ kind: 'sh', script: f.body.join('\n') });
      } else if (lang === 'console') {
        steps.push({ kind: 'console', fence: f, commands: parseConsole(f, where) });
      }
    }
    out.push({ heading: lines[h]!.replace(/^#+ /, ''), line: h + 1, steps });
  });
  return out;
}

/** Hides what changes from run to run: build timings and file sizes. */
export function normalise(text: string): string {
  return text.replace(/\b\d+(\.\d+)? (KiB|MiB|bytes) in \d+ ms\b/g, '<size> in <time>').replace(/\bin \d+ ms\b/g, 'in <time>');
}

export interface Ran {
  command: Command;
  actual: string;
}

/** Runs one example in a fresh folder; returns each command with its actual output. */
export async function runExample(example: Example): Promise<Ran[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'metafuse-doc-'));
  const ran: Ran[] = [];
  try {
    symlinkSync(path.join(REPO_ROOT, 'catalog-specs'), path.join(dir, 'catalog-specs'));
    for (const step of example.steps) {
      if (step.kind === 'file') {
        const abs = path.join(dir, ...step.path.split('/'));
        mkdirSync(path.dirname(abs), { recursive: true });
        writeFileSync(abs, step.content);
      } else if (step.kind === 'sh') {
        execFileSync('bash', ['-e', '-c', step.script], { cwd: dir, stdio: 'pipe' });
      } else {
        for (const command of step.commands) {
          const io = bufferIo();
          const before = process.cwd();
          let code: number;
          process.chdir(dir);
          try {
            code = await main(command.argv, io);
          } finally {
            process.chdir(before);
          }
          const actual = io.stdout() + io.stderr() + (command.echoExit ? `${code}\n` : '');
          ran.push({ command, actual });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ran;
}

/** The page with every console block replaced by the actual output (for METAFUSE_UPDATE_DOCS=1). */
export function rewriteConsoleBlocks(md: string, results: Map<Fence, Ran[]>): string {
  const lines = md.split('\n');
  const edits = [...results.entries()].sort((a, b) => b[0].start - a[0].start);
  for (const [fence, ran] of edits) {
    const body: string[] = [];
    for (const r of ran) {
      body.push(r.command.line);
      // Keep the page's text when only timings or sizes differ, so updates give quiet diffs.
      const text = normalise(r.actual) === normalise(r.command.expected) ? r.command.expected : r.actual;
      if (text !== '') body.push(...text.replace(/\n$/, '').split('\n'));
    }
    lines.splice(fence.start + 1, fence.end - fence.start - 1, ...body);
  }
  return lines.join('\n');
}

export const UPDATE_DOCS = process.env.METAFUSE_UPDATE_DOCS === '1';

export const HINT = 'The page shows other output than MetaFuse prints. If the change is intended, run METAFUSE_UPDATE_DOCS=1 npx vitest run test/docs and review the diff of docs/.';

/**
 * Registers one test per example of a page: its commands print what the page
 * shows. With METAFUSE_UPDATE_DOCS=1 a last test rewrites the page's outputs instead.
 */
export function exampleTests(doc: string, md: string, list: Example[]): void {
  const results = new Map<Fence, Ran[]>();
  for (const example of list) {
    it(`line ${example.line}: ${example.heading}`, async () => {
      const ran = await runExample(example);
      let k = 0;
      for (const step of example.steps) {
        if (step.kind !== 'console') continue;
        const mine = ran.slice(k, k + step.commands.length);
        k += step.commands.length;
        results.set(step.fence, mine);
        if (UPDATE_DOCS) continue;
        for (const r of mine) expect(normalise(r.actual), `${r.command.line}\n${HINT}`).toBe(normalise(r.command.expected));
      }
    });
  }
  it.runIf(UPDATE_DOCS)('rewrites the page with the actual output (METAFUSE_UPDATE_DOCS=1)', () => {
    writeFileSync(doc, rewriteConsoleBlocks(md, results));
  });
}
