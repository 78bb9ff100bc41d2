import { describe, expect, it } from 'vitest';
import { fieldText, type Expr, type Operand } from '../../../src/rules/falco/ast.js';
import { ConditionSyntaxError, parseCondition, readListItem } from '../../../src/rules/falco/parse-condition.js';
import { SourceText } from '../../../src/rules/falco/source-text.js';

/** A compact, position-free rendering of a tree: (and a b), [= proc.name "x"]. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'and': case 'or': return `(${e.kind} ${e.children.map(show).join(' ')})`;
    case 'not': return `(not ${show(e.child)})`;
    case 'macro': return e.name;
    case 'const': return String(e.value);
    case 'unary': return `[${fieldText(e.field)} exists]`;
    case 'binary': return `[${fieldText(e.field)} ${e.op} ${operand(e.value)}]`;
  }
}

function operand(o: Operand): string {
  if (o.kind === 'list') return `(${o.items.map((i) => (i.bare ? i.text : JSON.stringify(i.text))).join(', ')})`;
  if (o.kind === 'fieldvalue') return `val(${fieldText(o.field)})`;
  return o.bare ? o.text : JSON.stringify(o.text);
}

describe('parseCondition', () => {
  it.each([
    ['a comparison with a bare value', 'proc.name=bash', '[proc.name = bash]'],
    ['== as =', 'proc.name == bash', '[proc.name = bash]'],
    ['a quoted value with spaces', 'proc.cmdline = "sh -c id"', '[proc.cmdline = "sh -c id"]'],
    ['single quotes', "fd.name contains '/.ssh/'", '[fd.name contains "/.ssh/"]'],
    ['and binding tighter than or', 'a or b and c', '(or a (and b c))'],
    ['parentheses overriding precedence', '(a or b) and c', '(and (or a b) c)'],
    ['not applying to one operand', 'not a and b', '(and (not a) b)'],
    ['not( without a blank', 'not(a or b)', '(not (or a b))'],
    ['two nots cancelling', 'not not a', 'a'],
    ['and( without a blank', 'a and(b)', '(and a b)'],
    ['a value list with quoted and bare items', 'proc.name in (sh, "puma reactor", \'x\')', '[proc.name in (sh, "puma reactor", "x")]'],
    ['an empty value list', 'proc.name in ()', '[proc.name in ()]'],
    ['a list name after in', 'proc.name in shell_binaries', '[proc.name in shell_binaries]'],
    ['intersects and pmatch', 'proc.args intersects (-V) and fd.name pmatch (/etc)', '(and [proc.args intersects (-V)] [fd.name pmatch (/etc)])'],
    ['a field argument', 'proc.aname[2]=sshd', '[proc.aname[2] = sshd]'],
    ['a quoted field argument', 'container.mount.dest["/var/run"] exists', '[container.mount.dest[/var/run] exists]'],
    ['numeric comparisons', 'proc.tty != 0 and fd.sport >= 30000', '(and [proc.tty != 0] [fd.sport >= 30000])'],
    ['a hex number', 'evt.rawres < 0x10', '[evt.rawres < 0x10]'],
    ['a bare value holding brackets and colons', 'proc.pname in (runc:[0:PARENT], runc:[1:CHILD])', '[proc.pname in (runc:[0:PARENT], runc:[1:CHILD])]'],
    ['evt.dir values < and >', 'evt.dir=<', '[evt.dir = <]'],
    ['val() on the right', 'fd.name = val(proc.cwd)', '[fd.name = val(proc.cwd)]'],
    ['a transformer on the left', 'tolower(proc.name) = bash', '[tolower(proc.name) = bash]'],
    ['a bare backslash', 'proc.args endswith \\', '[proc.args endswith \\]'],
    ['an escaped space read as a backslash', 'proc.args contains "\\ "', '[proc.args contains "\\\\"]'],
    ['an escaped quote of the same kind', 'proc.cmdline = "a \\"b\\""', '[proc.cmdline = "a \\"b\\""]'],
    ['a macro identifier', 'spawned_process', 'spawned_process'],
    ['newlines as blanks', 'a\n  and\n  b', '(and a b)'],
  ])('parses %s', (_name, text, want) => {
    expect(show(parseCondition(text))).toBe(want);
  });

  it.each([
    ['an unclosed parenthesis', '(a and b', '1:9', "expected ')'"],
    ['a missing operator', 'proc.name bash', '1:11', 'expected an operator'],
    ['a word operator without a blank after it', 'proc.name contains"x"', '1:11', 'expected an operator'],
    ['trailing tokens', 'a b', '1:3', "unexpected 'b'"],
    ['and glued to a word', 'a andb', '1:6', "expected a blank or '(' after 'and'"],
    ['a number operator with a word', 'fd.sport > http', '1:12', 'expected a number'],
    ['an unterminated string', 'proc.name = "bash', '1:13', 'expected a value'],
    ['an unknown escape', 'proc.name = "a\\qb"', '1:15', 'unsupported escape sequence \\q'],
    ['a quote escape of the other kind', "proc.name = 'a\\\"b'", '1:15', 'invalid \\" escape'],
    ['an empty condition', '  ', '1:1', 'condition is empty'],
    ['a comma outside a list', 'proc.name in (a b)', '1:17', "expected ',' or ')'"],
  ])('rejects %s at the offending character', (_name, text, at, message) => {
    let err: unknown;
    try {
      parseCondition(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConditionSyntaxError);
    expect((err as Error).message).toContain(`<condition>:${at}: `);
    expect((err as Error).message).toContain(message);
  });

  it('locates an error through a multi-line source text', () => {
    const text = SourceText.inline('spawned_process\n  and proc.name in (a,\n  b', 'rules.yaml', 10, 5);
    expect(() => parseCondition(text)).toThrow(/^rules\.yaml:12:4: expected ',' or '\)'/);
  });

  it.each([
    ['a bare item as a bare value', 'bash', { text: 'bash', bare: true }],
    ['a double-quoted item unquoted', '"(systemd)"', { text: '(systemd)', bare: false }],
    ['escapes inside a quoted item', '"sh -c node -e \\"require(\'nan\')\\""', { text: 'sh -c node -e "require(\'nan\')"', bare: false }],
    ['an item with spaces as literal text', 'sh -c uname', { text: 'sh -c uname', bare: false }],
  ])('reads a list item: %s', (_name, item, want) => {
    expect(readListItem(item)).toEqual(want);
  });
});
