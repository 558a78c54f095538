// The one sticky pull-request comment: found by its hidden marker, updated in
// place on every run, created only when there is none.
import { COMMENT_MARKER, LIMITS } from './constants.js';

/** The part of Octokit's REST client used here. */
export interface IssuesApi {
  listComments(p: { owner: string; repo: string; issue_number: number; per_page: number; page: number }): Promise<{ data: Array<{ id: number; body?: string | null }> }>;
  createComment(p: { owner: string; repo: string; issue_number: number; body: string }): Promise<{ data: { id: number; html_url?: string } }>;
  updateComment(p: { owner: string; repo: string; comment_id: number; body: string }): Promise<{ data: { id: number; html_url?: string } }>;
}

export interface PullRef {
  owner: string;
  repo: string;
  number: number;
}

export async function upsertComment(api: IssuesApi, pr: PullRef, markdown: string): Promise<{ id: number; created: boolean; url?: string }> {
  const body = fitComment(`${COMMENT_MARKER}\n${markdown}`);
  const existing = await findComment(api, pr);
  if (existing !== undefined) {
    const r = await api.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: existing, body });
    return { id: r.data.id, created: false, url: r.data.html_url };
  }
  const r = await api.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, body });
  return { id: r.data.id, created: true, url: r.data.html_url };
}

async function findComment(api: IssuesApi, pr: PullRef): Promise<number | undefined> {
  for (let page = 1; page <= 50; page++) {
    const { data } = await api.listComments({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, per_page: 100, page });
    const hit = data.find((c) => c.body?.includes(COMMENT_MARKER));
    if (hit) return hit.id;
    if (data.length < 100) return undefined;
  }
  return undefined;
}

/** A last guard: the renderers already keep within budget; never post a comment GitHub would refuse. */
export function fitComment(body: string): string {
  if (body.length <= LIMITS.commentChars) return body;
  return `${COMMENT_MARKER}\nThe MetaFuse report is too large for a comment; see the job summary of this check.\n`;
}
