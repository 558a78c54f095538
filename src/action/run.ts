// The Action's commands. GitHub is reached only through the small `ActionEnv`
// interface (inputs, outputs, annotations, summary, PR context, issues API), so
// that the logic reads like the CLI's and the entry point stays a thin shell.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CatalogWriteError, compileCatalog } from '../catalog/compile.js';
import { flattenFields } from '../catalog/observations.js';
import { diffModels, type DiffResult } from '../diff/compute.js';
import { diffSide, renderMarkdown, verdict, type DiffSides } from '../diff/render.js';
import { prepareSide } from '../diff/sources.js';
import { makeDirs } from '../files/durable.js';
import { provenance } from '../git/git.js';
import { ArrowSchemaError, readArrowSchema } from '../spec/arrow-schema.js';
import { loadSpecs, sharedLoading, type LoadOptions, type SpecResult } from '../spec/index.js';
import { summaryLine } from '../spec/report.js';
import { openStoreTarget } from '../store/open.js';
import { emit, EmitInputError, publish, unknownUpstreamText } from '../store/publish.js';
import { pull } from '../store/pull.js';
import { annotate, workspacePath, type AnnotationSink } from './annotations.js';
import { upsertComment, type IssuesApi, type PullRef } from './comment.js';
import { ALLOW_BREAKING_LABEL, LIMITS, Outputs } from './constants.js';
import type { Settings } from './settings.js';

export interface PullRequestInfo extends PullRef {
  baseSha: string;
  /** Labels on the pull request now (or as in the event when they cannot be fetched). */
  labels: string[];
  /** From a fork: the token is read-only, so no comment is attempted. */
  fromFork: boolean;
}

export interface ActionEnv {
  workspace: string;
  annotations: AnnotationSink;
  setOutput(name: string, value: string): void;
  info(message: string): void;
  warning(message: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Appends Markdown to the job summary (written once, at the end). */
  summary: string[];
  pullRequest: PullRequestInfo | undefined;
  /** Issues API with the github-token; undefined without a token. */
  issues: IssuesApi | undefined;
  commit: string | undefined;
  runId: string | undefined;
}

/** A failure of the check itself (invalid specs, breaking changes): the Action fails with this message. */
export class CheckFailure extends Error {}

export async function runCommand(s: Settings, env: ActionEnv): Promise<void> {
  switch (s.command) {
    case 'validate':
      await validateStep(s, env);
      return;
    case 'build': {
      const specs = await validateStep(s, env);
      await buildStep(s, env, specs);
      return;
    }
    case 'check':
    case 'diff':
      await check(s, env);
      return;
    case 'publish':
      await publishStep(s, env);
      return;
    case 'emit':
      await emitStep(s, env);
      return;
  }
}

async function validateStep(s: Settings, env: ActionEnv, failOnErrors = true, shared?: LoadOptions): Promise<SpecResult> {
  return env.group('Validate specs', async () => {
    const r = await loadSpecs(s.specs, { ...shared });
    const { omitted } = annotate(r.diagnostics, env.annotations, env.workspace);
    env.info(`${summaryLine(r.diagnostics)} in ${r.model.datasets.length} datasets and ${r.model.terms.length} glossary terms`);
    env.summary.push(diagnosticsMarkdown(r, env.workspace, omitted));
    if (failOnErrors && r.errors > 0) throw new CheckFailure(`the specs have ${summaryLine(r.diagnostics)}; see the annotations and the job summary`);
    return r;
  });
}

function diagnosticsMarkdown(r: SpecResult, workspace: string, omitted: number): string {
  if (r.diagnostics.length === 0) return `✅ **Specs valid**: ${r.model.datasets.length} datasets, ${r.model.terms.length} glossary terms.\n`;
  const icon = r.errors > 0 ? '❌' : '⚠️';
  let md = `${icon} **Specs**: ${summaryLine(r.diagnostics)}${omitted ? ` (${omitted} not shown as annotations: GitHub shows 10 of each per step)` : ''}\n\n`;
  md += '| | file | code | message |\n|---|---|---|---|\n';
  const rows = r.diagnostics.slice(0, 500).map((d) => `| ${d.severity === 'error' ? '🔴' : '🟡'} | <code>${esc(`${workspacePath(d.file, workspace)}:${d.line}:${d.column}`)}</code> | ${esc(d.code)} | ${esc(d.message)} |\n`);
  md += rows.join('');
  if (r.diagnostics.length > 500) md += `\n… and ${r.diagnostics.length - 500} more; run \`metafuse validate\` locally for the full list.\n`;
  return md;
}

function esc(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').slice(0, 300);
}

async function buildStep(s: Settings, env: ActionEnv, specs: SpecResult): Promise<void> {
  await env.group('Build catalog', async () => {
    const target = path.resolve(s.catalog);
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new CheckFailure(`input catalog "${s.catalog}" is a directory; name the catalog file, e.g. ${path.join(s.catalog, 'catalog.db')}`);
    makeDirs(path.dirname(target));
    const built = await compileCatalog(specs.model, target, { version: 0, ...provenance(specs.root) }).catch((e: unknown) => {
      throw e instanceof CatalogWriteError ? new CheckFailure(`cannot write the catalog "${s.catalog}": ${e.reason}`) : e;
    });
    env.setOutput(Outputs.catalogPath, built.path);
    env.setOutput(Outputs.datasets, String(built.datasets));
    env.setOutput(Outputs.fields, String(built.fields));
    env.setOutput(Outputs.version, '0');
    env.info(`built ${built.path}: ${built.datasets} datasets, ${built.fields} fields, ${built.lineageEdges} lineage edges`);
  });
}

async function pullUrl(url: string): Promise<string> {
  return (await pull(await openStoreTarget(url))).path;
}

async function check(s: Settings, env: ActionEnv): Promise<void> {
  const pr = env.pullRequest;
  // Shared with the base side of the diff, which then parses only the files the pull
  // request changed and keeps the model entries of the datasets it did not touch.
  const shared = sharedLoading();
  // A git base's files are read by git while the specs are validated and built.
  const baseRef = s.base ?? (pr ? `git:${pr.baseSha}` : undefined);
  const basePrepared = baseRef ? prepareSide(baseRef, { specsDir: s.specs, pullUrl, ...shared }) : undefined;
  const specs = await validateStep(s, env, false, shared);
  let diff: { result: DiffResult; sides: DiffSides } | undefined;
  let failure: string | undefined;
  if (specs.errors > 0) {
    failure = `the specs have ${summaryLine(specs.diagnostics)}; see the annotations and the job summary`;
  } else {
    await buildStep(s, env, specs);
    if (basePrepared) {
      diff = await env.group('Diff against the base', async () => {
        const base = await basePrepared.load();
        if (base.errors > 0) env.warning(`the base (${base.label}) has ${base.errors} validation errors; the diff uses what could be read`);
        const result = diffModels(base.model, specs.model);
        const sides = { base: diffSide(base.label, base.model), head: diffSide(`${s.specs} (this ${pr ? 'pull request' : 'commit'})`, specs.model) };
        env.info(`${verdict(result)} (${base.label} → ${s.specs})`);
        return { result, sides };
      });
      const r = diff.result;
      env.setOutput(Outputs.breaking, String(r.breaking));
      env.setOutput(Outputs.changes, String(r.counts.total));
      const allowed = pr?.labels.includes(ALLOW_BREAKING_LABEL) ?? false;
      const enforce = s.failOnBreaking ?? r.policy === 'fail';
      if (r.breaking && enforce) {
        if (allowed) env.warning(`${r.counts.breaking} breaking changes accepted: the pull request carries the label ${ALLOW_BREAKING_LABEL}`);
        else failure = `${r.counts.breaking} breaking change${r.counts.breaking === 1 ? '' : 's'} (see the job summary); add the label ${ALLOW_BREAKING_LABEL} to the pull request to accept them`;
      }
    } else {
      env.info('no base to diff against (not a pull request and no base input)');
    }
  }

  const title = `## MetaFuse catalog check\n\n`;
  const specsPart = env.summary.join('\n');
  // The job summary can hold 1 MiB: give the diff a large budget there.
  const summaryDiff = diff ? renderMarkdown(diff.result, diff.sides, { heading: 3, limit: 800_000 }) : '';
  env.summary.length = 0;
  env.summary.push(title, specsPart, '\n', summaryDiff);

  if (pr && s.command === 'check' && s.comment) {
    if (pr.fromFork) {
      env.info('pull request from a fork: the token is read-only, so the report is in the job summary only');
    } else if (!env.issues) {
      env.info('no github-token: the report is in the job summary only');
    } else {
      const budget = LIMITS.commentChars - 5_000 - specsPart.length;
      const commentDiff = diff ? renderMarkdown(diff.result, diff.sides, { heading: 3, limit: Math.max(budget, 5_000), fullReportHint: 'the job summary of this check has the full report' }) : '';
      const body = `${title}${specsPart.length < 20_000 ? specsPart : `${summaryLine(specs.diagnostics)} — see the job summary.\n`}\n${commentDiff}\n<sub>Updated for ${env.commit?.slice(0, 7) ?? 'this commit'}${env.runId ? ` by run ${env.runId}` : ''}.</sub>\n`;
      try {
        const c = await upsertComment(env.issues, pr, body);
        env.info(`${c.created ? 'created' : 'updated'} the pull-request comment${c.url ? ` ${c.url}` : ''}`);
      } catch (e) {
        const status = (e as { status?: unknown }).status;
        if (typeof status !== 'number') throw e;
        // The comment only repeats the summary: a read-only token (forks, restricted
        // permissions) or a GitHub outage must not fail the check, nor pass for a MetaFuse bug.
        if (status === 403 || status === 404) env.warning(`could not comment on the pull request (HTTP ${status}): give the workflow "pull-requests: write"; the report is in the job summary`);
        else env.warning(`could not comment on the pull request (HTTP ${status}: ${(e as Error).message.slice(0, 200)}); the report is in the job summary`);
      }
    }
  }
  if (failure) throw new CheckFailure(failure);
}

async function publishStep(s: Settings, env: ActionEnv): Promise<void> {
  const specs = await validateStep(s, env);
  const to = s.target ?? specs.model.config.publishTarget ?? undefined;
  if (!to) throw new CheckFailure('publish needs the input target, or publish.target in the Catalog spec');
  await env.group(`Publish to ${to}`, async () => {
    const target = await openStoreTarget(to);
    const outcome = await publish(target, { model: specs.model, ...provenance(specs.root), gitDir: specs.root, keepHistory: s.keepHistory }, undefined, {
      onRetry: (attempt, why) => env.info(`attempt ${attempt} failed (${why}); retrying`),
    });
    env.setOutput(Outputs.version, String(outcome.version));
    env.setOutput(Outputs.published, String(outcome.status === 'written'));
    env.setOutput(Outputs.datasets, String(specs.model.datasets.length));
    env.setOutput(Outputs.fields, String(specs.model.datasets.reduce((n, d) => n + d.fields.length, 0)));
    const line = outcome.status === 'written' ? `Published **${target.url}**: version ${outcome.version} (${outcome.attempts} attempt(s), ${outcome.conflicts} conflict(s)).` : `Not published: ${outcome.message}.`;
    env.info(line.replace(/\*\*/g, ''));
    env.summary.push(`## MetaFuse publish\n\n${line}\n`);
  });
}

async function emitStep(s: Settings, env: ActionEnv): Promise<void> {
  await env.group(`Emit ${s.emit.dataset} to ${s.target}`, async () => {
    let schema;
    if (s.emit.arrow) {
      try {
        const bytes = await readFile(path.resolve(s.emit.arrow));
        schema = flattenFields((await readArrowSchema(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))).fields);
      } catch (e) {
        // A missing or unreadable file is the workflow's mistake, not a MetaFuse bug.
        if (e instanceof ArrowSchemaError) throw new CheckFailure(`input arrow ${s.emit.arrow}: ${e.message}`);
        if ((e as NodeJS.ErrnoException).code) throw new CheckFailure(`input arrow ${s.emit.arrow}: cannot read (${(e as NodeJS.ErrnoException).code})`);
        throw e;
      }
    }
    const target = await openStoreTarget(s.target!);
    const outcome = await emit(target, {
      dataset: s.emit.dataset!,
      schema,
      rowCount: s.emit.rowCount,
      sizeBytes: s.emit.sizeBytes,
      upstream: s.emit.upstream,
      runId: s.emit.runId ?? env.runId,
    }).catch((e: unknown) => {
      throw e instanceof EmitInputError ? new CheckFailure(`input ${e.message}`) : e;
    });
    if (outcome.unknownUpstream.length) env.warning(unknownUpstreamText(outcome.unknownUpstream));
    env.setOutput(Outputs.version, String(outcome.version));
    env.setOutput(Outputs.published, 'true');
    const line = `Recorded **${outcome.dataset}** in ${target.url}: version ${outcome.version}${outcome.declared ? '' : ' (observed only: no spec declares it)'}.`;
    env.info(line.replace(/\*\*/g, ''));
    env.summary.push(`## MetaFuse emit\n\n${line}\n`);
  });
}
