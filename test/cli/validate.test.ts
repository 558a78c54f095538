// `metafuse validate` and `metafuse init`, run in-process against real spec trees.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { cleanupSpecTrees, datasetYaml, shown, specTree } from '../helpers/fixtures.js';

afterEach(cleanupSpecTrees);

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** One error (unknown-upstream at 6:12) and one warning (no-description at 3:1). */
function brokenTree(): string {
  return specTree({
    'a.yaml': datasetYaml('a', 'upstream: [nope]\n'),
    'b.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: b\nowner: x\n',
  });
}

describe('validate --format json', () => {
  it('prints {ok, errors, warnings, diagnostics} and exits 1 when there are errors', async () => {
    const dir = brokenTree();
    const { code, stdout } = await run(['validate', '--specs', dir, '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['ok', 'errors', 'warnings', 'diagnostics']);
    expect(report).toEqual({
      ok: false,
      errors: 1,
      warnings: 1,
      diagnostics: [
        { file: shown(dir, 'a.yaml'), line: 6, column: 12, severity: 'error', code: 'unknown-upstream', message: 'unknown upstream dataset "nope"' },
        { file: shown(dir, 'b.yaml'), line: 3, column: 1, severity: 'warning', code: 'no-description', message: 'dataset "b" has no description' },
      ],
    });
  });

  it('exits 0 with ok: true when there are only warnings', async () => {
    const dir = specTree({ 'b.yaml': 'apiVersion: metafuse/v1\nkind: Dataset\nname: b\nowner: x\n' });
    const { code, stdout } = await run(['validate', '--specs', dir, '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, errors: 0, warnings: 1 });
  });

  it('exits 0 with an empty diagnostics list for valid specs', async () => {
    const dir = specTree({ 'a.yaml': datasetYaml('a') });
    const { code, stdout } = await run(['validate', '--specs', dir, '--format', 'json']);
    expect([code, JSON.parse(stdout)]).toEqual([0, { ok: true, errors: 0, warnings: 0, diagnostics: [] }]);
  });

  it('exits 1 for a specs directory that does not exist', async () => {
    const dir = specTree();
    const { code, stdout } = await run(['validate', '--specs', path.join(dir, 'missing'), '--format', 'json']);
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as { diagnostics: Array<{ code: string }> }).diagnostics.map((d) => d.code)).toEqual(['specs-not-found']);
  });
});

describe('validate text output', () => {
  it('prints file:line:col: severity code: message lines and a summary on stderr', async () => {
    const dir = brokenTree();
    const { code, stdout, stderr } = await run(['validate', '--specs', dir]);
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      `${shown(dir, 'a.yaml')}:6:12: error unknown-upstream: unknown upstream dataset "nope"`,
      `${shown(dir, 'b.yaml')}:3:1: warning no-description: dataset "b" has no description`,
      '',
    ]);
    for (const line of stdout.trimEnd().split('\n')) expect(line).toMatch(/^[^:]+:\d+:\d+: (error|warning) [a-z-]+: .+$/);
    expect(stderr).toBe('invalid: 1 error, 1 warning (2 datasets, 0 glossary terms)\n');
  });

  it('prints only the summary for valid specs, without colour when not a terminal', async () => {
    const dir = specTree({ 'a.yaml': datasetYaml('a') });
    const { code, stdout, stderr } = await run(['validate', '--specs', dir, '--format', 'text']);
    expect([code, stdout, stderr]).toEqual([0, '', 'ok: 0 errors, 0 warnings (1 dataset, 0 glossary terms)\n']);
  });
});

describe('validate --format github', () => {
  it('prints one workflow command per diagnostic', async () => {
    const dir = brokenTree();
    const { code, stdout } = await run(['validate', '--specs', dir, '--format', 'github']);
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      `::error file=${shown(dir, 'a.yaml')},line=6,col=12,title=MetaFuse unknown-upstream::unknown upstream dataset "nope"`,
      `::warning file=${shown(dir, 'b.yaml')},line=3,col=1,title=MetaFuse no-description::dataset "b" has no description`,
      '',
    ]);
  });

  it('shows a quoted line break as \\u000a, escapes percent signs in messages and commas and colons in properties', async () => {
    const dir = specTree({ 'odd,name.yaml': 'apiVersion: metafuse/v1\nkind: "Data\\nset 100%"\n' });
    const { code, stdout } = await run(['validate', '--specs', dir, '--format', 'github']);
    expect(code).toBe(1);
    const file = shown(dir, 'odd,name.yaml').replace(/,/g, '%2C');
    expect(stdout).toBe(
      `::error file=${file},line=2,col=7,title=MetaFuse unknown-kind::unknown kind "Data\\u000aset 100%25"; expected one of Dataset, GlossaryTerm, Catalog\n`,
    );
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('init', () => {
  it('creates specs and workflows that validate with exit 0', async () => {
    const dir = specTree();
    const init = await run(['init', dir]);
    expect(init.code).toBe(0);
    for (const rel of ['catalog-specs/metafuse.yaml', '.github/workflows/catalog-pr.yml', '.github/workflows/catalog-publish.yml', 'catalog-specs/schemas/dataset.schema.json']) {
      expect(existsSync(path.join(dir, rel)), rel).toBe(true);
    }
    const validate = await run(['validate', '--specs', path.join(dir, 'catalog-specs'), '--format', 'json']);
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true, errors: 0 });
  });

  it("the publish workflow publishes once a target is set, by the repository variable or metafuse.yaml, and leaves a notice until then", async () => {
    const dir = specTree();
    expect((await run(['init', dir])).code).toBe(0);
    const workflow = parseYaml(readFileSync(path.join(dir, '.github', 'workflows', 'catalog-publish.yml'), 'utf8')) as {
      jobs: { publish: { if?: string; steps: Array<{ id?: string; run?: string; uses?: string; if?: string }> } };
    };
    const { steps } = workflow.jobs.publish;
    // No job-level condition: the job cannot see metafuse.yaml, so it must not decide.
    expect(workflow.jobs.publish.if).toBeUndefined();
    const check = steps.find((x) => x.id === 'target')!;
    expect(steps.find((x) => x.uses?.startsWith('metafuse/metafuse@'))!.if).toBe("steps.target.outputs.set == 'true'");
    const metafuseYaml = path.join(dir, 'catalog-specs', 'metafuse.yaml');
    const template = readFileSync(metafuseYaml, 'utf8');
    /** Runs the step's script with bash in `dir`, as the runner does; returns what it set and printed. */
    const decide = (target: string, yaml: string) => {
      writeFileSync(metafuseYaml, yaml);
      const output = path.join(dir, 'github-output');
      writeFileSync(output, '');
      const stdout = execFileSync('bash', ['-e', '-c', check.run!], { cwd: dir, env: { PATH: process.env.PATH, METAFUSE_TARGET: target, GITHUB_OUTPUT: output }, encoding: 'utf8' });
      return { set: readFileSync(output, 'utf8').trim(), stdout: stdout.trim() };
    };
    expect(decide('', template)).toEqual({ set: '', stdout: '::notice title=Catalog not published::set the repository variable METAFUSE_TARGET, or publish.target in catalog-specs/metafuse.yaml' });
    expect(decide('s3://bucket/catalog.db', template)).toEqual({ set: 'set=true', stdout: '' });
    const uncommented = template.replace('# publish:\n#   target: s3://my-bucket/catalog/catalog.db', 'publish:\n  target: s3://my-bucket/catalog/catalog.db  # prod');
    expect(uncommented).not.toBe(template);
    expect(decide('', uncommented)).toEqual({ set: 'set=true', stdout: '' });
  });

  it('keeps existing files on a second run', async () => {
    const dir = specTree();
    expect((await run(['init', dir])).code).toBe(0);
    const file = path.join(dir, 'catalog-specs', 'metafuse.yaml');
    const edited = `${readFileSync(file, 'utf8')}# edited by the user\n`;
    writeFileSync(file, edited);
    const again = await run(['init', dir]);
    expect(again.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(edited);
    expect(again.stdout).toContain(`kept     ${shown(dir, 'catalog-specs/metafuse.yaml')} (exists; --force overwrites)`);
    expect(again.stdout).toMatch(/\n0 files created, \d+ kept\./);
  });
});
