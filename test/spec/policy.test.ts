// Policy rules from the Catalog document: owner and description requirements.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupSpecTrees, loadTree, where } from '../helpers/fixtures.js';

afterEach(cleanupSpecTrees);

const catalog = (policy: string) => `apiVersion: metafuse/v1\nkind: Catalog\npolicy: {${policy}}\n`;
const noOwner = 'apiVersion: metafuse/v1\nkind: Dataset\nname: orders\ndescription: Orders.\n';
const noDescription = 'apiVersion: metafuse/v1\nkind: Dataset\nname: orders\nowner: sales@acme.example\n';

describe('missing-owner', () => {
  it('is an error by default, at the name key', async () => {
    const { result, at } = await loadTree({ 'a.yaml': noOwner });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 1, severity: 'error', code: 'missing-owner' }]);
    expect(result.diagnostics[0]!.message).toBe('dataset "orders" has no owner (policy requireOwner); add owner: <team or e-mail>');
  });

  it('is not checked with requireOwner: false', async () => {
    const { result } = await loadTree({ 'metafuse.yaml': catalog('requireOwner: false'), 'a.yaml': noOwner });
    expect(result.diagnostics).toEqual([]);
    expect(result.model.config.policy.requireOwner).toBe(false);
  });

  it('is checked with the default policy when the Catalog document is invalid', async () => {
    const { result } = await loadTree({ 'metafuse.yaml': catalog('requireOwner: false, strict: true'), 'a.yaml': noOwner });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['missing-owner', 'unknown-key']);
  });
});

describe('missing-description and no-description', () => {
  it('warns no-description by default, at the name key', async () => {
    const { result, at } = await loadTree({ 'a.yaml': noDescription });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 1, severity: 'warning', code: 'no-description' }]);
    expect(result.diagnostics[0]!.message).toBe('dataset "orders" has no description');
    expect([result.errors, result.warnings]).toEqual([0, 1]);
  });

  it('is an error missing-description with requireDescription: true, without the warning', async () => {
    const { result, at } = await loadTree({ 'metafuse.yaml': catalog('requireDescription: true'), 'a.yaml': noDescription });
    expect(where(result.diagnostics)).toEqual([{ file: at('a.yaml'), line: 3, column: 1, severity: 'error', code: 'missing-description' }]);
    expect(result.diagnostics[0]!.message).toBe('dataset "orders" has no description (policy requireDescription)');
  });

  it('counts an empty description as missing', async () => {
    const { result } = await loadTree({ 'a.yaml': `${noDescription}description: ""\n` });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['no-description']);
  });
});
