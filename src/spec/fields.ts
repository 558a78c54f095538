// Builds a dataset's field list: declared in YAML (`fields:` with types) or read
// from an Arrow schema file and annotated by `fields:` entries. Nested fields
// (struct, list of struct, map) get dotted paths.
import type { DiagnosticBag, Pointer } from './diagnostics.js';
import type { Field as FieldEntry } from './schema-types.js';
import type { Field } from './model.js';
import type { SpecFile } from './source.js';
import { didYouMean } from './suggest.js';
import { formatType, nestedChildren, parseType, sqlType, TypeSyntaxError, type ArrowType, type ChildField } from './types.js';

/**
 * The empty list every new field starts with, shared and frozen: most fields have
 * no tags, terms or column lineage, and three empty arrays per field were ~60 MB
 * at 50,000 datasets. Code that adds to a field's list assigns a new array.
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** A field before annotations: its place in the tree and its type. */
interface Slot {
  field: Field;
  arrow: ArrowType;
}

export interface FieldSource {
  file: SpecFile;
  doc: number;
  /** Fields from the Arrow file, when the dataset has `schema:`. */
  arrow?: { fields: ChildField[]; descriptions: Map<string, string> };
}

export interface BuiltFields {
  fields: Field[];
  /** Raw `from` entries per field path, with the pointer of each entry, resolved later against other datasets. */
  lineage: Array<{ field: Field; ref: string; where: Pointer }>;
}

export function buildFields(entries: FieldEntry[] | undefined, src: FieldSource, bag: DiagnosticBag): BuiltFields {
  const at = (path: Array<string | number>, where: 'key' | 'value' = 'value'): Pointer => ({ file: src.file, doc: src.doc, path, at: where });
  const slots = new Map<string, Slot>();
  const order: Slot[] = [];
  const list = entries ?? [];

  /** `entry`: the index of the `fields:` entry that declares it, or undefined for the Arrow schema (the pointer is made only for an error). */
  const declare = (name: string, parent: Field | null, type: ArrowType, nullable: boolean, entry: number | undefined): void => {
    const path = parent ? `${parent.path}.${name}` : name;
    if (slots.has(path)) {
      bag.error(at(entry === undefined ? ['schema'] : ['fields', entry, 'name']), 'duplicate-field', `field "${path}" is defined twice`);
      return;
    }
    const field: Field = {
      path,
      name,
      parent: parent?.path ?? null,
      depth: parent ? parent.depth + 1 : 0,
      position: 0,
      type: formatType(type),
      sqlType: sqlType(type),
      nullable,
      description: src.arrow?.descriptions.get(path) ?? null,
      tags: NONE,
      terms: NONE,
      from: NONE,
    };
    const slot = { field, arrow: type };
    slots.set(path, slot);
    order.push(slot);
    for (const child of nestedChildren(type)) declare(child.name, field, child.type, child.nullable, entry);
  };

  const parsed = new Map<number, ArrowType>();
  const typeOf = (entry: FieldEntry, i: number): ArrowType | undefined => {
    if (entry.type === undefined) return undefined;
    if (parsed.has(i)) return parsed.get(i);
    try {
      const t = parseType(entry.type);
      parsed.set(i, t);
      return t;
    } catch (e) {
      if (!(e instanceof TypeSyntaxError)) throw e;
      bag.error(at(['fields', i, 'type']), 'unknown-type', e.message);
      return undefined;
    }
  };

  // Without an Arrow file, entries with a plain name declare top-level fields; dotted
  // names always annotate nested fields, which come from their parent's type.
  const declares = (entry: FieldEntry): boolean => !src.arrow && !entry.name.includes('.');
  if (src.arrow) {
    for (const f of src.arrow.fields) declare(f.name, null, f.type, f.nullable, undefined);
  } else {
    list.forEach((entry, i) => {
      if (!declares(entry)) return;
      if (entry.type === undefined) {
        bag.error(at(['fields', i, 'name'], 'key'), 'missing-type', `field "${entry.name}" needs a type (or give the dataset a schema: file)`);
        return;
      }
      const t = typeOf(entry, i);
      if (t === undefined || slots.has(entry.name)) {
        if (slots.has(entry.name)) bag.error(at(['fields', i, 'name']), 'duplicate-field', `field "${entry.name}" is defined twice`);
        return;
      }
      declare(entry.name, null, t, entry.nullable ?? true, i);
      applyAnnotation(slots.get(entry.name)!, entry);
    });
  }

  const annotatedAt = new Set<string>();
  list.forEach((entry, i) => {
    if (declares(entry)) return;
    const slot = slots.get(entry.name);
    if (!slot) {
      const code = src.arrow ? 'field-not-in-schema' : 'unknown-field';
      const owner = src.arrow ? 'the Arrow schema' : 'this dataset';
      bag.error(at(['fields', i, 'name']), code, `${owner} has no field "${entry.name}"${didYouMean(entry.name, slots.keys())}`);
      return;
    }
    if (annotatedAt.has(entry.name)) {
      bag.error(at(['fields', i, 'name']), 'duplicate-field', `field "${entry.name}" is listed twice`);
      return;
    }
    annotatedAt.add(entry.name);
    const origin = src.arrow ? 'the Arrow schema' : 'its parent\'s type';
    const t = typeOf(entry, i);
    if (t !== undefined && formatType(t) !== slot.field.type) {
      bag.error(at(['fields', i, 'type']), 'field-type-mismatch', `"${entry.name}" is ${slot.field.type} in ${origin}, not ${formatType(t)}`);
    }
    if (entry.nullable !== undefined && entry.nullable !== slot.field.nullable) {
      bag.error(at(['fields', i, 'nullable']), 'field-nullable-mismatch', `"${entry.name}" is ${slot.field.nullable ? 'nullable' : 'not nullable'} in ${origin}, but nullable: ${String(entry.nullable)} here`);
    }
    applyAnnotation(slot, entry);
  });

  const fields = order.map((s, i) => ((s.field.position = i), s.field));
  const lineage: BuiltFields['lineage'] = [];
  list.forEach((entry, i) => {
    const slot = slots.get(entry.name);
    if (!slot || !entry.from) return;
    entry.from.forEach((ref, j) => lineage.push({ field: slot.field, ref, where: at(['fields', i, 'from', j]) }));
  });
  return { fields, lineage };
}

function applyAnnotation(slot: Slot, entry: FieldEntry): void {
  const f = slot.field;
  if (entry.description !== undefined) f.description = entry.description;
  if (entry.tags) f.tags = unique(entry.tags).sort();
  if (entry.terms) f.terms = unique(entry.terms).sort();
}

export function unique(list: string[]): string[] {
  return [...new Set(list)];
}
