// Network timeouts for every store request, configurable with METAFUSE_TIMEOUT_MS.
export const DEFAULT_TIMEOUT_MS = 60_000;

export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.METAFUSE_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_TIMEOUT_MS;
}
