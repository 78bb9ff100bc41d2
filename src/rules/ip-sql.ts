/**
 * IP address and CIDR matching in plain DuckDB SQL (no extension: `inet`
 * cannot be installed offline). The replay runner executes IP_MACROS_SQL once
 * per session; rule compilers (Falco `fd.net`, Sigma `|cidr`, IOC lists,
 * native rules) then call the macros by name.
 *
 * Addresses become one UHUGEINT in a single 128-bit space: IPv6 as its 128
 * bits, IPv4 a.b.c.d as the IPv4-mapped address ::ffff:a.b.c.d, so the two
 * families never collide and `1.2.3.4` equals `::ffff:1.2.3.4`. Prefix lengths
 * live in the same space: an IPv4 /n is a /(96+n). Text that is not an
 * address (leading zeros in an IPv4 octet, zone ids `%eth0`, brackets, a
 * second `::`, more than 8 groups, ...) gives NULL, never an error, and the
 * TypeScript twin src/rules/ioc/ip.ts accepts exactly the same text (tested).
 *
 * The same list also creates the (empty, if absent) `ioc_indicators` table
 * and the `hs_ioc_*` helper macros that native rules call, because a DuckDB
 * macro that reads a table can only be created once that table exists
 * (formats/ioc.md).
 */
import { IOC_HELPER_MACROS_SQL, createIocTableSql } from './ioc/table.js';

/** 2^128 - 1: every bit of the 128-bit address space. */
const ALL_ONES = '340282366920938463463374607431768211455::UHUGEINT';
/** ::ffff:0.0.0.0, where IPv4 addresses are mapped. */
const V4_MAPPED_BASE = '281470681743360::UHUGEINT';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const GROUP = '[0-9a-f]{1,4}';

/** The macros over IP text, in creation order (each uses only earlier ones). */
const IP_ONLY_MACROS_SQL: string[] = [
  // IPv4 dotted quad -> UBIGINT 0 .. 2^32-1; NULL unless exactly 4 decimal octets 0..255 without leading zeros.
  `CREATE OR REPLACE MACRO hs_ipv4_to_int(ip) AS (
  CASE WHEN regexp_full_match(ip, '(?:${OCTET}\\.){3}${OCTET}')
  THEN list_reduce(TRY_CAST(string_split(ip, '.') AS UBIGINT[]), lambda hs_a, hs_b: (hs_a << 8) | hs_b)
  END)`,
  // The number of hex groups in valid compressed IPv6 text: colons, less one for a leading and one
  // for a trailing '::' ('a::b' -> 2, '::a' -> 1, '::' -> 0).
  `CREATE OR REPLACE MACRO hs_ipv6_group_count(s) AS (
  length(s) - length(replace(s, ':', '')) - starts_with(s, '::')::INTEGER - ends_with(s, '::')::INTEGER)`,
  // Valid compressed IPv6 hex text -> the same with '::' expanded to zero groups (8 groups, no '::').
  `CREATE OR REPLACE MACRO hs_ipv6_expand(s) AS (
  trim(replace(s, '::', ':' || repeat('0:', 8 - hs_ipv6_group_count(s))), ':'))`,
  // Up to 4 hex groups -> their value as one 64-bit word (each group zero-padded to 4 digits).
  `CREATE OR REPLACE MACRO hs_ipv6_word(groups) AS (
  TRY_CAST('0x' || array_to_string(list_transform(groups, lambda hs_g: lpad(hs_g, 4, '0')), '') AS UBIGINT)::UHUGEINT)`,
  // 8 colon-separated hex groups -> UHUGEINT.
  `CREATE OR REPLACE MACRO hs_ipv6_groups_to_int(full_text) AS (
  (hs_ipv6_word(string_split(full_text, ':')[1:4]) << 64) | hs_ipv6_word(string_split(full_text, ':')[5:8]))`,
  // Lower-case IPv6 text made of hex groups only (no dotted tail) -> UHUGEINT, NULL if malformed.
  // (Expanding an uncompressed address changes nothing, so both forms share one conversion.)
  `CREATE OR REPLACE MACRO hs_ipv6_hex_to_int(s) AS (
  CASE WHEN regexp_full_match(s, '${GROUP}(?::${GROUP}){7}')
         OR (regexp_full_match(s, '(?:${GROUP}(?::${GROUP}){0,6})?::(?:${GROUP}(?::${GROUP}){0,6})?') AND hs_ipv6_group_count(s) <= 7)
       THEN hs_ipv6_groups_to_int(hs_ipv6_expand(s)) END)`,
  // Any IPv4 or IPv6 text -> UHUGEINT in the shared space (IPv4 mapped into ::ffff:0:0/96); NULL if invalid.
  // A dotted tail of IPv6 text (64:ff9b::1.2.3.4) is parsed as '0:0' plus the IPv4 value; the common
  // ::ffff:a.b.c.d takes a shortcut. (DuckDB does not share subexpressions inside CASE branches, and
  // expands every macro argument where it is used: each macro here uses its arguments few times.)
  `CREATE OR REPLACE MACRO hs_ip_to_int(ip) AS (
  CASE
    WHEN strpos(ip, ':') = 0 THEN ${V4_MAPPED_BASE} + hs_ipv4_to_int(ip)
    WHEN strpos(ip, '.') = 0 THEN hs_ipv6_hex_to_int(lower(ip))
    WHEN lower(substr(ip, 1, 7)) = '::ffff:' AND strpos(substr(ip, 8), ':') = 0 THEN ${V4_MAPPED_BASE} + hs_ipv4_to_int(substr(ip, 8))
    ELSE hs_ipv6_hex_to_int(lower(regexp_extract(ip, '^(.*:)', 1)) || '0:0') + hs_ipv4_to_int(regexp_extract(ip, '[^:]*$'))
  END)`,
  // The first address of the /prefix network containing n (prefix in the 128-bit space, 0..128;
  // DuckDB shifts a UHUGEINT by 128 to 0).
  `CREATE OR REPLACE MACRO hs_ip_network(n, prefix) AS (n & ~(${ALL_ONES} >> prefix::UHUGEINT))`,
  // The last address of the /prefix network containing n.
  `CREATE OR REPLACE MACRO hs_ip_broadcast(n, prefix) AS (n | (${ALL_ONES} >> prefix::UHUGEINT))`,
  // 'a.b.c.d/n' -> 96+n, 'v6/n' -> n, a bare address -> 128; NULL if the address or the length is invalid.
  `CREATE OR REPLACE MACRO hs_cidr_prefix(cidr) AS (
  CASE
    WHEN hs_ip_to_int(split_part(cidr, '/', 1)) IS NULL THEN NULL
    WHEN strpos(cidr, '/') = 0 THEN 128
    WHEN NOT regexp_full_match(cidr, '[^/]+/(?:0|[1-9][0-9]{0,2})') THEN NULL
    WHEN strpos(cidr, ':') = 0 THEN
      CASE WHEN TRY_CAST(split_part(cidr, '/', 2) AS INTEGER) <= 32 THEN 96 + TRY_CAST(split_part(cidr, '/', 2) AS INTEGER) END
    ELSE
      CASE WHEN TRY_CAST(split_part(cidr, '/', 2) AS INTEGER) <= 128 THEN TRY_CAST(split_part(cidr, '/', 2) AS INTEGER) END
  END)`,
  // First and last address of a CIDR (host bits in the text are ignored: 10.1.2.3/8 is 10.0.0.0/8); NULL if invalid.
  `CREATE OR REPLACE MACRO hs_cidr_lo(cidr) AS (
  hs_ip_network(hs_ip_to_int(split_part(cidr, '/', 1)), hs_cidr_prefix(cidr)))`,
  `CREATE OR REPLACE MACRO hs_cidr_hi(cidr) AS (
  hs_ip_broadcast(hs_ip_to_int(split_part(cidr, '/', 1)), hs_cidr_prefix(cidr)))`,
  // TRUE when ip lies in cidr (a bare address is a /32 or /128): the address and the network agree on
  // the prefix's bits. FALSE when either is NULL or not valid text.
  // The arguments are bound once each, as lambda parameters: a macro argument is otherwise copied
  // wherever the body (and the macros it calls) use it, and the Falco compiler's field expressions are
  // CASE trees, so a rule with four fd.net tests took over a minute just to plan (now 0.6 s).
  `CREATE OR REPLACE MACRO hs_cidr_contains(cidr, ip) AS (
  list_transform([ip::VARCHAR], lambda hs_i: list_transform([cidr::VARCHAR], lambda hs_c:
    coalesce(xor(hs_ip_to_int(hs_i), hs_ip_to_int(split_part(hs_c, '/', 1))) >> (128 - hs_cidr_prefix(hs_c))::UHUGEINT = 0, false))[1])[1])`,
];

/**
 * Statements the replay runner executes once per session, in order, before
 * any rule: `CREATE OR REPLACE MACRO` for
 * - `hs_ip_to_int(ip VARCHAR) -> UHUGEINT` (NULL for invalid text),
 * - `hs_cidr_contains(cidr VARCHAR, ip VARCHAR) -> BOOLEAN` (never NULL),
 * - `hs_cidr_prefix`, `hs_cidr_lo`, `hs_cidr_hi`, `hs_ip_network`,
 *   `hs_ip_broadcast`, `hs_ipv4_to_int` and internal helpers,
 * then `CREATE TEMP TABLE IF NOT EXISTS ioc_indicators` (never clears it) and
 * the `hs_ioc_ip`, `hs_ioc_domain`, `hs_ioc_sha256`, `hs_ioc_path`,
 * `hs_ioc_filename` helpers (formats/ioc.md). Idempotent.
 */
export const IP_MACROS_SQL: string[] = [...IP_ONLY_MACROS_SQL, createIocTableSql(), ...IOC_HELPER_MACROS_SQL];

/**
 * Parsing IP text in SQL costs tens of µs a call, and a Falco network rule
 * tests an address against several networks: over a recording's hundreds of
 * thousands of network rows that took minutes. Each distinct address in
 * `rule_events` is parsed once into `rule_ips`, and `hs_cidr_contains` is
 * redefined for the session (run after IP_MACROS_SQL, once `rule_events`
 * exists) to look the address up there first (any other text is still
 * parsed). The CIDR side is a constant the planner folds.
 */
export const CIDR_LOOKUP_SQL = [
  `CREATE OR REPLACE TEMP TABLE rule_ips AS
   SELECT a AS addr_text, hs_ip_to_int(a) AS addr_num FROM (
     SELECT saddr AS a FROM rule_events WHERE saddr IS NOT NULL
     UNION SELECT daddr FROM rule_events WHERE daddr IS NOT NULL)`,
  // The address argument appears twice (the lookup; a lambda parameter for the fallback parse), never
  // inside the parsing macros, whose bodies use their argument many times (see ip-sql.ts).
  `CREATE OR REPLACE MACRO hs_cidr_contains(cidr, ip) AS (coalesce(
     xor(coalesce((SELECT addr_num FROM rule_ips WHERE addr_text = ip::VARCHAR),
                  list_transform([ip::VARCHAR], lambda hs_i: hs_ip_to_int(hs_i))[1]),
         hs_ip_to_int(split_part(cidr, '/', 1))) >> (128 - hs_cidr_prefix(cidr))::UHUGEINT = 0, false))`,
];
