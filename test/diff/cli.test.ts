// `metafuse diff` on the command line: exit codes (docs/diff.md "Policy and exit
// status", PRODUCT.md §3), the head-must-validate rule, and the text format.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupSpecTrees } from '../helpers/fixtures.js';
import { clone, run, writeSpecs, type Specs } from './support.js';

afterEach(cleanupSpecTrees);

const BASE: Specs = {
  datasets: [
    { name: 'orders', location: 's3://lake/orders/', fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'amount', type: 'double' }] },
    { name: 'daily', upstream: ['orders'], fields: [{ name: 'total', type: 'double', from: ['orders:amount'] }] },
  ],
};

/** The head with a breaking change (orders.amount double → float) and `policy` in its metafuse.yaml. */
function breakingHead(policy?: 'fail' | 'warn'): Specs {
  const h = clone(BASE);
  h.datasets[0]!.fields![1]!.type = 'float';
  if (policy) h.catalog = { policy: { breakingChanges: policy } };
  return h;
}

describe('exit status', () => {
  it('--fail-on-breaking exits 3 with breaking changes under the default policy (fail), and still prints the report', async () => {
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(breakingHead()), '--fail-on-breaking']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('1 breaking change');
    expect(r.stdout).toContain('orders.amount: type changed (double → float)');
    expect(r.stdout).toContain('Breaking changes fail the check');
  });

  it('--fail-on-breaking exits 3 with an explicit policy breakingChanges: fail', async () => {
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(breakingHead('fail')), '--fail-on-breaking', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ breaking: true, policy: 'fail', counts: { breaking: 1 } });
  });

  it('--fail-on-breaking exits 0 when the head\'s policy is breakingChanges: warn; the report says so', async () => {
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(breakingHead('warn')), '--fail-on-breaking']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 breaking change');
    expect(r.stdout).toContain('do not fail the check');
    const md = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(breakingHead('warn')), '--fail-on-breaking', '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('reported only (policy `breakingChanges: warn`)');
  });

  it('the policy is the head\'s, not the base\'s', async () => {
    const base = clone(BASE);
    base.catalog = { policy: { breakingChanges: 'warn' } };
    const r = await run(['diff', '--base', writeSpecs(base), '--head', writeSpecs(breakingHead('fail')), '--fail-on-breaking']);
    expect(r.code).toBe(3);
  });

  it('without --fail-on-breaking, breaking changes exit 0', async () => {
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(breakingHead())]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('BREAKING');
  });

  it('--fail-on-breaking exits 0 when there are only warnings and safe changes', async () => {
    const h = clone(BASE);
    h.datasets[0]!.location = 's3://lake/orders_v2/';
    h.datasets[0]!.fields!.push({ name: 'note', type: 'string' });
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(h), '--fail-on-breaking']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 breaking changes, 1 warning, 1 safe change');
  });

  it('no changes: exit 0 and "No changes"', async () => {
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(BASE), '--fail-on-breaking']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^No changes/);
  });

  it('without --base: usage error, exit 2', async () => {
    const r = await run(['diff', '--head', writeSpecs(BASE)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--base is required');
    expect(r.stdout).toBe('');
  });

  it('an unknown --format is a usage error, exit 2', async () => {
    const dir = writeSpecs(BASE);
    const r = await run(['diff', '--base', dir, '--head', dir, '--format', 'html']);
    expect(r.code).toBe(2);
  });

  it('a head with validation errors exits 1, lists the errors, and prints no report', async () => {
    const bad = clone(BASE);
    bad.datasets[1]!.upstream = ['ordrs'];
    bad.datasets[1]!.fields![0]!.from = [];
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(bad), '--fail-on-breaking']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/datasets\/_\/daily\.yaml:\d+:\d+: error [\w-]+: .*ordrs/);
    expect(r.stderr).toContain('has errors');
    expect(r.stderr).toContain('fix them before diffing');
  });

  it('a head with a YAML syntax error exits 1 (no crash)', async () => {
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(BASE, { 'datasets/broken.yaml': 'kind: [Dataset\n' })]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('internal error');
  });

  it('a base with validation errors is still compared, with a note on stderr', async () => {
    const bad = clone(BASE);
    bad.datasets[1]!.upstream = ['ordrs'];
    bad.datasets[1]!.fields![0]!.from = [];
    const r = await run(['diff', '--base', writeSpecs(bad), '--head', writeSpecs(BASE), '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: the base \(.*\) has \d+ validation errors?; the diff uses what could be read\n$/);
    expect(JSON.parse(r.stdout)).toHaveProperty('changes');
  });
});

describe('JSON format', () => {
  it('has exactly the documented keys, for the report and for each change', async () => {
    const h = breakingHead();
    h.datasets[0]!.location = 's3://lake/orders_v2/';
    h.datasets.push({ name: 'extra' });
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(h), '--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown> & { changes: Array<Record<string, unknown>> };
    expect(Object.keys(json).sort()).toEqual(['base', 'breaking', 'changes', 'counts', 'head', 'policy']);
    expect(json).toMatchObject({ breaking: true, policy: 'fail', counts: { breaking: 1, warning: 1, safe: 1, total: 3 } });
    expect(Object.keys(json.base as object).sort()).toEqual(['label', 'specHash']);
    expect((json.head as { specHash: string }).specHash).toMatch(/^[0-9a-f]{64}$/);
    const allowed = ['kind', 'dataset', 'field', 'term', 'before', 'after', 'severity', 'breaking', 'reason', 'impact', 'impactDepth', 'impactFields'];
    for (const c of json.changes) for (const k of Object.keys(c)) expect(allowed).toContain(k);
    expect(json.changes[0]).toEqual({
      kind: 'field-type-changed', dataset: 'orders', field: 'amount', before: 'double', after: 'float', severity: 'breaking', breaking: true,
      reason: 'not a safe widening', impact: ['daily'], impactDepth: [{ name: 'daily', depth: 1 }], impactFields: ['daily:total'],
    });
  });
});

describe('text format', () => {
  it('lists changes worst first, with the downstream impact of breaking changes', async () => {
    const h = breakingHead();
    h.datasets[0]!.fields!.push({ name: 'note', type: 'string' });
    h.datasets[0]!.location = 's3://lake/orders_v2/';
    const r = await run(['diff', '--base', writeSpecs(BASE), '--head', writeSpecs(h)]);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^1 breaking change, 1 warning, 1 safe change {2}\(.+ → .+\)$/);
    expect(lines.slice(1, 7)).toEqual([
      'BREAKING  orders.amount: type changed (double → float)',
      '          impact: daily',
      '          fields: daily:total',
      'warning   orders: location changed (s3://lake/orders/ → s3://lake/orders_v2/)',
      '          impact: daily',
      'safe      orders.note: field added (string)',
    ]);
  });
});
