// The OpenAPI 3.1 description of the REST API, served at /api/v1/openapi.json.
// Response schemas are JSON Schema 2020-12; test/server checks real responses against them.

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer', minimum: 0 } as const;
const strs = { type: 'array', items: str } as const;

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str } } },
  },
  DatasetSummary: {
    type: 'object',
    required: ['name', 'tenant', 'domain', 'owner', 'description', 'tags', 'fields', 'deprecated'],
    properties: { name: str, tenant: str, domain: nstr, owner: nstr, description: nstr, tags: strs, fields: int, deprecated: { type: 'boolean' } },
  },
  DatasetList: {
    type: 'object',
    required: ['total', 'limit', 'offset', 'datasets'],
    properties: { total: int, limit: int, offset: int, datasets: { type: 'array', items: { $ref: '#/components/schemas/DatasetSummary' } } },
  },
  Field: {
    type: 'object',
    required: ['name', 'type', 'sqlType', 'nullable', 'description', 'tags', 'terms', 'depth', 'from'],
    properties: { name: str, type: str, sqlType: str, nullable: { type: 'boolean' }, description: nstr, tags: strs, terms: strs, depth: int, from: strs },
  },
  Observation: {
    type: 'object',
    required: ['observedAt', 'runId', 'rowCount', 'sizeBytes', 'schema', 'drift', 'count'],
    properties: {
      observedAt: str,
      runId: nstr,
      rowCount: { type: ['integer', 'null'] },
      sizeBytes: { type: ['integer', 'null'] },
      schema: { type: ['array', 'null'], items: { type: 'object', required: ['name', 'type', 'nullable'], properties: { name: str, type: str, nullable: { type: 'boolean' } } } },
      drift: {
        type: ['object', 'null'],
        required: ['added', 'removed', 'changed'],
        properties: { added: strs, removed: strs, changed: { type: 'array', items: { type: 'object', required: ['name', 'declared', 'observed'], properties: { name: str, declared: str, observed: str } } } },
      },
      count: int,
    },
  },
  Dataset: {
    type: 'object',
    required: ['name', 'tenant', 'domain', 'owner', 'description', 'location', 'format', 'tags', 'terms', 'fields', 'upstream', 'downstream', 'observed', 'partitionKeys', 'properties', 'deprecated', 'schemaFile', 'sourceFile', 'declared'],
    properties: {
      name: str, tenant: str, domain: nstr, owner: nstr, description: nstr, location: nstr, format: nstr, tags: strs, terms: strs,
      fields: { type: 'array', items: { $ref: '#/components/schemas/Field' } },
      upstream: strs, downstream: strs,
      observed: { oneOf: [{ $ref: '#/components/schemas/Observation' }, { type: 'null' }] },
      partitionKeys: strs,
      properties: { type: 'object', additionalProperties: str },
      deprecated: { oneOf: [{ type: 'null' }, { type: 'object', required: ['since', 'reason', 'replacement'], properties: { since: nstr, reason: nstr, replacement: nstr } }] },
      schemaFile: nstr, sourceFile: nstr, declared: { type: 'boolean' },
    },
  },
  SearchResults: {
    type: 'object',
    required: ['query', 'results'],
    properties: {
      query: str,
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'tenant', 'domain', 'owner', 'description', 'score', 'matched', 'tags'],
          properties: { name: str, tenant: str, domain: nstr, owner: nstr, description: nstr, score: { type: 'number' }, matched: strs, tags: strs },
        },
      },
    },
  },
  Lineage: {
    type: 'object',
    required: ['root', 'nodes', 'edges'],
    properties: {
      root: str,
      nodes: { type: 'array', items: { type: 'object', required: ['name', 'depth'], properties: { name: str, depth: { type: 'integer' } } } },
      edges: { type: 'array', items: { $ref: '#/components/schemas/Edge' } },
      columns: { type: 'array', items: { $ref: '#/components/schemas/Edge' } },
    },
  },
  Edge: { type: 'object', required: ['from', 'to'], properties: { from: str, to: str } },
  TermSummary: {
    type: 'object',
    required: ['id', 'name', 'definition', 'domain', 'owner', 'parent', 'synonyms'],
    properties: { id: str, name: str, definition: str, domain: nstr, owner: nstr, parent: nstr, synonyms: strs },
  },
  Glossary: { type: 'object', required: ['terms'], properties: { terms: { type: 'array', items: { $ref: '#/components/schemas/TermSummary' } } } },
  Term: {
    allOf: [
      { $ref: '#/components/schemas/TermSummary' },
      {
        type: 'object',
        required: ['children', 'related', 'datasets', 'fields'],
        properties: { children: strs, related: strs, datasets: strs, fields: { type: 'array', items: { type: 'object', required: ['dataset', 'field'], properties: { dataset: str, field: str } } } },
      },
    ],
  },
  Stats: {
    type: 'object',
    required: ['catalog', 'defaultTenant', 'version', 'schemaVersion', 'specHash', 'sourceCommit', 'builtAt', 'builder', 'datasets', 'fields', 'lineageEdges', 'columnLineageEdges', 'glossaryTerms', 'tenants', 'domains', 'tags', 'deprecated', 'observations', 'observedOnly'],
    properties: {
      catalog: nstr, defaultTenant: str, version: int, schemaVersion: int, specHash: nstr, sourceCommit: nstr, builtAt: nstr, builder: nstr,
      datasets: int, fields: int, lineageEdges: int, columnLineageEdges: int, glossaryTerms: int,
      tenants: { type: 'array', items: { type: 'object', required: ['tenant', 'datasets'], properties: { tenant: str, datasets: int } } },
      domains: { type: 'array', items: { type: 'object', required: ['domain', 'datasets'], properties: { domain: str, datasets: int } } },
      tags: int, deprecated: int, observations: int, observedOnly: int,
    },
  },
  Health: { type: 'object', required: ['status', 'catalogVersion'], properties: { status: { enum: ['ok', 'starting'] }, catalogVersion: { type: ['integer', 'null'] } } },
};

const ok = (schema: string, description: string) => ({
  '200': { description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } },
  '304': { description: 'Not modified (If-None-Match matched the ETag)' },
  '400': { $ref: '#/components/responses/BadRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
});
const notFound = { '404': { $ref: '#/components/responses/NotFound' } };
const nameParam = { name: 'name', in: 'path', required: true, description: 'Dataset: "name", or "tenant/name" with the slash percent-encoded (tenant%2Fname)', schema: str };

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'MetaFuse catalog API', version: '1', description: 'Read-only access to a MetaFuse catalog. Every response carries an ETag and X-Catalog-Version; errors are {"error": {"code", "message"}}.' },
    servers: [{ url: '/' }],
    security: [{}, { bearer: [] }],
    paths: {
      '/health': { get: { summary: 'Liveness and the catalog version', security: [], responses: { '200': { description: 'Serving', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } } } } },
      '/health/ready': {
        get: {
          summary: 'Readiness: 503 until a catalog is loaded',
          security: [],
          responses: {
            '200': { description: 'Ready', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
            '503': { description: 'No catalog yet', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
          },
        },
      },
      '/api/v1/datasets': {
        get: {
          summary: 'List datasets',
          parameters: [
            ...['tenant', 'domain', 'tag', 'owner', 'term'].map((n) => ({ name: n, in: 'query', required: false, schema: str })),
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
          ],
          responses: ok('DatasetList', 'A page of datasets and the total'),
        },
      },
      '/api/v1/datasets/{name}': { get: { summary: 'One dataset with fields, lineage both ways and observations', parameters: [nameParam], responses: { ...ok('Dataset', 'The dataset'), ...notFound } } },
      '/api/v1/search': {
        get: {
          summary: 'Ranked full-text search (words, "phrases", prefix*; any text is safe)',
          parameters: [{ name: 'q', in: 'query', required: true, schema: str }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } }],
          responses: ok('SearchResults', 'Results, best first'),
        },
      },
      '/api/v1/lineage/{name}': {
        get: {
          summary: 'Lineage graph: depth 0 is the dataset, negative upstream, positive downstream',
          parameters: [
            nameParam,
            { name: 'direction', in: 'query', schema: { enum: ['up', 'down', 'both'], default: 'both' } },
            { name: 'depth', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 100, default: 100 } },
            { name: 'columns', in: 'query', schema: { type: 'boolean', default: false } },
          ],
          responses: { ...ok('Lineage', 'Nodes and edges (from upstream to downstream)'), ...notFound },
        },
      },
      '/api/v1/glossary': { get: { summary: 'All glossary terms', responses: ok('Glossary', 'Terms') } },
      '/api/v1/glossary/{id}': { get: { summary: 'One term with its links', parameters: [{ name: 'id', in: 'path', required: true, schema: str }], responses: { ...ok('Term', 'The term'), ...notFound } } },
      '/api/v1/stats': { get: { summary: 'Counts and catalog metadata', responses: ok('Stats', 'Statistics') } },
      '/api/v1/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' }, '304': { description: 'Not modified' }, '401': { $ref: '#/components/responses/Unauthorized' } } } },
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Only when the server was started with --token / METAFUSE_API_TOKEN' } },
      responses: {
        BadRequest: { description: 'Invalid parameter', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        Unauthorized: { description: 'Missing or wrong bearer token', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        NotFound: { description: 'No such dataset or term', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  };
}
