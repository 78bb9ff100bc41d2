/**
 * compileIocs: a list of indicators -> one CompiledRule whose `setup` loads
 * them into `ioc_indicators` (formats/ioc.md) and whose `query` reports ONE
 * finding per indicator seen in `rule_events`: the first sighting's event,
 * first and last time, the number of events and the processes involved.
 *
 * Every join is an equi-join, so the cost grows with events + indicators,
 * not their product: hashes, paths and names by equality (the actor's image
 * fields once per process image, not once per event); domains by joining
 * each DNS name's suffixes (`a.b.evil.com` -> `a.b.evil.com`, `b.evil.com`,
 * `evil.com`, `com`) to the names; IPs by masking each distinct remote
 * address to every prefix length the list uses and joining on (prefix,
 * network). Every value reaches SQL through sqlString (the indicators as one
 * packed literal per chunk, see packRow).
 */
import { sqlString } from '../../analyze/sql.js';
import type { CompiledRule } from '../types.js';
import { type Indicator, type IndicatorType, LONE_SURROGATE, normalizeDomain } from './indicator.js';
import { parseCidr } from './ip.js';
import { createIocTableSql } from './table.js';

export { createIocTableSql } from './table.js';

/** Most characters of packed rows per INSERT statement (a row is never split). */
const INSERT_CHARS = 1 << 20;

const TYPES: readonly IndicatorType[] = ['sha256', 'ip', 'cidr', 'domain', 'path', 'filename'];

function fail(ind: Indicator, reason: string): never {
  throw new Error(`ioc: ${ind.file}:${ind.line}: ${reason}: ${JSON.stringify(ind.value)}`);
}

function checkText(ind: Indicator, what: string, text: string | undefined): void {
  if (text !== undefined && text.includes('\0')) fail(ind, `${what} contains a NUL byte`);
  if (text !== undefined && LONE_SURROGATE.test(text)) fail(ind, `${what} is not valid Unicode (a lone surrogate)`);
}

/** The value as it is matched (hand-made indicators are normalized the same way the parsers do). */
function matchValue(ind: Indicator): string {
  if (ind.type === 'sha256') {
    const v = ind.value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(v)) fail(ind, 'not a sha256');
    return v;
  }
  if (ind.type === 'domain') return normalizeDomain(ind.value) ?? fail(ind, 'not a domain name');
  if (ind.type === 'ip' || ind.type === 'cidr') return ind.value.trim().toLowerCase();
  return ind.value;
}

const UTF8 = new TextEncoder();
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** UTF-8 bytes as lower-case hex: the packed form of a text field. */
function hex(text: string | undefined): string {
  if (text === undefined) return '';
  let out = '';
  for (const byte of UTF8.encode(text)) out += HEX_BYTE[byte]!;
  return out;
}

/**
 * One row of `ioc_indicators`, packed: fields joined by ',', text fields as
 * hex of their UTF-8 (an empty field is NULL), numbers in decimal. Packed
 * rows joined by ';' make one string literal that insertSql unpacks, because
 * DuckDB parses a long `VALUES` list slowly (100k indicators: seconds) and
 * one literal quickly.
 */
function packRow(list: string, id: number, ind: Indicator, value: string): string {
  let lo = '';
  let hi = '';
  let prefix = '';
  if (ind.type === 'ip' || ind.type === 'cidr') {
    const range = parseCidr(value) ?? fail(ind, 'not an IP address or network');
    lo = range.lo.toString();
    hi = range.hi.toString();
    prefix = String(range.prefix);
  }
  const line = Number.isSafeInteger(ind.line) ? String(ind.line) : '';
  return [hex(list), String(id), hex(ind.type), hex(ind.label), hex(value), lo, hi, prefix, hex(ind.file), line, hex(ind.ref), hex(ind.comment)].join(',');
}

/** An INSERT of packed rows; the literal goes through sqlString like every other value. */
function insertSql(packed: string[]): string {
  const text = (k: number) => `decode(from_hex(f[${k}]))`;
  const optText = (k: number) => `decode(from_hex(nullif(f[${k}], '')))`;
  const num = (k: number, type: string) => `nullif(f[${k}], '')::${type}`;
  return `INSERT INTO ioc_indicators
SELECT ${text(1)}, ${num(2, 'INTEGER')}, ${text(3)}, ${text(4)}, ${text(5)}, ${num(6, 'UHUGEINT')}, ${num(7, 'UHUGEINT')}, ${num(8, 'INTEGER')},
       ${text(9)}, ${num(10, 'INTEGER')}, ${optText(11)}, ${optText(12)}
FROM (SELECT string_split(r, ',') AS f FROM unnest(string_split(${sqlString(packed.join(';'))}, ';')) AS t(r))`;
}

/** The columns every hit carries, from a `rule_events` row aliased `e` (one event = one sighting). */
const EVENT_HIT = 'e.rid, e.time AS t_first, e.time AS t_last, 1::BIGINT AS n, e.proc_key, e.pid, e.proc_exe';

/** The SELECTs producing (id, rid, t_first, t_last, n, proc_key, pid, proc_exe, field, seen) for the types present. */
function hitSelects(types: Set<IndicatorType>): string[] {
  const selects: string[] = [];
  if (types.has('sha256') || types.has('path') || types.has('filename')) {
    // The actor's image: every event of a process counts; grouped so the join sees each image once.
    selects.push(`SELECT i.id, p.rid, p.t_first, p.t_last, p.n, p.proc_key, p.pid, p.proc_exe, p.c.field, p.c.seen
  FROM (SELECT *, unnest([{'t': 'sha256', 'field': 'proc_sha256', 'seen': sha256},
                          {'t': 'path', 'field': 'proc_exe', 'seen': proc_exe},
                          {'t': 'filename', 'field': 'proc_exe', 'seen': exe_name}]) AS c
        FROM (SELECT proc_key, pid, proc_exe, lower(proc_sha256) AS sha256, regexp_extract(proc_exe, '[^/]*$') AS exe_name,
                     count(*) AS n, min(time) AS t_first, max(time) AS t_last, arg_min(rid, (time, rid)) AS rid
              FROM rule_events WHERE proc_exe IS NOT NULL OR proc_sha256 IS NOT NULL
              GROUP BY proc_key, pid, proc_exe, proc_sha256)) p
  JOIN ind i ON i.type = p.c.t AND i.value = p.c.seen`);
  }
  if (types.has('path') || types.has('filename')) {
    // Paths and names an event names, unless they are the actor's own image (counted above).
    selects.push(`SELECT i.id, ${EVENT_HIT}, e.c.field, e.c.seen
  FROM (SELECT *, unnest([{'t': 'path', 'field': 'path', 'seen': CASE WHEN path IS DISTINCT FROM proc_exe THEN path END},
                          {'t': 'path', 'field': 'path2', 'seen': CASE WHEN path2 IS DISTINCT FROM proc_exe AND path2 IS DISTINCT FROM path THEN path2 END},
                          {'t': 'filename', 'field': 'path_name', 'seen': CASE WHEN path_name IS DISTINCT FROM regexp_extract(proc_exe, '[^/]*$') THEN path_name END}]) AS c
        FROM (SELECT rid, time, proc_key, pid, proc_exe, path, path2, path_name FROM rule_events
              WHERE path IS NOT NULL OR path2 IS NOT NULL)) e
  JOIN ind i ON i.type = e.c.t AND i.value = e.c.seen`);
  }
  if (types.has('domain')) {
    // Each distinct DNS name once: its suffixes (label k to the end) joined to the domains on equality.
    selects.push(`SELECT m.id, ${EVENT_HIT}, 'dns_query' AS field, e.dns_query AS seen
  FROM rule_events e
  JOIN (SELECT DISTINCT n.q, i.id
        FROM (SELECT q, array_to_string(labels[k:], '.') AS suffix
              FROM (SELECT q, labels, unnest(range(1, len(labels) + 1)) AS k
                    FROM (SELECT q, string_split(hs_domain_norm(q), '.') AS labels
                          FROM (SELECT DISTINCT dns_query AS q FROM rule_events WHERE dns_query IS NOT NULL)))) n
        JOIN ind i ON i.type = 'domain' AND i.value = n.suffix) m ON m.q = e.dns_query`);
  }
  if (types.has('ip') || types.has('cidr')) {
    // Each distinct remote address, masked to every prefix length on the list, joined on (prefix, network).
    // The calls that name the peer (connect, accept, a DNS query's server): not the tcp_state rows
    // of the same connection, which would count one connection up to ten times.
    selects.push(`SELECT m.id, ${EVENT_HIT}, 'daddr' AS field, e.daddr AS seen
  FROM rule_events e
  JOIN (SELECT a.ip, i.id
        FROM (SELECT v.ip, p.prefix, hs_ip_network(v.n, p.prefix) AS net
              FROM (SELECT ip, hs_ip_to_int(ip) AS n FROM (SELECT DISTINCT daddr AS ip FROM rule_events WHERE daddr IS NOT NULL AND ${PEER_KINDS})) v,
                   (SELECT DISTINCT prefix FROM ind WHERE prefix IS NOT NULL) p
              WHERE v.n IS NOT NULL) a
        JOIN ind i ON i.prefix = a.prefix AND i.lo = a.net) m ON m.ip = e.daddr
  WHERE ${PEER_KINDS.replace(/\bkind\b/, 'e.kind')}`);
  }
  return selects;
}

/** Rows whose `daddr` is the remote end the actor chose or accepted. */
const PEER_KINDS = "kind IN ('connect', 'accept', 'dns')";

/** The query: one row per indicator seen (rid, rule_id, rule, message, extra). */
function querySql(list: string, types: Set<IndicatorType>): string {
  const selects = hitSelects(types);
  const hits = selects.length > 0 ? selects.join('\nUNION ALL\n')
    : `SELECT NULL::INTEGER AS id, NULL::BIGINT AS rid, NULL::TIMESTAMP_NS AS t_first, NULL::TIMESTAMP_NS AS t_last, NULL::BIGINT AS n,
  NULL::VARCHAR AS proc_key, NULL::INTEGER AS pid, NULL::VARCHAR AS proc_exe, NULL::VARCHAR AS field, NULL::VARCHAR AS seen WHERE false`;
  return `WITH ind AS MATERIALIZED (SELECT * FROM ioc_indicators WHERE list = ${sqlString(list)}),
hits AS MATERIALIZED (
${hits}
),
agg AS (
  SELECT id, sum(n)::BIGINT AS sightings, min(t_first) AS first_seen, max(t_last) AS last_seen,
         arg_min({'rid': rid, 'field': field, 'seen': seen, 'exe': proc_exe, 'pid': pid}, (t_first, rid)) AS first
  FROM hits GROUP BY id
),
procs AS (
  -- At most 20 per indicator, earliest first (list_sort orders the structs by first_seen, then proc_key, exe);
  -- process_count counts them all.
  SELECT id, any_value(process_count) AS process_count,
         list_sort(list({'first_seen': t, 'proc_key': proc_key, 'exe': proc_exe, 'pid': pid})) AS processes
  FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY t, proc_key, proc_exe) AS k, count(*) OVER (PARTITION BY id) AS process_count
        FROM (SELECT id, proc_key, pid, proc_exe, min(t_first) AS t FROM hits GROUP BY id, proc_key, pid, proc_exe))
  WHERE k <= 20
  GROUP BY id
)
SELECT a.first.rid AS rid,
       i.value AS rule_id,
       'IOC ' || i.label || ' ' || i.value || ' (' || regexp_extract(i.file, '[^/]*$') || ')' AS rule,
       'IOC ' || i.label || ' ' || i.value || ' seen in ' || a.sightings || ' event(s) of ' || p.process_count
         || ' process(es); first in ' || a.first.field || ' = ' || coalesce(a.first.seen, '?') || ' by ' || coalesce(a.first.exe, '?')
         || ' (pid ' || coalesce(a.first.pid::VARCHAR, '?') || ')' AS message,
       {'indicator_type': i.label, 'indicator_kind': i.type, 'indicator_source': i.file || ':' || coalesce(i.line::VARCHAR, '?'),
        'indicator_ref': i.ref, 'indicator_comment': i.comment,
        'first_seen': a.first_seen, 'last_seen': a.last_seen, 'sightings': a.sightings,
        'matched_field': a.first.field, 'matched_value': a.first.seen,
        'process_count': p.process_count, 'processes': p.processes} AS extra
FROM agg a JOIN ind i ON i.id = a.id JOIN procs p ON p.id = a.id
ORDER BY a.first_seen, a.id`;
}

/**
 * One rule for a list of indicators (duplicates of a type and value keep the
 * first). `name` identifies the list: the rule's id, and its rows in
 * `ioc_indicators` (replaced by the setup, other lists' rows kept).
 * The query needs IP_MACROS_SQL (src/rules/ip-sql.ts) run in the session.
 * @throws Error `ioc: file:line: ...` for an indicator whose value cannot be
 *   loaded (a NUL byte; an ip/cidr/sha256/domain value that is not one).
 */
export function compileIocs(indicators: Indicator[], name: string): CompiledRule {
  if (name.includes('\0')) throw new Error(`ioc: list name contains a NUL byte: ${JSON.stringify(name)}`);
  const seen = new Set<string>();
  const rows: string[] = [];
  const types = new Set<IndicatorType>();
  let duplicates = 0;
  for (const ind of indicators) {
    if (!TYPES.includes(ind.type)) fail(ind, `unknown indicator type ${JSON.stringify(ind.type)}`);
    checkText(ind, 'value', ind.value);
    checkText(ind, 'type label', ind.label);
    checkText(ind, 'file name', ind.file);
    checkText(ind, 'reference', ind.ref);
    checkText(ind, 'comment', ind.comment);
    const value = matchValue(ind);
    const key = `${ind.type}\0${value}`;
    if (seen.has(key)) { duplicates++; continue; }
    seen.add(key);
    types.add(ind.type);
    rows.push(packRow(name, rows.length + 1, ind, value));
  }
  const setup = [createIocTableSql(), `DELETE FROM ioc_indicators WHERE list = ${sqlString(name)}`];
  let chunk: string[] = [];
  let chars = 0;
  for (const row of rows) {
    if (chunk.length > 0 && chars + row.length > INSERT_CHARS) {
      setup.push(insertSql(chunk));
      chunk = [];
      chars = 0;
    }
    chunk.push(row);
    chars += row.length + 1;
  }
  if (chunk.length > 0) setup.push(insertSql(chunk));
  const title = `IOC list ${name}`;
  const rule: CompiledRule = {
    source: 'ioc',
    id: name,
    title,
    severity: 'high',
    tags: ['ioc'],
    position: { file: indicators[0]?.file ?? name, line: 1, column: 1 },
    match: { query: querySql(name, types) },
    message: sqlString(title),
    setup,
  };
  if (duplicates > 0) rule.notes = [`${duplicates} duplicate indicator(s) ignored (same type and value as an earlier one)`];
  return rule;
}
