#!/usr/bin/env node
// Deterministic synthetic specs tree for benchmarks.
//
//   node bench/generate.mjs --datasets 10000 --out DIR [--seed 1] [--force]
//
// Writes DIR/metafuse.yaml (kind: Catalog), DIR/glossary/<domain>.yaml (GlossaryTerm
// documents), DIR/datasets/<domain>/<name>.yaml (one Dataset per file) and, for 10 %
// of the datasets, DIR/schemas/<name>.arrow (Arrow IPC file format, schema only).
//
// The corpus is meant to look like a real catalog and to validate with no errors
// and no warnings: ~12 domains, tenants acme (90 %) and partner (10 %), ~10 fields
// per dataset (aliases, decimals, timestamps with time zone, structs, lists, maps),
// ~5 upstream edges per dataset (only to datasets generated earlier: no cycles;
// a few cross-tenant "tenant/name" references), column lineage on ~30 % of the
// fields, tags, owners, descriptions, a glossary of 1 % as many terms as datasets
// (at least 20) with parent chains, every term used, and a few deprecated datasets
// that nothing reads any more.
//
// Same --datasets and --seed give a byte-identical tree. No dependencies beyond
// apache-arrow (already a dependency of MetaFuse), loaded only to write the Arrow files.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { rng } from './harness.mjs';

// ---------------------------------------------------------------------------
// Seeded PRNG (mulberry32, from harness.mjs) and helpers.
// ---------------------------------------------------------------------------

class Rng {
  constructor(seed) {
    this.next = rng(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }
  /** `n` distinct elements of `list`, in the order drawn. */
  sample(list, n) {
    const copy = list.slice();
    const out = [];
    for (let i = 0; i < n && copy.length > 0; i++) {
      const j = Math.floor(this.next() * copy.length);
      out.push(copy[j]);
      copy[j] = copy[copy.length - 1];
      copy.pop();
    }
    return out;
  }
  /** Weighted pick from [[value, weight], ...]. */
  weighted(entries) {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.next() * total;
    for (const [v, w] of entries) {
      r -= w;
      if (r < 0) return v;
    }
    return entries[entries.length - 1][0];
  }
}

// ---------------------------------------------------------------------------
// Vocabulary.
// ---------------------------------------------------------------------------
const DEFAULT_TENANT = 'acme';
const PARTNER_TENANT = 'partner';

const DOMAINS = ['sales', 'marketing', 'finance', 'logistics', 'product', 'customer', 'support', 'payments', 'inventory', 'web', 'hr', 'risk'];

const NOUNS = {
  sales: ['orders', 'order_items', 'quotes', 'invoices', 'returns', 'discounts', 'sales_daily', 'pipeline'],
  marketing: ['campaigns', 'web_sessions', 'attribution', 'segments', 'email_sends', 'ad_spend', 'leads', 'consents'],
  finance: ['ledger', 'fx_rates', 'revenue', 'cost_centers', 'budgets', 'payables', 'receivables', 'tax_lines'],
  logistics: ['shipments', 'carriers', 'deliveries', 'warehouses', 'routes', 'parcels', 'tracking_events', 'returns_pickup'],
  product: ['products', 'categories', 'prices', 'reviews', 'bundles', 'attributes', 'catalog_changes', 'recommendations'],
  customer: ['customers', 'addresses', 'profiles', 'loyalty', 'households', 'preferences', 'churn_scores', 'contacts'],
  support: ['tickets', 'chats', 'csat', 'agents', 'escalations', 'knowledge_views', 'call_logs', 'sla_breaches'],
  payments: ['payments', 'refunds', 'chargebacks', 'payouts', 'methods', 'authorisations', 'settlements', 'fees'],
  inventory: ['stock_levels', 'stock_moves', 'purchase_orders', 'suppliers', 'forecasts', 'cycle_counts', 'reservations', 'replenishment'],
  web: ['page_views', 'clicks', 'searches', 'sessions', 'experiments', 'errors', 'performance', 'funnels'],
  hr: ['employees', 'positions', 'absences', 'payroll', 'trainings', 'hiring', 'org_units', 'reviews_360'],
  risk: ['fraud_scores', 'alerts', 'watchlists', 'kyc_checks', 'disputes', 'limits', 'exposures', 'model_outputs'],
};

const LAYERS = [
  ['raw', 0.25],
  ['stg', 0.3],
  ['int', 0.2],
  ['mart', 0.2],
  ['snap', 0.05],
];

const LAYER_TEXT = {
  raw: 'Raw extract of',
  stg: 'Cleaned and typed staging table of',
  int: 'Intermediate model joining',
  mart: 'Reporting mart of',
  snap: 'Daily snapshot of',
};

const GRAINS = ['event', 'record', 'day and country', 'customer', 'order', 'transaction', 'week', 'entity and day', 'source row'];
const FREQUENCIES = ['hourly', 'daily at 05:00 UTC', 'every 15 minutes', 'nightly', 'weekly on Mondays', 'on every upstream change'];
const PURPOSES = ['monthly reporting', 'the executive dashboard', 'forecasting', 'ad-hoc analysis', 'the data science team', 'regulatory reporting', 'operational monitoring'];
const SOURCES = ['the ERP', 'the web shop database', 'the CRM', 'Kafka', 'the partner SFTP drop', 'the billing system', 'the event tracker'];
const FORMATS = [
  ['parquet', 5],
  ['delta', 3],
  ['iceberg', 2],
  ['table', 2],
  ['view', 1],
  ['csv', 1],
];
const TAGS = ['pii', 'gdpr', 'finance', 'daily', 'hourly', 'weekly', 'raw', 'staging', 'mart', 'core', 'certified', 'experimental',
  'external', 'internal', 'kpi', 'sla', 'streaming', 'batch', 'sensitive', 'public', 'deprecated-soon', 'cost-center', 'audit', 'ml-feature'];
const FIELD_TAGS = ['pii', 'key', 'metric', 'dimension', 'sensitive', 'derived', 'audit'];
const TEAMS = ['data', 'analytics', 'platform'];

/**
 * Columns for YAML-declared fields: [name, type as written in the spec, nested
 * child paths (struct children become "<name>.<child>")]. Types are a mix of
 * canonical spellings and aliases the loader normalises.
 */
const COLUMNS = [
  ['customer_id', 'bigint'],
  ['order_id', 'int64'],
  ['product_id', 'bigint'],
  ['account_id', 'varchar'],
  ['session_id', 'string'],
  ['external_ref', 'varchar(64)'],
  ['event_time', 'timestamptz'],
  ['created_at', 'timestamp[us, tz=UTC]'],
  ['updated_at', 'timestamptz'],
  ['loaded_at', 'timestamp'],
  ['event_date', 'date'],
  ['valid_from', 'date32[day]'],
  ['amount', 'decimal(12,2)'],
  ['net_amount', 'decimal(14,2)'],
  ['tax_amount', 'numeric(12,2)'],
  ['unit_price', 'decimal128(10, 2)'],
  ['quantity', 'int'],
  ['line_count', 'integer'],
  ['currency', 'varchar(3)'],
  ['country', 'varchar(2)'],
  ['status', 'string'],
  ['channel', 'text'],
  ['email', 'text'],
  ['score', 'double'],
  ['ratio', 'float64'],
  ['weight_kg', 'real'],
  ['is_active', 'boolean'],
  ['is_deleted', 'bool'],
  ['version', 'smallint'],
  ['priority', 'tinyint'],
  ['region_code', 'utf8'],
  ['latitude', 'float64'],
  ['longitude', 'float64'],
  ['duration_ms', 'int64'],
  ['payload', 'binary'],
  ['attributes', 'struct<a: int64, b: string>', ['a', 'b']],
  ['address', 'struct<street: string, city: string, postal_code: string, country: string>', ['street', 'city', 'postal_code', 'country']],
  ['device', 'struct<os: string, browser: string, mobile: bool>', ['os', 'browser', 'mobile']],
  ['labels', 'list<string>'],
  ['metrics', 'map<string, int64>'],
  ['counters', 'map<string, double>'],
];

const ID_TYPES = ['bigint', 'int64', 'varchar', 'string'];

/** Term concepts; ids are <domain>_<concept>[_n]. */
const CONCEPTS = ['revenue', 'net_revenue', 'gross_margin', 'order', 'order_line', 'customer', 'active_customer', 'churn', 'session',
  'conversion', 'campaign', 'attribution', 'shipment', 'delivery', 'carrier', 'stock', 'sku', 'supplier', 'ticket', 'resolution_time',
  'payment', 'refund', 'chargeback', 'fraud', 'risk_score', 'employee', 'headcount', 'cost_center', 'budget', 'fx_rate', 'currency',
  'personal_data', 'email_address', 'postal_address', 'consent', 'kpi', 'forecast', 'return', 'discount', 'invoice'];

// ---------------------------------------------------------------------------
// YAML emission (hand-written: the output is simple and must be stable).
// ---------------------------------------------------------------------------
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

/** A scalar, plain when that is unambiguous, else double-quoted (JSON quoting is valid YAML). */
function scalar(s) {
  if (/^[A-Za-z_][A-Za-z0-9_.()\/@,-]*$/.test(s) && !RESERVED.test(s)) return s;
  if (/^[A-Za-z][A-Za-z0-9 ,.;'()%\/-]*[A-Za-z0-9.)]$/.test(s) && !RESERVED.test(s)) return s;
  return JSON.stringify(s);
}

/** A flow sequence of simple tokens: [a, b, c]. */
function flow(list) {
  return `[${list.map((s) => (/^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/.test(s) && !RESERVED.test(s) ? s : JSON.stringify(s))).join(', ')}]`;
}

// ---------------------------------------------------------------------------
// Corpus model.
// ---------------------------------------------------------------------------
function pad(n, width) {
  return String(n).padStart(width, '0');
}

export function generateCorpus({ datasets: count, seed = 1 }) {
  const rng = new Rng(seed);
  const width = String(count - 1).length;

  // Glossary: 1 % as many terms as datasets, at least 20. Parents only point to
  // earlier terms, so parent chains cannot form a cycle.
  const termCount = Math.max(20, Math.round(count / 100));
  const terms = [];
  const termIds = new Set();
  const termsByDomain = new Map(DOMAINS.map((d) => [d, []]));
  for (let j = 0; j < termCount; j++) {
    const domain = DOMAINS[j % DOMAINS.length];
    const concept = rng.pick(CONCEPTS);
    let id = `${domain}_${concept}`;
    for (let n = 2; termIds.has(id); n++) id = `${domain}_${concept}_${n}`;
    termIds.add(id);
    const term = { index: j, id, domain, concept, parent: null, related: [], synonyms: [] };
    if (j >= DOMAINS.length && rng.chance(0.6)) {
      // Mostly a parent of the same domain.
      const same = termsByDomain.get(domain);
      term.parent = (same.length > 0 && rng.chance(0.8) ? rng.pick(same) : terms[rng.int(0, j - 1)]).id;
    }
    if (j > 0 && rng.chance(0.4)) {
      term.related = [...new Set(rng.sample(terms, rng.int(1, Math.min(2, j))).map((t) => t.id))].filter((id) => id !== term.parent);
    }
    if (rng.chance(0.5)) term.synonyms = [`${concept.replace(/_/g, ' ')} ${rng.pick(['figure', 'measure', 'entity', 'record'])}`];
    terms.push(term);
    termsByDomain.get(domain).push(term);
  }

  const all = [];
  const byTenant = new Map([
    [DEFAULT_TENANT, []],
    [PARTNER_TENANT, []],
  ]);
  const used = new Set();
  // Term j is given to the dataset at index floor(j * count / termCount): every term is used.
  const termFor = new Map();
  for (let j = 0; j < termCount; j++) {
    const at = Math.floor((j * count) / termCount);
    if (!termFor.has(at)) termFor.set(at, []);
    termFor.get(at).push(terms[j].id);
  }

  for (let i = 0; i < count; i++) {
    const tenant = rng.chance(0.1) ? PARTNER_TENANT : DEFAULT_TENANT;
    const domain = rng.pick(DOMAINS);
    const noun = rng.pick(NOUNS[domain]);
    const layer = rng.weighted(LAYERS);
    const name = `${layer}_${domain}_${noun}_${pad(i, width)}`;
    const arrow = rng.chance(0.1);
    const ds = { index: i, tenant, domain, noun, layer, name, arrow, upstream: [], fields: [], downstream: 0 };

    // Upstream: ~5 datasets generated earlier (mostly recent ones of the same tenant, a few of the other tenant).
    const own = byTenant.get(tenant);
    const other = byTenant.get(tenant === DEFAULT_TENANT ? PARTNER_TENANT : DEFAULT_TENANT);
    const wanted = layer === 'raw' ? rng.int(0, 3) : rng.int(4, 8);
    const chosen = new Set();
    for (let k = 0; k < wanted * 3 && ds.upstream.length < wanted; k++) {
      const cross = other.length > 0 && rng.chance(tenant === PARTNER_TENANT ? 0.15 : 0.01);
      const pool = cross ? other : own;
      if (pool.length === 0) continue;
      const up = rng.chance(0.6) ? pool[Math.max(0, pool.length - 1 - rng.int(0, 199))] : rng.pick(pool);
      if (chosen.has(up.index)) continue;
      chosen.add(up.index);
      up.downstream++;
      ds.upstream.push({ ds: up, ref: up.tenant === tenant ? up.name : `${up.tenant}/${up.name}` });
    }

    if (arrow) buildArrowFields(rng, ds);
    else buildYamlFields(rng, ds);

    // Column lineage on ~30 % of the fields: same-named field of an upstream when there is one.
    if (ds.upstream.length > 0) {
      for (const f of ds.fields) {
        if (!rng.chance(0.3)) continue;
        const n = rng.chance(0.15) ? 2 : 1;
        const refs = new Set();
        for (let k = 0; k < n; k++) {
          const up = rng.pick(ds.upstream);
          const same = up.ds.paths.includes(f.name) && rng.chance(0.7) ? f.name : rng.pick(up.ds.paths);
          refs.add(`${up.ref}:${same}`);
        }
        f.from = [...refs];
      }
    }

    // Terms: 0-2 of the domain (or any), plus the ones this dataset is responsible for.
    const domainTerms = termsByDomain.get(domain);
    const dsTerms = new Set(termFor.get(i) ?? []);
    const extra = rng.int(0, 2);
    for (let k = 0; k < extra; k++) dsTerms.add((domainTerms.length > 0 && rng.chance(0.8) ? rng.pick(domainTerms) : rng.pick(terms)).id);
    ds.terms = [...dsTerms];
    for (const f of ds.fields) {
      if (rng.chance(0.1)) f.terms = [(domainTerms.length > 0 ? rng.pick(domainTerms) : rng.pick(terms)).id];
    }
    // An Arrow annotation that ended up saying nothing is left out (the id stays, as a key).
    if (arrow) ds.fields = ds.fields.filter((f, k) => k === 0 || f.description || f.tags || f.terms || f.from);
    for (const t of ds.terms) used.add(t);
    for (const f of ds.fields) for (const t of f.terms ?? []) used.add(t);

    ds.tags = rng.sample(TAGS, rng.int(1, 4));
    ds.owner = tenant === PARTNER_TENANT ? `partner-integrations@acme.example` : `${domain}-${rng.pick(TEAMS)}@acme.example`;
    ds.format = rng.weighted(FORMATS);
    ds.location = ds.format === 'table' || ds.format === 'view' ? `warehouse.${layer}_${domain}.${noun}_${pad(i, width)}` : `s3://${tenant}-lake/${layer}/${domain}/${name}/`;
    ds.description = describe(rng, ds);
    const dateField = ds.fields.find((f) => f.partitionable);
    if (dateField && rng.chance(0.4)) ds.partitionKeys = [dateField.name];
    if (rng.chance(0.5)) {
      ds.properties = [['refresh', rng.pick(FREQUENCIES)]];
      if (rng.chance(0.4)) ds.properties.push(['sla_hours', String(rng.int(1, 48))]);
      if (rng.chance(0.3)) ds.properties.push(['retention_days', String(rng.pick([30, 90, 365, 730, 2555]))]);
    }

    all.push(ds);
    own.push(ds);
  }

  // A few deprecated datasets, among those nothing reads (no deprecated-upstream warnings),
  // each pointing to an earlier dataset of its tenant as the replacement.
  for (const ds of all) {
    if (ds.downstream > 0 || ds.index < 10 || !rng.chance(0.2)) continue;
    const pool = byTenant.get(ds.tenant).filter((d) => d.index < ds.index);
    if (pool.length === 0) continue;
    const repl = pool[Math.max(0, pool.length - 1 - rng.int(0, 50))];
    ds.deprecated = { since: `2026-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`, reason: `superseded by ${repl.name}`, replacement: repl.name };
  }

  for (const t of terms) if (t.parent) used.add(t.parent);
  const unused = terms.filter((t) => !used.has(t.id));
  if (unused.length > 0) throw new Error(`generator bug: ${unused.length} unused terms`);
  return { terms, datasets: all, seed };
}

function buildYamlFields(rng, ds) {
  const n = rng.int(8, 12);
  const idName = `${singular(ds.noun)}_id`;
  const fields = [{ name: idName, type: rng.pick(ID_TYPES), nullable: false, tags: ['key'] }];
  for (const [name, type, children] of rng.sample(COLUMNS, n - 1)) {
    if (name === idName) continue;
    const f = { name, type, children };
    if (rng.chance(0.15)) f.nullable = false;
    if (rng.chance(0.35)) f.description = fieldDescription(rng, name);
    if (rng.chance(0.12)) f.tags = rng.sample(FIELD_TAGS, rng.int(1, 2));
    if (type === 'date' || type === 'date32[day]') f.partitionable = true;
    fields.push(f);
  }
  ds.fields = fields;
  ds.paths = fields.flatMap((f) => [f.name, ...(f.children ?? []).map((c) => `${f.name}.${c}`)]);
}

/** Fields of an Arrow-schema dataset: kept as a description of the schema, written later. */
const ARROW_COLUMNS = [
  ['customer_id', 'int64'],
  ['order_id', 'int64'],
  ['status', 'utf8'],
  ['channel', 'utf8'],
  ['amount', 'decimal'],
  ['net_amount', 'decimal'],
  ['quantity', 'int32'],
  ['score', 'float64'],
  ['is_active', 'bool'],
  ['event_date', 'date'],
  ['event_time', 'timestamptz'],
  ['updated_at', 'timestamptz'],
  ['country', 'utf8'],
  ['currency', 'utf8'],
  ['labels', 'list'],
];

function buildArrowFields(rng, ds) {
  const idName = `${singular(ds.noun)}_id`;
  const columns = [{ name: idName, kind: 'int64', nullable: false }];
  for (const [name, kind] of rng.sample(ARROW_COLUMNS, 8)) {
    if (name !== idName) columns.push({ name, kind, nullable: !rng.chance(0.2) });
  }
  // One struct, inserted at a random place.
  const struct = rng.pick([
    { name: 'address', kind: 'struct', children: ['street', 'city', 'postal_code', 'country'] },
    { name: 'device', kind: 'struct', children: ['os', 'browser', 'app_version'] },
    { name: 'source', kind: 'struct', children: ['system', 'table', 'offset'] },
  ]);
  columns.splice(rng.int(1, columns.length), 0, { ...struct, nullable: true });
  for (const c of columns) if (rng.chance(0.4)) c.metaDescription = fieldDescription(rng, c.name);
  ds.schemaColumns = columns;
  ds.schemaDescription = rng.chance(0.5) ? `${LAYER_TEXT[ds.layer]} ${ds.noun.replace(/_/g, ' ')} (${ds.domain}), as delivered by the producer.` : null;
  ds.paths = columns.flatMap((c) => [c.name, ...(c.children ?? []).map((ch) => `${c.name}.${ch}`)]);

  // `fields:` annotations: some top-level fields and sometimes one nested field.
  const annotated = [];
  for (const c of columns) {
    if (!rng.chance(0.45)) continue;
    const f = { name: c.name };
    if (rng.chance(0.6)) f.description = fieldDescription(rng, c.name);
    if (rng.chance(0.2)) f.tags = rng.sample(FIELD_TAGS, 1);
    if (c.kind === 'date') f.partitionable = true;
    annotated.push(f);
  }
  if (rng.chance(0.3)) {
    const child = rng.pick(struct.children);
    annotated.push({ name: `${struct.name}.${child}`, description: fieldDescription(rng, child), tags: child === 'street' ? ['pii'] : undefined });
  }
  if (!annotated.some((f) => f.name === idName)) annotated.unshift({ name: idName, tags: ['key'] });
  ds.fields = annotated;
  // Description: from the YAML, or (sometimes) only from the schema metadata.
  ds.descriptionFromSchema = ds.schemaDescription !== null && rng.chance(0.5);
}

/** orders -> order, categories -> category, addresses -> address. */
function singular(noun) {
  return noun.replace(/ies$/, 'y').replace(/sses$/, 'ss').replace(/([^s])s$/, '$1');
}

function fieldDescription(rng, name) {
  const words = name.replace(/_/g, ' ');
  return rng.pick([
    `The ${words} as reported by the source system.`,
    `Normalised ${words}; null when unknown.`,
    `${words[0].toUpperCase()}${words.slice(1)}, copied from upstream without changes.`,
    `Derived ${words}, recomputed on every load.`,
  ]);
}

function describe(rng, ds) {
  if (ds.descriptionFromSchema) return null;
  const first = `${LAYER_TEXT[ds.layer]} ${ds.noun.replace(/_/g, ' ')} for the ${ds.domain} domain, one row per ${rng.pick(GRAINS)}.`;
  const second = rng.pick([
    `Refreshed ${rng.pick(FREQUENCIES)} from ${rng.pick(SOURCES)}.`,
    `Used by ${rng.pick(PURPOSES)}.`,
    `Owned by the ${ds.domain} team; ask in their channel before changing the grain.`,
    '',
  ]);
  if (ds.layer === 'mart' && rng.chance(0.2)) {
    // A longer Markdown description with a second paragraph.
    return { block: `${first}\n\nSee **${ds.domain}** conventions. ${second || 'Numbers are in EUR unless a currency column says otherwise.'}` };
  }
  return second ? `${first} ${second}` : first;
}

// ---------------------------------------------------------------------------
// Writing the tree.
// ---------------------------------------------------------------------------
function catalogYaml(seed, count) {
  return `# Synthetic benchmark catalog: bench/generate.mjs --datasets ${count} --seed ${seed}
apiVersion: metafuse/v1
kind: Catalog
name: bench
defaults:
  tenant: ${DEFAULT_TENANT}
policy:
  requireOwner: true
  requireDescription: false
  breakingChanges: fail
publish:
  target: s3://acme-catalog/bench/catalog.db
`;
}

function termYaml(t) {
  const lines = [
    'apiVersion: metafuse/v1',
    'kind: GlossaryTerm',
    `id: ${t.id}`,
    `name: ${scalar(t.concept.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) + (t.id.match(/_(\d+)$/) ? ` (${t.id.match(/_(\d+)$/)[1]})` : '') + ` in ${t.domain}`)}`,
    `definition: ${scalar(`The ${t.concept.replace(/_/g, ' ')} as the ${t.domain} domain defines it for reporting and data products.`)}`,
    `domain: ${t.domain}`,
    `owner: ${t.domain}-data@acme.example`,
  ];
  if (t.synonyms.length) lines.push(`synonyms: ${flow(t.synonyms)}`);
  if (t.parent) lines.push(`parent: ${t.parent}`);
  if (t.related.length) lines.push(`related: ${flow(t.related)}`);
  return lines.join('\n') + '\n';
}

function datasetYaml(ds) {
  const out = [];
  out.push('apiVersion: metafuse/v1', 'kind: Dataset', `name: ${ds.name}`);
  if (ds.tenant !== DEFAULT_TENANT) out.push(`tenant: ${ds.tenant}`);
  out.push(`domain: ${ds.domain}`, `owner: ${ds.owner}`);
  if (ds.description && typeof ds.description === 'object') {
    out.push('description: |', ...ds.description.block.split('\n').map((l) => (l ? `  ${l}` : '')));
  } else if (ds.description) {
    out.push(`description: ${scalar(ds.description)}`);
  }
  out.push(`location: ${scalar(ds.location)}`, `format: ${ds.format}`);
  if (ds.tags.length) out.push(`tags: ${flow(ds.tags)}`);
  if (ds.terms.length) out.push(`terms: ${flow(ds.terms)}`);
  if (ds.upstream.length) out.push(`upstream: ${flow(ds.upstream.map((u) => u.ref))}`);
  if (ds.partitionKeys) out.push(`partitionKeys: ${flow(ds.partitionKeys)}`);
  if (ds.arrow) out.push(`schema: ../../schemas/${ds.name}.arrow`);
  if (ds.deprecated) {
    out.push('deprecated:', `  since: "${ds.deprecated.since}"`, `  reason: ${scalar(ds.deprecated.reason)}`, `  replacement: ${ds.deprecated.replacement}`);
  }
  if (ds.properties) {
    out.push('properties:');
    for (const [k, v] of ds.properties) out.push(`  ${k}: ${/^[0-9]+$/.test(v) ? JSON.stringify(v) : scalar(v)}`);
  }
  if (ds.fields.length) {
    out.push('fields:');
    for (const f of ds.fields) {
      out.push(`  - name: ${scalar(f.name)}`);
      if (f.type !== undefined) out.push(`    type: ${/^[A-Za-z0-9_(),]+$/.test(f.type) ? f.type : JSON.stringify(f.type)}`);
      if (f.nullable !== undefined) out.push(`    nullable: ${f.nullable}`);
      if (f.description) out.push(`    description: ${scalar(f.description)}`);
      if (f.tags?.length) out.push(`    tags: ${flow(f.tags)}`);
      if (f.terms?.length) out.push(`    terms: ${flow(f.terms)}`);
      if (f.from?.length) out.push(`    from: [${f.from.map((r) => JSON.stringify(r)).join(', ')}]`);
    }
  }
  return out.join('\n') + '\n';
}

async function arrowBytes(arrow, ds) {
  const { Bool, DateDay, Decimal, Field, Float64, Int32, Int64, List, Schema, Struct, Table, TimestampMicrosecond, Utf8, tableToIPC } = arrow;
  const typeOf = (kind) => {
    switch (kind) {
      case 'int64':
        return new Int64();
      case 'int32':
        return new Int32();
      case 'utf8':
        return new Utf8();
      case 'decimal':
        return new Decimal(2, 12, 128);
      case 'float64':
        return new Float64();
      case 'bool':
        return new Bool();
      case 'date':
        return new DateDay();
      case 'timestamptz':
        return new TimestampMicrosecond('UTC');
      case 'list':
        return new List(new Field('item', new Utf8(), true));
      default:
        throw new Error(`unknown arrow kind ${kind}`);
    }
  };
  const meta = (d) => new Map(d ? [['description', d]] : []);
  const fields = ds.schemaColumns.map((c) => {
    const type = c.kind === 'struct' ? new Struct(c.children.map((ch) => new Field(ch, ch === 'offset' ? new Int64() : new Utf8(), true))) : typeOf(c.kind);
    return new Field(c.name, type, c.nullable, meta(c.metaDescription));
  });
  const schema = new Schema(fields, meta(ds.schemaDescription));
  return tableToIPC(new Table(schema), 'file');
}

export async function writeCorpus(corpus, outDir) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, '.bench-corpus'), `bench/generate.mjs --datasets ${corpus.datasets.length} --seed ${corpus.seed}\n`);
  writeFileSync(path.join(outDir, 'metafuse.yaml'), catalogYaml(corpus.seed, corpus.datasets.length));

  mkdirSync(path.join(outDir, 'glossary'), { recursive: true });
  for (const domain of DOMAINS) {
    const docs = corpus.terms.filter((t) => t.domain === domain).map(termYaml);
    if (docs.length) writeFileSync(path.join(outDir, 'glossary', `${domain}.yaml`), `# Glossary terms of the ${domain} domain\n` + docs.join('---\n'));
  }

  for (const domain of DOMAINS) mkdirSync(path.join(outDir, 'datasets', domain), { recursive: true });
  for (const ds of corpus.datasets) writeFileSync(path.join(outDir, 'datasets', ds.domain, `${ds.name}.yaml`), datasetYaml(ds));

  const withArrow = corpus.datasets.filter((d) => d.arrow);
  if (withArrow.length) {
    const arrow = await import('apache-arrow');
    mkdirSync(path.join(outDir, 'schemas'), { recursive: true });
    for (const ds of withArrow) writeFileSync(path.join(outDir, 'schemas', `${ds.name}.arrow`), await arrowBytes(arrow, ds));
  }
  return {
    datasets: corpus.datasets.length,
    terms: corpus.terms.length,
    arrowFiles: withArrow.length,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string', default: '1000' },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.out) {
    process.stderr.write('Usage: node bench/generate.mjs --datasets N --out DIR [--seed S] [--force]\n');
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const count = Number(values.datasets);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 1) throw new Error('--datasets must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const out = path.resolve(values.out);
  if (existsSync(out) && readdirSync(out).length > 0) {
    // Replace an earlier corpus (marker file), refuse to clobber anything else.
    if (!existsSync(path.join(out, '.bench-corpus')) && !values.force) {
      throw new Error(`${values.out} exists and is not a generated corpus; pick another --out or pass --force`);
    }
    rmSync(out, { recursive: true, force: true });
  }
  const started = performance.now();
  const stats = await writeCorpus(generateCorpus({ datasets: count, seed }), out);
  const ms = Math.round(performance.now() - started);
  process.stderr.write(`generated ${stats.datasets} datasets, ${stats.terms} glossary terms, ${stats.arrowFiles} Arrow files in ${path.relative(process.cwd(), out) || '.'} (${ms} ms)\n`);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/generate.mjs')) {
  main().catch((e) => {
    process.stderr.write(`generate: ${e.message}\n`);
    process.exitCode = 1;
  });
}
