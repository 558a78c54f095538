// Preloaded (node --import) into CLI child processes by the hostile-input suite:
// on exit, writes the process's peak resident set size in kilobytes to the file
// named by METAFUSE_RSS_OUT, so the test can bound memory per input.
import { writeFileSync } from 'node:fs';

const out = process.env.METAFUSE_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
