// The catalog file's SQL schema (documented table by table in docs/catalog-schema.md).
// Tables are created bare; indexes and the search index come after the bulk load.

/** Bumped when the file layout changes incompatibly; readers refuse newer versions. */
export const SCHEMA_VERSION = 1;

/** PRAGMA application_id of a MetaFuse catalog: "MFCT". */
export const APPLICATION_ID = 0x4d464354;

export const TABLES = `
CREATE TABLE catalog_meta (
  key   TEXT PRIMARY KEY,
  value TEXT
) WITHOUT ROWID;

CREATE TABLE datasets (
  id                INTEGER PRIMARY KEY,
  tenant            TEXT NOT NULL,
  name              TEXT NOT NULL,
  display_name      TEXT NOT NULL,
  domain            TEXT,
  owner             TEXT,
  description       TEXT,
  location          TEXT,
  format            TEXT,
  schema_file       TEXT,
  source_file       TEXT,
  partition_keys    TEXT NOT NULL DEFAULT '[]',
  properties        TEXT NOT NULL DEFAULT '{}',
  deprecated        INTEGER NOT NULL DEFAULT 0,
  deprecated_since  TEXT,
  deprecated_reason TEXT,
  replacement_id    INTEGER REFERENCES datasets(id),
  declared          INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE fields (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
  path        TEXT NOT NULL,
  name        TEXT NOT NULL,
  parent_path TEXT,
  depth       INTEGER NOT NULL,
  position    INTEGER NOT NULL,
  type        TEXT NOT NULL,
  sql_type    TEXT NOT NULL,
  nullable    INTEGER NOT NULL,
  description TEXT
);

CREATE TABLE lineage (
  upstream_id   INTEGER NOT NULL REFERENCES datasets(id),
  downstream_id INTEGER NOT NULL REFERENCES datasets(id),
  PRIMARY KEY (downstream_id, upstream_id)
) WITHOUT ROWID;

CREATE TABLE column_lineage (
  upstream_field_id   INTEGER NOT NULL REFERENCES fields(id),
  downstream_field_id INTEGER NOT NULL REFERENCES fields(id),
  PRIMARY KEY (downstream_field_id, upstream_field_id)
) WITHOUT ROWID;

CREATE TABLE tags (
  dataset_id INTEGER NOT NULL REFERENCES datasets(id),
  field_id   INTEGER REFERENCES fields(id),
  tag        TEXT NOT NULL
);

CREATE TABLE glossary_terms (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  definition  TEXT NOT NULL,
  domain      TEXT,
  owner       TEXT,
  parent_id   TEXT REFERENCES glossary_terms(id),
  synonyms    TEXT NOT NULL DEFAULT '[]',
  source_file TEXT
) WITHOUT ROWID;

CREATE TABLE term_links (
  term_id         TEXT NOT NULL REFERENCES glossary_terms(id),
  kind            TEXT NOT NULL CHECK (kind IN ('dataset', 'field', 'related')),
  dataset_id      INTEGER REFERENCES datasets(id),
  field_id        INTEGER REFERENCES fields(id),
  related_term_id TEXT REFERENCES glossary_terms(id)
);

CREATE TABLE observations (
  id          INTEGER PRIMARY KEY,
  uid         TEXT NOT NULL UNIQUE,
  tenant      TEXT NOT NULL,
  dataset     TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  run_id      TEXT,
  row_count   INTEGER,
  size_bytes  INTEGER,
  schema      TEXT,
  upstream    TEXT,
  drift       TEXT
);

CREATE VIRTUAL TABLE dataset_search USING fts5(
  name, tenant, description, domain, owner, tags, terms, fields, field_descriptions,
  tokenize = 'unicode61 remove_diacritics 2'
);
`;

export const INDEXES = `
CREATE UNIQUE INDEX datasets_by_name ON datasets (tenant, name COLLATE NOCASE);
CREATE INDEX datasets_by_plain_name ON datasets (name COLLATE NOCASE);
CREATE INDEX datasets_by_domain ON datasets (domain COLLATE NOCASE);
CREATE INDEX datasets_by_owner ON datasets (owner COLLATE NOCASE);
CREATE UNIQUE INDEX fields_by_path ON fields (dataset_id, path);
CREATE INDEX lineage_by_upstream ON lineage (upstream_id, downstream_id);
CREATE INDEX column_lineage_by_upstream ON column_lineage (upstream_field_id, downstream_field_id);
CREATE INDEX tags_by_dataset ON tags (dataset_id, field_id);
CREATE INDEX tags_by_tag ON tags (tag COLLATE NOCASE, dataset_id);
CREATE INDEX term_links_by_term ON term_links (term_id, kind);
CREATE INDEX term_links_by_dataset ON term_links (dataset_id, field_id);
CREATE INDEX observations_by_dataset ON observations (tenant, dataset, observed_at);
`;

/** Column weights for bm25 over dataset_search: the name counts most. */
export const SEARCH_WEIGHTS = [10, 1, 2, 3, 2, 4, 3, 3, 1] as const;
