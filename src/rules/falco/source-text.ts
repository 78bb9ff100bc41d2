/**
 * Text that remembers where each of its characters came from. A Falco
 * condition is parsed from a YAML scalar (folded, quoted, plain) and is
 * sometimes glued together from several places (an `append` in a later file,
 * a rule's `exceptions`); errors must still point at `file:line:column` of
 * the character that was wrong. A SourceText maps every index of its text
 * back to a SourcePosition; concatenation keeps each part's own map.
 */
import type { SourcePosition } from '../types.js';

/** Condition or template text with a position for every character. */
export class SourceText {
  private constructor(
    readonly text: string,
    private readonly locate: (index: number) => SourcePosition,
  ) {}

  /** Text whose characters all map to one position (generated text, tests). */
  static at(text: string, position: SourcePosition): SourceText {
    return new SourceText(text, () => position);
  }

  /** Text whose character `i` is at `locate(i)`. */
  static mapped(text: string, locate: (index: number) => SourcePosition): SourceText {
    return new SourceText(text, locate);
  }

  /** Text typed on one line starting at `line`:`column` of `file` (tests, CLI input). */
  static inline(text: string, file = '<condition>', line = 1, column = 1): SourceText {
    return new SourceText(text, (index) => lineColumnAt(text, index, file, line, column));
  }

  /** `parts` joined by `separator`; the separator maps to the end of the part before it. */
  static concat(parts: SourceText[], separator = ' '): SourceText {
    const starts: number[] = [];
    let text = '';
    for (const [i, part] of parts.entries()) {
      if (i > 0) text += separator;
      starts.push(text.length);
      text += part.text;
    }
    return new SourceText(text, (index) => {
      let k = starts.length - 1;
      while (k > 0 && starts[k]! > index) k--;
      const part = parts[k]!;
      return part.position(Math.min(index - starts[k]!, Math.max(part.text.length - 1, 0)));
    });
  }

  /** Where character `index` came from; the end of the text is just after its last character. */
  position(index: number): SourcePosition {
    if (index >= this.text.length && this.text.length > 0 && this.text[this.text.length - 1] !== '\n') {
      const last = this.locate(this.text.length - 1);
      return { ...last, column: last.column + 1 };
    }
    return this.locate(Math.max(0, Math.min(index, Math.max(this.text.length - 1, 0))));
  }
}

/** `file:line:column` text of a position, the prefix of every located message. */
export function formatPosition(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.column}`;
}

function lineColumnAt(text: string, index: number, file: string, line: number, column: number): SourcePosition {
  let l = line;
  let c = column;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text[i] === '\n') {
      l++;
      c = 1;
    } else {
      c++;
    }
  }
  return { file, line: l, column: c };
}
