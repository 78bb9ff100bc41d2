/**
 * The `ioc_indicators` table (formats/ioc.md): every indicator of every IOC
 * list loaded in the session, one row each, and the `hs_ioc_*` helper macros
 * through which native rules ask "is this value on a list?". The table is
 * created empty if absent and never dropped, so lists add to it
 * (compileIocs replaces only its own list's rows).
 */

/**
 * `CREATE TEMP TABLE IF NOT EXISTS ioc_indicators (...)`: the runner executes
 * it before any rule so that native rules can reference the table even when
 * no list is loaded. Idempotent: an existing table keeps its rows.
 */
export function createIocTableSql(): string {
  return `CREATE TEMP TABLE IF NOT EXISTS ioc_indicators (
  list VARCHAR NOT NULL,
  id INTEGER NOT NULL,
  type VARCHAR NOT NULL,
  label VARCHAR NOT NULL,
  value VARCHAR NOT NULL,
  lo UHUGEINT,
  hi UHUGEINT,
  prefix INTEGER,
  file VARCHAR,
  line INTEGER,
  ref VARCHAR,
  comment VARCHAR
)`;
}

/**
 * Helper macros over `ioc_indicators` (all lists), in creation order; they
 * need the table and the IP macros to exist. Each returns a BOOLEAN, never NULL.
 */
export const IOC_HELPER_MACROS_SQL: string[] = [
  // A DNS name -> lower case, trailing dots removed.
  `CREATE OR REPLACE MACRO hs_domain_norm(name) AS (lower(rtrim(name, '.')))`,
  // A DNS name -> the name and every parent domain: 'a.b.evil.com' -> [a.b.evil.com, b.evil.com, evil.com, com].
  `CREATE OR REPLACE MACRO hs_domain_suffixes(name) AS (
  list_filter(list_transform(range(1, len(string_split(hs_domain_norm(name), '.')) + 1),
                             lambda hs_k: array_to_string(string_split(hs_domain_norm(name), '.')[hs_k:], '.')),
              lambda hs_s: hs_s <> ''))`,
  `CREATE OR REPLACE MACRO hs_ioc_ip(ip) AS (
  EXISTS (SELECT 1 FROM ioc_indicators hs_i WHERE hs_i.prefix IS NOT NULL AND hs_ip_to_int(ip) BETWEEN hs_i.lo AND hs_i.hi))`,
  `CREATE OR REPLACE MACRO hs_ioc_domain(name) AS (
  EXISTS (SELECT 1 FROM ioc_indicators hs_i WHERE hs_i.type = 'domain' AND list_contains(hs_domain_suffixes(name), hs_i.value)))`,
  `CREATE OR REPLACE MACRO hs_ioc_sha256(hash) AS (
  EXISTS (SELECT 1 FROM ioc_indicators hs_i WHERE hs_i.type = 'sha256' AND hs_i.value = lower(hash)))`,
  `CREATE OR REPLACE MACRO hs_ioc_path(p) AS (
  EXISTS (SELECT 1 FROM ioc_indicators hs_i WHERE hs_i.type = 'path' AND hs_i.value = p))`,
  `CREATE OR REPLACE MACRO hs_ioc_filename(n) AS (
  EXISTS (SELECT 1 FROM ioc_indicators hs_i WHERE hs_i.type = 'filename' AND hs_i.value = n))`,
];
