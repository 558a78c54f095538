// Transactions built from plain SQL so every driver behaves the same (nested calls join the outer one).
export function runTransaction<T>(exec: (sql: string) => void, inTransaction: () => boolean, fn: () => T): T {
  if (inTransaction()) return fn();
  exec('BEGIN');
  try {
    const result = fn();
    exec('COMMIT');
    return result;
  } catch (e) {
    if (inTransaction()) exec('ROLLBACK');
    throw e;
  }
}
