// The bearer token check: right and wrong tokens of any length, and the
// comparison goes through crypto.timingSafeEqual on equal-length digests (the
// behaviour that makes it constant-time; timing itself is not measured).
import { afterEach, describe, expect, it, vi } from 'vitest';

const calls: Array<[Buffer, Buffer]> = [];
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { tokenMatches } = await import('../../src/server/http.js');

afterEach(() => {
  calls.length = 0;
});

describe('tokenMatches', () => {
  const TOKEN = 'correct horse battery staple';

  it('accepts the token after "Bearer", in any case, with spaces around it', () => {
    expect(tokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(tokenMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(tokenMatches(`BEARER   ${TOKEN}  `, TOKEN)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['"Bearer" alone', 'Bearer'],
    ['"Bearer " and nothing', 'Bearer '],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 5)}`],
    ['the token and more', `Bearer ${TOKEN}x`],
    ['a token of the same length', `Bearer ${'x'.repeat(TOKEN.length)}`],
    ['a much longer token', `Bearer ${TOKEN.repeat(1000)}`],
    ['another scheme', `Basic ${TOKEN}`],
    ['the bare token', TOKEN],
    ['the token twice', `Bearer ${TOKEN} ${TOKEN}`],
  ])('rejects %s without throwing', (_what, header) => {
    expect(tokenMatches(header, TOKEN)).toBe(false);
  });

  it('compares with timingSafeEqual on equal-length digests, whatever the length of the token sent', () => {
    for (const sent of ['a', TOKEN, TOKEN.repeat(100), 'z'.repeat(TOKEN.length)]) {
      calls.length = 0;
      tokenMatches(`Bearer ${sent}`, TOKEN);
      expect(calls).toHaveLength(1);
      const [a, b] = calls[0]!;
      expect(a.length).toBe(32);
      expect(b.length).toBe(32);
    }
  });

  it('never compares the raw strings: neither buffer contains the token', () => {
    tokenMatches(`Bearer ${TOKEN}`, TOKEN);
    const [a, b] = calls[0]!;
    expect(a.toString('latin1')).not.toContain(TOKEN);
    expect(b.toString('latin1')).not.toContain(TOKEN);
  });
});
