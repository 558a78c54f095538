#!/usr/bin/env node
// The README's main job: validate the example specs on the built-in defaults.
import { main } from '../lib/cli/main.js';

const code = await main(['validate', '--specs', 'catalog-specs']);
process.exit(code);
