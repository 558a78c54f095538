#!/usr/bin/env node
// Writes the Action's inputs/outputs tables into README.md from action.yml, so
// they are never written twice. `--check` exits 1 when README.md is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const action = parse(readFileSync(`${root}action.yml`, 'utf8'));
const cell = (s) => String(s ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');

let table = '| input | default | description |\n|---|---|---|\n';
for (const [name, i] of Object.entries(action.inputs)) {
  const def = i.default === '' || i.default === undefined ? '' : `\`${cell(i.default)}\``;
  table += `| \`${name}\` | ${def} | ${cell(i.description)} |\n`;
}
table += '\n| output | description |\n|---|---|\n';
for (const [name, o] of Object.entries(action.outputs)) table += `| \`${name}\` | ${cell(o.description)} |\n`;

const START = '<!-- action-docs:start (generated from action.yml by scripts/action-docs.mjs) -->';
const END = '<!-- action-docs:end -->';
const readme = readFileSync(`${root}README.md`, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) {
  console.error(`README.md needs the markers ${START} and ${END}`);
  process.exit(1);
}
const next = `${readme.slice(0, a + START.length)}\n${table}${readme.slice(b)}`;
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md: the Action inputs/outputs table is stale; run node scripts/action-docs.mjs');
    process.exit(1);
  }
  console.log('README.md action table is up to date');
} else {
  writeFileSync(`${root}README.md`, next);
}
