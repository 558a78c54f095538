// Property: for random spec trees (DAGs of 2–30 datasets over one or two tenants,
// written as YAML files, half of them beside 480 unconnected datasets), the lineage the CLI reports (`lineage NAME --json`)
// is exactly the closure computed from the specs' upstream lists: the right
// nodes, each at its minimum hop count, all edges among them, and --depth k
// keeps exactly the nodes within k hops.
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { pinBuildEnv, removeTempDirs, run, tempDir, writeTree } from './support.js';

afterAll(removeTempDirs);

const DEFAULT_TENANT = 'acme';
const OTHER_TENANT = 'beta';
/** A small pool so that names repeat across tenants (also differing in case). */
const NAMES = ['orders', 'Orders', 'users', 'events', 'stg_orders', 'daily', 'mart.a', 'mart-b', 'x', 'raw_1', 'raw_2', 'raw_3', 'fx', 'kpi', 'ref'];

interface Spec {
  tenant: string;
  name: string;
  /** Indexes of upstream datasets (always smaller: the graph is a DAG). */
  upstream: number[];
  /** One of the unconnected datasets that make the catalog large beside the tree. */
  padding?: true;
}

/**
 * Unconnected datasets added to half the trees: with them a closure is under a
 * sixteenth of the catalog, which lineage() sorts by rank instead of scanning
 * every dataset in name order (both ways must give the same answer).
 */
const PADDING = 480;

const treeArb = fc
  .record({
    twoTenants: fc.boolean(),
    n: fc.integer({ min: 2, max: 30 }),
    seeds: fc.array(fc.record({ other: fc.boolean(), name: fc.nat(NAMES.length * 3 - 1) }), { minLength: 30, maxLength: 30 }),
    // Edge u → d (u < d) exists when its draw is below the tree's density: sparse chains to dense meshes.
    density: fc.integer({ min: 3, max: 45 }),
    draws: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 435, maxLength: 435 }),
    padded: fc.boolean(),
  })
  .map(({ twoTenants, n, seeds, density, draws, padded }): Spec[] => {
    const specs: Spec[] = [];
    const taken = new Set<string>();
    for (let i = 0; specs.length < n && i < seeds.length; i++) {
      const s = seeds[i]!;
      const tenant = twoTenants && s.other ? OTHER_TENANT : DEFAULT_TENANT;
      // Names from the pool, made unique per tenant (case-insensitively) with a suffix.
      let name = NAMES[s.name % NAMES.length]! + (s.name >= NAMES.length ? `_${Math.floor(s.name / NAMES.length)}` : '');
      for (let k = 2; taken.has(`${tenant}/${name.toLowerCase()}`); k++) name = `${NAMES[s.name % NAMES.length]}_v${k}`;
      taken.add(`${tenant}/${name.toLowerCase()}`);
      specs.push({ tenant, name, upstream: [] });
    }
    let k = 0;
    for (let d = 1; d < 30; d++) {
      for (let u = 0; u < d; u++, k++) if (d < specs.length && draws[k]! < density) specs[d]!.upstream.push(u);
    }
    // Names between and around the pool's, in both cases.
    if (padded) for (let i = 0; i < PADDING; i++) specs.push({ tenant: DEFAULT_TENANT, name: `${'aMmZ'[i % 4]}pad_${i}`, upstream: [], padding: true });
    return specs;
  });

/** docs/cli.md: `name`, or `tenant/name` outside the default tenant when the name exists in another tenant. */
function displayName(specs: Spec[], s: Spec): string {
  const shared = specs.filter((o) => o.name.toLowerCase() === s.name.toLowerCase()).length > 1;
  return s.tenant === DEFAULT_TENANT || !shared ? s.name : `${s.tenant}/${s.name}`;
}

function writeSpecs(dir: string, specs: Spec[]): void {
  const files: Record<string, string> = {
    'metafuse.yaml': `apiVersion: metafuse/v1\nkind: Catalog\nname: prop\ndefaults: {tenant: ${DEFAULT_TENANT}}\n`,
  };
  specs.forEach((s, i) => {
    const ups = s.upstream.map((u) => (specs[u]!.tenant === s.tenant ? specs[u]!.name : `${specs[u]!.tenant}/${specs[u]!.name}`));
    files[`datasets/${s.tenant}/spec_${i}.yaml`] = [
      'apiVersion: metafuse/v1',
      'kind: Dataset',
      `name: ${JSON.stringify(s.name)}`,
      `tenant: ${s.tenant}`,
      'owner: team@example.com',
      `description: Dataset ${i}.`,
      `upstream: ${JSON.stringify(ups)}`,
      'fields:',
      '  - name: id',
      '    type: int64',
      '',
    ].join('\n');
  });
  writeTree(dir, files);
}

/** Breadth-first minimum hop counts from `root` following `next`, up to `maxDepth` hops. */
function hops(root: number, next: (i: number) => number[], maxDepth: number): Map<number, number> {
  const dist = new Map([[root, 0]]);
  let frontier = [root];
  for (let d = 1; d <= maxDepth && frontier.length; d++) {
    const nextFrontier: number[] = [];
    for (const i of frontier) {
      for (const j of next(i)) {
        if (!dist.has(j)) {
          dist.set(j, d);
          nextFrontier.push(j);
        }
      }
    }
    frontier = nextFrontier;
  }
  return dist;
}

interface Graph {
  root: string;
  nodes: Array<{ name: string; depth: number }>;
  edges: Array<{ from: string; to: string }>;
}

function expected(specs: Spec[], root: number, direction: 'up' | 'down' | 'both', depth: number): Graph {
  const downstream = (i: number) => specs.flatMap((s, j) => (s.upstream.includes(i) ? [j] : []));
  const upstream = (i: number) => specs[i]!.upstream;
  const signed = new Map<number, number>([[root, 0]]);
  if (direction !== 'down') for (const [i, d] of hops(root, upstream, depth)) if (i !== root) signed.set(i, -d);
  if (direction !== 'up') for (const [i, d] of hops(root, downstream, depth)) if (i !== root) signed.set(i, d);
  const name = (i: number) => displayName(specs, specs[i]!);
  const edges = specs.flatMap((s, d) => s.upstream.filter((u) => signed.has(u) && signed.has(d)).map((u) => ({ from: name(u), to: name(d) })));
  return {
    root: name(root),
    nodes: sortNodes([...signed].map(([i, d]) => ({ name: name(i), depth: d }))),
    edges: sortEdges(edges),
  };
}

const sortNodes = (ns: Graph['nodes']) => [...ns].sort((a, b) => a.depth - b.depth || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const sortEdges = (es: Graph['edges']) => [...es].sort((a, b) => (`${a.from}\u0000${a.to}` < `${b.from}\u0000${b.to}` ? -1 : 1));

describe('lineage closure (property)', () => {
  it('lineage --json equals the closure of the specs\' upstream lists, for every direction and depth', async () => {
    const restore = pinBuildEnv();
    try {
      await fc.assert(
        fc.asyncProperty(
          treeArb,
          fc.array(fc.record({ root: fc.nat(29), direction: fc.constantFrom('up' as const, 'down' as const, 'both' as const), depth: fc.option(fc.nat(6), { nil: undefined }), byDisplayName: fc.boolean() }), {
            minLength: 4,
            maxLength: 8,
          }),
          async (specs, queries) => {
            const dir = tempDir('metafuse-prop-');
            writeSpecs(path.join(dir, 'specs'), specs);
            const db = path.join(dir, 'catalog.db');
            const built = await run(['build', '--specs', path.join(dir, 'specs'), '--out', db]);
            expect(built.code, built.stderr).toBe(0);
            for (const q of queries) {
              const root = q.root % specs.filter((t) => !t.padding).length;
              const s = specs[root]!;
              // Every shown name can be passed back; tenant/name always works.
              const ref = q.byDisplayName ? displayName(specs, s) : `${s.tenant}/${s.name}`;
              const args = ['lineage', ref, '--direction', q.direction, '--json', '--catalog', db];
              if (q.depth !== undefined) args.push('--depth', String(q.depth));
              const r = await run(args);
              expect(r.code, r.stderr).toBe(0);
              const got = JSON.parse(r.stdout) as Graph;
              const want = expected(specs, root, q.direction, q.depth ?? 100);
              expect({ root: got.root, nodes: sortNodes(got.nodes), edges: sortEdges(got.edges) }, args.join(' ')).toEqual(want);
              // The CLI's own order: by depth, then name; edges sorted.
              expect(got.nodes).toEqual(sortNodes(got.nodes));
              expect(got.edges).toEqual(sortEdges(got.edges));
            }
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      restore();
    }
  }, 60_000);

  it('a hand-made diamond with a shortcut: depth is the minimum hop count, and --depth cuts by it', async () => {
    // a → b → c → d and a → d: d is one hop from a, not three.
    const specs: Spec[] = [
      { tenant: DEFAULT_TENANT, name: 'a', upstream: [] },
      { tenant: DEFAULT_TENANT, name: 'b', upstream: [0] },
      { tenant: DEFAULT_TENANT, name: 'c', upstream: [1] },
      { tenant: DEFAULT_TENANT, name: 'd', upstream: [2, 0] },
      { tenant: DEFAULT_TENANT, name: 'e', upstream: [3] },
    ];
    const dir = tempDir('metafuse-prop-');
    writeSpecs(path.join(dir, 'specs'), specs);
    const db = path.join(dir, 'catalog.db');
    const restore = pinBuildEnv();
    try {
      expect((await run(['build', '--specs', path.join(dir, 'specs'), '--out', db])).code).toBe(0);
    } finally {
      restore();
    }
    const down = JSON.parse((await run(['lineage', 'a', '--direction', 'down', '--json', '--catalog', db])).stdout) as Graph;
    expect(down.nodes).toEqual([
      { name: 'a', depth: 0 },
      { name: 'b', depth: 1 },
      { name: 'd', depth: 1 },
      { name: 'c', depth: 2 },
      { name: 'e', depth: 2 },
    ]);
    const up = JSON.parse((await run(['lineage', 'e', '--direction', 'up', '--depth', '2', '--json', '--catalog', db])).stdout) as Graph;
    expect(up.nodes).toEqual([
      { name: 'a', depth: -2 },
      { name: 'c', depth: -2 },
      { name: 'd', depth: -1 },
      { name: 'e', depth: 0 },
    ]);
    expect(up.edges).toEqual([
      { from: 'a', to: 'd' },
      { from: 'c', to: 'd' },
      { from: 'd', to: 'e' },
    ]);
  });
});
