import { LineCounter, Node, YAMLError, isMap, isNode, isPair, isScalar, isSeq, parseDocument } from 'yaml';

/** A path into a parsed document: keys of maps and indexes of sequences. */
export type DocumentPath = readonly (string | number)[];

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export interface SyntaxProblem extends SourcePosition {
  readonly message: string;
}

/**
 * A YAML (or JSON) document that remembers where each value came from, so that every problem found in the data can
 * name the line and column of the value, or of the key, it is about.
 */
export class YamlSource {
  readonly data: unknown;
  readonly syntaxErrors: readonly SyntaxProblem[];
  private readonly lines = new LineCounter();
  private readonly document;

  constructor(text: string) {
    this.document = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    this.syntaxErrors = withoutCascade(this.document.errors).map((error) => ({
      ...this.toPosition(error.pos[0]),
      message: syntaxMessage(error.message, text, error.pos[0]),
    }));
    this.data = this.syntaxErrors.length > 0 ? undefined : this.document.toJS();
  }

  /** Where the value at `path` starts; or its key's position; or, when it is missing, its nearest ancestor's. */
  position(path: DocumentPath, at: 'value' | 'key' = 'value'): SourcePosition {
    for (let length = path.length; length >= 0; length -= 1) {
      const node = at === 'key' && length === path.length ? this.keyNode(path) : this.valueNode(path.slice(0, length));
      if (node?.range) return this.toPosition(node.range[0]);
    }
    return { line: 1, column: 1 };
  }

  /** The value at `path` exactly as written in the file (a scalar's source text), if it is a scalar. */
  sourceText(path: DocumentPath): string | undefined {
    const node = this.valueNode(path);
    return isScalar(node) ? node.source : undefined;
  }

  private valueNode(path: DocumentPath): Node | undefined {
    const node = this.document.getIn(path, true);
    return isNode(node) ? node : undefined;
  }

  private keyNode(path: DocumentPath): Node | undefined {
    const parent = this.valueNode(path.slice(0, -1));
    const key = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      return isNode(pair?.key) ? pair.key : undefined;
    }
    return isSeq(parent) ? this.valueNode(path) : undefined;
  }

  private toPosition(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}

/**
 * After the first syntax error the parser loses its place, and every token it then meets is "unexpected": those are
 * echoes of the first error, not problems of their own. Errors of other kinds (duplicate keys, tabs) are all kept.
 */
function withoutCascade(errors: readonly YAMLError[]): YAMLError[] {
  return errors.filter((error, index) => index === 0 || error.code !== 'UNEXPECTED_TOKEN');
}

/** The parser's message, with a hint for the mistake templates invite: an unquoted `{placeholder}` in a `{ ... }` map. */
function syntaxMessage(message: string, text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, text.indexOf('\n', offset) === -1 ? undefined : text.indexOf('\n', offset));
  const first = message.split('\n')[0];
  return /\{[^}]*:\s*[^'"\s{][^,}]*\{[A-Za-z_]\w*\}/.test(line) ? `${first}; inside { ... }, quote values that hold {placeholders}` : first;
}
