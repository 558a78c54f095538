#!/usr/bin/env node
// Entry point of the `metafuse` command; the compiled code lives in lib/ (built by `npm ci` via prepare).
import('../lib/cli/main.js').then(
  async (m) => {
    process.exitCode = await m.main(process.argv.slice(2));
  },
  (e) => {
    if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('/lib/')) {
      process.stderr.write('metafuse: not built yet. Run "npm ci" (or "npm run build:ts") in the checkout first.\n');
    } else {
      process.stderr.write(`metafuse: cannot start: ${e && e.message ? e.message : e}\n`);
    }
    process.exitCode = 1;
  },
);
