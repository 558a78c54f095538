import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

describe('metafuse command line', () => {
  it('prints the command list for --help and exits 0', async () => {
    const io = bufferIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout()).toMatch(/validate\s+check the specs/);
  });

  it('exits 2 with a hint for an unknown command', async () => {
    const io = bufferIo();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.stderr()).toContain('unknown command "frobnicate"');
  });

  it('exits 2 for an unknown option and names the command help', async () => {
    const io = bufferIo();
    expect(await main(['validate', '--sepcs', 'x'], io)).toBe(2);
    expect(io.stderr()).toContain("unknown option '--sepcs'");
    expect(io.stderr()).toContain('metafuse validate --help');
  });

  it('exits 2 for a bad --format value', async () => {
    const io = bufferIo();
    expect(await main(['validate', '--format', 'xml'], io)).toBe(2);
    expect(io.stderr()).toContain('--format must be one of text, json, github');
  });
});
