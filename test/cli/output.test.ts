// The command's output channel as a user's shell gives it: a pipe whose reader
// stops early (`metafuse list | head`), a device that refuses writes (a full
// disk), and a text answer that must stay readable however the graph is shaped.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCatalog, EXAMPLE_SPECS, ensureCompiledCli, removeTempDirs, run, tempDir } from '../catalog/support.js';

let catalog: string;

beforeAll(async () => {
  ensureCompiledCli();
  catalog = path.join(tempDir(), 'catalog.db');
  await buildCatalog(EXAMPLE_SPECS, catalog);
});
afterAll(removeTempDirs);

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs bin/metafuse.js with stdout given by `stdout`; `closeOut` closes the reading end of a stdout pipe at once. */
function metafuse(args: string[], stdout: 'pipe' | number, closeOut = false): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', stdout, 'pipe'] });
    if (closeOut) child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** What an unhandled 'error' event or a crash prints. */
const CRASH = /node:events|Unhandled 'error' event|\n\s+at /;

describe('writing the output', () => {
  it('a reader that stops reading (EPIPE) ends the command quietly with its own exit code', async () => {
    const listed = await metafuse(['list', '--catalog', catalog], 'pipe', true);
    expect(listed.stderr).not.toMatch(CRASH);
    expect(listed.code, listed.stderr).toBe(0);
    // A command that fails still says so by its exit code.
    const missing = await metafuse(['show', 'no_such_dataset', '--catalog', catalog], 'pipe', true);
    expect(missing.stderr).not.toMatch(CRASH);
    expect(missing.stderr).toContain('no dataset "no_such_dataset"');
    expect(missing.code).toBe(1);
  });

  it('a device that refuses the output (ENOSPC on /dev/full) is reported in one line and exits 1', async () => {
    // /dev/full is Linux's always-full device: every write fails with ENOSPC.
    expect(existsSync('/dev/full')).toBe(true);
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await metafuse(['show', 'sales_daily', '--json', '--catalog', catalog], fd);
      expect(r.stderr).not.toMatch(CRASH);
      expect(r.stderr).toMatch(/^metafuse: cannot write to stdout: ENOSPC: no space left on device/m);
      expect(r.code).toBe(1);
    } finally {
      closeSync(fd);
    }
  });
});

describe('lineage as text', () => {
  // A hub reading a chain of N datasets, each reading the next: every dataset is two
  // hops from the root, but a walk that expands datasets where it first meets them
  // runs the length of the chain (at 8,000 it overflowed the stack).
  const N = 3000;
  let chain: string;

  beforeAll(async () => {
    const specs = tempDir();
    mkdirSync(path.join(specs, 'datasets'));
    writeFileSync(path.join(specs, 'metafuse.yaml'), 'apiVersion: metafuse/v1\nkind: Catalog\nname: chain\n');
    const name = (i: number) => `d${String(i).padStart(5, '0')}`;
    const dataset = (n: string, upstream: string[]) =>
      writeFileSync(
        path.join(specs, 'datasets', `${n}.yaml`),
        `apiVersion: metafuse/v1\nkind: Dataset\nname: ${n}\nowner: team\ndescription: x\n${upstream.length ? `upstream: [${upstream.join(', ')}]\n` : ''}fields:\n  - name: a\n    type: int64\n`,
      );
    for (let i = 0; i < N; i++) dataset(name(i), i < N - 1 ? [name(i + 1)] : []);
    dataset('hub', Array.from({ length: N }, (_, i) => name(i)));
    dataset('root', ['hub']);
    chain = path.join(tempDir(), 'chain.db');
    await buildCatalog(specs, chain);
  });

  it('draws each dataset once, at its distance from the root: the tree is as deep as the lineage, not as the graph is long', async () => {
    const r = await run(['lineage', 'root', '--catalog', chain]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('─ '));
    const drawn = lines.filter((l) => !l.includes('(shown'));
    const names = drawn.map((l) => l.slice(l.indexOf('─ ') + 2));
    // hub and the N chain datasets, each exactly once.
    expect(names.length).toBe(N + 1);
    expect(new Set(names).size).toBe(N + 1);
    // Two levels: hub under the root, the chain under hub (indent 2, then 5).
    const indents = new Set(drawn.map((l) => l.search(/[├└]/)));
    expect([...indents].sort((a, b) => a - b)).toEqual([2, 5]);
    // Each chain dataset's own source is mentioned below it, pointing to where it is drawn.
    expect(r.stdout).toContain('     │  └─ d00001 (shown below)\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(40);
  });

  it('along the chain, each dataset is drawn under the one before it', async () => {
    const r = await run(['lineage', 'd02990', '--direction', 'up', '--catalog', chain]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').slice(2);
    expect(lines).toHaveLength(9);
    lines.forEach((l, i) => expect(l).toBe(`${' '.repeat(2 + 3 * i)}└─ d0${2991 + i}`));
  });
});
