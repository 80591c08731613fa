/**
 * Typed descriptions of environment variables. Each parser returns the value or throws a message that
 * says what is wrong, so the loader can name the variable and the problem in one line.
 */

export interface VariableSpec<T> {
  readonly kind: string;
  readonly description: string;
  /** Shown masked by `dogan config` and never logged. */
  readonly secret: boolean;
  /** Example for `.env.example`; defaults to the default value. */
  readonly example?: string;
  /** The default as the operator would write it, for docs; undefined when there is none. */
  readonly defaultText?: string;
  parse(raw: string | undefined, resolved: Readonly<Record<string, unknown>>): T;
}

interface Common {
  description: string;
  secret?: boolean;
  example?: string;
}

function spec<T>(kind: string, c: Common, defaultText: string | undefined, parse: VariableSpec<T>['parse']): VariableSpec<T> {
  return { kind, description: c.description, secret: c.secret ?? false, example: c.example, defaultText, parse };
}

export function str(c: Common & { default: string | ((r: Readonly<Record<string, unknown>>) => string); pattern?: RegExp }): VariableSpec<string> {
  const text = typeof c.default === 'string' ? c.default : undefined;
  return spec('string', c, text, (raw, resolved) => {
    const value = raw === undefined || raw === '' ? (typeof c.default === 'string' ? c.default : c.default(resolved)) : raw;
    if (c.pattern && !c.pattern.test(value)) throw new Error(`must match ${c.pattern}`);
    return value;
  });
}

export function optionalStr(c: Common & { pattern?: RegExp }): VariableSpec<string | undefined> {
  return spec('string', c, undefined, (raw) => {
    if (raw === undefined || raw === '') return undefined;
    if (c.pattern && !c.pattern.test(raw)) throw new Error(`must match ${c.pattern}`);
    return raw;
  });
}

export function int(c: Common & { default: number; min: number; max: number }): VariableSpec<number> {
  return spec('integer', c, String(c.default), (raw) => {
    if (raw === undefined || raw === '') return c.default;
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < c.min || n > c.max) throw new Error(`must be between ${c.min} and ${c.max}, got ${n}`);
    return n;
  });
}

/** A whole number that may be left unset (the consumer then applies its own default). */
export function optionalInt(c: Common & { min: number; max: number; defaultText?: string }): VariableSpec<number | undefined> {
  return spec('integer', c, c.defaultText, (raw) => {
    if (raw === undefined || raw === '') return undefined;
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < c.min || n > c.max) throw new Error(`must be between ${c.min} and ${c.max}, got ${n}`);
    return n;
  });
}

export function bool(c: Common & { default: boolean }): VariableSpec<boolean> {
  return spec('boolean', c, String(c.default), (raw) => {
    if (raw === undefined || raw === '') return c.default;
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error(`must be true or false, got "${raw}"`);
  });
}

export function oneOf<const T extends string>(c: Common & { default: T; values: readonly T[] }): VariableSpec<T> {
  return spec(`one of ${c.values.join(', ')}`, c, c.default, (raw) => {
    if (raw === undefined || raw === '') return c.default;
    const v = raw.trim() as T;
    if (!c.values.includes(v)) throw new Error(`must be one of ${c.values.join(', ')}, got "${raw}"`);
    return v;
  });
}

export function optionalUrl(c: Common & { protocols: readonly string[] }): VariableSpec<string | undefined> {
  return spec(`URL (${c.protocols.join(', ')})`, c, undefined, (raw) => {
    if (raw === undefined || raw === '') return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error('must be a URL such as ' + (c.example ?? `${c.protocols[0]}//host`));
    }
    if (!c.protocols.includes(url.protocol)) throw new Error(`must use ${c.protocols.join(' or ')}, got ${url.protocol}`);
    return raw;
  });
}

/** Hides the password of a URL and the whole of a secret, for `dogan config` and logs. */
export function maskValue(value: unknown, secret: boolean): unknown {
  if (value === undefined) return undefined;
  if (secret) return '********';
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      if (url.password) url.password = '********';
      return url.toString();
    } catch {
      return value;
    }
  }
  return value;
}
