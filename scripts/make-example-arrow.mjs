#!/usr/bin/env node
// Generates the Arrow IPC schema files of the example catalog:
//
//   catalog-specs/schemas/customer_profiles.arrow  IPC *file* format, schema only (no record batch)
//   catalog-specs/schemas/web_events.arrow         IPC *stream* format, with one small record batch
//
// Between them they show every nested type MetaFuse flattens into dotted field
// paths (struct, list of struct, map, struct inside struct) plus a timestamp
// with time zone, decimals and a dictionary-encoded string, with field metadata
// `description` on some fields and schema metadata `description`.
//
// Run from the repository root:  node scripts/make-example-arrow.mjs
// The output is deterministic, so re-running it leaves the committed files unchanged.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Bool,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Int32,
  Int64,
  List,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  Utf8,
  makeData,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'catalog-specs', 'schemas');

/** Field with an optional `description` metadata entry. */
function field(name, type, nullable = true, description) {
  const metadata = new Map(description ? [['description', description]] : []);
  return new Field(name, type, nullable, metadata);
}

const utcMicros = () => new TimestampMicrosecond('UTC');
const decimal = (precision, scale) => new Decimal(scale, precision, 128);
const dictString = (id) => new Dictionary(new Utf8(), new Int32(), id);

// ---------------------------------------------------------------------------
// customer_profiles: one row per customer, IPC file format, schema only.
// ---------------------------------------------------------------------------
const customerProfiles = new Schema(
  [
    field('customer_id', new Int64(), false, 'Acme customer key, shared with the web shop and the CRM.'),
    field('email', new Utf8(), true, 'Primary e-mail address, lower-cased and trimmed.'),
    field('full_name', new Utf8(), true),
    field(
      'address',
      new Struct([
        field('street', new Utf8()),
        field('city', new Utf8()),
        field('postal_code', new Utf8()),
        field('country', new Utf8(), true, 'ISO 3166-1 alpha-2 country code.'),
      ]),
      true,
      'Current billing address.',
    ),
    field('segment', dictString(0), true, 'Marketing segment (dictionary-encoded: few distinct values).'),
    field('lifetime_value', decimal(12, 2), true, 'Net revenue of all orders so far, in EUR.'),
    field('first_order_at', utcMicros()),
    field('last_order_at', utcMicros()),
    field(
      'consents',
      new List(
        new Field(
          'item',
          new Struct([
            field('channel', new Utf8(), false, 'email, sms or push.'),
            field('granted', new Bool(), false),
            field('granted_at', utcMicros()),
          ]),
          true,
        ),
      ),
      true,
      'Marketing consents, one entry per channel.',
    ),
    field(
      'loyalty_points',
      new Map_(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int64(), true)]), false)),
      true,
      'Points balance per loyalty programme.',
    ),
    field('updated_at', utcMicros(), false),
  ],
  new Map([
    ['description', 'Customer profiles: one row per customer, merged from the CRM and order history.'],
    ['producer', 'scripts/make-example-arrow.mjs'],
  ]),
);

// ---------------------------------------------------------------------------
// web_events: clickstream, IPC stream format, with one record batch of two rows.
// ---------------------------------------------------------------------------
const webEvents = new Schema(
  [
    field('event_id', new Utf8(), false, 'UUID assigned by the tracking SDK.'),
    field('event_time', utcMicros(), false, 'When the event happened, in the browser clock converted to UTC.'),
    field('event_type', dictString(1), false, 'page_view, add_to_cart, checkout or purchase.'),
    field('session_id', new Utf8()),
    field(
      'user',
      new Struct([
        field('anonymous_id', new Utf8(), false, 'First-party cookie id.'),
        field('customer_id', new Int64(), true, 'Set once the visitor logs in.'),
      ]),
    ),
    field(
      'page',
      new Struct([
        field('url', new Utf8()),
        field('referrer', new Utf8()),
        field(
          'utm',
          new Struct([field('source', new Utf8()), field('medium', new Utf8()), field('campaign', new Utf8())]),
          true,
          'UTM parameters of the landing URL.',
        ),
      ]),
    ),
    field(
      'items',
      new List(
        new Field(
          'item',
          new Struct([
            field('sku', new Utf8(), false),
            field('quantity', new Int32()),
            field('price', decimal(10, 2), true, 'Unit price shown on the page, in EUR.'),
          ]),
          true,
        ),
      ),
      true,
      'Products involved in the event (cart, checkout, purchase).',
    ),
    field(
      'timings',
      new Map_(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int64(), true)]), false)),
      true,
      'Browser performance timings in milliseconds, by metric name.',
    ),
    field('event_date', new DateDay(), false),
  ],
  new Map([
    ['description', 'Clickstream events from the web shop tracking SDK, one row per event.'],
    ['producer', 'scripts/make-example-arrow.mjs'],
  ]),
);

const at = (iso) => Date.parse(iso);
const sample = {
  event_id: ['2f0c7a52-5d7e-4f6e-9a77-0d1b1c2f3a01', '2f0c7a52-5d7e-4f6e-9a77-0d1b1c2f3a02'],
  event_time: [at('2026-03-01T09:15:00Z'), at('2026-03-01T09:17:30Z')],
  event_type: ['page_view', 'add_to_cart'],
  session_id: ['s-1001', 's-1001'],
  user: [
    { anonymous_id: 'a-77', customer_id: null },
    { anonymous_id: 'a-77', customer_id: 4711n },
  ],
  page: [
    { url: 'https://shop.acme.example/p/kettle', referrer: 'https://www.google.com/', utm: { source: 'google', medium: 'cpc', campaign: 'spring-sale' } },
    { url: 'https://shop.acme.example/cart', referrer: null, utm: null },
  ],
  items: [[], [{ sku: 'KET-100', quantity: 1, price: new Uint32Array([4999, 0, 0, 0]) }]],
  timings: [new Map([['ttfb', 120n], ['lcp', 980n]]), null],
  event_date: [at('2026-03-01T00:00:00Z'), at('2026-03-01T00:00:00Z')],
};

function batchOf(schema, columns) {
  const length = columns[schema.fields[0].name].length;
  const children = schema.fields.map((f) => vectorFromArray(columns[f.name], f.type).data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

mkdirSync(outDir, { recursive: true });
const outputs = [
  ['customer_profiles.arrow', tableToIPC(new Table(customerProfiles), 'file')],
  ['web_events.arrow', tableToIPC(new Table([batchOf(webEvents, sample)]), 'stream')],
];
for (const [name, bytes] of outputs) {
  writeFileSync(path.join(outDir, name), bytes);
  console.log(`wrote ${path.relative(process.cwd(), path.join(outDir, name))} (${bytes.length} bytes)`);
}
