/**
 * Python's `json.dumps(value)` with its defaults (separators `", "` and `": "`, `ensure_ascii=True`).
 * Frappe signs `json.dumps(data)`; an old Frappe that sends a Form URL-Encoded body still signs that
 * text, so checking such a body means rebuilding it exactly from the form's fields.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`)
      .join(', ')}}`;
  }
  return pythonString(String(value));
}

function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  // repr(float): shortest round-trip digits, like JS, with Python's exponent form.
  const text = String(n);
  return text.includes('e') ? text.replace(/e([+-])(\d)$/, 'e$10$2') : text.includes('.') ? text : `${text}.0`;
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A string as Python writes it with ensure_ascii: everything outside printable ASCII as \uXXXX (UTF-16 units, so surrogate pairs stay pairs). */
function pythonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
