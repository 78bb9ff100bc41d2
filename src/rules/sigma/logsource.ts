/**
 * Sigma `logsource` -> which `rule_events` rows a rule looks at.
 *
 * Only `product: linux` with one of these categories is recorded (hindsight
 * records syscalls through eBPF, not log files):
 *
 * | category | rows |
 * |---|---|
 * | `process_creation` | `exec` (successful execs; failed ones are `exec_fail`) |
 * | `file_event` | a file created or overwritten: `open` with O_CREAT (64) or O_TRUNC (512), `rename`, `link`, `symlink`, `mkdir`; successful calls only |
 * | `file_delete` | `unlink` (unlink, unlinkat, rmdir); successful calls only |
 * | `file_change` | `open` for writing (O_WRONLY/O_RDWR) without O_CREAT, `chmod`, `chown`, `truncate`; successful calls only |
 * | `network_connection` | `connect` and `accept` on IPv4/IPv6 sockets, failed or not (a non-blocking connect returns EINPROGRESS) |
 * | `dns_query`, `dns` | `dns` (queries sent; answers are not recorded) |
 *
 * A rename is a file_event for its new name and not a file_delete of its old
 * one: the file lives on under the new name. (A rename over an existing file
 * does delete that file; it shows as the file_event of the same path.)
 *
 * Any other logsource is unsupported, with a reason naming it.
 */
import { RuleUnsupported } from './errors.js';
import type { YMap } from './load.js';

export type Category = 'process_creation' | 'file_event' | 'file_delete' | 'file_change' | 'network_connection' | 'dns_query' | 'dns';

/** How a supported logsource maps onto rule_events. */
export interface Logsource {
  category: Category;
  /** SQL boolean selecting the category's rows. */
  rows: string;
  /** The kinds those rows can have. */
  kinds: string[];
  /** SQL VARCHAR appended to a finding's message (starts with a space), or ''. */
  messageSuffix: string;
  /** Caveats carried into CompiledRule.notes. */
  notes: string[];
}

/** TargetFilename of a file_event row: the new name for rename/link, else the path (a symlink's path is the link created). */
export const FILE_EVENT_TARGET = "CASE WHEN kind IN ('rename', 'link') THEN path2 ELSE path END";

const SUCCESS = '(ret IS NULL OR ret >= 0)';

const LOGSOURCES: Record<Category, Omit<Logsource, 'category'>> = {
  process_creation: { rows: "kind = 'exec'", kinds: ['exec'], messageSuffix: '', notes: [] },
  file_event: {
    rows: `((kind = 'open' AND (open_flags & 576) <> 0) OR kind IN ('rename', 'link', 'symlink', 'mkdir')) AND ${SUCCESS}`,
    kinds: ['link', 'mkdir', 'open', 'rename', 'symlink'],
    messageSuffix: `' -> ' || coalesce(${FILE_EVENT_TARGET}, '?')`,
    notes: ['file_event: creation is inferred from open with O_CREAT or O_TRUNC (also true when the file already existed), rename, link, symlink and mkdir'],
  },
  file_delete: {
    rows: `kind = 'unlink' AND ${SUCCESS}`,
    kinds: ['unlink'],
    messageSuffix: "' deleted ' || coalesce(path, '?')",
    notes: [],
  },
  file_change: {
    rows: `((kind = 'open' AND (open_flags & 3) <> 0 AND (open_flags & 64) = 0) OR kind IN ('chmod', 'chown', 'truncate')) AND ${SUCCESS}`,
    kinds: ['chmod', 'chown', 'open', 'truncate'],
    messageSuffix: "' ' || kind || ' ' || coalesce(path, '?')",
    notes: [],
  },
  network_connection: {
    rows: "kind IN ('connect', 'accept') AND family IN ('inet', 'inet6')",
    kinds: ['accept', 'connect'],
    messageSuffix: "CASE WHEN kind = 'accept' THEN ' <- ' ELSE ' -> ' END || coalesce(daddr, '?') || ':' || coalesce(CAST(dport AS VARCHAR), '?')",
    notes: [],
  },
  dns_query: { rows: "kind = 'dns'", kinds: ['dns'], messageSuffix: "' query ' || coalesce(dns_query, '?')", notes: [] },
  dns: { rows: "kind = 'dns'", kinds: ['dns'], messageSuffix: "' query ' || coalesce(dns_query, '?')", notes: [] },
};

const SERVICE_SOURCES: Record<string, string> = {
  auditd: 'the audit log',
  syslog: 'syslog',
  auth: 'the auth log',
  sshd: 'sshd logs',
  sudo: 'sudo logs',
  cron: 'cron logs',
  guacamole: 'Guacamole logs',
  vsftpd: 'vsftpd logs',
  clamav: 'ClamAV logs',
};

/**
 * The rows a rule's logsource selects.
 * @throws RuleUnsupported naming the logsource when it is not recorded.
 */
export function resolveLogsource(logsource: YMap | undefined): Logsource {
  const get = (key: string): string | undefined => {
    const node = logsource?.entries.get(key)?.value;
    return node?.kind === 'scalar' && node.value !== null ? node.text : undefined;
  };
  const product = get('product');
  const category = get('category');
  const service = get('service');
  if (product !== 'linux') {
    throw new RuleUnsupported(product === undefined
      ? 'logsource has no product (hindsight records Linux hosts: product linux)'
      : `logsource product: ${product} is not recorded (hindsight records Linux hosts)`);
  }
  if (service !== undefined) {
    const what = SERVICE_SOURCES[service] ?? `${service} logs`;
    throw new RuleUnsupported(`logsource service: ${service} is not recorded (hindsight records syscalls through eBPF, not ${what})`);
  }
  if (category === undefined) {
    throw new RuleUnsupported('logsource product: linux without category or service means log lines; hindsight records syscalls through eBPF, not log lines');
  }
  if (!Object.hasOwn(LOGSOURCES, category)) {
    throw new RuleUnsupported(`logsource category: ${category} is not recorded (recorded: ${Object.keys(LOGSOURCES).join(', ')})`);
  }
  return { category: category as Category, ...LOGSOURCES[category as Category] };
}
