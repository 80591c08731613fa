/** A JSON pointer (RFC 6901) one level down: `/steps/2` + `then` → `/steps/2/then`. */
export function pointer(base: string, ...keys: Array<string | number>): string {
  return keys.reduce<string>((acc, key) => `${acc}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`, base);
}

/** How a pointer reads in a message: the root pointer is the empty string, which reads as nothing. */
export function showPointer(path: string): string {
  return path === '' ? '(the whole definition)' : path;
}
