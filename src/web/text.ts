// Plain-text helpers that need no Markdown parser (the parser is loaded lazily).

/** The first sentence-ish of a description as plain text, for lists. */
export function summary(text: string | null, max = 180): string {
  if (!text) return '';
  const plain = text
    .replace(/\r/g, '')
    .split(/\n\s*\n/)[0]!
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s*(#+|>)\s*/gm, '')
    .replace(/`|\*\*?|~~/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1).trimEnd()}…` : plain;
}
