/**
 * The JSON Schema of a module manifest (`manifest.json`). It is the authority: the registry validates
 * uploads with it and the platform validates installs with it; `types.ts` mirrors it for TypeScript.
 * Checks JSON Schema cannot express (semver ranges, unique names, permissions a feature needs) live in
 * `validate-manifest.ts`.
 */

/** Categories a module can be listed under in the marketplace. */
export const MODULE_CATEGORIES = [
  'accounting',
  'ai',
  'analytics',
  'communication',
  'crm',
  'developer-tools',
  'ecommerce',
  'hr',
  'integration',
  'inventory',
  'localization',
  'marketing',
  'productivity',
  'sales',
  'other',
] as const;

/** `publisher.name`, both parts lowercase: the publisher's registry name, then the module's name. */
export const MODULE_ID_PATTERN = '^[a-z][a-z0-9-]{1,38}\\.[a-z][a-z0-9-]{0,62}$';
/** A publisher's registry name (the part of a module id before the dot). */
export const PUBLISHER_NAME_PATTERN = '^[a-z][a-z0-9-]{1,38}$';
// Semver 2.0.0 (from semver.org), so a schema-only consumer rejects "1.0" too.
const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';
const HANDLER_PATTERN = '^[A-Za-z_$][A-Za-z0-9_$]{0,63}$';
// Segments take dashes because module ids do, and a module's events are named under its id.
const EVENT_PATTERN = '^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)+$';
/**
 * What a module may emit: an event type, or a family of them ending in `.*` (`acme.tasks.*`); both
 * must lie under the module's own id, which validate-manifest.ts checks.
 */
const EMIT_PATTERN = '^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*(\\.\\*|(\\.[a-z][a-z0-9_-]*))$';
const NAME_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
// Scheme and host exact, `*` only at the end of the path; https only, so a granted URL cannot be downgraded.
const URL_PATTERN_PATTERN = '^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/[^\\s*?#]*\\*?$';
const ROUTE_PATH_PATTERN = '^/$|^(/([a-z0-9_.-]+|:[a-zA-Z][a-zA-Z0-9_]*))+$';
// Five cron fields of digits, `*`, `,`, `-`, `/`; value ranges are checked in validate-manifest.ts.
const CRON_PATTERN = '^[0-9*,/-]+( [0-9*,/-]+){4}$';
/**
 * A Frappe doctype name (`Sales Invoice`, `Item Price`): 1 to 140 letters, digits, spaces, `-` and
 * `_`, starting with a letter or digit (the ERPNext plugin checks the same on every operation).
 */
export const ERPNEXT_DOCTYPE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9 _-]{0,139}$';
/** What an `erpnext` permission allows on its doctypes; each level includes the ones before it. */
export const ERPNEXT_ACCESS_LEVELS = ['read', 'write', 'submit'] as const;
/** Whom an `email` permission lets a module write to: the tenant's own addresses, or anyone. */
export const EMAIL_RECIPIENT_SCOPES = ['tenant', 'any'] as const;

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const localized = (max: number) => ({
  type: 'object',
  additionalProperties: false,
  required: ['en', 'ar'],
  properties: { en: text(max), ar: text(max) },
});
const handler = { type: 'string', pattern: HANDLER_PATTERN };
const objectSchema = {
  type: 'object',
  required: ['type'],
  properties: { type: { const: 'object' } },
  description: 'A JSON Schema whose type is "object"',
};
const currency = { enum: ['SAR', 'USD'] };
// Minor units (halalas, cents): integers avoid floating-point money.
const amount = { type: 'integer', minimum: 1, maximum: 100_000_000 };

const pricing = {
  type: 'object',
  required: ['model'],
  discriminator: { propertyName: 'model' },
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['model'], properties: { model: { const: 'free' } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['model', 'amount', 'currency'],
      properties: { model: { const: 'one_time' }, amount, currency },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['model', 'interval', 'amount', 'currency'],
      properties: { model: { const: 'subscription' }, interval: { enum: ['month', 'year'] }, amount, currency },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['model', 'unit', 'amount', 'currency'],
      properties: { model: { const: 'per_use' }, unit: { type: 'string', pattern: NAME_PATTERN }, amount, currency },
    },
  ],
};

const permissionBase = {
  name: { type: 'string', pattern: NAME_PATTERN },
  required: { type: 'boolean' },
  description: localized(500),
};
const permission = (kind: string, extra: Record<string, unknown> = {}, extraRequired: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind', 'required', 'description', ...extraRequired],
  properties: { ...permissionBase, kind: { const: kind }, ...extra },
});
const permissions = {
  type: 'array',
  maxItems: 50,
  items: {
    type: 'object',
    required: ['kind'],
    discriminator: { propertyName: 'kind' },
    oneOf: [
      permission('storage'),
      permission(
        'http',
        {
          urls: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', maxLength: 500, pattern: URL_PATTERN_PATTERN } },
          methods: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] } },
        },
        ['urls', 'methods'],
      ),
      permission('events', { emit: { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', maxLength: 200, pattern: EMIT_PATTERN } } }, ['emit']),
      permission('schedules'),
      permission('agent-tools'),
      permission(
        'erpnext',
        {
          // read: list and get; write: also create, update and delete; submit: also submit and cancel.
          access: { enum: ERPNEXT_ACCESS_LEVELS },
          doctypes: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: ERPNEXT_DOCTYPE_PATTERN } },
        },
        ['access', 'doctypes'],
      ),
      // tenant: the tenant's own addresses only (its billing contact, its domains); any: anyone.
      permission('email', { recipients: { enum: EMAIL_RECIPIENT_SCOPES } }, ['recipients']),
    ],
  },
};

const collections = {
  type: 'array',
  maxItems: 50,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'schema'],
    properties: {
      name: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
      schema: objectSchema,
      indexes: {
        type: 'array',
        maxItems: 20,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['fields'],
          properties: {
            fields: { type: 'array', minItems: 1, maxItems: 8, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' } },
            unique: { type: 'boolean' },
          },
        },
      },
    },
  },
};

/** The manifest's JSON Schema (draft-07, with Ajv's `discriminator` keyword for clearer errors). */
export const manifestSchema = {
  $id: 'https://dogan.dev/schemas/module-manifest.json',
  title: 'ModuleManifest',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version', 'engine', 'name', 'description', 'category', 'pricing', 'permissions', 'collections', 'routes', 'events', 'jobs', 'agentTools', 'dependencies'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: MODULE_ID_PATTERN },
    version: { type: 'string', maxLength: 64, pattern: SEMVER_PATTERN },
    engine: { type: 'string', minLength: 1, maxLength: 100 },
    name: localized(80),
    description: localized(2000),
    category: { enum: MODULE_CATEGORIES },
    icon: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}\\.(png|svg)$' },
    pricing,
    permissions,
    collections,
    routes: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['method', 'path', 'handler'],
        properties: {
          method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          path: { type: 'string', maxLength: 200, pattern: ROUTE_PATH_PATTERN },
          handler,
          scope: { enum: ['read', 'write', 'admin'] },
        },
      },
    },
    events: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['event', 'handler'],
        properties: { event: { type: 'string', maxLength: 200, pattern: EVENT_PATTERN }, handler },
      },
    },
    jobs: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'cron', 'handler'],
        properties: { name: { type: 'string', pattern: NAME_PATTERN }, cron: { type: 'string', maxLength: 100, pattern: CRON_PATTERN }, handler },
      },
    },
    agentTools: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'description', 'parameters', 'handler'],
        properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' }, description: localized(1000), parameters: objectSchema, handler },
      },
    },
    settings: objectSchema,
    dependencies: {
      type: 'object',
      maxProperties: 50,
      propertyNames: { pattern: MODULE_ID_PATTERN },
      additionalProperties: { type: 'string', minLength: 1, maxLength: 100 },
    },
  },
} as const;
