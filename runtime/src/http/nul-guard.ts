/**
 * Where the first U+0000 is in a parsed request part: a JSON pointer ("/items/2/name", "" for the
 * value itself), or undefined when there is none. Keys count too. Strings without NUL, the common
 * case, cost one `includes` each.
 */
export function firstNulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNulPath(value[i], `${path}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    // eslint-disable-next-line no-control-regex -- NUL is exactly what this guard looks for
    if (key.includes('\u0000')) return `${path}/${key.replace(/\u0000/g, '\\u0000')}`;
    const found = firstNulPath((value as Record<string, unknown>)[key], `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Where the first number that is not finite is (Infinity from `1e309` in JSON or a coerced query
 * string; NaN), as a JSON pointer, or undefined. Ajv takes Infinity for an integer, and no route means
 * one: a database driver or `Date` fed one fails with a 500.
 */
export function firstNonFinitePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNonFinitePath(value[i], `${path}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = firstNonFinitePath((value as Record<string, unknown>)[key], `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
