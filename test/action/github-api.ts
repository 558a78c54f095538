// A stand-in for the GitHub REST API on 127.0.0.1, for the tests that run the
// bundled Action as a child process. It is a double, not a mock of our code:
// api.github.com cannot be reached from these machines (and a test must not
// post comments on a real pull request), so this server answers the four
// endpoints the Action calls the way GitHub documents them — JSON bodies, the
// `Link` pagination header, `token` authentication, 401/403/404/422 errors with
// GitHub's messages — keeps the state between runs (comments and labels per
// issue) and records every request so that a test can say what was sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /repos/acme/specs/issues/7/comments. */
  path: string;
  query: Record<string, string>;
  /** The Authorization header as received (undefined when absent). */
  authorization: string | undefined;
  /** The parsed JSON body (undefined for requests without one). */
  body: unknown;
}

export interface IssueComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: { login: string; id: number; type: 'Bot' | 'User' };
  created_at: string;
  updated_at: string;
  author_association: string;
}

export interface GitHubApiOptions {
  /** owner/repo served; other repositories answer 404. */
  repository: string;
  /** The token the Action must send (`Authorization: token <token>`). */
  token: string;
}

export interface GitHubApi {
  /** Base URL for GITHUB_API_URL, e.g. http://127.0.0.1:43121 */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** The comments on an issue or pull request now, oldest first. */
  comments(issue: number): IssueComment[];
  /** Adds a comment as another user (to fill pages before the Action's own). */
  addComment(issue: number, body: string, login?: string): IssueComment;
  /** Replaces the labels of an issue or pull request. */
  setLabels(issue: number, names: string[]): void;
  /**
   * Makes every write answer `status` (403 = a read-only token, as on pull requests
   * from forks or with `permissions: pull-requests: read`); undefined restores writes.
   */
  failWrites(status: number | undefined): void;
  /** Forgets the recorded requests (state stays). */
  clearRequests(): void;
  stop(): Promise<void>;
}

/** GitHub refuses comment bodies longer than this (HTTP 422). */
export const GITHUB_COMMENT_MAX = 65_536;
const MAX_PER_PAGE = 100;

export async function startGitHubApi(options: GitHubApiOptions): Promise<GitHubApi> {
  const [owner, repo] = options.repository.split('/') as [string, string];
  const requests: RecordedRequest[] = [];
  const comments = new Map<number, IssueComment[]>();
  const labels = new Map<number, string[]>();
  let nextId = 1_900_000_001;
  let writeFailure: number | undefined;
  let url = '';

  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const newComment = (issue: number, body: string, login: string): IssueComment => {
    const id = nextId++;
    const c: IssueComment = {
      id,
      node_id: `IC_kwDO${id.toString(36)}`,
      url: `${url}/repos/${owner}/${repo}/issues/comments/${id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${id}`,
      issue_url: `${url}/repos/${owner}/${repo}/issues/${issue}`,
      body,
      user: login === 'github-actions[bot]' ? { login, id: 41898282, type: 'Bot' } : { login, id: 1000 + login.length, type: 'User' },
      created_at: now(),
      updated_at: now(),
      author_association: login === 'github-actions[bot]' ? 'NONE' : 'MEMBER',
    };
    comments.set(issue, [...(comments.get(issue) ?? []), c]);
    return c;
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => send(res, 500, { message: `test double failed: ${String(e)}` }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        requests.push({ method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), authorization: req.headers.authorization, body: raw });
        return send(res, 400, { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest' });
      }
    }
    const method = req.method ?? 'GET';
    requests.push({ method, path: u.pathname, query: Object.fromEntries(u.searchParams), authorization: req.headers.authorization, body });

    if (req.headers.authorization !== `token ${options.token}` && req.headers.authorization !== `Bearer ${options.token}`) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }

    const prefix = `/repos/${owner}/${repo}/issues/`;
    if (!u.pathname.startsWith(prefix)) return notFound(res);
    const rest = u.pathname.slice(prefix.length).split('/');

    // GET|POST /repos/{owner}/{repo}/issues/{issue_number}/comments
    if (rest.length === 2 && /^[0-9]+$/.test(rest[0]!) && rest[1] === 'comments') {
      const issue = Number(rest[0]);
      if (method === 'GET') {
        const list = comments.get(issue) ?? [];
        return sendPage(res, u, list);
      }
      if (method === 'POST') {
        if (writeFailure !== undefined) return refuseWrite(res, writeFailure, 'create-an-issue-comment');
        const invalid = validateBody(body);
        if (invalid) return send(res, 422, invalid);
        return send(res, 201, newComment(issue, (body as { body: string }).body, 'github-actions[bot]'));
      }
    }

    // PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}
    if (rest.length === 2 && rest[0] === 'comments' && /^[0-9]+$/.test(rest[1]!) && method === 'PATCH') {
      const id = Number(rest[1]);
      const c = [...comments.values()].flat().find((x) => x.id === id);
      if (!c) return notFound(res);
      if (writeFailure !== undefined) return refuseWrite(res, writeFailure, 'update-an-issue-comment');
      const invalid = validateBody(body);
      if (invalid) return send(res, 422, invalid);
      c.body = (body as { body: string }).body;
      c.updated_at = now();
      return send(res, 200, c);
    }

    // GET /repos/{owner}/{repo}/issues/{issue_number}/labels
    if (rest.length === 2 && /^[0-9]+$/.test(rest[0]!) && rest[1] === 'labels' && method === 'GET') {
      const list = (labels.get(Number(rest[0])) ?? []).map((name, i) => ({
        id: 5_000_000 + i,
        node_id: `LA_kwDO${i}`,
        url: `${url}/repos/${owner}/${repo}/labels/${encodeURIComponent(name)}`,
        name,
        color: 'd73a4a',
        default: false,
        description: null,
      }));
      return sendPage(res, u, list);
    }
    return notFound(res);
  }

  function sendPage(res: ServerResponse, u: URL, list: unknown[]): void {
    const perPage = Math.min(Number(u.searchParams.get('per_page') ?? 30) || 30, MAX_PER_PAGE);
    const page = Math.max(Number(u.searchParams.get('page') ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(list.length / perPage), 1);
    const link = (p: number, rel: string) => {
      const q = new URLSearchParams(u.searchParams);
      q.set('per_page', String(perPage));
      q.set('page', String(p));
      return `<${url}${u.pathname}?${q}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    send(res, 200, list.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
  }

  function refuseWrite(res: ServerResponse, status: number, doc: string): void {
    const message = status === 403 ? 'Resource not accessible by integration' : status === 404 ? 'Not Found' : 'Server Error';
    send(res, status, { message, documentation_url: `https://docs.github.com/rest/issues/comments#${doc}`, status: String(status) });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    comments: (issue) => [...(comments.get(issue) ?? [])],
    addComment: (issue, body, login = 'octocat') => newComment(issue, body, login),
    setLabels: (issue, names) => void labels.set(issue, [...names]),
    failWrites: (status) => {
      writeFailure = status;
    },
    clearRequests: () => void requests.splice(0),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function validateBody(body: unknown): object | undefined {
  const text = (body as { body?: unknown } | undefined)?.body;
  if (typeof text !== 'string') {
    return { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: 'https://docs.github.com/rest/issues/comments', status: '422' };
  }
  if (text.length > GITHUB_COMMENT_MAX) {
    return {
      message: 'Validation Failed',
      errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${GITHUB_COMMENT_MAX} characters)` }],
      documentation_url: 'https://docs.github.com/rest/issues/comments',
      status: '422',
    };
  }
  return undefined;
}

function notFound(res: ServerResponse): void {
  send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-github-media-type': 'github.v3; format=json', ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
