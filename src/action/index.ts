// Entry point of the GitHub Action (bundled into dist/index.js).
import { run } from './main.js';

await run();
