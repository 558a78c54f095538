// The REST API's JSON shapes (src/server/openapi.ts is the reference).

export interface ApiErrorBody {
  error: { code: string; message: string };
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

export interface DatasetList {
  total: number;
  limit: number;
  offset: number;
  datasets: DatasetSummary[];
}

export interface Field {
  name: string;
  type: string;
  sqlType: string;
  nullable: boolean;
  description: string | null;
  tags: string[];
  terms: string[];
  depth: number;
  /** Upstream fields as "dataset:field". */
  from: string[];
}

export interface Drift {
  added: string[];
  removed: string[];
  changed: Array<{ name: string; declared: string; observed: string }>;
}

export interface Observation {
  observedAt: string;
  runId: string | null;
  rowCount: number | null;
  sizeBytes: number | null;
  schema: Array<{ name: string; type: string; nullable: boolean }> | null;
  drift: Drift | null;
  count: number;
}

export interface Dataset {
  name: string;
  tenant: string;
  domain: string | null;
  owner: string | null;
  description: string | null;
  location: string | null;
  format: string | null;
  tags: string[];
  terms: string[];
  fields: Field[];
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
  matched: string[];
  tags: string[];
}

export interface SearchResults {
  query: string;
  results: SearchResult[];
}

export interface Edge {
  from: string;
  to: string;
}

export interface Lineage {
  root: string;
  /** depth 0 is the root, negative upstream, positive downstream. */
  nodes: Array<{ name: string; depth: number }>;
  edges: Edge[];
  columns?: Edge[];
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

export interface Glossary {
  terms: TermSummary[];
}

export interface Term extends TermSummary {
  children: string[];
  related: string[];
  datasets: string[];
  fields: Array<{ dataset: string; field: string }>;
}

export interface Stats {
  catalog: string | null;
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
