// Runs the committed Action bundle (dist/index.js) the way a GitHub runner does:
// as a child process under Node 24, from a copy outside the repository (so no
// node_modules can be resolved), in a temporary git checkout, with the INPUT_*
// and GITHUB_* variables and the files (event payload, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY) a runner provides; then reads back what the step left.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** What the runner would mask; the tests check that the bundle never prints it. */
export const TOKEN = 'ghs_MetaFuseTestToken0123456789abcdefXYZ';
export const REPOSITORY = 'acme/specs';
const SPECS = 'catalog-specs';

const temps: string[] = [];

/** A fresh temporary folder, removed by removeTemps(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

let node24Path: string | undefined;

/** The Node 24 binary (downloaded from the npm registry into .tools/ the first time). */
export function node24(): string {
  node24Path ??= execFileSync('bash', [path.join(REPO, 'scripts', 'ensure-node24.sh')], { encoding: 'utf8' }).trim();
  return node24Path;
}

/** Copies dist/ into a temporary folder with no node_modules on any parent path; returns dist/index.js there. */
export function copyBundle(): string {
  const root = tempDir('metafuse-action-');
  for (let d = root; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules'))) throw new Error(`${d}/node_modules exists: the copied bundle could resolve packages from it`);
    if (path.dirname(d) === d) break;
  }
  cpSync(path.join(REPO, 'dist'), path.join(root, 'dist'), { recursive: true });
  return path.join(root, 'dist', 'index.js');
}

// ---------------------------------------------------------------- the checkout

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Mona Dev',
  GIT_AUTHOR_EMAIL: 'mona-dev@users.noreply.github.com',
  GIT_COMMITTER_NAME: 'Mona Dev',
  GIT_COMMITTER_EMAIL: 'mona-dev@users.noreply.github.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV }, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface Workspace {
  /** GITHUB_WORKSPACE: the checkout. */
  dir: string;
  /** The specs folder inside it. */
  specs: string;
  /** The pull request's base commit (the example catalog as it is). */
  base: string;
  /** Applies an edit to the specs and commits it; returns the new HEAD. */
  commit(message: string, edit: (specs: string) => void): string;
}

/** A git checkout holding a copy of the example catalog-specs/ as its base commit. */
export function makeWorkspace(): Workspace {
  const dir = tempDir('metafuse-ws-');
  const specs = path.join(dir, SPECS);
  cpSync(path.join(REPO, SPECS), specs, { recursive: true });
  // The runner's checkout ignores what the build writes into it.
  writeFileSync(path.join(dir, '.gitignore'), 'catalog.db\n');
  git(dir, ['init', '-q']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'Example catalog']);
  const base = git(dir, ['rev-parse', 'HEAD']);
  return {
    dir,
    specs,
    base,
    commit(message, edit) {
      edit(specs);
      git(dir, ['add', '-A']);
      git(dir, ['commit', '-q', '--allow-empty', '-m', message]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
  };
}

/** Replaces exact text in a spec file; fails loudly when the example no longer contains it. */
export function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains:\n${from}`);
  writeFileSync(file, text.replace(from, to));
}

export const ORDERS_RAW = 'datasets/sales/orders_raw.yaml';

/** The breaking change of the pull request: drop orders_raw.email, narrow total_amount to decimal(10,2). */
export function breakOrdersRaw(specs: string): void {
  const file = path.join(specs, ORDERS_RAW);
  replaceIn(file, '  - name: email\n    type: text\n    description: E-mail address entered at checkout (also for guests).\n    tags: [pii]\n    terms: [email_address]\n', '');
  replaceIn(file, '  - name: total_amount\n    type: decimal(12,2)', '  - name: total_amount\n    type: decimal(10,2)');
}

/** A second push to the pull request: also narrow refunded_amount. */
export function narrowRefunds(specs: string): void {
  replaceIn(path.join(specs, ORDERS_RAW), '  - name: refunded_amount\n    type: decimal(12,2)', '  - name: refunded_amount\n    type: decimal(10,2)');
}

/** A safe change: a new nullable field at the end of orders_raw. */
export function addCouponField(specs: string): void {
  const file = path.join(specs, ORDERS_RAW);
  writeFileSync(file, `${readFileSync(file, 'utf8')}  - name: coupon_code\n    type: varchar\n    description: Coupon entered at checkout, if any.\n`);
}

export function setPolicy(specs: string, policy: 'fail' | 'warn'): void {
  replaceIn(path.join(specs, 'metafuse.yaml'), 'breakingChanges: fail', `breakingChanges: ${policy}`);
}

// ---------------------------------------------------------------- running the bundle

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The step's outputs, read back from GITHUB_OUTPUT. */
  outputs: Record<string, string>;
  /** The job summary written to GITHUB_STEP_SUMMARY ('' when none). */
  summary: string;
  /** Workflow commands (::name props::message) printed on stdout. */
  commands: WorkflowCommand[];
  errors: WorkflowCommand[];
  warnings: WorkflowCommand[];
  ms: number;
}

export interface RunOptions {
  bundle: string;
  workspace: string;
  /** Inputs by their action.yml names; the others get action.yml's defaults, as GitHub does. */
  inputs?: Record<string, string>;
  /** GITHUB_EVENT_NAME, default pull_request. */
  eventName?: string;
  /** The webhook payload written to GITHUB_EVENT_PATH. */
  event?: unknown;
  /** GITHUB_API_URL. */
  apiUrl?: string;
  /** GITHUB_SHA, default the workspace's HEAD. */
  sha?: string;
  /** More variables (AWS_*, ...). */
  env?: Record<string, string>;
}

let runSeq = 0;

/** The INPUT_ variable GitHub sets: the name upper-cased, spaces as underscores, dashes kept (as @actions/core's getInput reads it). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** action.yml's inputs with their defaults, `${{ github.token }}` standing for TOKEN. */
function defaultInputs(): Record<string, string> {
  const action = parse(readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };
  const out: Record<string, string> = {};
  for (const [name, i] of Object.entries(action.inputs)) out[name] = String(i.default ?? '').replace('${{ github.token }}', TOKEN);
  return out;
}

export async function runAction(o: RunOptions): Promise<ActionRun> {
  const files = path.join(tempDir('metafuse-runner-'), String(++runSeq));
  mkdirSync(files, { recursive: true });
  const outputFile = path.join(files, 'github_output');
  const summaryFile = path.join(files, 'step_summary');
  const eventFile = path.join(files, 'event.json');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  writeFileSync(eventFile, JSON.stringify(o.event ?? {}));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? files,
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: files,
    GITHUB_EVENT_NAME: o.eventName ?? 'pull_request',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_REPOSITORY_OWNER: REPOSITORY.split('/')[0]!,
    GITHUB_SHA: o.sha ?? git(o.workspace, ['rev-parse', 'HEAD']),
    GITHUB_RUN_ID: '9876543210',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    // Unreachable unless a test serves it: no request may leave this machine.
    GITHUB_API_URL: o.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_GRAPHQL_URL: `${o.apiUrl ?? 'http://127.0.0.1:9'}/graphql`,
    ...GIT_ENV,
    ...o.env,
  };
  for (const [name, value] of Object.entries({ ...defaultInputs(), ...o.inputs })) env[inputVariable(name)] = value;

  const t0 = Date.now();
  const child = spawn(node24(), [o.bundle], { cwd: o.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  }).finally(() => clearTimeout(timer));

  const commands = parseCommands(stdout);
  const run: ActionRun = {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    commands,
    errors: commands.filter((c) => c.command === 'error'),
    warnings: commands.filter((c) => c.command === 'warning'),
    ms: Date.now() - t0,
  };
  const leaks = tokenLeaks(run);
  if (leaks.length) throw new Error(`the bundle printed the token:\n${leaks.join('\n')}`);
  return run;
}

/** Lines of stdout/stderr that show the token, other than the ::add-mask:: command that asks the runner to hide it. */
export function tokenLeaks(run: Pick<ActionRun, 'stdout' | 'stderr'>): string[] {
  const lines = [...run.stdout.split('\n'), ...run.stderr.split('\n')];
  return lines.filter((l) => l.includes(TOKEN) && l !== `::add-mask::${TOKEN}`);
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => unescapeData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));

/** Workflow commands as the runner reads them: `::name k=v,k=v::message`, escaped by @actions/core. */
export function parseCommands(stdout: string): WorkflowCommand[] {
  const out: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    out.push({ command: m[1]!, properties, message: unescapeData(m[3]!) });
  }
  return out;
}

/** GITHUB_OUTPUT's format: `name<<DELIMITER`, the value, `DELIMITER`, for each output. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) {
      if (lines[i] !== '') throw new Error(`GITHUB_OUTPUT line ${i + 1} is not name<<delimiter: ${lines[i]}`);
      continue;
    }
    const end = lines.indexOf(m[2]!, i + 1);
    if (end < 0) throw new Error(`GITHUB_OUTPUT: no closing delimiter for ${m[1]}`);
    out[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}

/**
 * A recorded webhook payload from fixtures/, pointed at the commits of a test
 * checkout (and renumbered, so that tests sharing one API double do not share a pull request).
 */
export function pullRequestEvent(fixture: string, shas: { base: string; head: string; before?: string }, number?: number): Record<string, unknown> {
  const event = JSON.parse(readFileSync(path.join(FIXTURES, `${fixture}.json`), 'utf8')) as Record<string, unknown> & {
    number: number;
    pull_request: { number: number; base: { sha: string }; head: { sha: string } };
  };
  event.pull_request.base.sha = shas.base;
  event.pull_request.head.sha = shas.head;
  if ('after' in event) event.after = shas.head;
  if ('before' in event && shas.before) event.before = shas.before;
  if (number !== undefined) event.number = event.pull_request.number = number;
  return event;
}

/** The recorded push to main from fixtures/, pointed at a commit of a test checkout. */
export function pushEvent(sha: string): Record<string, unknown> {
  const event = JSON.parse(readFileSync(path.join(FIXTURES, 'push.json'), 'utf8')) as Record<string, unknown> & { head_commit: { id: string }; commits: Array<{ id: string }> };
  event.after = sha;
  event.head_commit.id = sha;
  for (const c of event.commits) c.id = sha;
  return event;
}

/** The diagnostics annotations (those with a file), as file:line:col. */
export function annotatedPlaces(list: WorkflowCommand[]): string[] {
  return list.filter((c) => c.properties.file !== undefined).map((c) => `${c.properties.file}:${c.properties.line}:${c.properties.col}`);
}
