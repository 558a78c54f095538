// Parsing on worker threads (src/spec/parse-worker.ts) must not change any
// outcome. The compiled CLI uses the workers for large trees; these tests run
// the compiled worker directly, and the compiled CLI with and without workers
// on the same tree, and compare everything it reports and writes.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCompiledCli, REPO } from '../catalog/support.js';
import { cleanupSpecTrees, datasetYaml, specTree, termYaml } from '../helpers/fixtures.js';
import { chunkOutcomes, parseJob, type ParseJob, type ParseOutcome, type WorkerMessage } from '../../src/spec/parse.js';

const BIN = path.join(REPO, 'bin', 'metafuse.js');
let dir: string;

/** A tree of `n` datasets with a few broken files of every kind the parser reports. */
function bigTree(n: number): string {
  const files: Record<string, string | Uint8Array> = {
    'glossary/terms.yaml': termYaml('revenue'),
    'broken/syntax.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: [unclosed\n',
    'broken/unquoted.yaml': datasetYaml('unquoted', 'fields:\n  - name: a\n    type: struct<a: int64>\n'),
    'broken/nul.yaml': new Uint8Array([0x61, 0x3a, 0x20, 0x00, 0x0a]),
    'broken/latin1.yaml': new Uint8Array([...Buffer.from('description: caf'), 0xe9, 0x0a]),
    'broken/utf16.yaml': new Uint8Array([0xff, 0xfe, 0x61, 0x00]),
    'broken/laughs.yaml': `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e]\n`,
    'broken/too-large.yaml': `description: "${'x'.repeat(4 * 1024 * 1024)}"\n`,
    // Valid, but read by js-yaml (an escape in quotes): its chunk is sent as structured clones.
    'broken/escaped.yaml': datasetYaml('escaped', 'location: "s3://bucket/\\"quoted\\"/"\n'),
  };
  for (let i = 0; i < n; i++) {
    const up = i > 0 ? `upstream: [ds_${String(i - 1).padStart(5, '0')}]\n` : '';
    files[`datasets/d${i % 7}/ds_${String(i).padStart(5, '0')}.yaml`] = datasetYaml(
      `ds_${String(i).padStart(5, '0')}`,
      `${up}terms: [revenue]\nfields:\n  - name: id\n    type: int64\n    nullable: false\n  - name: amount\n    type: decimal(12,2)\n`,
    );
  }
  return specTree(files);
}

function cli(args: string[], threads: number): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, METAFUSE_PARSE_THREADS: String(threads), SOURCE_DATE_EPOCH: '1700000000' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  ensureCompiledCli();
  dir = bigTree(1500);
  // A spec name that links to a named pipe: reading it would block forever.
  execFileSync('mkfifo', [path.join(dir, 'broken', 'pipe')]);
  symlinkSync('pipe', path.join(dir, 'broken', 'fifo.yaml'));
});

afterAll(() => cleanupSpecTrees());

describe('parse workers', () => {
  it('the compiled worker gives the same outcome as the main thread for every file, broken ones included', async () => {
    const names = execFileSync('find', [dir, '-name', '*.yaml', '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').sort().slice(0, 300);
    const jobs: ParseJob[] = names.map((abs) => ({ abs, display: path.relative(dir, abs) }));
    // One job with its bytes given (a file from a git tree).
    jobs.push({ abs: path.join(dir, 'inline.yaml'), display: 'inline.yaml', bytes: Buffer.from('kind: [\n') });
    const expected = jobs.map((job) => parseJob(job));
    const counter = new SharedArrayBuffer(4);
    const got: ParseOutcome[] = [];
    let chunks = 0;
    let jsonChunks = 0;
    await new Promise<void>((resolve, reject) => {
      const w = new Worker(path.join(REPO, 'lib', 'spec', 'parse-worker.js'), { workerData: { jobs, counter, chunk: 16 } });
      w.on('message', (m: WorkerMessage) => {
        if ('done' in m) return resolve();
        chunks++;
        if ('json' in m) jsonChunks++;
        chunkOutcomes(m).forEach((o, k) => (got[m.chunk * 16 + k] = o));
      });
      w.on('error', reject);
    });
    expect(chunks).toBe(Math.ceil(jobs.length / 16));
    // Chunks of plain YAML come as JSON text; a chunk with a file js-yaml read (the
    // alias bomb, the escaped quote) as structured clones.
    expect(jsonChunks).toBeGreaterThan(0);
    expect(jsonChunks).toBeLessThan(chunks);
    expect(got).toEqual(expected);
    expect(expected.filter((o) => !o.ok).map((o) => !o.ok && o.code).sort()).toEqual(
      ['file-encoding', 'file-encoding', 'file-encoding', 'file-too-large', 'yaml-limit', 'yaml-syntax', 'yaml-syntax', 'yaml-syntax'].sort(),
    );
  });

  it('validate reports the same diagnostics with and without workers', () => {
    const one = cli(['validate', '--specs', dir, '--format', 'json'], 0);
    const many = cli(['validate', '--specs', dir, '--format', 'json'], 3);
    expect(one.status).toBe(1);
    expect(many.status).toBe(1);
    expect(many.stdout).toBe(one.stdout);
    const report = JSON.parse(one.stdout) as { diagnostics: Array<{ code: string; file: string }> };
    const codes = report.diagnostics.map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(['yaml-syntax', 'file-encoding', 'yaml-limit', 'file-too-large']));
    expect(report.diagnostics.some((d) => d.file.endsWith('fifo.yaml') && d.code === 'file-unreadable')).toBe(true);
  });

  it('build writes byte-identical catalogs with and without workers', () => {
    const good = specTree({});
    execFileSync('cp', ['-r', path.join(dir, 'datasets'), path.join(dir, 'glossary'), good]);
    const a = path.join(good, 'a.db');
    const b = path.join(good, 'b.db');
    expect(cli(['build', '--specs', good, '--out', a], 0).status).toBe(0);
    expect(cli(['build', '--specs', good, '--out', b], 3).status).toBe(0);
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
  });

  it('once loading is over, the workers hold none of the parse output: the same objects survive as without them', () => {
    // The worker's listeners shared parseAll's closure context, and a worker keeps its
    // listeners until its exit event, which a build that never yields (analysis, the
    // catalog write) sees only at its end: every file text and document lived that long
    // (~40 MB at 10k). Whether the exit comes before the build goes on is a matter of
    // timing, so the probe keeps every worker reachable, as an unreaped one is, and counts
    // the plain objects alive right after loading and a full collection, through the
    // inspector. The specs are valid: a diagnostic's position is found asynchronously.
    const good = specTree({});
    execFileSync('cp', ['-r', path.join(dir, 'datasets'), path.join(dir, 'glossary'), good]);
    const probe = `
      import inspector from 'node:inspector';
      import { Worker } from 'node:worker_threads';
      const workers = [];
      const on = Worker.prototype.on;
      Worker.prototype.on = function (...args) { workers.push(this); return on.apply(this, args); };
      const { loadSpecs } = await import(${JSON.stringify(pathToFileURL(path.join(REPO, 'lib', 'spec', 'index.js')).href)});
      const session = new inspector.Session();
      session.connect();
      const post = (method, params) => {
        let out;
        session.post(method, params, (err, res) => { if (err) throw err; out = res; });
        if (out === undefined) throw new Error(method + ' did not answer at once');
        return out;
      };
      const result = await loadSpecs(${JSON.stringify(good)});
      if (result.diagnostics.length > 0) throw new Error('expected valid specs');
      gc();
      gc();
      const proto = post('Runtime.evaluate', { expression: 'Object.prototype', objectGroup: 'probe' }).result.objectId;
      const found = post('Runtime.queryObjects', { prototypeObjectId: proto, objectGroup: 'probe' }).objects.objectId;
      const alive = post('Runtime.callFunctionOn', { objectId: found, functionDeclaration: 'function () { return this.length; }', returnByValue: true }).result.value;
      console.log(JSON.stringify({ datasets: result.model.datasets.length, alive, workers: workers.length }));
    `;
    // A module file: run with -e, the retention did not show even before the fix.
    const probeFile = path.join(good, 'probe.mjs');
    writeFileSync(probeFile, probe);
    const run = (threads: number) => {
      const r = spawnSync(process.execPath, ['--expose-gc', probeFile], { encoding: 'utf8', env: { ...process.env, METAFUSE_PARSE_THREADS: String(threads) } });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as { datasets: number; alive: number; workers: number };
    };
    const alone = run(0);
    const withWorker = run(1);
    expect(alone.datasets).toBeGreaterThan(1000);
    expect(withWorker.datasets).toBe(alone.datasets);
    expect(alone.workers).toBe(0);
    expect(withWorker.workers).toBeGreaterThan(0);
    // Each file's outcome, kept, would be well over ten objects (1,500 files here).
    expect(withWorker.alive - alone.alive).toBeLessThan(750);
  });
});
