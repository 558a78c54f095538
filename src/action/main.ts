// The Action's shell: reads the settings once, builds the environment from
// @actions/core and @actions/github, runs the command, writes the job summary in
// `finally`, and calls setFailed exactly once.
import * as core from '@actions/core';
import * as github from '@actions/github';
import { CatalogWriteError } from '../catalog/compile.js';
import { useDriver } from '../db/index.js';
import { SourceError } from '../diff/sources.js';
import { systemErrorText } from '../files/system-error.js';
import { StoreUrlError } from '../store/open.js';
import { ConflictError } from '../store/protocol.js';
import { AmbiguousStoreError, StoreError } from '../store/types.js';
import { LIMITS } from './constants.js';
import { CheckFailure, runCommand, type ActionEnv, type PullRequestInfo } from './run.js';
import { readSettings, SettingsError } from './settings.js';

interface PullRequestPayload {
  number: number;
  base: { sha: string; repo?: { full_name?: string } };
  head: { repo?: { full_name?: string } | null };
  labels?: Array<{ name?: string }>;
}

export async function run(): Promise<void> {
  // Runners have no toolchain for native addons: the built-in node:sqlite serves the catalog.
  useDriver('node:sqlite');
  const summary: string[] = [];
  try {
    const settings = readSettings((name) => core.getInput(name), github.context.eventName);
    if (settings.githubToken) core.setSecret(settings.githubToken);
    const octokit = settings.githubToken ? github.getOctokit(settings.githubToken) : undefined;
    const env: ActionEnv = {
      workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      annotations: {
        error: (message, props) => core.error(message, props),
        warning: (message, props) => core.warning(message, props),
      },
      setOutput: (name, value) => core.setOutput(name, value),
      info: (m) => core.info(m),
      warning: (m) => core.warning(m),
      group: (name, fn) => core.group(name, fn),
      summary,
      pullRequest: await pullRequestInfo(octokit),
      issues: octokit?.rest.issues as unknown as ActionEnv['issues'],
      commit: github.context.sha,
      runId: github.context.runId ? String(github.context.runId) : undefined,
    };
    await runCommand(settings, env);
  } catch (e) {
    core.setFailed(failureMessage(e));
  } finally {
    await writeSummary(summary);
  }
}

async function pullRequestInfo(octokit: ReturnType<typeof github.getOctokit> | undefined): Promise<PullRequestInfo | undefined> {
  const pr = github.context.payload.pull_request as PullRequestPayload | undefined;
  if (!pr) return undefined;
  const { owner, repo } = github.context.repo;
  let labels = (pr.labels ?? []).map((l) => l.name ?? '').filter(Boolean);
  if (octokit) {
    // The event's labels are those of the moment it fired; ask for the current ones.
    try {
      const r = await octokit.rest.issues.listLabelsOnIssue({ owner, repo, issue_number: pr.number, per_page: 100 });
      labels = r.data.map((l) => l.name);
    } catch {
      // fall back to the event's labels
    }
  }
  const headRepo = pr.head.repo?.full_name;
  const fromFork = headRepo === undefined || headRepo !== (pr.base.repo?.full_name ?? `${owner}/${repo}`);
  return { owner, repo, number: pr.number, baseSha: pr.base.sha, labels, fromFork };
}

function failureMessage(e: unknown): string {
  if (e instanceof CheckFailure || e instanceof CatalogWriteError || e instanceof SettingsError || e instanceof StoreError || e instanceof StoreUrlError || e instanceof SourceError || e instanceof ConflictError || e instanceof AmbiguousStoreError) {
    return e.message;
  }
  return systemErrorText(e) ?? `internal error: ${e instanceof Error ? e.message : String(e)} (this is a bug in MetaFuse; please report it)`;
}

async function writeSummary(parts: string[]): Promise<void> {
  if (parts.length === 0 || !process.env.GITHUB_STEP_SUMMARY) return;
  let text = parts.join('\n');
  // GitHub refuses a step summary over 1 MiB: fall back to a short note rather than lose the step.
  if (Buffer.byteLength(text) > LIMITS.summaryBytes - 16 * 1024) {
    text = '## MetaFuse\n\nThe report is too large for the job summary; run `metafuse diff --format json` locally for the full list.\n';
  }
  try {
    await core.summary.addRaw(text, true).write();
  } catch (e) {
    core.warning(`could not write the job summary: ${e instanceof Error ? e.message : String(e)}`);
  }
}
