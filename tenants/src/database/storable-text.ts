/**
 * Text and JSON as both engines store them. PostgreSQL refuses NUL characters and unpaired UTF-16
 * surrogates in text and in jsonb (a request body may hold either: an API key named "\ud800"); SQLite
 * takes them. Both become U+FFFD here, so what one engine stores the other would store too, and a row
 * is never refused for its text.
 */

// NUL is what PostgreSQL refuses, not a stray control character.
// eslint-disable-next-line no-control-regex
const LONE_SURROGATE_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

/**
 * JSON.stringify writes a lone surrogate or a NUL as an escape (`\ud800`, `\u0000`), and paired
 * surrogates as themselves: every such escape not itself escaped (an even run of backslashes before it).
 */
const ESCAPED_LONE_SURROGATE_OR_NUL = /(?<!\\)((?:\\\\)*)\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)/g;

export function storableText(value: string): string {
  return value.replace(LONE_SURROGATE_OR_NUL, '\uFFFD');
}

/** JSON.stringify(value), with what PostgreSQL's jsonb refuses replaced by U+FFFD. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value).replace(ESCAPED_LONE_SURROGATE_OR_NUL, '$1\\ufffd');
}
