/**
 * Which Falco event types hindsight records, and which event types a
 * condition can match. The recorded set mirrors the syscalls the BPF
 * programs hook (bpf/hindsight.bpf.c; names as in src/events/names.ts) plus
 * the scheduler events: a `fork` row stands for Falco's clone/clone3/fork/
 * vfork and an `exit` row for `procexit`. Some types are recorded only in
 * part (sendto/sendmsg only for DNS queries; bpf only for BPF_PROG_LOAD);
 * rules using them compile with a note saying so.
 *
 * The analysis follows Falco's: `evt.type = X` and `evt.type in (...)` give
 * their types, `!=` and `not` the complement, `and` intersects, `or` unites
 * (with negation pushed down), and any other check allows every type.
 */
import { HOOKED_SYSCALLS } from '../../events/names.js';
import type { Expr } from './ast.js';
import type { Definitions } from './expand.js';

/** Falco event types hindsight records as syscall rows (the `syscall` column holds the name). */
export const RECORDED_SYSCALLS: ReadonlySet<string> = new Set(HOOKED_SYSCALLS);

/** Falco's process-creation types: all recorded as `fork` rows that do not name the call. */
export const FORK_TYPES: ReadonlySet<string> = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** Falco's process-exit type, recorded as `exit` rows. */
export const EXIT_TYPE = 'procexit';

/** Every Falco event type hindsight records. */
export const RECORDED_TYPES: ReadonlySet<string> = new Set([...RECORDED_SYSCALLS, ...FORK_TYPES, EXIT_TYPE]);

/** Caveats of types recorded only in part, by type. */
const PARTIAL: Record<string, string> = {
  sendto: 'sendto, sendmsg and sendmmsg are recorded only for DNS queries (UDP to port 53)',
  sendmsg: 'sendto, sendmsg and sendmmsg are recorded only for DNS queries (UDP to port 53)',
  sendmmsg: 'sendto, sendmsg and sendmmsg are recorded only for DNS queries (UDP to port 53)',
  bpf: 'bpf is recorded only for BPF_PROG_LOAD',
  clone: 'clone, clone3, fork and vfork are recorded as fork rows (the parent side) that do not name the call: each of them matches every fork row',
  clone3: 'clone, clone3, fork and vfork are recorded as fork rows (the parent side) that do not name the call: each of them matches every fork row',
  fork: 'clone, clone3, fork and vfork are recorded as fork rows (the parent side) that do not name the call: each of them matches every fork row',
  vfork: 'clone, clone3, fork and vfork are recorded as fork rows (the parent side) that do not name the call: each of them matches every fork row',
};

/** A set of event types: `only` these, or all `except` these. */
export type TypeSet = { all: false; only: ReadonlySet<string> } | { all: true; except: ReadonlySet<string> };

const ALL: TypeSet = { all: true, except: new Set() };

function complement(t: TypeSet): TypeSet {
  return t.all ? { all: false, only: t.except } : { all: true, except: t.only };
}

function union(a: TypeSet, b: TypeSet): TypeSet {
  if (!a.all && !b.all) return { all: false, only: new Set([...a.only, ...b.only]) };
  if (a.all && b.all) return { all: true, except: new Set([...a.except].filter((x) => b.except.has(x))) };
  const [x, y] = a.all ? [a, b as { all: false; only: ReadonlySet<string> }] : [b as { all: true; except: ReadonlySet<string> }, a];
  return { all: true, except: new Set([...x.except].filter((t) => !y.only.has(t))) };
}

function intersect(a: TypeSet, b: TypeSet): TypeSet {
  return complement(union(complement(a), complement(b)));
}

/** The event types `expr` (macros expanded) can match. */
export function eventTypesOf(expr: Expr, defs: Definitions): TypeSet {
  return visit(expr, false, defs);
}

function visit(e: Expr, negated: boolean, defs: Definitions): TypeSet {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const sets = e.children.map((c) => visit(c, negated, defs));
      const unite = (e.kind === 'or') !== negated;
      return sets.reduce((acc, s) => (unite ? union(acc, s) : intersect(acc, s)));
    }
    case 'not':
      return visit(e.child, !negated, defs);
    case 'const':
      return (e.value !== negated) ? ALL : { all: false, only: new Set() };
    case 'binary': {
      if (e.field.kind !== 'field' || e.field.name !== 'evt.type' || e.field.arg !== undefined) return ALL;
      if (!['=', '!=', 'in', 'intersects'].includes(e.op)) return ALL;
      const values = evtTypeValues(e, defs);
      if (values === null) return ALL;
      const base: TypeSet = { all: false, only: new Set(values) };
      const set = e.op === '!=' ? complement(base) : base;
      return negated ? complement(set) : set;
    }
    default:
      return ALL;
  }
}

/** The type names of an `evt.type` check (lists expanded); null for `val()` operands. */
export function evtTypeValues(e: Extract<Expr, { kind: 'binary' }>, defs: Definitions): string[] | null {
  const v = e.value;
  if (v.kind === 'fieldvalue') return null;
  if (v.kind === 'list') return defs.listValues(v.items).map((x) => x.text);
  return defs.listValues([v]).map((x) => x.text);
}

/** What a rule's event types mean for hindsight. */
export interface TypeVerdict {
  /** The recorded types the rule can match (every recorded type when the rule is not limited). */
  recorded: ReadonlySet<string>;
  /** Types the rule names that are not recorded, sorted. */
  missing: string[];
  /** Whether the rule is limited to named types (else it matches every type, as Falco warns). */
  limited: boolean;
  /** Caveats of partially recorded types it uses. */
  notes: string[];
}

/** Split a rule's types into recorded and missing. */
export function typeVerdict(types: TypeSet): TypeVerdict {
  if (types.all) {
    return { recorded: new Set([...RECORDED_TYPES].filter((t) => !types.except.has(t))), missing: [], limited: false, notes: [] };
  }
  const recorded = new Set([...types.only].filter((t) => RECORDED_TYPES.has(t)));
  const missing = [...types.only].filter((t) => !RECORDED_TYPES.has(t)).sort();
  const notes = [...new Set([...recorded].map((t) => PARTIAL[t]).filter((n): n is string => n !== undefined))];
  return { recorded, missing, limited: true, notes };
}
