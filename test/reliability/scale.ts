// Sizes for the reliability suites. `.ci/run` (plain `npm test`) runs each suite
// shortened; `npm run reliability` sets METAFUSE_RELIABILITY=full and runs the
// sizes whose figures docs/reliability.md reports. A full run also writes each
// suite's tables to bench/out/reliability/<suite>.md for the doc.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../catalog/support.js';

export const FULL = process.env.METAFUSE_RELIABILITY === 'full';

/** The short size in CI, the full size in `npm run reliability`. */
export function scale<T>(short: T, full: T): T {
  return FULL ? full : short;
}

/** Test timeout for a suite: generous in full runs. */
export function suiteTimeout(shortMs: number, fullMs: number): number {
  return FULL ? fullMs : shortMs;
}

/** Writes a suite's Markdown report (always; the doc is updated from full runs). */
export function writeReport(suite: string, markdown: string): string {
  const dir = path.join(REPO, 'bench', 'out', 'reliability');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${suite}${FULL ? '' : '.short'}.md`);
  writeFileSync(file, markdown);
  return file;
}
