#!/usr/bin/env node
// Rebuilds the Action bundle from the sources into a temporary folder and
// compares it byte for byte with the committed dist/ (CI runs this).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(path.join(tmpdir(), 'metafuse-dist-'));
try {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync('npx', ['ncc', 'build', 'lib/action/index.js', '-o', out, '--target', 'es2022', '--license', 'licenses.txt', '--quiet'], { cwd: root, stdio: 'inherit' });
  const list = (dir) => readdirSync(dir).sort();
  const want = list(out);
  const have = list(path.join(root, 'dist'));
  const problems = [];
  for (const f of new Set([...want, ...have])) {
    if (!want.includes(f)) problems.push(`dist/${f} is not produced by the build any more`);
    else if (!have.includes(f)) problems.push(`dist/${f} is missing`);
    else if (!readFileSync(path.join(out, f)).equals(readFileSync(path.join(root, 'dist', f)))) problems.push(`dist/${f} differs from a fresh build`);
  }
  if (problems.length) {
    console.error(`dist/ is stale:\n  ${problems.join('\n  ')}\nRun "npm run build:action" and commit dist/.`);
    process.exit(1);
  }
  console.log(`dist/ matches a fresh build (${want.length} files)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
