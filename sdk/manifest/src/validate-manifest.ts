import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import semver from 'semver';
import { inModuleNamespace, moduleEventPrefix, PLATFORM_EVENT_NAMESPACES } from './event-namespace.js';
import { ERPNEXT_DOCTYPE_PATTERN, manifestSchema, MODULE_ID_PATTERN } from './schema.js';
import type { ModuleManifest, Permission } from './types.js';

/** One problem in a manifest: `field` is a path such as `permissions[1].urls[0]`. */
export interface ManifestProblem {
  readonly field: string;
  readonly message: string;
}

/** The outcome of {@link validateManifest}: the typed manifest, or every problem found. */
export type ManifestValidation =
  | { readonly ok: true; readonly manifest: ModuleManifest }
  | { readonly ok: false; readonly problems: readonly ManifestProblem[] };

let compiled: { ajv: Ajv; check: ValidateFunction } | undefined;

/**
 * Ajv and the manifest schema's validator, made on first use: compiling the schema takes some 200 ms,
 * which every platform start paid at import before any manifest was read.
 */
function validator(): { ajv: Ajv; check: ValidateFunction } {
  if (!compiled) {
    // verbose: a discriminator error then carries its schema, whose branches are the values accepted.
    const ajv = new Ajv({ allErrors: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
    compiled = { ajv, check: ajv.compile(manifestSchema) };
  }
  return compiled;
}

function pathOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** Plain words for the patterns authors meet most. */
const PATTERN_HINTS: Record<string, string> = {
  [MODULE_ID_PATTERN]: 'must be "publisher.name" in lowercase letters, digits and dashes, e.g. "acme.notes"',
  [manifestSchema.properties.version.pattern]: 'must be a semver version such as 1.0.0',
  [manifestSchema.properties.icon.pattern]: 'must be a .png or .svg file name in the package, e.g. icon.png',
  [ERPNEXT_DOCTYPE_PATTERN]: 'must be an ERPNext doctype name: 1 to 140 letters, digits, spaces, hyphens or underscores, e.g. "Sales Invoice"',
};

/** The values a tagged union accepts for its tag (`permissions[].kind`, `pricing.model`), in schema order. */
function acceptedTags(error: ErrorObject, tag: string): string[] {
  const branches = (error.parentSchema as { oneOf?: Array<{ properties?: Record<string, { const?: unknown }> }> } | undefined)?.oneOf ?? [];
  return branches.map((b) => b.properties?.[tag]?.const).filter((v): v is string => typeof v === 'string');
}

function describe(error: ErrorObject): ManifestProblem {
  const base = pathOf(error.instancePath);
  const join = (leaf: string) => (base ? `${base}.${leaf}` : leaf);
  switch (error.keyword) {
    case 'required':
      return { field: join(String(error.params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { field: join(String(error.params.additionalProperty)), message: 'is not an accepted property' };
    case 'enum':
      return { field: base || 'manifest', message: `must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}` };
    case 'discriminator': {
      const tag = String(error.params.tag);
      // A missing tag is reported by `required` too; say it once.
      if (error.params.tagValue === undefined) return { field: join(tag), message: 'is required' };
      return { field: join(tag), message: `must be one of: ${acceptedTags(error, tag).join(', ')} (got ${JSON.stringify(error.params.tagValue)})` };
    }
    case 'pattern':
      return { field: base || 'manifest', message: PATTERN_HINTS[String(error.params.pattern)] ?? `must match ${String(error.params.pattern)}` };
    case 'propertyNames':
      return { field: join(String(error.params.propertyName)), message: 'is not a module id (publisher.name)' };
    default:
      return { field: base || 'manifest', message: error.message ?? 'is invalid' };
  }
}

/** Features a module declares need the permission that lets it use them; say so at publish, not at run time. */
const FEATURE_PERMISSIONS: Array<[keyof ModuleManifest, Permission['kind']]> = [
  ['collections', 'storage'],
  ['jobs', 'schedules'],
  ['agentTools', 'agent-tools'],
];

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

const CRON_RANGES: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

function cronProblem(cron: string): string | undefined {
  const fields = cron.split(' ');
  for (const [i, field] of fields.entries()) {
    const [min, max] = CRON_RANGES[i]!;
    for (const part of field.split(',')) {
      const [range, step] = part.split('/');
      if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `field ${i + 1} has a bad step "${part}"`;
      if (range === '*') continue;
      const bounds = (range ?? '').split('-');
      if (bounds.length > 2 || bounds.some((b) => !/^\d+$/.test(b) || Number(b) < min || Number(b) > max)) {
        return `field ${i + 1} must be * or numbers from ${min} to ${max}, got "${part}"`;
      }
    }
  }
  return undefined;
}

/** A module emits only under its own id, and its publisher may not be a platform event namespace. */
function eventNamespaceProblems(m: ModuleManifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const publisher = m.id.split('.')[0]!;
  if (PLATFORM_EVENT_NAMESPACES.includes(publisher)) {
    problems.push({ field: 'id', message: `cannot start with "${publisher}.": event types under it belong to the platform (reserved: ${PLATFORM_EVENT_NAMESPACES.join(', ')})` });
  }
  const prefix = moduleEventPrefix(m.id);
  m.permissions.forEach((p, i) => {
    if (p.kind !== 'events') return;
    p.emit.forEach((pattern, j) => {
      if (inModuleNamespace(m.id, pattern)) return;
      problems.push({
        field: `permissions[${i}].emit[${j}]`,
        message: `must start with "${prefix}"; "${pattern}" is not this module's to emit (e.g. "${prefix}done" or "${prefix}*"; platform events are published only by the platform)`,
      });
    });
  });
  return problems;
}

/** The checks JSON Schema cannot express. */
function semanticProblems(m: ModuleManifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (!semver.valid(m.version)) add('version', 'must be a semver version such as 1.0.0');
  if (!semver.validRange(m.engine)) add('engine', 'must be a semver range of Dogan engine versions, such as ^0.1.0');
  for (const [dep, range] of Object.entries(m.dependencies)) {
    if (dep === m.id) add(`dependencies.${dep}`, 'a module cannot depend on itself');
    else if (!semver.validRange(range)) add(`dependencies.${dep}`, `must be a semver range, got "${range}"`);
  }
  const granted = new Set(m.permissions.map((p) => p.kind));
  for (const [feature, kind] of FEATURE_PERMISSIONS) {
    if ((m[feature] as unknown[]).length > 0 && !granted.has(kind)) add(feature, `needs a permission of kind "${kind}"`);
  }
  if (m.events.length > 0 && !granted.has('events')) add('events', 'needs a permission of kind "events"');
  problems.push(...eventNamespaceProblems(m));
  const unique: Array<[string, string[]]> = [
    ['permissions', m.permissions.map((p) => p.name)],
    ['collections', m.collections.map((c) => c.name)],
    ['routes', m.routes.map((r) => `${r.method} ${r.path}`)],
    ['jobs', m.jobs.map((j) => j.name)],
    ['agentTools', m.agentTools.map((t) => t.name)],
  ];
  for (const [field, names] of unique) {
    for (const dup of duplicates(names)) add(field, `declares "${dup}" twice`);
  }
  m.routes.forEach((route, i) => {
    // A write may not be opened to read-only keys: the platform refuses them before the module runs.
    if (route.scope === 'read' && route.method !== 'GET') add(`routes[${i}].scope`, `a ${route.method} route needs at least the "write" scope; "read" would let read-only keys change data`);
  });
  m.jobs.forEach((job, i) => {
    const problem = cronProblem(job.cron);
    if (problem) add(`jobs[${i}].cron`, problem);
  });
  const schemas: Array<[string, unknown]> = [
    ...m.collections.map((c, i) => [`collections[${i}].schema`, c.schema] as [string, unknown]),
    ...m.agentTools.map((t, i) => [`agentTools[${i}].parameters`, t.parameters] as [string, unknown]),
    ...(m.settings ? [['settings', m.settings] as [string, unknown]] : []),
  ];
  const { ajv } = validator();
  for (const [field, schema] of schemas) {
    if (!ajv.validateSchema(schema as object)) add(field, `is not a valid JSON Schema: ${ajv.errorsText(ajv.errors, { dataVar: 'schema' })}`);
  }
  m.collections.forEach((c, i) => {
    const props = (c.schema as { properties?: Record<string, unknown> }).properties ?? {};
    c.indexes?.forEach((index, j) =>
      index.fields.forEach((f, k) => {
        if (!(f in props)) add(`collections[${i}].indexes[${j}].fields[${k}]`, `"${f}" is not a property of the collection's schema`);
      }),
    );
  });
  return problems;
}

function unique(problems: ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}\u0000${p.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * Validates a parsed `manifest.json` against {@link manifestSchema} and the rules a schema cannot
 * express. Every problem names its field, so an author fixes them all in one pass.
 *
 * @example
 * const result = validateManifest(JSON.parse(text));
 * if (!result.ok) for (const p of result.problems) console.error(`${p.field}: ${p.message}`);
 */
export function validateManifest(value: unknown): ManifestValidation {
  const { check } = validator();
  if (!check(value)) {
    const problems = unique((check.errors ?? []).map(describe));
    // Ajv reports a failed oneOf branch and its cause; keep the cause, which names the field.
    const useful = problems.filter((p: ManifestProblem) => !/must match exactly one schema/.test(p.message));
    return { ok: false, problems: useful.length > 0 ? useful : problems };
  }
  const manifest = value as unknown as ModuleManifest;
  const problems = semanticProblems(manifest);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, manifest };
}

/** One line per problem, for CLI output and problem details. */
export function formatManifestProblems(problems: readonly ManifestProblem[]): string {
  return problems.map((p) => `${p.field} ${p.message}`).join('; ');
}
