import AjvModule, { type ValidateFunction } from 'ajv';

// ajv is CommonJS; under NodeNext its default import is the module object holding the class.
type AjvClass = typeof AjvModule.default;
const Ajv: AjvClass = (AjvModule as unknown as { default?: AjvClass }).default ?? (AjvModule as unknown as AjvClass);
const ajv = new Ajv({ allErrors: true, strict: false });
/** Compiled schemas by identity: a tool's schema object lives as long as the tool. */
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Why a tool call's arguments do not fit the tool's JSON Schema, or undefined when they do. Checked
 * before anything runs: a model's malformed call is a result it reads and can correct, never a
 * half-run tool. Arguments the model sent as invalid JSON arrive as `{ __invalidJson }`.
 */
export function argumentProblems(schema: Readonly<Record<string, unknown>>, args: unknown): string | undefined {
  if (args !== null && typeof args === 'object' && '__invalidJson' in args) return 'they are not valid JSON';
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema as object);
    compiled.set(schema, validate);
  }
  if (validate(args ?? {})) return undefined;
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}
