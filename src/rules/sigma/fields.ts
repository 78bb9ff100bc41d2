/**
 * Sigma field names (Sysmon for Linux taxonomy) -> `rule_events` columns.
 *
 * Process fields describe the acting process and exist for every category:
 * `Image` proc_exe, `CommandLine` proc_commandline, `ParentImage` parent_exe,
 * `ParentCommandLine` parent_commandline, `User` user (name of the real uid),
 * `CurrentDirectory` proc_cwd, `LogonId` loginuid, `ProcessId` pid,
 * `ParentProcessId` ppid, `Hashes` `SHA256=<HEX>` from proc_sha256 (the only
 * hash recorded), `sha256` proc_sha256. Per category:
 * - file_event/file_delete/file_change: `TargetFilename` (logsource.ts says
 *   which path each kind holds);
 * - network_connection: `DestinationIp` daddr, `DestinationPort` dport,
 *   `SourceIp` saddr, `SourcePort` sport (Source is the local end and
 *   Destination the remote end, for accepted connections too),
 *   `Initiated` 'true' for connect and 'false' for accept, `Protocol`
 *   l4proto, `DestinationIsIpv6`/`SourceIsIpv6` from the family;
 * - dns_query: `QueryName`; dns: `query`.
 *
 * Fields hindsight cannot provide honestly make the rule unsupported with the
 * reason: `DestinationHostname` (a connect row holds only the IP; DNS answers
 * are not recorded, so the name a connection went to is unknown), PE version
 * fields, Windows-only fields, the parent's user. Any other field is
 * unsupported naming the field and the category.
 */
import { RuleUnsupported } from './errors.js';
import { FILE_EVENT_TARGET, type Category } from './logsource.js';

/** A SQL expression for a field, and whether it is text or an integer. */
export interface FieldColumn {
  sql: string;
  type: 'text' | 'int';
  /** For a value the column cannot answer honestly: the reason, else null. */
  checkValue?: (text: string) => string | null;
}

const text = (sql: string): FieldColumn => ({ sql, type: 'text' });
const int = (sql: string): FieldColumn => ({ sql, type: 'int' });

const PROCESS: Record<string, FieldColumn> = {
  Image: text('proc_exe'),
  CommandLine: text('proc_commandline'),
  ParentImage: text('parent_exe'),
  ParentCommandLine: text('parent_commandline'),
  User: text('"user"'),
  CurrentDirectory: text('proc_cwd'),
  LogonId: int('loginuid'),
  ProcessId: int('pid'),
  ParentProcessId: int('ppid'),
  Hashes: {
    sql: "'SHA256=' || upper(proc_sha256)",
    type: 'text',
    checkValue: (value) => {
      const other = /\b(MD5|SHA1|IMPHASH)=/i.exec(value);
      return other === null ? null : `field Hashes: only the SHA256 of executables is recorded, not ${other[1]!.toUpperCase()}`;
    },
  },
  sha256: text('proc_sha256'),
};

const IS_IPV6 = "CASE family WHEN 'inet6' THEN 'true' WHEN 'inet' THEN 'false' END";

const BY_CATEGORY: Record<Category, Record<string, FieldColumn>> = {
  process_creation: {},
  file_event: { TargetFilename: text(`(${FILE_EVENT_TARGET})`) },
  file_delete: { TargetFilename: text('path') },
  file_change: { TargetFilename: text('path') },
  network_connection: {
    DestinationIp: text('daddr'),
    DestinationPort: int('dport'),
    SourceIp: text('saddr'),
    SourcePort: int('sport'),
    Initiated: text("CASE kind WHEN 'connect' THEN 'true' WHEN 'accept' THEN 'false' END"),
    Protocol: text('l4proto'),
    DestinationIsIpv6: text(IS_IPV6),
    SourceIsIpv6: text(IS_IPV6),
  },
  dns_query: { QueryName: text('dns_query') },
  dns: { query: text('dns_query') },
};

const PE_INFO = 'PE version information; Linux executables have none';
const NOT_RECORDED: Record<string, string> = {
  DestinationHostname: 'a connect row holds only the IP address, and hindsight records DNS queries, not their answers, so the host name a connection went to is unknown',
  SourceHostname: 'a connection row holds only IP addresses; host names are not resolved',
  DestinationPortName: 'service names of ports are not recorded',
  SourcePortName: 'service names of ports are not recorded',
  QueryResults: 'hindsight records DNS queries, not their answers',
  QueryStatus: 'hindsight records DNS queries, not their answers',
  answer: 'hindsight records DNS queries, not their answers',
  OriginalFileName: PE_INFO,
  Product: PE_INFO,
  Company: PE_INFO,
  Description: PE_INFO,
  FileVersion: PE_INFO,
  IntegrityLevel: 'integrity levels are a Windows concept',
  ParentUser: 'rule_events holds the user of the acting process, not of its parent',
  ProcessGuid: 'Sysmon GUIDs are not recorded (hindsight keys processes by proc_key)',
  ParentProcessGuid: 'Sysmon GUIDs are not recorded (hindsight keys processes by proc_key)',
  LogonGuid: 'Sysmon GUIDs are not recorded',
  TerminalSessionId: 'terminal session ids are a Windows concept',
  md5: 'only the SHA256 of executables is recorded',
  sha1: 'only the SHA256 of executables is recorded',
  Imphash: 'import hashes are a Windows PE concept',
};

/**
 * The column for `field` in `category`.
 * @throws RuleUnsupported naming the field (and why, where known).
 */
export function resolveField(category: Category, field: string): FieldColumn {
  const own = BY_CATEGORY[category];
  if (Object.hasOwn(own, field)) return own[field]!;
  if (Object.hasOwn(PROCESS, field)) return PROCESS[field]!;
  if (Object.hasOwn(NOT_RECORDED, field)) throw new RuleUnsupported(`field ${field} is not recorded: ${NOT_RECORDED[field]}`);
  throw new RuleUnsupported(`field ${field} is not recorded for logsource category ${category}`);
}
