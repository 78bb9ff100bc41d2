import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { compileOutput } from '../../../src/rules/falco/output.js';
import { createRuleEvents, type RuleEventRow } from '../../helpers/rule-table.js';

let session: DuckSession;
beforeAll(async () => {
  session = await DuckSession.open();
});
afterAll(() => session.close());

const SHELL: RuleEventRow = {
  kind: 'exec', syscall: 'execve', proc_name: 'bash', proc_cmdline: 'bash -i', euser: 'www-data', euid: 33,
  loginuid: 4294967295, tty: 'pts/0', anc_names: ['nginx', 'containerd-shim'], parent_name: 'nginx', container_id: null,
};
const OPEN: RuleEventRow = { kind: 'open', syscall: 'openat', path: '/etc/shadow', open_flags: 0o2000000, is_open_read: true, ret: 3, fd: 3 };

async function render(template: string, row: RuleEventRow, types: string[]): Promise<string> {
  await createRuleEvents(session, [row]);
  const sql = compileOutput(template, { eventTypes: new Set(types), partial: true });
  const [got] = await session.query(`SELECT ${sql} AS m FROM rule_events`);
  return String(got!.m);
}

describe('compileOutput', () => {
  it.each<[string, string, RuleEventRow, string[], string]>([
    ['plain text stays as written, quotes included', "it's 100% literal", SHELL, ['execve'], "it's 100% literal"],
    ['strings, numbers and ancestors render like Falco', 'user=%user.name uid=%user.uid login=%user.loginuid gparent=%proc.aname[2] cmd=%proc.cmdline tty=%proc.tty',
      SHELL, ['execve'], 'user=www-data uid=33 login=-1 gparent=containerd-shim cmd=bash -i tty=34816'],
    ['a value that is not present renders <NA>', 'ggparent=%proc.aname[3] container=%container.id', SHELL, ['execve'], 'ggparent=<NA> container=host'],
    ['a field the recording lacks renders <NA>', 'ns=%k8s.ns.name image=%container.image.repository', SHELL, ['execve'], 'ns=<NA> image=<NA>'],
    ['a parameter of types that have it renders, others <NA>', 'flags=%evt.arg.flags type=%evt.type', OPEN, ['openat', 'execve'], 'flags=O_RDONLY|O_CLOEXEC type=openat'],
    ['booleans render true or false', 'read=%evt.is_open_read res=%evt.res', OPEN, ['openat'], 'read=true res=SUCCESS'],
    ['a dot ending a sentence is not part of the field', 'Shell %proc.name.', SHELL, ['execve'], 'Shell bash.'],
    ['filter-only fields render <NA>', 'net=%fd.net ip=%fd.ip', OPEN, ['openat'], 'net=<NA> ip=<NA>'],
  ])('%s', async (_name, template, row, types, want) => {
    expect(await render(template, row, types)).toBe(want);
  });
});
