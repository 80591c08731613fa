import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { firstNulPath } from './nul-guard.js';

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

/**
 * Query strings, path parameters and headers are text on the wire, so their schemas coerce ("5" is
 * the integer 5). JSON bodies carry real types: `{"name": 42}` where a string is required is a client
 * error, not "42", so body schemas never coerce. Every part refuses U+0000, which PostgreSQL cannot
 * store in text and no client means to send: it is a 400 at the door, not a 500 at the database.
 */
export function installValidation(app: FastifyInstance): void {
  const coercing = build('array');
  const exact = build(false);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate = (httpPart === 'body' ? exact : coercing).compile(schema);
    const guarded: ValidatorResult = (data: unknown) => {
      const nul = firstNulPath(data);
      if (nul !== undefined) {
        guarded.errors = [{ instancePath: nul, schemaPath: '#', keyword: 'nul', message: 'must not contain the NUL character (U+0000)', params: {} }];
        return false;
      }
      const ok = validate(data);
      guarded.errors = validate.errors as FastifySchemaValidationError[] | null | undefined;
      return ok;
    };
    return guarded;
  });
}
