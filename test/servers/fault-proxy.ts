// A TCP fault proxy on 127.0.0.1 (node:net) in front of an object-storage
// server (radosgw, Azurite, the GCS double), for the fault-injection suite
// (test/reliability/faults.test.ts). See docs/testing.md.
//
// It parses just enough HTTP/1.1 to find where each request ends
// (Content-Length or chunked) and rewrites every request to
// `Connection: close`, so that one client connection carries exactly one
// request: requests are numbered in arrival order (1, 2, …) and a fault is
// programmed for "the request number N", for "every request matching X", or
// for the N-th request matching X. Faults:
//
// - drop-request   forward `bytes` bytes of the request (head + body), then
//                  reset both connections: the server gets a truncated request;
// - drop-response  forward the request, then only `bytes` bytes of the
//                  response, then reset the client connection;
// - delay          hold the request `ms` before forwarding it;
// - stall          forward the request and `bytes` bytes of the response, then
//                  hold the rest `ms` (a body that stalls midway);
// - status         answer `status` itself (with an optional Retry-After) after
//                  reading the whole request, without forwarding it;
// - reset-after    forward the request, let the server answer completely, then
//                  reset the client connection instead of passing the answer on
//                  (the ambiguous case: the write happened, the client never
//                  learns it).
//
// `bytes` may be a fraction in (0, 1): that share of the request (or response)
// size, head included. The request's size comes from its Content-Length (a
// chunked body counts as 64 KiB); a response that is dropped or stalled is
// collected whole before it is passed on, so its size is exact.
//
// Every request is logged with its arrival time, so tests can measure how long
// a client waited between two attempts and count attempts.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export type Fault =
  | { kind: 'drop-request'; bytes: number }
  | { kind: 'drop-response'; bytes: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'stall'; bytes: number; ms: number }
  | { kind: 'status'; status: number; /** A value, or a function called when answering (e.g. an HTTP date relative to then). */ retryAfter?: string | (() => string) }
  | { kind: 'reset-after' };

export interface RequestMatch {
  method?: string;
  /** The request target must contain this. */
  path?: string | RegExp;
}

export interface FaultRule {
  fault: Fault;
  /** Request number (1-based, counted over all requests since the last reset()). */
  request?: number;
  /** Which requests the rule applies to (with `nth`: the nth of those). */
  match?: RequestMatch;
  /** The nth request matching `match` (1-based). Without `request` or `nth`, every matching request. */
  nth?: number;
  /** How many times the rule may fire (default: once with `request`/`nth`, unlimited otherwise). */
  times?: number;
}

export interface LoggedRequest {
  n: number;
  method: string;
  target: string;
  /** Date.now() when the request head arrived. */
  at: number;
  fault?: Fault['kind'];
  /** Status the client got (from the server or from the proxy), if any. */
  status?: number;
}

export type Flavor = 's3' | 'azure' | 'gcs';

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  /** Replace the rules (and forget how often the old ones fired). */
  setRules(rules: FaultRule[]): void;
  /** Clear the log and the request counter (and the rules). */
  reset(): void;
  readonly log: LoggedRequest[];
  stop(): Promise<void>;
}

interface ActiveRule extends FaultRule {
  fired: number;
  seen: number;
}

const HEAD_LIMIT = 64 * 1024;

/** The body of an error the proxy answers itself, in the flavour of the server behind it. */
function errorBody(flavor: Flavor, status: number): { type: string; body: string } {
  const code = status === 429 ? 'SlowDown' : status === 503 ? 'ServiceUnavailable' : 'InternalError';
  if (flavor === 'gcs') {
    return { type: 'application/json; charset=UTF-8', body: JSON.stringify({ error: { code: status, message: `injected ${status}`, errors: [{ reason: status === 429 ? 'rateLimitExceeded' : 'backendError', message: `injected ${status}` }] } }) };
  }
  const azCode = status === 503 || status === 429 ? 'ServerBusy' : 'InternalError';
  return {
    type: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${flavor === 'azure' ? azCode : code}</Code><Message>injected ${status}</Message></Error>`,
  };
}

/** Incremental end-of-body detection for a request: Content-Length, chunked, or none. */
class BodyTracker {
  private left: number;
  private chunked: boolean;
  private state: 'size' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'size';
  private line = '';
  private chunkLeft = 0;
  done: boolean;
  constructor(headers: Map<string, string>) {
    this.chunked = /chunked/i.test(headers.get('transfer-encoding') ?? '');
    this.left = this.chunked ? 0 : Number(headers.get('content-length') ?? 0) || 0;
    this.done = !this.chunked && this.left === 0;
  }
  /** Feeds body bytes; returns how many of them belong to this request. */
  feed(b: Buffer): number {
    if (this.done) return 0;
    if (!this.chunked) {
      const n = Math.min(this.left, b.length);
      this.left -= n;
      this.done = this.left === 0;
      return n;
    }
    let i = 0;
    while (i < b.length && !this.done) {
      if (this.state === 'data') {
        const n = Math.min(this.chunkLeft, b.length - i);
        i += n;
        this.chunkLeft -= n;
        if (this.chunkLeft === 0) this.state = 'data-crlf';
        continue;
      }
      const c = String.fromCharCode(b[i++]!);
      this.line += c;
      if (!this.line.endsWith('\r\n')) continue;
      const line = this.line.slice(0, -2);
      this.line = '';
      if (this.state === 'size') {
        this.chunkLeft = parseInt(line.split(';')[0]!, 16) || 0;
        this.state = this.chunkLeft === 0 ? 'trailer' : 'data';
      } else if (this.state === 'data-crlf') {
        this.state = 'size';
      } else if (this.state === 'trailer' && line === '') {
        this.state = 'done';
        this.done = true;
      }
    }
    return i;
  }
}

function parseHead(raw: string): { method: string; target: string; headers: Map<string, string>; lines: string[] } {
  const lines = raw.split('\r\n');
  const [method = '', target = ''] = lines[0]!.split(' ');
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { method, target, headers, lines };
}

/** The request head with `Connection: close` (and no keep-alive header). */
function closeHead(lines: string[]): Buffer {
  const kept = lines.filter((l, i) => i === 0 || !/^(connection|keep-alive|proxy-connection)\s*:/i.test(l));
  return Buffer.from(`${kept.join('\r\n')}\r\nConnection: close\r\n\r\n`, 'latin1');
}

function cutAt(bytes: number, total: number): number {
  if (bytes > 0 && bytes < 1) return Math.max(1, Math.floor(bytes * total));
  return Math.min(Math.floor(bytes), total);
}

/** The status code of the first response in `b` (undefined if not there yet). */
function statusOf(b: Buffer): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(b.toString('latin1', 0, Math.min(b.length, 64)));
  return m ? Number(m[1]) : undefined;
}

export async function startFaultProxy(upstream: string | number, opts: { flavor: Flavor }): Promise<FaultProxy> {
  const upstreamPort = typeof upstream === 'number' ? upstream : Number(new URL(upstream).port);
  let rules: ActiveRule[] = [];
  let counter = 0;
  const log: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  function pick(n: number, method: string, target: string): Fault | undefined {
    let chosen: Fault | undefined;
    for (const r of rules) {
      const m = r.match;
      const matches = (!m?.method || m.method === method) && (!m?.path || (typeof m.path === 'string' ? target.includes(m.path) : m.path.test(target)));
      if (!matches) continue;
      r.seen++;
      if (chosen) continue;
      const limit = r.times ?? (r.request !== undefined || r.nth !== undefined ? 1 : Infinity);
      if (r.fired >= limit) continue;
      if (r.request !== undefined && r.request !== n) continue;
      if (r.nth !== undefined && r.nth !== r.seen) continue;
      r.fired++;
      chosen = r.fault;
    }
    return chosen;
  }

  function handle(client: Socket): void {
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    let buf = Buffer.alloc(0);
    let started = false;

    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (started) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > HEAD_LIMIT) client.destroy();
        return;
      }
      started = true;
      client.off('data', onData);
      const head = parseHead(buf.toString('latin1', 0, end));
      const rest = buf.subarray(end + 4);
      buf = Buffer.alloc(0);
      const n = ++counter;
      const entry: LoggedRequest = { n, method: head.method, target: head.target, at: Date.now() };
      log.push(entry);
      const fault = pick(n, head.method, head.target);
      if (fault) entry.fault = fault.kind;
      serve(client, head, rest, fault, entry);
    };
    client.on('data', onData);
  }

  function serve(client: Socket, head: ReturnType<typeof parseHead>, rest: Buffer, fault: Fault | undefined, entry: LoggedRequest): void {
    const body = new BodyTracker(head.headers);
    const newHead = closeHead(head.lines);
    // The request's size, for a fault placed at a fraction of it (a chunked body's size is not known up front: 64 KiB assumed).
    const chunked = /chunked/i.test(head.headers.get('transfer-encoding') ?? '');
    const requestTotal = newHead.length + (chunked ? 64 * 1024 : Number(head.headers.get('content-length') ?? 0) || 0);

    if (fault?.kind === 'status') {
      const answer = (): void => {
        const { type, body: text } = errorBody(opts.flavor, fault.status);
        const reason = fault.status === 429 ? 'Too Many Requests' : fault.status === 503 ? 'Service Unavailable' : fault.status === 502 ? 'Bad Gateway' : 'Internal Server Error';
        entry.status = fault.status;
        const retryAfter = typeof fault.retryAfter === 'function' ? fault.retryAfter() : fault.retryAfter;
        client.end(
          `HTTP/1.1 ${fault.status} ${reason}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${retryAfter !== undefined ? `Retry-After: ${retryAfter}\r\n` : ''}Connection: close\r\n\r\n${text}`,
        );
      };
      // A client waiting for 100-continue gets the final answer at once; otherwise read the whole request first.
      if (/100-continue/i.test(head.headers.get('expect') ?? '')) return answer();
      body.feed(rest);
      if (body.done) return answer();
      client.on('data', (c: Buffer) => {
        body.feed(c);
        if (body.done) answer();
      });
      return;
    }

    const up = connect(upstreamPort, '127.0.0.1');
    sockets.add(up);
    up.on('error', () => client.destroy());
    up.on('close', () => sockets.delete(up));
    client.on('close', () => up.destroy());
    const pending: Buffer[] = [newHead, rest];
    let sent = 0;
    let dropped = false;
    const dropAt = fault?.kind === 'drop-request' ? cutAt(fault.bytes, requestTotal) : Infinity;
    const toServer = (b: Buffer): void => {
      if (dropped) return;
      if (sent + b.length >= dropAt) {
        up.write(b.subarray(0, Math.max(0, dropAt - sent)));
        dropped = true;
        // Let the truncated bytes reach the server, then cut both sides.
        later(20, () => {
          up.destroy();
          client.resetAndDestroy();
        });
        return;
      }
      sent += b.length;
      up.write(b);
    };
    let held = true;
    const release = (): void => {
      held = false;
      for (const b of pending.splice(0)) if (b.length) toServer(b);
    };
    client.on('data', (c: Buffer) => (held ? pending.push(c) : toServer(c)));
    client.on('end', () => undefined);
    if (fault?.kind === 'delay') later(fault.ms, release);
    else release();

    // The response: Connection: close, so it ends when the server closes. For drop-response and stall it is
    // collected whole first (store and forward), so that a fraction of it is a fraction of its real size,
    // chunked or not; interim 100 Continue answers are passed on at once.
    const hold = fault?.kind === 'drop-response' || fault?.kind === 'stall' || fault?.kind === 'reset-after';
    let whole = Buffer.alloc(0);
    up.on('data', (c: Buffer) => {
      if (!hold) {
        if (entry.status === undefined || entry.status === 100) entry.status = statusOf(c) ?? entry.status;
        client.write(c);
        return;
      }
      whole = Buffer.concat([whole, c]);
      const interim = /^HTTP\/1\.[01] 100[^\r]*\r\n(?:[^\r]*\r\n)*?\r\n/.exec(whole.toString('latin1', 0, Math.min(whole.length, 4096)));
      if (interim) {
        client.write(whole.subarray(0, interim[0].length));
        whole = whole.subarray(interim[0].length);
      }
    });
    up.on('end', () => {
      if (!hold) return void client.end();
      entry.status = statusOf(whole);
      if (fault.kind === 'reset-after') return void client.resetAndDestroy();
      const at = cutAt(fault.bytes, whole.length);
      client.write(whole.subarray(0, at));
      if (fault.kind === 'drop-response') return void later(20, () => client.resetAndDestroy());
      later(fault.ms, () => {
        if (!client.destroyed) client.end(whole.subarray(at));
      });
    });
  }

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    log,
    setRules(next) {
      rules = next.map((r) => ({ ...r, fired: 0, seen: 0 }));
    },
    reset() {
      rules = [];
      counter = 0;
      log.splice(0);
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
