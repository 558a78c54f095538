// Worker thread for test/reliability/hostile-fuzz.test.ts: runs one loader on one
// input per message, using the compiled code in lib/, and answers with a plain
// summary. It runs in a worker so that the test can stop it when an input makes
// a loader spin (a hang), and so that its heap is capped (resourceLimits).
import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const lib = new URL('../../lib/', import.meta.url);
const { loadSpecs } = await import(new URL('spec/index.js', lib).href);
const { readArrowSchema, ArrowSchemaError } = await import(new URL('spec/arrow-schema.js', lib).href);
const { openCatalog, CatalogError } = await import(new URL('catalog/open.js', lib).href);

const errorInfo = (e) => ({ errorClass: e?.constructor?.name ?? typeof e, message: String(e?.message ?? e).slice(0, 500) });

async function handle(task) {
  if (task.kind === 'yaml') {
    const inputs = new Map(Object.entries(task.files).map(([abs, bytes]) => [abs, Buffer.from(bytes)]));
    const r = await loadSpecs(task.root, { inputs });
    return {
      ok: true,
      errors: r.errors,
      datasets: r.model.datasets.length,
      diagnostics: r.diagnostics.map((d) => ({ file: d.file, line: d.line, column: d.column, severity: d.severity, code: d.code, message: d.message.slice(0, 300) })),
    };
  }
  if (task.kind === 'arrow') {
    try {
      const info = await readArrowSchema(task.bytes);
      return { ok: true, fields: info.fields.length };
    } catch (e) {
      return { ok: false, own: e instanceof ArrowSchemaError, ...errorInfo(e) };
    }
  }
  if (task.kind === 'catalog') {
    writeFileSync(task.path, task.bytes);
    let cat;
    try {
      cat = openCatalog(task.path);
    } catch (e) {
      return { ok: false, own: e instanceof CatalogError, ...errorInfo(e) };
    }
    // Opened: read every table once; damage SQLite finds later is reported, not thrown past us.
    let queryError = null;
    try {
      const tables = cat.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      for (const t of tables) cat.db.prepare(`SELECT count(*) AS n FROM "${t.name}"`).get();
    } catch (e) {
      queryError = errorInfo(e);
    } finally {
      cat.close();
    }
    return { ok: true, schemaVersion: cat.meta.schemaVersion, queryError };
  }
  throw new Error(`unknown task ${task.kind}`);
}

parentPort.on('message', async ({ id, task }) => {
  const started = performance.now();
  try {
    const result = await handle(task);
    parentPort.postMessage({ id, result, ms: performance.now() - started });
  } catch (e) {
    parentPort.postMessage({ id, thrown: { ...errorInfo(e), stack: String(e?.stack ?? '').slice(0, 2000) }, ms: performance.now() - started });
  }
});
parentPort.postMessage({ ready: true });
