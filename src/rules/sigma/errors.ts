/**
 * The two ways compiling one Sigma rule can stop, as exceptions the compiler
 * throws from deep inside a detection and catches once per rule
 * (src/rules/sigma/compile.ts), turning them into a SkippedRule:
 * `RuleUnsupported` -> status 'unsupported' (the recording cannot provide what
 * the rule needs), `RuleInvalid` -> status 'error' (the rule is malformed).
 */
import type { SourcePosition } from '../types.js';

/** The rule is well formed but needs something hindsight does not record. */
export class RuleUnsupported extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RuleUnsupported';
  }
}

/** The rule is malformed; the message starts with `file:line:column: `. */
export class RuleInvalid extends Error {
  constructor(readonly position: SourcePosition, readonly detail: string) {
    super(`${position.file}:${position.line}:${position.column}: ${detail}`);
    this.name = 'RuleInvalid';
  }
}
