// Arrow data types: the one representation shared by YAML type strings and
// Arrow schema files. Parses pyarrow's spelling plus common SQL aliases,
// prints the canonical (pyarrow) spelling and DuckDB's SQL spelling.
import { closest } from './suggest.js';

export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

export interface ChildField {
  name: string;
  type: ArrowType;
  nullable: boolean;
}

export type ArrowType =
  | { kind: 'simple'; name: SimpleName }
  | { kind: 'time'; bits: 32 | 64; unit: TimeUnit }
  | { kind: 'timestamp'; unit: TimeUnit; tz: string | null }
  | { kind: 'duration'; unit: TimeUnit }
  | { kind: 'decimal'; bits: 32 | 64 | 128 | 256; precision: number; scale: number }
  | { kind: 'fixed_size_binary'; width: number }
  | { kind: 'list'; variant: ListVariant; item: ChildField }
  | { kind: 'fixed_size_list'; item: ChildField; size: number }
  | { kind: 'struct'; fields: ChildField[] }
  | { kind: 'map'; key: ArrowType; value: ChildField; keysSorted: boolean }
  | { kind: 'dictionary'; value: ArrowType; index: ArrowType; ordered: boolean }
  | { kind: 'union'; mode: 'dense' | 'sparse'; fields: ChildField[]; typeIds: number[] };

export type ListVariant = 'list' | 'large_list' | 'list_view' | 'large_list_view';

const SIMPLE = [
  'null', 'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'halffloat', 'float', 'double', 'string', 'large_string', 'string_view',
  'binary', 'large_binary', 'binary_view', 'date32[day]', 'date64[ms]',
  'month_interval', 'day_time_interval', 'month_day_nano_interval',
] as const;
export type SimpleName = (typeof SIMPLE)[number];
const SIMPLE_SET = new Set<string>(SIMPLE);

/** Aliases for simple types (matched case-insensitively, like every keyword). */
const SIMPLE_ALIASES: Record<string, SimpleName> = {
  utf8: 'string', large_utf8: 'large_string', str: 'string', large_str: 'large_string',
  varchar: 'string', text: 'string', char: 'string',
  float16: 'halffloat', float32: 'float', float64: 'double', real: 'float',
  boolean: 'bool',
  bigint: 'int64', int: 'int32', integer: 'int32', smallint: 'int16', tinyint: 'int8',
  date: 'date32[day]', date32: 'date32[day]', date64: 'date64[ms]',
  blob: 'binary', bytea: 'binary', bytes: 'binary',
};

/** Every spelling a user could mean, for "did you mean" on an unknown type. */
const KNOWN_SPELLINGS = [
  ...SIMPLE.filter((s) => !s.includes('[')), ...Object.keys(SIMPLE_ALIASES),
  'date32[day]', 'date64[ms]', 'time32[ms]', 'time64[us]', 'timestamp[us]', 'timestamp[us, tz=UTC]',
  'timestamp', 'timestamptz', 'duration[ms]', 'decimal128(p, s)', 'decimal256(p, s)', 'decimal(p,s)',
  'numeric(p,s)', 'fixed_size_binary[n]', 'list<T>', 'large_list<T>', 'fixed_size_list<T>[n]',
  'struct<a: T>', 'map<K, V>', 'dictionary<values=T, indices=int32, ordered=0>',
];
const KEYWORD_FOR_SUGGESTION = new Map(KNOWN_SPELLINGS.map((s) => [s.replace(/[[(<].*$/, ''), s]));

export class TypeSyntaxError extends Error {}

/** Parsed types by spelling: a catalog repeats a few dozen spellings many thousand times. Results are shared: never mutate them. */
const parsedTypes = new Map<string, ArrowType | TypeSyntaxError>();

/** Parses a type string (canonical spelling or an alias). Throws TypeSyntaxError with a user-facing message. */
export function parseType(text: string): ArrowType {
  let t = parsedTypes.get(text);
  if (t === undefined) {
    try {
      const p = new Parser(text);
      // Each level costs a nested field with its own type text: deep nesting is quadratic (the Arrow reader stops at 64 too).
      if (angleDepth(text) > 64) p.fail('types may nest at most 64 levels deep');
      t = p.type();
      p.skipSpace();
      if (/^not\s+null$/i.test(p.rest())) p.fail('"not null" is not part of a field\'s type; write nullable: false instead');
      if (!p.atEnd()) p.fail(`unexpected "${p.rest()}"`);
    } catch (e) {
      if (!(e instanceof TypeSyntaxError)) throw e;
      t = e;
    }
    if (parsedTypes.size < 50_000) parsedTypes.set(text, t);
  }
  if (t instanceof TypeSyntaxError) throw new TypeSyntaxError(t.message);
  return t;
}

/** Deepest nesting of <…> in a type text. */
function angleDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (const ch of text) {
    if (ch === '<') max = Math.max(max, ++depth);
    else if (ch === '>') depth--;
  }
  return max;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }
  rest(): string {
    return this.s.slice(this.i);
  }
  skipSpace(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  fail(why: string): never {
    throw new TypeSyntaxError(`invalid type "${this.s}": ${why}`);
  }
  peek(): string {
    this.skipSpace();
    return this.s[this.i] ?? '';
  }
  eat(ch: string): boolean {
    if (this.peek() === ch) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(ch: string): void {
    if (!this.eat(ch)) this.fail(this.atEnd() ? `expected "${ch}" at the end` : `expected "${ch}" before "${this.rest()}"`);
  }
  word(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.rest());
    if (!m) this.fail(this.atEnd() ? 'a type is missing' : `expected a type name before "${this.rest()}"`);
    this.i += m[0].length;
    return m[0];
  }
  int(): number {
    this.skipSpace();
    const m = /^[0-9]+/.exec(this.rest());
    if (!m) this.fail(`expected a number before "${this.rest() || 'the end'}"`);
    this.i += m[0].length;
    return Number(m[0]);
  }
  /** Text up to (not including) the first of `stops` at this nesting level. */
  until(stops: string): string {
    const start = this.i;
    while (this.i < this.s.length && !stops.includes(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i).trim();
  }
  unit(allowed: TimeUnit[]): TimeUnit {
    const u = this.word().toLowerCase();
    if (!(allowed as string[]).includes(u)) this.fail(`time unit must be one of ${allowed.join(', ')}`);
    return u as TimeUnit;
  }

  type(): ArrowType {
    const start = this.i;
    const raw = this.word();
    const w = raw.toLowerCase();
    if (SIMPLE_SET.has(w) && !w.startsWith('date')) return { kind: 'simple', name: w as SimpleName };
    if (w === 'date32' || w === 'date64') {
      if (this.eat('[')) {
        const u = this.word().toLowerCase();
        this.expect(']');
        if ((w === 'date32' && u !== 'day') || (w === 'date64' && u !== 'ms')) this.fail(`${w} takes [${w === 'date32' ? 'day' : 'ms'}]`);
      }
      return { kind: 'simple', name: w === 'date32' ? 'date32[day]' : 'date64[ms]' };
    }
    if (w === 'varchar' || w === 'char') {
      // varchar(255): the length is not part of an Arrow string type.
      if (this.eat('(')) {
        this.int();
        this.expect(')');
      }
      return { kind: 'simple', name: 'string' };
    }
    if (w in SIMPLE_ALIASES) return { kind: 'simple', name: SIMPLE_ALIASES[w]! };
    switch (w) {
      case 'time32':
      case 'time64': {
        const bits = w === 'time32' ? 32 : 64;
        this.expect('[');
        const unit = this.unit(bits === 32 ? ['s', 'ms'] : ['us', 'ns']);
        this.expect(']');
        return { kind: 'time', bits, unit };
      }
      case 'time':
        return { kind: 'time', bits: 64, unit: 'us' };
      case 'timestamp': {
        if (!this.eat('[')) return { kind: 'timestamp', unit: 'us', tz: null };
        const unit = this.unit(['s', 'ms', 'us', 'ns']);
        let tz: string | null = null;
        if (this.eat(',')) {
          const key = this.word();
          if (key.toLowerCase() !== 'tz') this.fail('expected "tz=" after the unit');
          this.expect('=');
          tz = this.until(']');
          if (!tz) this.fail('the time zone is empty');
        }
        this.expect(']');
        return { kind: 'timestamp', unit, tz };
      }
      case 'timestamptz':
        return { kind: 'timestamp', unit: 'us', tz: 'UTC' };
      case 'duration': {
        this.expect('[');
        const unit = this.unit(['s', 'ms', 'us', 'ns']);
        this.expect(']');
        return { kind: 'duration', unit };
      }
      case 'interval':
        return { kind: 'simple', name: 'month_day_nano_interval' };
      case 'decimal32':
      case 'decimal64':
      case 'decimal128':
      case 'decimal256':
      case 'decimal':
      case 'numeric': {
        this.expect('(');
        const precision = this.int();
        let scale = 0;
        if (this.eat(',')) scale = this.int();
        this.expect(')');
        const bits = w.startsWith('decimal') && w !== 'decimal' ? (Number(w.slice(7)) as 32 | 64 | 128 | 256) : precision > 38 ? 256 : 128;
        const maxPrecision = { 32: 9, 64: 18, 128: 38, 256: 76 }[bits];
        if (precision < 1 || precision > maxPrecision) this.fail(`precision must be between 1 and ${maxPrecision}`);
        if (scale > precision) this.fail('scale must not exceed precision');
        return { kind: 'decimal', bits, precision, scale };
      }
      case 'fixed_size_binary': {
        this.expect('[');
        const width = this.int();
        this.expect(']');
        return { kind: 'fixed_size_binary', width };
      }
      case 'list':
      case 'large_list':
      case 'list_view':
      case 'large_list_view': {
        this.expect('<');
        const item = this.listItem();
        this.expect('>');
        return { kind: 'list', variant: w, item };
      }
      case 'fixed_size_list': {
        this.expect('<');
        const item = this.listItem();
        this.expect('>');
        this.expect('[');
        const size = this.int();
        this.expect(']');
        return { kind: 'fixed_size_list', item, size };
      }
      case 'struct': {
        this.expect('<');
        const fields: ChildField[] = [];
        if (!this.eat('>')) {
          do fields.push(this.namedField()); while (this.eat(','));
          this.expect('>');
        }
        return { kind: 'struct', fields };
      }
      case 'map': {
        this.expect('<');
        const key = this.type();
        this.expect(',');
        const vType = this.type();
        const value = { name: 'value', type: vType, nullable: !this.notNull() };
        let keysSorted = false;
        if (this.eat(',')) {
          if (this.word().toLowerCase() !== 'keys_sorted') this.fail('expected "keys_sorted"');
          keysSorted = true;
        }
        this.expect('>');
        return { kind: 'map', key, value, keysSorted };
      }
      case 'dictionary': {
        this.expect('<');
        let value: ArrowType | undefined;
        let index: ArrowType | undefined;
        let ordered = false;
        do {
          const key = this.word().toLowerCase();
          this.expect('=');
          if (key === 'values') value = this.type();
          else if (key === 'indices') index = this.type();
          else if (key === 'ordered') ordered = this.int() !== 0;
          else this.fail(`unknown dictionary parameter "${key}"`);
        } while (this.eat(','));
        this.expect('>');
        if (!value || !index) this.fail('dictionary needs values= and indices=');
        if (index.kind !== 'simple' || !/^u?int(8|16|32|64)$/.test(index.name)) this.fail('dictionary indices must be an integer type');
        return { kind: 'dictionary', value, index, ordered };
      }
      case 'dense_union':
      case 'sparse_union': {
        this.expect('<');
        const fields: ChildField[] = [];
        const typeIds: number[] = [];
        do {
          fields.push(this.namedField());
          typeIds.push(this.eat('=') ? this.int() : fields.length - 1);
        } while (this.eat(','));
        this.expect('>');
        return { kind: 'union', mode: w === 'dense_union' ? 'dense' : 'sparse', fields, typeIds };
      }
    }
    this.i = start;
    const suggestion = closest(w, KEYWORD_FOR_SUGGESTION.keys());
    const hint = suggestion ? ` (did you mean "${KEYWORD_FOR_SUGGESTION.get(suggestion)}"?)` : '';
    throw new TypeSyntaxError(`unknown type "${raw}"${inWhole(this.s, raw)}${hint}`);
  }

  /** `item: T`, `element: T` or just `T` inside list<...>. The child is named "item" canonically. */
  private listItem(): ChildField {
    const save = this.i;
    const name = this.until(':<>,');
    if (this.s[this.i] === ':' && /^[A-Za-z_][A-Za-z0-9_ ]*$/.test(name)) {
      this.i++;
    } else {
      this.i = save;
    }
    const type = this.type();
    return { name: 'item', type, nullable: !this.notNull() };
  }

  private namedField(): ChildField {
    this.skipSpace();
    const name = this.until(':<>,');
    if (this.s[this.i] !== ':' || !name) this.fail(`expected "name: type" before "${this.rest() || 'the end'}"`);
    this.i++;
    const type = this.type();
    return { name, type, nullable: !this.notNull() };
  }

  private notNull(): boolean {
    this.skipSpace();
    const m = /^not\s+null\b/i.exec(this.rest());
    if (!m) return false;
    this.i += m[0].length;
    return true;
  }
}

function inWhole(whole: string, raw: string): string {
  return whole.trim() === raw ? '' : ` in "${whole}"`;
}

/** The canonical spelling, as pyarrow prints the type. */
/** Formatted types and SQL types by type object (types are never mutated): a nested field's type is a subtree of its parent's, so each subtree is formatted once, not once per level above it. */
const formattedTypes = new WeakMap<ArrowType, string>();
const sqlTypes = new WeakMap<ArrowType, string>();

export function formatType(t: ArrowType): string {
  let s = formattedTypes.get(t);
  if (s === undefined) formattedTypes.set(t, (s = formatTypeOnce(t)));
  return s;
}

export function sqlType(t: ArrowType): string {
  let s = sqlTypes.get(t);
  if (s === undefined) sqlTypes.set(t, (s = sqlTypeOnce(t)));
  return s;
}

function formatTypeOnce(t: ArrowType): string {
  switch (t.kind) {
    case 'simple':
      return t.name;
    case 'time':
      return `time${t.bits}[${t.unit}]`;
    case 'timestamp':
      return t.tz === null ? `timestamp[${t.unit}]` : `timestamp[${t.unit}, tz=${t.tz}]`;
    case 'duration':
      return `duration[${t.unit}]`;
    case 'decimal':
      return `decimal${t.bits}(${t.precision}, ${t.scale})`;
    case 'fixed_size_binary':
      return `fixed_size_binary[${t.width}]`;
    case 'list':
      return `${t.variant}<${formatChild(t.item)}>`;
    case 'fixed_size_list':
      return `fixed_size_list<${formatChild(t.item)}>[${t.size}]`;
    case 'struct':
      return `struct<${t.fields.map(formatChild).join(', ')}>`;
    case 'map':
      // As pyarrow prints it: the value's nullability is not shown (the m.value field carries it).
      return `map<${formatType(t.key)}, ${formatType(t.value.type)}${t.keysSorted ? ', keys_sorted' : ''}>`;
    case 'dictionary':
      return `dictionary<values=${formatType(t.value)}, indices=${formatType(t.index)}, ordered=${t.ordered ? 1 : 0}>`;
    case 'union':
      return `${t.mode}_union<${t.fields.map((f, i) => `${formatChild(f)}=${t.typeIds[i]}`).join(', ')}>`;
  }
}

function formatChild(f: ChildField): string {
  return `${f.name}: ${formatType(f.type)}${f.nullable ? '' : ' not null'}`;
}

const SQL_SIMPLE: Record<SimpleName, string> = {
  null: '"NULL"', bool: 'BOOLEAN', int8: 'TINYINT', int16: 'SMALLINT', int32: 'INTEGER', int64: 'BIGINT',
  uint8: 'UTINYINT', uint16: 'USMALLINT', uint32: 'UINTEGER', uint64: 'UBIGINT',
  halffloat: 'FLOAT', float: 'FLOAT', double: 'DOUBLE',
  string: 'VARCHAR', large_string: 'VARCHAR', string_view: 'VARCHAR',
  binary: 'BLOB', large_binary: 'BLOB', binary_view: 'BLOB',
  'date32[day]': 'DATE', 'date64[ms]': 'DATE',
  month_interval: 'INTERVAL', day_time_interval: 'INTERVAL', month_day_nano_interval: 'INTERVAL',
};

/** The type in DuckDB's SQL spelling (what DuckDB shows for the same Arrow column). */
function sqlTypeOnce(t: ArrowType): string {
  switch (t.kind) {
    case 'simple':
      return SQL_SIMPLE[t.name];
    case 'time':
      return t.unit === 'ns' ? 'TIME_NS' : 'TIME';
    case 'timestamp':
      if (t.tz !== null) return 'TIMESTAMP WITH TIME ZONE';
      return { s: 'TIMESTAMP_S', ms: 'TIMESTAMP_MS', us: 'TIMESTAMP', ns: 'TIMESTAMP_NS' }[t.unit];
    case 'duration':
      return 'INTERVAL';
    case 'decimal':
      // DuckDB's DECIMAL stops at precision 38; wider Arrow decimals are read as DOUBLE.
      return t.precision <= 38 ? `DECIMAL(${t.precision},${t.scale})` : 'DOUBLE';
    case 'fixed_size_binary':
      return 'BLOB';
    case 'list':
      return `${sqlType(t.item.type)}[]`;
    case 'fixed_size_list':
      return `${sqlType(t.item.type)}[${t.size}]`;
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${sqlName(f.name)} ${sqlType(f.type)}`).join(', ')})`;
    case 'map':
      return `MAP(${sqlType(t.key)}, ${sqlType(t.value.type)})`;
    case 'dictionary':
      return sqlType(t.value);
    case 'union':
      return `UNION(${t.fields.map((f) => `${sqlName(f.name)} ${sqlType(f.type)}`).join(', ')})`;
  }
}

function sqlName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Child fields that get their own dotted path under a field of this type (see docs/spec-format.md). */
export function nestedChildren(t: ArrowType): ChildField[] {
  switch (t.kind) {
    case 'struct':
    case 'union':
      return t.fields;
    case 'list':
    case 'fixed_size_list':
      // A list's item is not a level of its own: items.sku, not items.item.sku.
      return nestedChildren(t.item.type);
    case 'map':
      return [{ name: 'key', type: t.key, nullable: false }, t.value];
    default:
      return [];
  }
}
