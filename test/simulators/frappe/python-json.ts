/**
 * Python's `json` module, byte for byte, because Frappe signs webhook bodies with
 * `hmac(secret, json.dumps(data))` and answers with `json.dumps(response, separators=(",", ":"))`:
 * a client that checks a signature or compares bodies needs the exact text Python writes.
 *
 * What differs from `JSON.stringify`:
 *  - separators: `", "` and `": "` by default (compact `","`/`":"` only when asked);
 *  - `ensure_ascii=True`: every character outside space..`~` becomes `\uXXXX` (lower-case hex,
 *    UTF-16 surrogate pairs for astral characters, DEL included), control characters too;
 *  - floats print as Python's `repr`: `2.0` not `2`, `1e-05`, `1e+16`; Python keeps the int/float
 *    distinction that JavaScript numbers lose, so a float that happens to be whole is wrapped in
 *    `PyFloat` (Frappe casts Currency/Float fields to float before answering);
 *  - object key order is kept as inserted (`PyDict`), even for keys that look like integers.
 */

/** A number Python holds as `float` (prints `100.0`, not `100`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python dict: insertion-ordered, string keys (JavaScript objects reorder integer-like keys). */
export class PyDict extends Map<string, PyValue> {}

export type PyValue = null | undefined | boolean | number | bigint | string | PyFloat | PyDict | PyValue[] | { [key: string]: PyValue };

export interface DumpOptions {
  /** `[item_separator, key_separator]`; Python's default is `[", ", ": "]`, or `[",", ": "]` with an indent. */
  separators?: [string, string];
  ensureAscii?: boolean;
  indent?: number;
  sortKeys?: boolean;
}

/** `repr(float)`: the shortest digits that round-trip, scientific below 1e-4 and from 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits, as Python's repr does.
  const [mantissa = '0', expText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits.padEnd(exp + 1, '0')}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function intRepr(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Object.is(n, -0)) return '0';
  return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
}

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };

/** `json.encoder.py_encode_basestring[_ascii]`: iterating UTF-16 code units yields surrogate pairs as Python does. */
export function encodeString(s: string, ensureAscii = true): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[c];
    if (short) out += short;
    else if (c < 0x20 || (ensureAscii && c > 0x7e)) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

function entriesOf(v: PyDict | { [key: string]: PyValue }): Array<[string, PyValue]> {
  return v instanceof Map ? [...v.entries()] : Object.entries(v);
}

/** `json.dumps(value, separators=..., ensure_ascii=..., indent=..., sort_keys=...)`. */
export function dumps(value: PyValue, options: DumpOptions = {}): string {
  const ensureAscii = options.ensureAscii ?? true;
  const indent = options.indent;
  const [itemSep, keySep] = options.separators ?? (indent === undefined ? [', ', ': '] : [',', ': ']);
  const encode = (v: PyValue, level: number): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'string') return encodeString(v, ensureAscii);
    if (typeof v === 'bigint') return intRepr(v);
    // A JavaScript number is an int when it is a safe integer, else a float (1e300 is a float in Python too).
    if (typeof v === 'number') return Number.isSafeInteger(v) ? intRepr(v) : floatRepr(v);
    if (v instanceof PyFloat) return floatRepr(v.value);
    const isList = Array.isArray(v);
    const parts = isList
      ? v.map((item) => encode(item, level + 1))
      : (() => {
          const entries = entriesOf(v);
          if (options.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          return entries.map(([k, item]) => encodeString(k, ensureAscii) + keySep + encode(item, level + 1));
        })();
    const [open, close] = isList ? ['[', ']'] : ['{', '}'];
    if (parts.length === 0) return open + close;
    if (indent === undefined) return open + parts.join(itemSep) + close;
    const pad = '\n' + ' '.repeat(indent * (level + 1));
    return open + pad + parts.join(itemSep + pad) + '\n' + ' '.repeat(indent * level) + close;
  };
  return encode(value, 0);
}

/**
 * `json.loads`, keeping what Python keeps: `1.0` stays a float (`PyFloat`), `1` an int, objects
 * keep their key order (`PyDict`). Webhook bodies are `json.loads(rendered_template)` re-dumped.
 */
export function loads(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what}: line 1 column ${i + 1} (char ${i})`);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out = new PyDict();
      ws();
      if (text[i] === '}') return i++, out;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const key = str();
        ws();
        if (text[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        out.set(key, value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, out;
        else fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++;
      const out: PyValue[] = [];
      ws();
      if (text[i] === ']') return i++, out;
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, out;
        else fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) return (i += word.length), v;
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
    if (!m) return fail('Expecting value');
    i += m[0].length;
    if (m[1] || m[2]) return new PyFloat(Number(m[0]));
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  };
  const str = (): string => {
    i++;
    let out = '';
    for (;;) {
      const c = text[i++];
      if (c === undefined) return fail('Unterminated string starting at');
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e === 'u') {
        out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else fail('Invalid \\escape');
    }
  };
  const result = value();
  ws();
  if (i < text.length) fail('Extra data');
  return result;
}

/** `repr(value)` for what Jinja prints when a template interpolates a list or dict. */
export function pyRepr(v: PyValue): string {
  if (typeof v === 'string') {
    const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
    let out = quote;
    for (const ch of v) {
      if (ch === '\\') out += '\\\\';
      else if (ch === quote) out += '\\' + quote;
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch < ' ' || ch === '\x7f') out += '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
      else out += ch;
    }
    return out + quote;
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (v !== null && typeof v === 'object' && !(v instanceof PyFloat)) {
    return '{' + entriesOf(v).map(([k, item]) => `${pyRepr(k)}: ${pyRepr(item)}`).join(', ') + '}';
  }
  return pyStr(v);
}

/** `str(value)`, as `{{ value }}` renders in Jinja: `None`, `True`, `2.0`, `['a']`. */
export function pyStr(v: PyValue): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return intRepr(v);
  if (typeof v === 'number') return Number.isSafeInteger(v) ? intRepr(v) : floatRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  return pyRepr(v);
}

/** Plain JavaScript values (floats unwrapped, dicts as objects), for callers that inspect documents. */
export function toPlain(v: PyValue): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, item]) => [k, toPlain(item)]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, toPlain(item)]));
  return v;
}
