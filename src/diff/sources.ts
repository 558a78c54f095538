// What a diff compares: a specs directory, a catalog file, or the specs at a git
// commit (`git:<ref>`), each turned into a Model.
import { closeSync, lstatSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { CatalogError, openCatalog } from '../catalog/open.js';
import { readModel } from '../catalog/read-model.js';
import { ownedTag, removeDeadTempDirs } from '../files/owned-temp.js';
import { git } from '../git/git.js';
import { loadSpecs, type Diagnostic, type LoadOptions, type Model } from '../spec/index.js';
import { isInside, isSpecName } from '../spec/load.js';

export class SourceError extends Error {}

export interface Side {
  /** How the side is named in reports: the path, or git:<ref> (<short sha>). */
  label: string;
  model: Model;
  diagnostics: Diagnostic[];
  errors: number;
}

/** `cache` and `reuse` are shared by the two sides of a diff (sharedLoading()): the second parses and analyses only what changed. */
export interface SourceOptions extends Pick<LoadOptions, 'cache' | 'reuse'> {
  /** The specs directory of the working tree: `git:` refs read the same path at that commit. */
  specsDir: string;
  /** Resolves store URLs (s3://, gs://, az://, file://) to a local catalog file; absent = unsupported. */
  pullUrl?: (url: string) => Promise<string>;
}

export async function loadSide(ref: string, options: SourceOptions): Promise<Side> {
  if (ref.startsWith('git:')) return prepareSide(ref, options).load();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) {
    if (!options.pullUrl) throw new SourceError(`cannot read "${ref}": store URLs are not supported here`);
    return loadCatalogSide(await options.pullUrl(ref), ref);
  }
  let isDir: boolean;
  try {
    isDir = statSync(ref).isDirectory(); // follows a symbolic link to a specs directory
  } catch {
    throw new SourceError(`"${ref}" is neither a specs directory, a catalog file, a store URL nor git:<ref>`);
  }
  if (isDir) {
    const r = await loadSpecs(ref, { cache: options.cache, reuse: options.reuse });
    return { label: ref, model: r.model, diagnostics: r.diagnostics, errors: r.errors };
  }
  return loadCatalogSide(ref, ref);
}

function loadCatalogSide(file: string, label: string): Side {
  let cat;
  try {
    cat = openCatalog(file);
  } catch (e) {
    if (e instanceof CatalogError) throw new SourceError(e.message);
    throw e;
  }
  try {
    const model = readModel(cat);
    return { label: `${label} (version ${cat.meta.version})`, model, diagnostics: [], errors: 0 };
  } finally {
    cat.close();
  }
}

/** Resolves a ref to a commit, fetching it when the clone is shallow and lacks it. */
export function resolveCommit(cwd: string, ref: string): string {
  // A ref starting with "-" would reach git as an option (git fetch --upload-pack=<command> runs it).
  if (ref === '' || ref.startsWith('-')) throw new SourceError(`git:${ref} is not a valid ref (a commit, branch or tag)`);
  const verify = () => git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  let sha = verify();
  if (sha) return sha;
  if (git(cwd, ['rev-parse', '--is-inside-work-tree']) !== 'true') {
    throw new SourceError(`git:${ref} needs the specs to be in a git checkout, and "${cwd}" is not`);
  }
  const shallow = git(cwd, ['rev-parse', '--is-shallow-repository']) === 'true';
  // A shallow checkout (actions/checkout's default) lacks the base: fetch just that commit from origin.
  if (git(cwd, ['remote', 'get-url', 'origin']) !== undefined) {
    const remoteRef = ref.startsWith('origin/') ? ref.slice('origin/'.length) : ref;
    if (git(cwd, ['fetch', '--no-tags', '--quiet', '--depth=1', 'origin', remoteRef]) !== undefined) {
      sha = verify() ?? git(cwd, ['rev-parse', '--verify', '--quiet', 'FETCH_HEAD^{commit}']);
      if (sha) return sha;
    }
  }
  if (shallow) {
    throw new SourceError(`git:${ref} is not in this shallow clone and could not be fetched; fetch more history (actions/checkout with fetch-depth: 0, or git fetch --unshallow)`);
  }
  throw new SourceError(`git:${ref} is not a commit, branch or tag in this repository`);
}

export interface PreparedSide {
  load(): Promise<Side>;
}

/**
 * A side whose slow input is already being read: for git:<ref>, the tree is listed
 * at once, and git writes its files other than specs (Arrow schemas, links) while
 * this thread loads the other side. Spec files are listed with their blob ids,
 * which are the parse cache's keys: at load(), only those the cache does not
 * already hold (with their text) are read from git, usually the few a change
 * touched. Other refs are read by load(). Errors (a ref that is no commit, no
 * checkout) come from load(), as they would from loadSide.
 */
export function prepareSide(ref: string, options: SourceOptions): PreparedSide {
  if (!ref.startsWith('git:')) return { load: () => loadSide(ref, options) };
  let tree: Promise<GitTree>;
  try {
    tree = startGitTree(ref.slice(4), options.specsDir);
  } catch (e) {
    tree = Promise.reject(e);
  }
  tree.catch(() => {}); // reported by load()
  return {
    async load() {
      const t = await tree;
      const { files, keys } = await t.complete((blob) => options.cache?.get(blob)?.text !== undefined);
      // The tree is loaded as if it were the specs directory; nothing touches the working tree.
      const r = await loadSpecs(t.dir, { inputs: files, keys, cache: options.cache, reuse: options.reuse });
      return { label: t.label, model: r.model, diagnostics: r.diagnostics, errors: r.errors };
    },
  };
}

interface GitTree {
  label: string;
  /** The specs directory the files are placed under. */
  dir: string;
  /**
   * The tree's files by absolute path under `dir`: `keys`, each file's blob id, and
   * `files`, the content of every file but the spec files `cached` says are known.
   */
  complete(cached: (blob: string) => boolean): Promise<{ files: Map<string, Buffer>; keys: Map<string, string> }>;
}

interface TreeEntry {
  mode: string;
  blob: string;
  abs: string;
}

function startGitTree(ref: string, specsDir: string): Promise<GitTree> {
  const dir = path.resolve(specsDir);
  const cwd = existingParent(dir);
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top) throw new SourceError(`git:${ref} needs the specs to be in a git checkout, and "${specsDir}" is not`);
  const sha = resolveCommit(cwd, ref);
  // git prints the top level with symbolic links resolved: resolve the specs path the same way.
  const prefix = path.relative(realpathSync(top), path.join(realpathSync(cwd), path.relative(cwd, dir))).split(path.sep).join('/');
  const entries = listTree(top, sha, prefix, dir);
  const isLink = (e: TreeEntry) => e.mode === '120000';
  // Started now: what is needed whatever the cache holds.
  const others = readBlobs(top, entries.filter((e) => isLink(e) || !isSpecName(e.abs)));
  return others.then((read) => ({
    label: `git:${ref} (${sha.slice(0, 7)})`,
    dir,
    async complete(cached) {
      const files = new Map<string, Buffer>();
      const keys = new Map<string, string>();
      /** Each link's target, resolved against the link's folder. */
      const targets = new Map<string, string>();
      for (const e of entries) {
        if (isLink(e)) targets.set(e.abs, path.resolve(path.dirname(e.abs), read.get(e.abs)!.toString('utf8')));
        else keys.set(e.abs, e.blob);
      }
      const specs = entries.filter((e) => !isLink(e) && isSpecName(e.abs) && !cached(e.blob));
      for (const [abs, bytes] of [...read, ...(await readBlobs(top, specs))]) if (keys.has(abs)) files.set(abs, bytes);
      // A symbolic link inside the tree reads as the file it points to, through other
      // links as the file system would follow them (at most 40); links that leave the
      // specs folder or end at no file are dropped.
      const regular = new Map(keys);
      for (const [link, target] of targets) {
        let resolved = target;
        for (let hops = 0; targets.has(resolved) && hops < 40; hops++) resolved = targets.get(resolved)!;
        const blob = regular.get(resolved);
        if (blob === undefined || !isInside(dir, resolved)) continue;
        keys.set(link, blob);
        const bytes = files.get(resolved);
        if (bytes) files.set(link, bytes);
      }
      return { files, keys };
    },
  }));
}

function existingParent(p: string): string {
  let cur = p;
  for (;;) {
    try {
      if (lstatSync(cur).isDirectory()) return cur;
    } catch {
      // keep walking up
    }
    const up = path.dirname(cur);
    if (up === cur) return cur;
    cur = up;
  }
}

/** The files (blobs and links) of `prefix` at commit `sha`, by absolute path under `dest`. */
function listTree(top: string, sha: string, prefix: string, dest: string): TreeEntry[] {
  const listing = git(top, ['ls-tree', '-r', '-z', '--full-tree', sha, '--', prefix || '.']);
  if (listing === undefined) throw new SourceError(`cannot list the specs at ${sha.slice(0, 7)}`);
  const out: TreeEntry[] = [];
  for (const line of listing.split('\u0000')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    const [mode, type, blob] = line.slice(0, tab).split(' ') as [string, string, string];
    if (type !== 'blob') continue;
    const file = line.slice(tab + 1);
    const rel = prefix ? path.posix.relative(prefix, file) : file;
    if (rel.startsWith('..')) continue;
    out.push({ mode, blob, abs: path.join(dest, ...rel.split('/')) });
  }
  return out;
}

/**
 * The content of the entries, read with one `git cat-file --batch` that reads and
 * writes temporary files, not pipes: a pipe would stall git whenever this thread
 * is busy and not draining it.
 */
async function readBlobs(top: string, entries: TreeEntry[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  if (entries.length === 0) return files;
  const out = await gitToBuffer(top, ['cat-file', '--batch'], entries.map((e) => e.blob).join('\n') + '\n');
  let pos = 0;
  for (const e of entries) {
    const nl = out.indexOf(10, pos);
    const header = out.toString('latin1', pos, nl);
    const size = Number(header.split(' ')[2]);
    files.set(e.abs, out.subarray(nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return files;
}

/** Runs git with `input` as its stdin and returns its stdout, both through temporary files. */
async function gitToBuffer(cwd: string, args: string[], input: string): Promise<Buffer> {
  removeDeadTempDirs(tmpdir(), 'metafuse-git-');
  let work: string | undefined;
  let fdIn: number | undefined;
  let fdOut: number;
  try {
    work = mkdtempSync(path.join(tmpdir(), `metafuse-git-${ownedTag()}-`));
    writeFileSync(path.join(work, 'in'), input);
    fdIn = openSync(path.join(work, 'in'), 'r');
    fdOut = openSync(path.join(work, 'out'), 'w');
  } catch {
    // No usable temporary folder (TMPDIR missing, read-only or full): a pipe then,
    // git waiting whenever this thread is busy.
    if (fdIn !== undefined) closeSync(fdIn);
    if (work) rmSync(work, { recursive: true, force: true });
    return gitThroughPipe(cwd, args, input);
  }
  try {
    let child;
    try {
      child = spawn('git', args, { cwd, stdio: [fdIn, fdOut, 'pipe'] });
    } finally {
      closeSync(fdIn);
      closeSync(fdOut);
    }
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString('utf8')));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new SourceError(`git ${args[0]} failed: ${stderr.trim() || `exit code ${code}`}`);
    return readFileSync(path.join(work, 'out'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SourceError('git is not installed or not on PATH');
    throw e;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function gitThroughPipe(cwd: string, args: string[], input: string): Buffer {
  try {
    return execFileSync('git', args, { cwd, input, maxBuffer: 2 ** 31, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer; status?: number | null };
    if (err.code === 'ENOENT') throw new SourceError('git is not installed or not on PATH');
    throw new SourceError(`git ${args[0]} failed: ${err.stderr?.toString('utf8').trim() || `exit code ${err.status}`}`);
  }
}
