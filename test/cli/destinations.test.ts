// Where a command writes (a catalog, a cache, a published copy) can be a place
// that cannot hold it: under /proc, behind a file, read-only. The command must
// say so in one line and exit 1, never hang and never call it an internal error.
// /proc is real here: procfs answers ENOENT for a folder made inside it while its
// parent exists, on which Node's own recursive mkdir loops forever.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../../src/files/durable.js';
import { systemErrorText } from '../../src/files/system-error.js';
import { BIN, buildCatalog, EXAMPLE_SPECS, ensureCompiledCli, removeTempDirs, tempDir } from '../catalog/support.js';

let catalog: string;

beforeAll(async () => {
  ensureCompiledCli();
  expect(statSync('/proc').isDirectory()).toBe(true);
  catalog = path.join(tempDir(), 'catalog.db');
  await buildCatalog(EXAMPLE_SPECS, catalog);
});
afterAll(removeTempDirs);

function metafuse(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('makeDirs', () => {
  it('makes missing parents, accepts an existing folder, and refuses a path through a file', () => {
    const root = tempDir();
    makeDirs(path.join(root, 'a', 'b', 'c'));
    expect(statSync(path.join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    makeDirs(path.join(root, 'a', 'b'));
    writeFileSync(path.join(root, 'file'), 'x');
    expect(() => makeDirs(path.join(root, 'file', 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it('fails at once under /proc (where recursive mkdir never returns)', () => {
    expect(() => makeDirs('/proc/metafuse-test/sub')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/proc/metafuse-test' }));
    expect(existsSync('/proc/metafuse-test')).toBe(false);
  });

  it('systemErrorText says what failed, where and why, and leaves other errors alone', () => {
    const e = Object.assign(new Error('EACCES: permission denied, mkdir \'/x\''), { code: 'EACCES', syscall: 'mkdir', path: '/x' });
    expect(systemErrorText(e)).toBe('cannot create the folder /x: permission denied (EACCES)');
    expect(systemErrorText(Object.assign(new Error('m'), { code: 'ENOENT', syscall: 'copyfile', path: '/a', dest: '/b' }))).toBe('cannot copy /a to /b: no such file (ENOENT)');
    expect(systemErrorText(new TypeError('x is not a function'))).toBeUndefined();
    expect(systemErrorText(Object.assign(new Error('SQLITE_CORRUPT'), { code: 'SQLITE_CORRUPT' }))).toBeUndefined();
  });
});

describe('commands whose destination cannot be written', () => {
  const specs = EXAMPLE_SPECS;
  const cases: Array<[string, string[], NodeJS.ProcessEnv?]> = [
    ['build --out under /proc', ['build', '--specs', specs, '--out', '/proc/metafuse-test/catalog.db']],
    ['publish --to a folder under /proc', ['publish', '--specs', specs, '--to', '/proc/metafuse-test/catalog.db']],
    ['pull --out under /proc', ['pull', '--from', '', '--out', '/proc/metafuse-test/catalog.db']],
    ['pull with its cache under /proc', ['pull', '--from', ''], { METAFUSE_CACHE_DIR: '/proc/metafuse-test' }],
  ];
  for (const [what, given, env] of cases) {
    it(`${what}: one line naming the folder, exit 1`, async () => {
      let args = given;
      const store = path.join(tempDir(), 'store', 'catalog.db');
      mkdirSync(path.dirname(store));
      if (args[0] === 'pull') {
        expect((await metafuse(['publish', '--catalog', catalog, '--to', store])).code).toBe(0);
        args = args.map((a) => (a === '' ? store : a));
      }
      const r = await metafuse(args, { METAFUSE_CACHE_DIR: tempDir('metafuse-cache-'), ...env });
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr).toMatch(/^metafuse \w+: cannot create the folder \/proc\/metafuse-test: no such file \(ENOENT\)$/m);
      expect(r.code).toBe(1);
    });
  }
});
