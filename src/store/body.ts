// Reading a response body into one Buffer while reporting progress (the adapters' get() with onProgress).
import type { GetOptions } from './types.js';

/** Collects a stream's chunks into one Buffer, calling onProgress (when given) after each. Every adapter's get() reads its body here. */
export async function readBody(stream: AsyncIterable<Uint8Array | string>, total: number | undefined, onProgress?: GetOptions['onProgress']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const c of stream) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    chunks.push(chunk);
    received += chunk.length;
    onProgress?.(received, total);
  }
  return Buffer.concat(chunks, received);
}
