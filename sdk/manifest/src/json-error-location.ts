/**
 * Where a JSON text stops being JSON, as an author's editor shows it: line, column and the line
 * itself. V8 names a character offset for most syntax errors and none for an unexpected token (a
 * trailing comma in an array, a stray bracket); a small scanner finds the offset then.
 */

export interface JsonErrorLocation {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units as editors count BMP text. */
  readonly column: number;
  /** What went wrong, in V8's words without its offset. */
  readonly reason: string;
  /** The line quoted with a caret under the column, for a terminal. */
  readonly excerpt: string;
}

class Stop {
  constructor(readonly at: number) {}
}

// Deeper than any manifest; stops a hostile file from exhausting the stack.
const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Offset of the first character at which `text` is not JSON (RFC 8259); `text.length` for a premature end. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (at = i): never => {
    throw new Stop(at);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (char: string) => (text[i] === char ? i++ : fail());
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail();
      if (c !== 0x5c) i++;
      else if (text[i + 1] === 'u') i = /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)) ? i + 6 : fail(i + 1);
      else i = i + 1 < text.length && '"\\/bfnrt'.includes(text[i + 1]!) ? i + 2 : fail(i + 1);
    }
  };
  const value = (depth: number): void => {
    ws();
    if (depth > MAX_DEPTH) fail();
    const c = text[i];
    if (c === '{') return members('}', depth, () => (string(), ws(), expect(':'), value(depth + 1)));
    if (c === '[') return members(']', depth, () => value(depth + 1));
    if (c === '"') return string();
    const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined;
    if (word) {
      for (const expected of word) {
        if (text[i] !== expected) fail();
        i++;
      }
      return;
    }
    NUMBER.lastIndex = i;
    if (NUMBER.exec(text)) return void (i = NUMBER.lastIndex);
    fail();
  };
  /** `{...}` or `[...]`: members separated by commas, none trailing. */
  const members = (close: string, depth: number, member: () => void) => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      ws();
      member();
      ws();
      if (text[i] === ',') i++;
      else return void expect(close);
    }
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return err.at;
    throw err;
  }
}

// Long lines (a minified manifest is one line) are quoted as a window around the column.
const EXCERPT_WIDTH = 100;

function excerptAt(lineText: string, line: number, column: number): string {
  let start = 0;
  if (lineText.length > EXCERPT_WIDTH) start = Math.max(0, Math.min(column - 1 - EXCERPT_WIDTH / 2, lineText.length - EXCERPT_WIDTH));
  const shown = (start > 0 ? '...' : '') + lineText.slice(start, start + EXCERPT_WIDTH) + (start + EXCERPT_WIDTH < lineText.length ? '...' : '');
  const caret = column - 1 - start + (start > 0 ? 3 : 0);
  const gutter = String(line);
  return `  ${gutter} | ${shown}\n  ${' '.repeat(gutter.length)} | ${' '.repeat(caret)}^`;
}

/** Locates the `SyntaxError` that `JSON.parse(text)` threw. */
export function locateJsonError(text: string, error: Error): JsonErrorLocation {
  const reported = /at position (\d+)/.exec(error.message);
  const offset = Math.min(reported ? Number(reported[1]) : (jsonErrorOffset(text) ?? text.length), text.length);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = offset - lineStart + 1;
  const lineEnd = text.indexOf('\n', lineStart);
  const lineText = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).replace(/\r$/, '');
  const reason = error.message
    .replace(/ in JSON at position \d+[\s\S]*$/, '')
    .replace(/,? (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '');
  return { line, column, reason, excerpt: excerptAt(lineText, line, column) };
}
