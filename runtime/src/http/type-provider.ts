import type { FastifyTypeProvider } from 'fastify';

/**
 * The TypeScript type of what a JSON schema (written `as const`) admits, for the subset our routes
 * use: objects with `properties`, `required` and `additionalProperties`, arrays, strings (with `enum`
 * or `const`), numbers, integers, booleans, null and unions of types. A property with a `default` is
 * present after validation (Ajv's `useDefaults`), so it is not optional. Anything else is `unknown`.
 */
export type FromSchema<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: ReadonlyArray<infer E> }
    ? E
    : S extends { readonly type: infer T }
      ? T extends ReadonlyArray<infer U>
        ? U extends unknown
          ? FromType<U, S>
          : never
        : FromType<T, S>
      : unknown;

type FromType<T, S> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : T extends 'array'
          ? S extends { readonly items: infer I }
            ? Array<FromSchema<I>>
            : unknown[]
          : T extends 'object'
            ? FromObject<S>
            : unknown;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Named properties; an index signature (`Record<string, ...>` properties) is kept apart, or it would swallow them. */
type IsNamed<K> = string extends K ? false : number extends K ? false : true;
type RequiredNames<S> = S extends { readonly required: ReadonlyArray<infer R> } ? R : never;
type IsRequired<K, S, P> = K extends RequiredNames<S> ? true : K extends keyof P ? (P[K] extends { readonly default: unknown } ? true : false) : false;

type NamedProperties<S, P> = Simplify<
  { -readonly [K in keyof P as IsNamed<K> extends true ? (IsRequired<K, S, P> extends true ? K : never) : never]: FromSchema<P[K]> } & {
    -readonly [K in keyof P as IsNamed<K> extends true ? (IsRequired<K, S, P> extends true ? never : K) : never]?: FromSchema<P[K]>;
  }
>;
type IndexedProperties<P> = string extends keyof P ? { [name: string]: FromSchema<P[string & keyof P]> } : unknown;
/** `additionalProperties`: a schema types the other properties' values; true or absent admits any. */
type AdditionalProperties<S> = S extends { readonly additionalProperties: false } ? unknown : S extends { readonly additionalProperties: infer A } ? Record<string, A extends true ? unknown : FromSchema<A>> : unknown;

type FromObject<S> = S extends { readonly properties: infer P }
  ? NamedProperties<S, P> & IndexedProperties<P> & AdditionalProperties<S>
  : S extends { readonly additionalProperties: false }
    ? Record<string, never>
    : AdditionalProperties<S> & Record<string, unknown>;

/**
 * Types request parts from route schemas: `app.withTypeProvider<JsonSchemaTypeProvider>()` gives
 * handlers `request.params`, `request.body`, `request.query` and `request.headers` as their schemas
 * admit, without casts. Responses stay untyped (`unknown`): a handler returns what its JSON views
 * build, and the serializer checks the shape at run time.
 */
export interface JsonSchemaTypeProvider extends FastifyTypeProvider {
  readonly validator: FromSchema<this['schema']>;
  readonly serializer: unknown;
}
