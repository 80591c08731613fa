import AjvModule, { type ValidateFunction } from 'ajv';

// ajv is CommonJS; under NodeNext its default import is the module object holding the class.
type AjvClass = typeof AjvModule.default;
const Ajv: AjvClass = (AjvModule as unknown as { default?: AjvClass }).default ?? (AjvModule as unknown as AjvClass);
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });

/** Compiles a module-provided JSON schema (collection documents, settings). */
export function compileSchema(schema: unknown): ValidateFunction {
  return ajv.compile((schema ?? {}) as object);
}
