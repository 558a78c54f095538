// Small, failure-tolerant git helpers: the specs may or may not live in a git checkout.
import { execFileSync } from 'node:child_process';

/** Runs git in `cwd`; returns trimmed stdout, or undefined when git or the repository is missing. */
export function git(cwd: string, args: string[], input?: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'ignore'], input, maxBuffer: 1 << 30 }).trim();
  } catch {
    return undefined;
  }
}

export interface Provenance {
  sourceCommit: string | null;
  /** ISO 8601 UTC, no milliseconds. */
  builtAt: string | null;
  /** Commit time of sourceCommit, ISO 8601 UTC; null outside a checkout. */
  commitTime: string | null;
}

/**
 * Where a build comes from, without reading the clock: SOURCE_DATE_EPOCH or the
 * commit time of HEAD for built_at; HEAD (or GITHUB_SHA outside a checkout) for the commit.
 */
export function provenance(specsDir: string, env: NodeJS.ProcessEnv = process.env): Provenance {
  const head = git(specsDir, ['log', '-1', '--format=%H %ct']);
  const [sha, ct] = head ? head.split(' ') : [];
  const sourceCommit = sha || env.GITHUB_SHA || null;
  const epoch = env.SOURCE_DATE_EPOCH && /^[0-9]+$/.test(env.SOURCE_DATE_EPOCH) ? Number(env.SOURCE_DATE_EPOCH) : ct ? Number(ct) : undefined;
  return { sourceCommit, builtAt: epoch === undefined ? null : isoSeconds(epoch), commitTime: ct ? isoSeconds(Number(ct)) : null };
}

export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** True when `ancestor` is an ancestor of (or equal to) `descendant`; undefined when git cannot tell. */
export function isAncestor(cwd: string, ancestor: string, descendant: string): boolean | undefined {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', ancestor, descendant], { cwd, stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as { status?: number }).status === 1 ? false : undefined;
  }
}
