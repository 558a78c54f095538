// Network timeouts for every store request, configurable with METAFUSE_TIMEOUT_MS,
// and the server's Retry-After hint. See docs/storage.md "Timeouts and retries".
export const DEFAULT_TIMEOUT_MS = 60_000;

export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.METAFUSE_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_TIMEOUT_MS;
}

/**
 * An abort signal that fires when a request makes no progress for `ms`: no
 * answer, or a body that stalls midway. `touch()` on every chunk received;
 * `done()` once the request is over. For SDKs whose own timeout does not cover
 * both (the Azure SDK applies none of its own on the client side).
 */
export function idleAbort(ms: number): { signal: AbortSignal; touch(): void; done(): void; why(e: unknown): unknown } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`timed out: no answer or no progress for ${ms} ms`)), ms);
    timer.unref();
  };
  arm();
  return {
    signal: controller.signal,
    touch: arm,
    done: () => clearTimeout(timer),
    /** The error to report: the timeout when it fired (the SDK only says "aborted"), else e. */
    why: (e) => (controller.signal.aborted ? controller.signal.reason : e),
  };
}

/**
 * A Retry-After header in milliseconds: delta-seconds ("120") or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}
