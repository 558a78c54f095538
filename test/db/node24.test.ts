// The database contract suite (contract.test.ts) run under Node 24, the Node that
// GitHub runs the Action on, so that the node:sqlite driver the Action uses is
// really exercised: this machine's Node 20 has no node:sqlite, and there the
// suite skips it. Under Node 24 only the node:sqlite tests are selected: the
// better-sqlite3 addon in node_modules is compiled for the Node that installed
// it (20) and cannot load in 24 — the very reason the Action does not use it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface JsonReport {
  success: boolean;
  numFailedTests: number;
  testResults: Array<{ name: string; status: string; assertionResults: Array<{ fullName: string; title: string; ancestorTitles: string[]; status: string }> }>;
}

describe('database contract under Node 24', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'metafuse-node24-'));
  let report: JsonReport;
  let exitCode: number | null;
  let log: string;
  let nodeVersion: string;

  beforeAll(() => {
    const node = execFileSync('bash', [path.join(REPO, 'scripts', 'ensure-node24.sh')], { encoding: 'utf8' }).trim();
    nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    // The parent vitest's variables would make the child think it is one of its workers.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TINYPOOL|NODE_OPTIONS$|NODE_V8_COVERAGE$)/.test(k)));
    const file = path.join(out, 'report.json');
    const r = spawnSync(
      node,
      [path.join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/db/contract.test.ts', '--testNamePattern', 'node:sqlite', '--reporter=json', `--outputFile=${file}`],
      { cwd: REPO, env, encoding: 'utf8', timeout: 120_000 },
    );
    exitCode = r.status;
    log = `${r.stdout}\n${r.stderr}`;
    report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  }, 150_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const results = () => report.testResults.flatMap((f) => f.assertionResults);
  const suite = (driver: string) => results().filter((t) => t.ancestorTitles.includes(`database contract: ${driver}`));

  it('runs on Node 24 and passes', () => {
    expect(nodeVersion).toMatch(/^v24\./);
    expect({ exitCode, failed: report.numFailedTests, success: report.success }, log).toEqual({ exitCode: 0, failed: 0, success: true });
  });

  it('finds node:sqlite available there, so its suite is not skipped', () => {
    const check = results().find((t) => t.title.startsWith('node:sqlite is available on Node'));
    expect(check?.title).toBe(`node:sqlite is available on Node ${nodeVersion}, so its contract suite runs`);
    expect(check?.status).toBe('passed');
  });

  it('ran every contract test against node:sqlite, and every one passed', () => {
    const ran = suite('node:sqlite');
    // The same tests exist for better-sqlite3 (filtered out here): node:sqlite must have run them all.
    const all = suite('better-sqlite3').map((t) => t.title).sort();
    expect(all.length).toBeGreaterThanOrEqual(19);
    expect(ran.map((t) => t.title).sort()).toEqual(all);
    expect(ran.filter((t) => t.status !== 'passed')).toEqual([]);
  });
});
