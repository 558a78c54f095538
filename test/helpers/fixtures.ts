// Spec trees for tests: small real directories under the OS temp folder, one per
// test, removed again by cleanupSpecTrees() (register it with afterEach).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSpecs, type Diagnostic, type SpecResult } from '../../src/spec/index.js';

/** What a path in a tree holds: file text or bytes, a symbolic link, or an empty directory. */
export type TreeEntry = string | Uint8Array | { symlink: string } | { dir: true };

const created: string[] = [];

/**
 * Writes `files` (paths relative to a fresh temporary directory, forward slashes)
 * and returns that directory. Parent folders are created as needed.
 */
export function specTree(files: Record<string, TreeEntry> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'metafuse-test-'));
  created.push(dir);
  addToTree(dir, files);
  return dir;
}

/** Adds (or overwrites) entries in an existing tree. */
export function addToTree(dir: string, files: Record<string, TreeEntry>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, ...rel.split('/'));
    mkdirSync(path.dirname(abs), { recursive: true });
    if (typeof content === 'string' || content instanceof Uint8Array) writeFileSync(abs, content);
    else if ('symlink' in content) symlinkSync(content.symlink, abs);
    else mkdirSync(abs, { recursive: true });
  }
}

/** Removes every tree made since the last call. */
export function cleanupSpecTrees(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The path diagnostics show for `rel` inside `dir`: relative to the current directory, forward slashes. */
export function shown(dir: string, rel: string): string {
  return path.relative(process.cwd(), path.join(dir, ...rel.split('/'))).split(path.sep).join('/');
}

/**
 * Template tag for YAML in tests: drops the first line break and the common
 * indentation, so line and column numbers can be read off the literal.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  let text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  text = text.replace(/^[ \t]*\n/, '').replace(/\n[ \t]*$/, '\n');
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ ]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** A diagnostic without its message, for exact comparisons of where and what. */
export interface Where {
  file: string;
  line: number;
  column: number;
  severity: Diagnostic['severity'];
  code: string;
}

export function where(list: Diagnostic[]): Where[] {
  return list.map(({ file, line, column, severity, code }) => ({ file, line, column, severity, code }));
}

/** Writes a tree, loads the specs under `sub` (default: the tree itself), and returns both. */
export async function loadTree(files: Record<string, TreeEntry>, sub = '.'): Promise<{ dir: string; result: SpecResult; at: (rel: string) => string }> {
  const dir = specTree(files);
  const result = await loadSpecs(path.join(dir, sub));
  return { dir, result, at: (rel) => shown(dir, rel) };
}

/** The diagnostics with one code. */
export function withCode(result: SpecResult, code: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.code === code);
}

/**
 * A valid dataset document: five header lines (apiVersion, kind, name, owner,
 * description), then `extra`, which therefore starts on line 6.
 */
export function datasetYaml(name: string, extra = ''): string {
  return `apiVersion: metafuse/v1\nkind: Dataset\nname: ${name}\nowner: team@acme.example\ndescription: The ${name} data.\n${extra}`;
}

/**
 * A valid glossary term document: five header lines (apiVersion, kind, id,
 * name, definition), then `extra`, which therefore starts on line 6.
 */
export function termYaml(id: string, extra = ''): string {
  return `apiVersion: metafuse/v1\nkind: GlossaryTerm\nid: ${id}\nname: ${id}\ndefinition: What ${id} means.\n${extra}`;
}
