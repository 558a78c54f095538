// The REST API's JSON shapes: the same types the queries return (src/catalog/api-types.ts),
// under the names the page uses, plus the envelopes the API wraps them in.
import type { CatalogStats, DatasetDetail, DatasetSummary, FieldDetail, LineageGraph, SearchResult, TermDetail, TermSummary } from '../catalog/api-types.js';

export type { DatasetSummary, Drift, Edge, Observation, SearchResult, TermSummary } from '../catalog/api-types.js';
export type Field = FieldDetail;
export type Dataset = DatasetDetail;
export type Lineage = LineageGraph;
export type Term = TermDetail;
export type Stats = CatalogStats;

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface DatasetList {
  total: number;
  limit: number;
  offset: number;
  datasets: DatasetSummary[];
}

export interface SearchResults {
  query: string;
  results: SearchResult[];
}

export interface Glossary {
  terms: TermSummary[];
}
