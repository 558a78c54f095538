// The bundled Action on pull requests: the real dist/index.js under Node 24, in a
// git checkout of the example specs, talking to a local GitHub API double.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubApi, type GitHubApi, type RecordedRequest } from './github-api.js';
import {
  addCouponField,
  annotatedPlaces,
  breakOrdersRaw,
  copyBundle,
  git,
  makeWorkspace,
  narrowRefunds,
  pullRequestEvent,
  pushEvent,
  removeTemps,
  REPOSITORY,
  runAction,
  setPolicy,
  tempDir,
  TOKEN,
  type ActionRun,
  type RunOptions,
  type Workspace,
} from './support.js';

const MARKER = '<!-- metafuse:check -->';
const PR = 7;
const FORK_PR = 12;
const FAIL_MESSAGE = '2 breaking changes (see the job summary); add the label metafuse/allow-breaking to the pull request to accept them';

let bundle: string;
let api: GitHubApi;

beforeAll(async () => {
  bundle = copyBundle();
  api = await startGitHubApi({ repository: REPOSITORY, token: TOKEN });
});

afterAll(async () => {
  await api?.stop();
  removeTemps();
});

beforeEach(() => {
  api.clearRequests();
  api.failWrites(undefined);
});

/** A checkout whose HEAD is the pull request: orders_raw loses email and total_amount narrows. */
function breakingPullRequest(): Workspace & { head: string } {
  const ws = makeWorkspace();
  const head = ws.commit('orders_raw: drop email, narrow total_amount', breakOrdersRaw);
  return { ...ws, head };
}

/** Runs the bundle on a pull_request event from `fixture`, with HEAD = shas.head; `pr` renumbers the pull request. */
function check(ws: Workspace, fixture: string, shas: { base: string; head: string; before?: string }, extra: Partial<RunOptions> & { pr?: number } = {}): Promise<ActionRun> {
  const { pr, ...rest } = extra;
  return runAction({ bundle, workspace: ws.dir, apiUrl: api.url, event: pullRequestEvent(fixture, shas, pr), sha: shas.head, ...rest });
}

const commentRequests = (list: RecordedRequest[]) => list.filter((r) => r.path.includes('/comments'));
const failures = (r: ActionRun) => r.errors.filter((c) => c.properties.file === undefined);

describe('check on a pull request with breaking changes', () => {
  let ws: Workspace & { head: string };
  let first: ActionRun;
  let firstRequests: RecordedRequest[];

  beforeAll(async () => {
    ws = breakingPullRequest();
    // Other people's comments fill the first page: the Action must page to find its own.
    for (let i = 0; i < 120; i++) api.addComment(PR, `LGTM ${i}`, i % 2 ? 'octocat' : 'hubot');
    api.clearRequests();
    first = await check(ws, 'pull_request.opened', { base: ws.base, head: ws.head });
    firstRequests = [...api.requests];
  });

  it('fails the step with exit code 1 and exactly one ::error:: from setFailed', () => {
    expect(first.code).toBe(1);
    expect(failures(first).map((c) => c.message)).toEqual([FAIL_MESSAGE]);
    expect(first.stderr).toBe('');
  });

  it('sets the outputs in GITHUB_OUTPUT', () => {
    expect(first.outputs).toEqual({
      'catalog-path': path.join(ws.dir, 'catalog.db'),
      version: '0',
      datasets: '21',
      // 220 in the example, less orders_raw.email.
      fields: '219',
      breaking: 'true',
      changes: '2',
    });
  });

  it('annotates the one spec warning of the example at its file, line and column, relative to the workspace', () => {
    expect(annotatedPlaces(first.warnings)).toEqual(['catalog-specs/datasets/finance/revenue_monthly.yaml:21:12']);
    expect(first.warnings[0]!.properties.title).toBe('MetaFuse deprecated-upstream');
  });

  it('writes the job summary: verdict, breaking changes with their downstream impact, a Mermaid graph', () => {
    const s = first.summary;
    expect(s).toContain('## MetaFuse catalog check');
    expect(s).toContain('❌ **2 breaking changes** affecting 10 downstream datasets — this fails the check');
    expect(s).toContain('#### Breaking changes');
    expect(s).toMatch(/\| <code>orders_raw<\/code> \| field removed <code>email<\/code> \| string \| 10: <code>stg_orders<\/code>/);
    expect(s).toMatch(/\| <code>orders_raw<\/code> \| type changed <code>total_amount<\/code> \| decimal128\(12, 2\) → decimal128\(10, 2\) \| 10: /);
    expect(s).toContain('fields: <code>customer_profiles:lifetime_value</code>');
    expect(s).toMatch(/```mermaid\nflowchart LR\n[\s\S]*n0\["orders_raw"\][\s\S]*class n0 breaking[\s\S]*```/);
    expect(s).toContain(`git:${ws.base} (${ws.base.slice(0, 7)})`);
  });

  it('pages through the comments, finds none of its own, and creates one with the marker', () => {
    expect(firstRequests.map((r) => `${r.method} ${r.path}${r.query.page ? ` page=${r.query.page}` : ''}`)).toEqual([
      `GET /repos/${REPOSITORY}/issues/${PR}/labels`,
      `GET /repos/${REPOSITORY}/issues/${PR}/comments page=1`,
      `GET /repos/${REPOSITORY}/issues/${PR}/comments page=2`,
      `POST /repos/${REPOSITORY}/issues/${PR}/comments`,
    ]);
    const mine = api.comments(PR).filter((c) => c.body.includes(MARKER));
    expect(mine).toHaveLength(1);
    const body = mine[0]!.body;
    expect(body.startsWith(`${MARKER}\n## MetaFuse catalog check`)).toBe(true);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('❌ **2 breaking changes**');
    expect(body).toContain('```mermaid');
    expect(body).toContain(`<sub>Updated for ${ws.head.slice(0, 7)} by run 9876543210.</sub>`);
  });

  it('sends the token only in the Authorization header, and never prints it', () => {
    expect(firstRequests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    expect(JSON.stringify(firstRequests.map((r) => r.body))).not.toContain(TOKEN);
    // The one mention on stdout asks the runner to mask it.
    expect(first.stdout.split('\n').filter((l) => l.includes(TOKEN))).toEqual([`::add-mask::${TOKEN}`]);
    expect(first.stderr).not.toContain(TOKEN);
    expect(first.summary).not.toContain(TOKEN);
  });

  it('a second run on a new head updates the same comment (PATCH), never posts a second one', async () => {
    const commentId = api.comments(PR).find((c) => c.body.includes(MARKER))!.id;
    const head2 = ws.commit('orders_raw: refunded_amount as decimal(10,2) too', narrowRefunds);
    api.clearRequests();
    const second = await check(ws, 'pull_request.synchronize', { base: ws.base, head: head2, before: ws.head });
    expect(second.code).toBe(1);
    expect(failures(second).map((c) => c.message)).toEqual(['3 breaking changes (see the job summary); add the label metafuse/allow-breaking to the pull request to accept them']);
    expect(second.outputs.changes).toBe('3');
    const writes = api.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /repos/${REPOSITORY}/issues/comments/${commentId}`]);
    const mine = api.comments(PR).filter((c) => c.body.includes(MARKER));
    expect(mine.map((c) => c.id)).toEqual([commentId]);
    expect(mine[0]!.body).toContain('❌ **3 breaking changes**');
    expect(mine[0]!.body).toContain('<code>refunded_amount</code>');
    expect(mine[0]!.body).toContain(`Updated for ${head2.slice(0, 7)}`);
    expect(mine[0]!.body.length).toBeLessThanOrEqual(65_536);
    expect(api.comments(PR)).toHaveLength(121);
  });
});

describe('the label metafuse/allow-breaking', () => {
  it('breaking changes on a labelled pull request pass (exit 0) with a warning, and no ::error::', async () => {
    const ws = breakingPullRequest();
    api.setLabels(21, ['metafuse/allow-breaking']);
    const r = await check(ws, 'pull_request.labeled', { base: ws.base, head: ws.head }, { pr: 21 });
    expect(r.code).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.warnings.filter((w) => w.properties.file === undefined).map((w) => w.message)).toEqual([
      '2 breaking changes accepted: the pull request carries the label metafuse/allow-breaking',
    ]);
    expect(r.outputs.breaking).toBe('true');
    expect(api.comments(21)).toHaveLength(1);
  });

  it('the current labels count, not the event\'s: a label added after the event still overrides', async () => {
    const ws = breakingPullRequest();
    api.setLabels(22, ['data-contract', 'metafuse/allow-breaking']);
    const r = await check(ws, 'pull_request.opened', { base: ws.base, head: ws.head }, { pr: 22 });
    expect(r.code).toBe(0);
    expect(r.errors).toEqual([]);
  });

  it('a label removed since the labeled event no longer overrides', async () => {
    const ws = breakingPullRequest();
    api.setLabels(23, []);
    const r = await check(ws, 'pull_request.labeled', { base: ws.base, head: ws.head }, { pr: 23 });
    expect(r.code).toBe(1);
    expect(failures(r).map((c) => c.message)).toEqual([FAIL_MESSAGE]);
  });
});

describe('pull requests from forks and read-only tokens', () => {
  it('from a fork: no comment requests, the report in the summary, failed only for the breaking changes', async () => {
    const ws = breakingPullRequest();
    api.failWrites(403);
    const r = await check(ws, 'pull_request.fork', { base: ws.base, head: ws.head });
    expect(commentRequests(api.requests)).toEqual([]);
    expect(r.code).toBe(1);
    expect(failures(r).map((c) => c.message)).toEqual([FAIL_MESSAGE]);
    expect(r.stdout).toContain('pull request from a fork: the token is read-only, so the report is in the job summary only');
    expect(r.summary).toContain('❌ **2 breaking changes**');
    expect(api.comments(FORK_PR)).toEqual([]);
  });

  it('from a fork with a safe change: exit 0, no warning, no comment requests', async () => {
    const ws = makeWorkspace();
    const head = ws.commit('orders_raw: add coupon_code', addCouponField);
    api.failWrites(403);
    const r = await check(ws, 'pull_request.fork', { base: ws.base, head });
    expect(r.code).toBe(0);
    expect(commentRequests(api.requests)).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.warnings.filter((w) => w.properties.file === undefined)).toEqual([]);
    expect(r.outputs).toMatchObject({ breaking: 'false', changes: '1' });
    expect(r.summary).toContain('✅ **No breaking changes.**');
  });

  it('a 403 from the comment endpoint is a warning; the step does not fail because of it', async () => {
    const ws = makeWorkspace();
    const head = ws.commit('orders_raw: add coupon_code', addCouponField);
    api.failWrites(403);
    const r = await check(ws, 'pull_request.opened', { base: ws.base, head }, { pr: 31 });
    expect(api.requests.filter((q) => q.method === 'POST').map((q) => q.path)).toEqual([`/repos/${REPOSITORY}/issues/31/comments`]);
    expect(r.code).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.warnings.filter((w) => w.properties.file === undefined).map((w) => w.message)).toEqual([
      'could not comment on the pull request (HTTP 403): give the workflow "pull-requests: write"; the report is in the job summary',
    ]);
    expect(r.summary).toContain('✅ **No breaking changes.**');
  });

  it('a GitHub outage (HTTP 502) on the comment is a warning, not a failure blamed on MetaFuse', async () => {
    const ws = makeWorkspace();
    const head = ws.commit('orders_raw: add coupon_code', addCouponField);
    api.failWrites(502);
    const r = await check(ws, 'pull_request.opened', { base: ws.base, head }, { pr: 32 });
    expect(r.code).toBe(0);
    expect(r.errors).toEqual([]);
    const own = r.warnings.filter((w) => w.properties.file === undefined).map((w) => w.message);
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(/^could not comment on the pull request \(HTTP 502: .*\); the report is in the job summary$/);
  });

  it('with comment: false nothing is posted', async () => {
    const ws = breakingPullRequest();
    const r = await check(ws, 'pull_request.opened', { base: ws.base, head: ws.head }, { inputs: { comment: 'false' } });
    expect(r.code).toBe(1);
    expect(commentRequests(api.requests)).toEqual([]);
  });
});

describe('policy', () => {
  it('breakingChanges: warn in the Catalog spec reports the breaking changes and exits 0', async () => {
    const ws = makeWorkspace();
    ws.commit('policy: warn', (specs) => setPolicy(specs, 'warn'));
    const base = git(ws.dir, ['rev-parse', 'HEAD']);
    const head = ws.commit('orders_raw: drop email, narrow total_amount', breakOrdersRaw);
    const r = await check(ws, 'pull_request.opened', { base, head }, { inputs: { comment: 'false' } });
    expect(r.code).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ breaking: 'true', changes: '2' });
    expect(r.summary).toContain('❌ **2 breaking changes** affecting 10 downstream datasets — reported only (policy `breakingChanges: warn`)');
  });

  it('fail-on-breaking: true overrides a warn policy; false overrides a fail policy', async () => {
    const ws = makeWorkspace();
    ws.commit('policy: warn', (specs) => setPolicy(specs, 'warn'));
    const base = git(ws.dir, ['rev-parse', 'HEAD']);
    const head = ws.commit('orders_raw: drop email, narrow total_amount', breakOrdersRaw);
    const strict = await check(ws, 'pull_request.opened', { base, head }, { inputs: { comment: 'false', 'fail-on-breaking': 'true' } });
    expect(strict.code).toBe(1);
    expect(failures(strict).map((c) => c.message)).toEqual([FAIL_MESSAGE]);

    const ws2 = breakingPullRequest();
    const lax = await check(ws2, 'pull_request.opened', { base: ws2.base, head: ws2.head }, { inputs: { comment: 'false', 'fail-on-breaking': 'false' } });
    expect(lax.code).toBe(0);
    expect(lax.errors).toEqual([]);
  });
});

describe('invalid specs', () => {
  let ws: Workspace;
  let r: ActionRun;

  beforeAll(async () => {
    ws = makeWorkspace();
    const head = ws.commit('30 broken fields and 12 datasets without a description', (specs) => {
      const lines = ['apiVersion: metafuse/v1', 'kind: Dataset', 'name: broken_events', 'owner: data@acme.example', 'fields:'];
      for (let i = 0; i < 30; i++) lines.push(`  - name: f${String(i).padStart(2, '0')}`, `    type: not_a_type_${i}`);
      writeFileSync(path.join(specs, 'datasets/sales/broken_events.yaml'), `${lines.join('\n')}\n`);
      for (let i = 0; i < 12; i++) {
        const name = `nodesc_${String(i).padStart(2, '0')}`;
        writeFileSync(path.join(specs, `datasets/sales/${name}.yaml`), `apiVersion: metafuse/v1\nkind: Dataset\nname: ${name}\nowner: data@acme.example\nfields:\n  - name: id\n    type: int64\n`);
      }
    });
    r = await check(ws, 'pull_request.opened', { base: ws.base, head }, { pr: 41 });
  });

  it('fails the step with one ::error:: that counts the diagnostics', () => {
    expect(r.code).toBe(1);
    expect(failures(r).map((c) => c.message)).toEqual(['the specs have 30 errors, 14 warnings; see the annotations and the job summary']);
    expect(r.outputs).toEqual({});
  });

  it('keeps within GitHub\'s 10 annotations per severity per step, its own messages included', () => {
    expect(r.errors.length).toBeLessThanOrEqual(10);
    expect(r.warnings.length).toBeLessThanOrEqual(10);
    // 9 diagnostics + the failure; the first errors in file order, at their line and column.
    expect(annotatedPlaces(r.errors)).toEqual(Array.from({ length: 9 }, (_, i) => `catalog-specs/datasets/sales/broken_events.yaml:${7 + 2 * i}:11`));
    expect(r.errors[0]!.message).toBe('unknown type "not_a_type_0"');
    expect(r.errors[0]!.properties.title).toBe('MetaFuse unknown-type');
    expect(annotatedPlaces(r.warnings)[0]).toBe('catalog-specs/datasets/finance/revenue_monthly.yaml:21:12');
  });

  it('lists every diagnostic in the job summary, saying how many were not annotated', () => {
    expect(r.summary).toContain('❌ **Specs**: 30 errors, 14 warnings (');
    expect(r.summary).toMatch(/\((\d+) not shown as annotations: GitHub shows 10 of each per step\)/);
    const omitted = Number(/\((\d+) not shown as annotations/.exec(r.summary)![1]);
    expect(omitted).toBe(44 - annotatedPlaces(r.errors).length - annotatedPlaces(r.warnings).length);
    for (let i = 0; i < 30; i++) expect(r.summary).toContain(`<code>catalog-specs/datasets/sales/broken_events.yaml:${7 + 2 * i}:11</code> | unknown-type | unknown type "not_a_type_${i}" |`);
    expect(r.summary.match(/\| no-description \|/g)).toHaveLength(13);
  });

  it('still comments, with the diagnostics, and no diff', () => {
    const body = api.comments(41)[0]!.body;
    expect(body).toContain('❌ **Specs**: 30 errors, 14 warnings');
    expect(body).not.toContain('MetaFuse catalog diff');
  });
});

describe('shallow checkouts', () => {
  it('fetches the base commit a depth-1 clone lacks, from origin', async () => {
    const origin = breakingPullRequest();
    const dir = path.join(tempDir('metafuse-shallow-'), 'checkout');
    git(path.dirname(dir), ['clone', '-q', '--depth=1', '--no-local', `file://${origin.dir}`, dir]);
    expect(git(dir, ['rev-parse', '--is-shallow-repository'])).toBe('true');
    expect(() => git(dir, ['cat-file', '-e', `${origin.base}^{commit}`])).toThrow();
    const r = await runAction({
      bundle,
      workspace: dir,
      apiUrl: api.url,
      event: pullRequestEvent('pull_request.opened', { base: origin.base, head: origin.head }),
      sha: origin.head,
      inputs: { comment: 'false' },
    });
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ breaking: 'true', changes: '2' });
    expect(failures(r).map((c) => c.message)).toEqual([FAIL_MESSAGE]);
  });
});

describe('a report larger than a comment', () => {
  it('cuts the comment to GitHub\'s 65,536 characters and keeps the full report in the summary (under 1 MiB)', async () => {
    const ws = makeWorkspace();
    const fieldsOf = (type: string) => Array.from({ length: 12 }, (_, j) => `  - name: column_${j}\n    type: ${j < 6 ? type : 'string'}\n    description: Column ${j}.\n`).join('');
    const write = (type: string) => (specs: string) => {
      for (let i = 0; i < 300; i++) {
        const name = `wide_table_${String(i).padStart(3, '0')}`;
        writeFileSync(path.join(specs, `datasets/sales/${name}.yaml`), `apiVersion: metafuse/v1\nkind: Dataset\nname: ${name}\nowner: data@acme.example\ndescription: A wide table.\nupstream: [orders_raw]\nfields:\n${fieldsOf(type)}`);
      }
    };
    ws.commit('300 wide tables', write('int64'));
    const base = git(ws.dir, ['rev-parse', 'HEAD']);
    const head = ws.commit('narrow every wide table', write('int32'));
    const r = await check(ws, 'pull_request.opened', { base, head }, { pr: 51 });
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ breaking: 'true', changes: '1800' });
    const body = api.comments(51)[0]!.body;
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('❌ **1800 breaking changes**');
    expect(body).toContain('the job summary of this check has the full report');
    expect(Buffer.byteLength(r.summary)).toBeLessThanOrEqual(1024 * 1024);
    expect(r.summary.length).toBeGreaterThan(body.length);
    expect(r.summary).toContain('<code>wide_table_299</code>');
  });
});

describe('settings (inputs are checked before anything runs)', () => {
  const ws = () => makeWorkspace();

  it.each([
    [{ command: 'deploy' }, 'input command must be one of check, validate, build, diff, publish, emit, not "deploy"'],
    [{ command: 'emit', target: '/tmp/catalog.db' }, 'command emit needs the input dataset'],
    [{ command: 'emit', dataset: 'orders_daily' }, 'command emit needs the input target (the catalog URL)'],
    [{ 'fail-on-breaking': 'sometimes' }, 'input fail-on-breaking must be true or false, not "sometimes"'],
    [{ command: 'emit', target: '/tmp/catalog.db', dataset: 'orders_daily', 'row-count': '12k' }, 'input row-count must be a whole number, not "12k"'],
  ])('%j fails with one clear message', async (inputs, message) => {
    const w = ws();
    const r = await runAction({ bundle, workspace: w.dir, apiUrl: api.url, inputs, event: pullRequestEvent('pull_request.opened', { base: w.base, head: w.base }) });
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([{ command: 'error', properties: {}, message }]);
    expect(r.warnings).toEqual([]);
    expect(api.requests).toEqual([]);
  });
});

describe('outside pull requests', () => {
  const ws = () => makeWorkspace();

  it('command diff needs a base', async () => {
    const w = ws();
    const r = await runAction({ bundle, workspace: w.dir, eventName: 'push', inputs: { command: 'diff' }, event: pushEvent(w.base) });
    expect(r.code).toBe(1);
    expect(r.errors.map((e) => e.message)).toEqual(['command diff needs the input base outside pull requests (git:<ref>, a catalog file or a store URL)']);
  });

  it('validate and build need no pull request and no API', async () => {
    const w = ws();
    const v = await runAction({ bundle, workspace: w.dir, eventName: 'push', inputs: { command: 'validate' }, event: pushEvent(w.base) });
    expect(v.code).toBe(0);
    expect(v.summary).toContain('⚠️ **Specs**: 0 errors, 1 warning');
    const b = await runAction({ bundle, workspace: w.dir, eventName: 'push', inputs: { command: 'build', catalog: 'out/catalog.db' }, event: pushEvent(w.base) });
    expect(b.code).toBe(0);
    expect(b.outputs).toEqual({ 'catalog-path': path.join(w.dir, 'out', 'catalog.db'), datasets: '21', fields: '220', version: '0' });
    const d = await runAction({ bundle, workspace: w.dir, eventName: 'push', inputs: { command: 'build', catalog: 'out' }, event: pushEvent(w.base) });
    expect(d.code).toBe(1);
    expect(d.errors.map((e) => e.message)).toEqual(['input catalog "out" is a directory; name the catalog file, e.g. out/catalog.db']);
    // A place no file can be created in (node:sqlite's error, on Node 24): named as such, not as a bug in MetaFuse.
    const p = await runAction({ bundle, workspace: w.dir, eventName: 'push', inputs: { command: 'build', catalog: '/proc/sys/metafuse-catalog.db' }, event: pushEvent(w.base) });
    expect(p.code).toBe(1);
    expect(p.errors.map((e) => e.message)).toEqual(['cannot write the catalog "/proc/sys/metafuse-catalog.db": unable to open database file']);
  });

  it('diff against git:<ref> reports without commenting', async () => {
    const w = ws();
    const head = w.commit('orders_raw: drop email, narrow total_amount', breakOrdersRaw);
    const r = await runAction({ bundle, workspace: w.dir, eventName: 'push', inputs: { command: 'diff', base: `git:${w.base}` }, event: pushEvent(head), sha: head });
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ breaking: 'true', changes: '2' });
    expect(r.summary).toContain(`git:${w.base}`);
    expect(api.requests).toEqual([]);
  });
});
