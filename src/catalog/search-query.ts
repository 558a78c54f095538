// Turns any user text into a safe FTS5 query. Users get: words (all must match),
// "quoted phrases", and prefixes (ord*); the last word also matches as a prefix so
// results appear as you type. Everything else is plain text: FTS operators
// (AND, OR, NOT, NEAR, column filters, parentheses) have no special meaning.

import type { QueryPart } from './search-index.js';

const MAX_QUERY_CHARS = 500;
const MAX_TERMS = 32;
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;

export interface FtsQuery {
  /** The MATCH expression. */
  match: string;
  /** Lower-case tokens, for showing what matched. */
  tokens: string[];
  /** The phrases the expression is made of, for the in-memory index (search-index.ts). */
  parts: QueryPart[];
}

export function toFtsQuery(input: string): FtsQuery | null {
  const text = input.slice(0, MAX_QUERY_CHARS);
  const parts: QueryPart[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m !== null && parts.length < MAX_TERMS; m = re.exec(text)) {
    const phrase = m[1] !== undefined;
    const raw = phrase ? m[1]! : m[2]!;
    const tokens = raw.match(TOKEN)?.map((t) => t.toLowerCase()) ?? [];
    if (tokens.length === 0) continue;
    parts.push({ tokens, prefix: !phrase && raw.endsWith('*') });
  }
  if (parts.length === 0) return null;
  const last = parts[parts.length - 1]!;
  const endsInWord = /[\p{L}\p{N}\p{Co}*]$/u.test(text);
  if (endsInWord && !/"\s*$/.test(text)) last.prefix = true;
  const match = parts.map((p) => `"${p.tokens.join(' ')}"${p.prefix ? ' *' : ''}`).join(' ');
  return { match, tokens: [...new Set(parts.flatMap((p) => p.tokens))], parts };
}
