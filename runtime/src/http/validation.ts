import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { firstNonFinitePath, firstNulPath } from './nul-guard.js';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** True for a time zone the runtime's ICU knows (IANA names such as "Asia/Riyadh", and "UTC"). */
export function isTimeZone(value: string): boolean {
  if (value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function build(coerceTypes: false | 'array') {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, removeAdditional: false, strict: false, coerceTypes });
  addFormats(ajv);
  // One rule for every route that takes a time zone, so a tenant cannot be created with one that its
  // calendar routes would then refuse.
  ajv.addFormat('time-zone', { type: 'string', validate: isTimeZone });
  return ajv;
}

interface ValidatorResult {
  (data: unknown): boolean;
  errors?: FastifySchemaValidationError[] | null;
}

/** Route validators compiled on first use, and the ones not used yet compiled when the server is idle. */
export interface RouteValidators {
  /**
   * Compiles every validator not compiled yet, yielding to the event loop between routes; resolves to
   * how many it compiled. A schema that does not compile rejects (it would have failed its first request).
   */
  compileRemaining(): Promise<number>;
}

/**
 * Query strings, path parameters and headers are text on the wire, so their schemas coerce ("5" is
 * the integer 5). JSON bodies carry real types: `{"name": 42}` where a string is required is a client
 * error, not "42", so body schemas never coerce. Every part refuses U+0000, which PostgreSQL cannot
 * store in text and no client means to send: it is a 400 at the door, not a 500 at the database.
 *
 * Validators compile on their first request, not at start: compiling every route's schemas took about
 * a quarter of the platform's start-up. `compileRemaining` (called once the server listens) compiles
 * the rest in the background, so a schema that does not compile still shows at start, in the log.
 */
export function installValidation(app: FastifyInstance): RouteValidators {
  const coercing = build('array');
  const exact = build(false);
  const pending = new Set<() => unknown>();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    let validate: ReturnType<typeof exact.compile> | undefined;
    const compile = () => {
      pending.delete(compile);
      return (validate ??= (httpPart === 'body' ? exact : coercing).compile(schema));
    };
    pending.add(compile);
    const guarded: ValidatorResult = (data: unknown) => {
      const nul = firstNulPath(data);
      if (nul !== undefined) {
        guarded.errors = [{ instancePath: nul, schemaPath: '#', keyword: 'nul', message: 'must not contain the NUL character (U+0000)', params: {} }];
        return false;
      }
      const check = compile();
      const ok = check(data);
      guarded.errors = check.errors as FastifySchemaValidationError[] | null | undefined;
      if (!ok) return false;
      // After the check: coercion is what turns the text "1e309" into Infinity.
      const infinite = firstNonFinitePath(data);
      if (infinite !== undefined) {
        guarded.errors = [{ instancePath: infinite, schemaPath: '#', keyword: 'finite', message: 'must be a finite number', params: {} }];
        return false;
      }
      return true;
    };
    return guarded;
  });
  return {
    async compileRemaining() {
      let compiled = 0;
      for (const compile of [...pending]) {
        compile();
        compiled++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return compiled;
    },
  };
}
