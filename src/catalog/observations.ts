// Run-time observations: what a pipeline saw (row count, size, schema) and how
// the observed schema drifts from the declared one.
import type { Field } from '../spec/model.js';
import { formatType, nestedChildren, type ChildField } from '../spec/types.js';

export interface ObservedField {
  name: string;
  type: string;
  nullable: boolean;
}

export interface Drift {
  added: string[];
  removed: string[];
  changed: Array<{ name: string; declared: string; observed: string }>;
}

/** One observation as stored (drift is derived when the catalog is compiled). */
export interface ObservationRow {
  /** Unique id of the observation: makes a retried emit idempotent. */
  uid: string;
  tenant: string;
  dataset: string;
  observed_at: string;
  run_id: string | null;
  row_count: number | null;
  size_bytes: number | null;
  /** JSON array of ObservedField, or null. */
  schema: string | null;
  /** JSON array of dataset refs the run read from, or null. */
  upstream: string | null;
}

/** Arrow fields flattened to dotted paths, the same way declared fields are. */
export function flattenFields(fields: ChildField[], prefix = ''): ObservedField[] {
  const out: ObservedField[] = [];
  for (const f of fields) {
    const name = prefix ? `${prefix}.${f.name}` : f.name;
    out.push({ name, type: formatType(f.type), nullable: f.nullable });
    out.push(...flattenFields(nestedChildren(f.type), name));
  }
  return out;
}

/** Differences between declared and observed fields; null when there are none or nothing is declared. */
export function computeDrift(declared: Field[], observed: ObservedField[] | null): Drift | null {
  if (!observed || declared.length === 0) return null;
  const d = new Map(declared.map((f) => [f.path, f]));
  const o = new Map(observed.map((f) => [f.name, f]));
  const spell = (type: string, nullable: boolean) => (nullable ? type : `${type} not null`);
  const drift: Drift = {
    added: observed.filter((f) => !d.has(f.name)).map((f) => f.name),
    removed: declared.filter((f) => !o.has(f.path)).map((f) => f.path),
    changed: [],
  };
  for (const f of observed) {
    const dec = d.get(f.name);
    if (dec && (dec.type !== f.type || dec.nullable !== f.nullable)) {
      drift.changed.push({ name: f.name, declared: spell(dec.type, dec.nullable), observed: spell(f.type, f.nullable) });
    }
  }
  return drift.added.length || drift.removed.length || drift.changed.length ? drift : null;
}
