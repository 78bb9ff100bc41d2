import { describe, expect, it } from 'vitest';
import { Definitions } from '../../../src/rules/falco/expand.js';
import { eventTypesOf, typeVerdict } from '../../../src/rules/falco/event-types.js';
import { parseCondition } from '../../../src/rules/falco/parse-condition.js';
import type { ListDef } from '../../../src/rules/falco/collect.js';

const at = { file: 't', line: 1, column: 1 };
const lists = new Map<string, ListDef>([['opens', { name: 'opens', items: [{ text: 'open', pos: at }, { text: 'openat', pos: at }], pos: at }]]);
const defs = new Definitions(new Map(), lists);

function types(condition: string): string {
  const t = eventTypesOf(defs.expand(parseCondition(condition)), defs);
  return t.all ? `all except ${[...t.except].sort().join(',')}` : [...t.only].sort().join(',');
}

describe('eventTypesOf', () => {
  it.each([
    ['= gives its type', 'evt.type = execve', 'execve'],
    ['in gives its types, lists expanded', 'evt.type in (opens, creat)', 'creat,open,openat'],
    ['and intersects', 'evt.type in (open, connect) and evt.type in (connect, bind)', 'connect'],
    ['or unites', 'evt.type = open or evt.type = connect', 'connect,open'],
    ['a check on another field allows every type', 'proc.name = sh', 'all except '],
    ['and with an unrestricted check keeps the restriction', 'evt.type = open and proc.name = sh', 'open'],
    ['!= is the complement', 'evt.type != open', 'all except open'],
    ['not is the complement', 'not evt.type in (open, connect)', 'all except connect,open'],
    ['not over and pushes the negation down', 'not (evt.type = open and proc.name = sh)', 'all except '],
    ['or of a restriction and an unrestricted check is unrestricted', 'evt.type = open or proc.name = sh', 'all except '],
  ])('%s', (_name, condition, want) => {
    expect(types(condition)).toBe(want);
  });
});

describe('typeVerdict', () => {
  it('splits named types into recorded and missing, with caveats of partly recorded ones', () => {
    const v = typeVerdict(eventTypesOf(parseCondition('evt.type in (connect, sendto, recvfrom, dup)'), defs));
    expect({ recorded: [...v.recorded].sort(), missing: v.missing, limited: v.limited, notes: v.notes }).toEqual({
      recorded: ['connect', 'sendto'], missing: ['dup', 'recvfrom'], limited: true,
      notes: ['sendto, sendmsg and sendmmsg are recorded only for DNS queries (UDP to port 53)'],
    });
  });

  it('treats an unrestricted condition as matching every recorded type', () => {
    const v = typeVerdict(eventTypesOf(parseCondition('proc.name = sh'), defs));
    expect(v.limited).toBe(false);
    expect(v.recorded.has('execve') && v.recorded.has('procexit') && v.recorded.has('clone')).toBe(true);
  });
});
