// Bulk loading: rows are buffered and written with multi-row INSERT statements.
// One statement per row spends most of its time crossing into the driver; at
// 128,000 field rows, 90 rows per statement halved the insert time (measured in
// docs/benchmarks.md).
import type { SqlValue, WriteDatabase } from './types.js';

/** Host parameters per statement: within SQLite's historic 999 limit, so every build accepts it. */
const MAX_PARAMS = 999;

export interface BatchInsert {
  /** Buffers one row (exactly one value per column). */
  add(...values: SqlValue[]): void;
  /** Writes the buffered rows. Call before the transaction ends. */
  flush(): void;
}

/** `verb` is "INSERT" or "INSERT OR IGNORE"; `table` may name a virtual table (FTS5 accepts rowid among the columns). */
export function batchInsert(db: WriteDatabase, verb: 'INSERT' | 'INSERT OR IGNORE', table: string, columns: readonly string[]): BatchInsert {
  const width = columns.length;
  const perStatement = Math.max(1, Math.min(100, Math.floor(MAX_PARAMS / width)));
  const row = `(${Array(width).fill('?').join(', ')})`;
  const sql = (rows: number) => `${verb} INTO ${table} (${columns.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`;
  const full = db.prepare(sql(perStatement));
  const buffer: SqlValue[] = [];
  return {
    add(...values) {
      if (values.length !== width) throw new Error(`batchInsert ${table}: ${values.length} values for ${width} columns`);
      for (const v of values) buffer.push(v);
      if (buffer.length === perStatement * width) {
        full.run(...buffer);
        buffer.length = 0;
      }
    },
    flush() {
      if (buffer.length === 0) return;
      db.prepare(sql(buffer.length / width)).run(...buffer);
      buffer.length = 0;
    },
  };
}
