// Structural validation of spec documents against the JSON Schemas in schemas/,
// with ajv's errors turned into positioned, plain-language diagnostics.
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { DiagnosticBag, Pointer } from './diagnostics.js';
import type { CatalogDoc, DatasetDoc, GlossaryTermDoc } from './schema-types.js';
import * as compiled from './schema-validators.js';
import type { SpecFile } from './source.js';
import { didYouMean } from './suggest.js';

export const API_VERSION = 'metafuse/v1';
export const KINDS = ['Dataset', 'GlossaryTerm', 'Catalog'] as const;
export type Kind = (typeof KINDS)[number];

export type TypedDoc =
  | { kind: 'Dataset'; value: DatasetDoc }
  | { kind: 'GlossaryTerm'; value: GlossaryTermDoc }
  | { kind: 'Catalog'; value: CatalogDoc };

export interface CheckedDoc {
  doc: TypedDoc;
  file: SpecFile;
  index: number;
  /** False when the document broke its schema: it still names a dataset or term, but is not checked further. */
  valid: boolean;
}

interface ValidateFunction {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** Compiled ahead of time from schemas/ by scripts/gen-schema-types.mjs (same ajv options as a run-time compile). */
function getValidators(): Record<Kind, ValidateFunction> {
  return compiled as unknown as Record<Kind, ValidateFunction>;
}

/** Explanations for the patterns used in the schemas, keyed by the pattern itself. */
const PATTERN_HINTS: Record<string, string> = {
  '^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$': 'use letters, digits, "_", "." and "-", starting with a letter or digit (at most 200 characters)',
  '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$': 'use letters, digits, "_", "." and "-", starting with a letter or digit (at most 100 characters)',
  '^[a-z0-9][a-z0-9_.-]*$': 'term ids use lowercase letters, digits, "_", "." and "-", starting with a letter or digit',
  '^([A-Za-z0-9][A-Za-z0-9_.-]{0,99}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$': 'a dataset reference is "name" or "tenant/name"',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}$': 'write the date as YYYY-MM-DD',
  '^([A-Za-z0-9][A-Za-z0-9_.-]{0,99}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,199}:.+$': 'column lineage is "<dataset>:<field>" or "<tenant>/<dataset>:<field>"',
};

/**
 * Documents that passed their schema, by identity: the base of a diff shares the
 * head's parsed documents for unchanged files (the parse cache), so each is
 * checked once (~0.15 s at 10,000 datasets). A document that passed has no
 * diagnostics to repeat.
 */
const passed = new WeakMap<object, TypedDoc>();

/** Checks one parsed document; returns it typed, or undefined when it cannot even name its kind. */
export function checkDocument(value: unknown, file: SpecFile, index: number, bag: DiagnosticBag): CheckedDoc | undefined {
  const at = (path: Array<string | number>, where: 'key' | 'value' = 'value'): Pointer => ({ file, doc: index, path, at: where });
  if (value === null || value === undefined) return undefined; // an empty document (e.g. a trailing ---)
  const known = typeof value === 'object' ? passed.get(value) : undefined;
  if (known) return { doc: known, file, index, valid: true };
  if (typeof value !== 'object' || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : `a ${typeof value === 'string' ? 'string' : 'scalar'}`;
    bag.error(at([]), 'document-not-mapping', `a spec document must be a mapping with apiVersion and kind, not ${what}`);
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  if (!('apiVersion' in obj)) {
    bag.error(at([]), 'missing-key', `missing "apiVersion: ${API_VERSION}"`);
    return undefined;
  }
  if (obj.apiVersion !== API_VERSION) {
    bag.error(at(['apiVersion']), 'unsupported-api-version', `apiVersion must be "${API_VERSION}", not ${show(obj.apiVersion)}`);
    return undefined;
  }
  if (!('kind' in obj)) {
    bag.error(at([]), 'missing-key', `missing "kind" (one of ${KINDS.join(', ')})`);
    return undefined;
  }
  const kind = obj.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    const hint = typeof kind === 'string' ? didYouMean(kind, KINDS) : '';
    bag.error(at(['kind']), 'unknown-kind', `unknown kind ${show(kind)}${hint}; expected one of ${KINDS.join(', ')}`);
    return undefined;
  }
  const validate = getValidators()[kind as Kind];
  const valid = validate(obj) as boolean;
  if (!valid) reportSchemaErrors(validate.errors ?? [], kind, at, bag);
  const doc = { kind, value: obj } as unknown as TypedDoc;
  if (valid) passed.set(obj, doc);
  if (!valid && !canStillBeNamed(doc)) return undefined;
  return { doc, file, index, valid };
}

/** A document with schema errors still counts as a reference target if its identity is intact. */
function canStillBeNamed(doc: TypedDoc): boolean {
  const v = doc.value as unknown as Record<string, unknown>;
  const ok = (x: unknown, re: RegExp) => typeof x === 'string' && re.test(x);
  if (doc.kind === 'Dataset') return ok(v.name, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/) && (v.tenant === undefined || ok(v.tenant, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/));
  if (doc.kind === 'GlossaryTerm') return ok(v.id, /^[a-z0-9][a-z0-9_.-]*$/);
  return false;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  // .nan and .inf are YAML numbers, but no schema accepts them: say which value it is.
  if (typeof v === 'number') return Number.isFinite(v) ? 'a number' : `${Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf'} (not a finite number)`;
  if (typeof v === 'boolean') return 'a boolean';
  return `a ${typeof v}`;
}

function parsePointer(p: string): Array<string | number> {
  if (!p) return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function describePath(kind: string, path: Array<string | number>): string {
  const named = [...path].reverse().find((s) => typeof s === 'string');
  return named === undefined ? kind : named;
}

function reportSchemaErrors(
  errors: ErrorObject[],
  kind: string,
  at: (path: Array<string | number>, where?: 'key' | 'value') => Pointer,
  bag: DiagnosticBag,
): void {
  const seen = new Set<string>();
  for (const e of errors) {
    const path = parsePointer(e.instancePath);
    const subject = describePath(kind, path);
    let where = at(path);
    let code = 'invalid-value';
    let message: string;
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        where = at([...path, key], 'key');
        code = 'unknown-key';
        const inWhat = path.length === 0 ? kind : subject;
        message = `unknown key "${key}" in ${inWhat}${didYouMean(key, allowed)}; allowed: ${allowed.join(', ')}`;
        break;
      }
      case 'required':
        code = 'missing-key';
        message = `missing required key "${String(params.missingProperty)}"${path.length ? ` in ${subject}` : ` in ${kind}`}`;
        break;
      case 'type': {
        // YAML words, not JSON Schema's: a list, a mapping.
        const expected = String(params.type).split(',').map((t) => ({ array: 'list', object: 'mapping' })[t] ?? t).join(' or ');
        message = `${subject} must be ${article(expected)}, not ${typeName(e.data)}`;
        if (expected === 'string' && (typeof e.data === 'number' || typeof e.data === 'boolean')) message += ` (quote it: "${String(e.data)}")`;
        break;
      }
      case 'pattern': {
        const hint = PATTERN_HINTS[String(params.pattern)] ?? `it must match ${String(params.pattern)}`;
        message = `${subject} ${show(e.data)} is not valid: ${hint}`;
        break;
      }
      case 'const':
        message = `${subject} must be ${show(params.allowedValue)}`;
        break;
      case 'enum':
        message = `${subject} must be one of ${(params.allowedValues as unknown[]).map(show).join(', ')}, not ${show(e.data)}`;
        break;
      case 'minLength':
        message = `${subject} must not be empty`;
        break;
      case 'maxLength':
        message = `${subject} is longer than the limit of ${String(params.limit)} characters`;
        break;
      case 'maxItems':
        message = `${subject} has more than the limit of ${String(params.limit)} entries`;
        break;
      case 'maxProperties':
        message = `${subject} has more than the limit of ${String(params.limit)} keys`;
        break;
      case 'propertyNames':
        continue; // the nested name error (minLength/maxLength on the key) says it better
      default:
        message = `${subject} ${e.message ?? 'is invalid'}`;
    }
    const key = `${code}|${e.instancePath}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    bag.error(where, code, message);
  }
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
