import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function build(coerceTypes: false | 'array') {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, removeAdditional: false, strict: false, coerceTypes });
  addFormats(ajv);
  return ajv;
}

/**
 * Query strings, path parameters and headers are text on the wire, so their schemas coerce ("5" is
 * the integer 5). JSON bodies carry real types: `{"name": 42}` where a string is required is a client
 * error, not "42", so body schemas never coerce.
 */
export function installValidation(app: FastifyInstance): void {
  const coercing = build('array');
  const exact = build(false);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema));
}
