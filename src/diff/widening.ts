// Which type changes a consumer can absorb without breaking (safe widenings).
// Documented with the reasoning in docs/diff.md.
import { formatType, parseType, type ArrowType } from '../spec/types.js';

const INT_BITS: Record<string, [signed: boolean, bits: number]> = {
  int8: [true, 8], int16: [true, 16], int32: [true, 32], int64: [true, 64],
  uint8: [false, 8], uint16: [false, 16], uint32: [false, 32], uint64: [false, 64],
};
const FLOAT_RANK: Record<string, number> = { halffloat: 1, float: 2, double: 3 };

function parse(t: string): ArrowType | undefined {
  try {
    return parseType(t);
  } catch {
    return undefined;
  }
}

/** True when every value of `before` is representable in `after` with the same meaning. */
export function isSafeWidening(before: string, after: string): boolean {
  if (before === after) return true;
  const a = parse(before);
  const b = parse(after);
  return a !== undefined && b !== undefined && widens(a, b);
}

function widens(a: ArrowType, b: ArrowType): boolean {
  if (formatType(a) === formatType(b)) return true;
  // Dictionary encoding is physical: a dictionary of T reads like T.
  if (a.kind === 'dictionary') return widens(a.value, b);
  if (b.kind === 'dictionary') return widens(a, b.value);
  if (a.kind === 'simple' && b.kind === 'simple') {
    const ia = INT_BITS[a.name];
    const ib = INT_BITS[b.name];
    if (ia && ib) {
      const [sa, ba] = ia;
      const [sb, bb] = ib;
      // Same signedness and more bits, or unsigned into a strictly wider signed type.
      return (sa === sb && bb > ba) || (!sa && sb && bb > ba);
    }
    const fa = FLOAT_RANK[a.name];
    const fb = FLOAT_RANK[b.name];
    if (fa && fb) return fb > fa;
    const pairs: Record<string, string[]> = {
      string: ['large_string', 'string_view'],
      string_view: ['string', 'large_string'],
      binary: ['large_binary', 'binary_view'],
      binary_view: ['binary', 'large_binary'],
      'date32[day]': ['date64[ms]'],
    };
    return pairs[a.name]?.includes(b.name) ?? false;
  }
  if (a.kind === 'decimal' && b.kind === 'decimal') {
    // More integer digits, same scale: every value still fits exactly.
    return b.scale === a.scale && b.precision >= a.precision && b.bits >= a.bits;
  }
  if (a.kind === 'list' && b.kind === 'list') {
    const variantOk = a.variant === b.variant || (a.variant === 'list' && b.variant === 'large_list');
    return variantOk && childWidens(a.item, b.item);
  }
  if (a.kind === 'struct' && b.kind === 'struct') {
    // Every old child keeps its name and widens; new children must be nullable.
    return (
      a.fields.every((fa) => {
        const fb = b.fields.find((x) => x.name === fa.name);
        return fb !== undefined && childWidens(fa, fb);
      }) && b.fields.every((fb) => a.fields.some((fa) => fa.name === fb.name) || fb.nullable)
    );
  }
  if (a.kind === 'map' && b.kind === 'map') return widens(a.key, b.key) && childWidens(a.value, b.value);
  // Everything else (timestamp units or zones, time units, fixed sizes, unions) changes meaning.
  return false;
}

function childWidens(a: { type: ArrowType; nullable: boolean }, b: { type: ArrowType; nullable: boolean }): boolean {
  // A child that may now be null breaks readers that relied on it being present.
  const becameNullable = !a.nullable && b.nullable;
  return !becameNullable && widens(a.type, b.type);
}

/**
 * The type with nested struct members erased (struct<…>): nested fields are
 * compared one by one as fields of their own, so a parent's type only "changes"
 * when its own shape does.
 */
export function typeShape(t: string): string {
  const parsed = parse(t);
  if (!parsed) return t;
  return formatType(erase(parsed));
}

function erase(t: ArrowType): ArrowType {
  switch (t.kind) {
    case 'struct':
      return { kind: 'struct', fields: [] };
    case 'union':
      return { ...t, fields: [], typeIds: [] };
    case 'list':
      return { ...t, item: { ...t.item, type: erase(t.item.type) } };
    case 'fixed_size_list':
      return { ...t, item: { ...t.item, type: erase(t.item.type) } };
    case 'map': {
      // Key and value are nested fields of their own (m.key, m.value), compared one by one.
      const member: ArrowType = { kind: 'struct', fields: [] };
      return { ...t, key: member, value: { ...t.value, nullable: true, type: member } };
    }
    default:
      return t;
  }
}
