// The JSON shapes the read queries return: the CLI's --json output, the REST
// API's responses and the web page's data. No imports, so the web page's own
// TypeScript program can share them (src/server/openapi.ts describes them for clients).

export type Direction = 'up' | 'down' | 'both';

export interface Drift {
  added: string[];
  removed: string[];
  changed: Array<{ name: string; declared: string; observed: string }>;
}

export interface Edge {
  from: string;
  to: string;
}

export interface DatasetSummary {
  name: string;
  tenant: string;
  domain: string | null;
  owner: string | null;
  description: string | null;
  tags: string[];
  fields: number;
  deprecated: boolean;
}

export interface FieldDetail {
  name: string;
  type: string;
  sqlType: string;
  nullable: boolean;
  description: string | null;
  tags: string[];
  terms: string[];
  depth: number;
  /** Upstream fields this one is computed from, as "dataset:field". */
  from: string[];
}

export interface Observation {
  observedAt: string;
  runId: string | null;
  rowCount: number | null;
  sizeBytes: number | null;
  schema: Array<{ name: string; type: string; nullable: boolean }> | null;
  drift: Drift | null;
  /** Observations recorded for this dataset in all. */
  count: number;
}

export interface DatasetDetail {
  name: string;
  tenant: string;
  domain: string | null;
  owner: string | null;
  description: string | null;
  location: string | null;
  format: string | null;
  tags: string[];
  terms: string[];
  fields: FieldDetail[];
  upstream: string[];
  downstream: string[];
  observed: Observation | null;
  partitionKeys: string[];
  properties: Record<string, string>;
  deprecated: { since: string | null; reason: string | null; replacement: string | null } | null;
  schemaFile: string | null;
  sourceFile: string | null;
  declared: boolean;
}

export interface SearchResult {
  name: string;
  tenant: string;
  domain: string | null;
  owner: string | null;
  description: string | null;
  score: number;
  /** Which parts of the dataset matched: name, description, tags, fields, ... */
  matched: string[];
  /** Dataset-level tags. */
  tags: string[];
}

export interface LineageGraph {
  root: string;
  /** depth: 0 for the root, negative upstream (-1 = direct upstream), positive downstream. */
  nodes: Array<{ name: string; depth: number }>;
  /** from = upstream, to = downstream. */
  edges: Edge[];
  /** With columns: field-level edges among the nodes, as "dataset:field". */
  columns?: Edge[];
}

export interface CatalogStats {
  catalog: string | null;
  /** The tenant bare names refer to. */
  defaultTenant: string;
  version: number;
  schemaVersion: number;
  specHash: string | null;
  sourceCommit: string | null;
  builtAt: string | null;
  builder: string | null;
  datasets: number;
  fields: number;
  lineageEdges: number;
  columnLineageEdges: number;
  glossaryTerms: number;
  tenants: Array<{ tenant: string; datasets: number }>;
  domains: Array<{ domain: string; datasets: number }>;
  tags: number;
  deprecated: number;
  observations: number;
  observedOnly: number;
}

export interface TermSummary {
  id: string;
  name: string;
  definition: string;
  domain: string | null;
  owner: string | null;
  parent: string | null;
  synonyms: string[];
}

export interface TermDetail extends TermSummary {
  children: string[];
  related: string[];
  datasets: string[];
  fields: Array<{ dataset: string; field: string }>;
}
