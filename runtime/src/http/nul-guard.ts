/**
 * The JSON pointer of the first value (or key) in a parsed request part that `bad` refuses ("" for the
 * value itself), or undefined when there is none.
 */
function firstPath(value: unknown, bad: { value(v: unknown): boolean; key?(k: string): boolean }, path = ''): string | undefined {
  if (value === null || typeof value !== 'object') return bad.value(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstPath(value[i], bad, `${path}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    // eslint-disable-next-line no-control-regex -- a NUL in a key is shown escaped
    if (bad.key?.(key)) return `${path}/${key.replace(/\u0000/g, '\\u0000')}`;
    const found = firstPath((value as Record<string, unknown>)[key], bad, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

const hasNul = (s: string) => s.includes('\u0000');
const NUL = { value: (v: unknown) => typeof v === 'string' && hasNul(v), key: hasNul };
const NON_FINITE = { value: (v: unknown) => typeof v === 'number' && !Number.isFinite(v) };

/**
 * Where the first U+0000 is in a parsed request part: a JSON pointer ("/items/2/name", "" for the
 * value itself), or undefined when there is none. Keys count too. Strings without NUL, the common
 * case, cost one `includes` each.
 */
export function firstNulPath(value: unknown): string | undefined {
  return firstPath(value, NUL);
}

/**
 * Where the first number that is not finite is (Infinity from `1e309` in JSON or a coerced query
 * string; NaN), as a JSON pointer, or undefined. Ajv takes Infinity for an integer, and no route means
 * one: a database driver or `Date` fed one fails with a 500.
 */
export function firstNonFinitePath(value: unknown): string | undefined {
  return firstPath(value, NON_FINITE);
}
