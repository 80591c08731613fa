/**
 * Errors are values with a stable code, in the manner of Fastify's `FST_ERR_*` table: each package
 * declares its errors once in an `errors.ts`, and the HTTP edge turns them into RFC 9457 problems.
 */

/** One row of a package's error table. */
export interface ErrorSpec {
  /** HTTP status the edge answers with. */
  readonly status: number;
  /** Short, stable, human title (the problem's `title`). */
  readonly title: string;
  /**
   * Message template for the problem's `detail`; `%s` placeholders are filled in order from the
   * arguments given to the factory, so a message can name the thing that was wrong.
   */
  readonly message: string;
}

/** Extra members an error may carry to the problem document (e.g. validation details). */
export type ProblemExtensions = Record<string, unknown>;

export class DoganError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly title: string;
  readonly extensions: ProblemExtensions | undefined;

  constructor(code: string, spec: ErrorSpec, detail: string, extensions?: ProblemExtensions, cause?: unknown) {
    super(detail, cause === undefined ? undefined : { cause });
    this.name = 'DoganError';
    this.code = code;
    this.statusCode = spec.status;
    this.title = spec.title;
    this.extensions = extensions;
  }
}

/** A factory that builds one kind of error; `code` and `spec` are there for tests and docs. */
export interface ErrorFactory {
  (...args: Array<string | number>): DoganError;
  readonly code: string;
  readonly spec: ErrorSpec;
  /** The same error with extension members (e.g. `{ errors: [...] }`) or a cause attached. */
  with(extensions: ProblemExtensions | undefined, ...args: Array<string | number>): DoganError;
  /** True when `err` was built by this factory. */
  is(err: unknown): err is DoganError;
}

function format(template: string, args: Array<string | number>): string {
  let i = 0;
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'));
}

/**
 * Builds a package's error table. Codes are the object's keys, so a code is written once and a
 * typo is a compile error wherever the error is thrown.
 */
export function defineErrors<K extends string>(table: Record<K, ErrorSpec>): Record<K, ErrorFactory> {
  const out = {} as Record<K, ErrorFactory>;
  for (const code of Object.keys(table) as K[]) {
    const spec = table[code];
    const build = (extensions: ProblemExtensions | undefined, args: Array<string | number>) =>
      new DoganError(code, spec, format(spec.message, args), extensions);
    const factory = Object.assign((...args: Array<string | number>) => build(undefined, args), {
      code,
      spec,
      with: (extensions: ProblemExtensions | undefined, ...args: Array<string | number>) => build(extensions, args),
      is: (err: unknown): err is DoganError => err instanceof DoganError && err.code === code,
    });
    out[code] = factory;
  }
  return out;
}

export function isDoganError(err: unknown): err is DoganError {
  return err instanceof DoganError;
}
