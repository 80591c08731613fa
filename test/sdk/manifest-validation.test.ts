import t from 'tap';
import { manifestSchema, validateManifest, type ModuleManifest } from '@dogan/module-manifest';
import { manifestFor } from '../registry/helpers/releases.js';

const full = {
  ...manifestFor('acme.full', '1.2.3-rc.1'),
  icon: 'icon.png',
  pricing: { model: 'per_use', unit: 'message', amount: 5, currency: 'SAR' },
  permissions: [
    { name: 'data', kind: 'storage', required: true, description: { en: 'a', ar: 'ب' } },
    { name: 'api', kind: 'http', required: false, description: { en: 'a', ar: 'ب' }, urls: ['https://api.example.com/v1/*'], methods: ['GET', 'POST'] },
    { name: 'ev', kind: 'events', required: true, description: { en: 'a', ar: 'ب' }, emit: ['acme.full.done'] },
    { name: 'cron', kind: 'schedules', required: true, description: { en: 'a', ar: 'ب' } },
    { name: 'tools', kind: 'agent-tools', required: true, description: { en: 'a', ar: 'ب' } },
    { name: 'erp', kind: 'erpnext', required: true, description: { en: 'a', ar: 'ب' }, access: 'read', doctypes: ['Sales Invoice'] },
  ],
  events: [{ event: 'tenant.updated', handler: 'onTenant' }],
  jobs: [{ name: 'nightly', cron: '0 2 * * 1-5', handler: 'nightly' }],
  agentTools: [{ name: 'find_invoice', description: { en: 'Find', ar: 'بحث' }, parameters: { type: 'object', properties: { q: { type: 'string' } } }, handler: 'find' }],
  settings: { type: 'object', properties: { apiKey: { type: 'string', secret: true } } },
  dependencies: { 'acme.base': '^1.0.0' },
} satisfies ModuleManifest;

t.test('a manifest using every feature is valid', async (t) => {
  const result = validateManifest(full);
  t.ok(result.ok, JSON.stringify(result));
  t.equal(manifestSchema.title, 'ModuleManifest');
});

const cases: Array<[string, (m: Record<string, unknown>) => void, string, RegExp?]> = [
  ['missing id', (m) => delete m.id, 'id', /required/],
  ['id without publisher', (m) => (m.id = 'notes'), 'id'],
  ['uppercase id', (m) => (m.id = 'Acme.Notes'), 'id'],
  ['version not semver', (m) => (m.version = '1.0'), 'version'],
  ['engine not a range', (m) => (m.engine = 'soon'), 'engine', /range/],
  ['Arabic name missing', (m) => (m.name = { en: 'x' }), 'name.ar', /required/],
  ['unknown category', (m) => (m.category = 'weapons'), 'category', /one of/],
  ['pricing model unknown', (m) => (m.pricing = { model: 'barter' }), 'pricing.model'],
  ['price not an integer', (m) => (m.pricing = { model: 'one_time', amount: 9.99, currency: 'SAR' }), 'pricing.amount', /integer/],
  ['http url not https', (m) => ((m.permissions as Array<Record<string, unknown>>)[1]!.urls = ['http://api.example.com/*']), 'permissions[1].urls[0]'],
  ['http without methods', (m) => delete (m.permissions as Array<Record<string, unknown>>)[1]!.methods, 'permissions[1].methods', /required/],
  ['erpnext access', (m) => ((m.permissions as Array<Record<string, unknown>>)[5]!.access = 'admin'), 'permissions[5].access', /one of: read, write, submit/],
  ['erpnext doctype characters', (m) => ((m.permissions as Array<Record<string, unknown>>)[5]!.doctypes = ['Sales Invoice', 'Item; DROP']), 'permissions[5].doctypes[1]', /doctype name/],
  ['erpnext doctype empty', (m) => ((m.permissions as Array<Record<string, unknown>>)[5]!.doctypes = ['']), 'permissions[5].doctypes[0]'],
  ['erpnext doctype starting with a space', (m) => ((m.permissions as Array<Record<string, unknown>>)[5]!.doctypes = [' Customer']), 'permissions[5].doctypes[0]'],
  ['erpnext doctype too long', (m) => ((m.permissions as Array<Record<string, unknown>>)[5]!.doctypes = ['D'.repeat(141)]), 'permissions[5].doctypes[0]'],
  ['erpnext without doctypes', (m) => ((m.permissions as Array<Record<string, unknown>>)[5]!.doctypes = []), 'permissions[5].doctypes'],
  ['route handler', (m) => (m.routes = [{ method: 'GET', path: '/x', handler: 'not valid' }]), 'routes[0].handler'],
  ['route method', (m) => (m.routes = [{ method: 'TRACE', path: '/x', handler: 'x' }]), 'routes[0].method'],
  ['bad cron', (m) => (m.jobs = [{ name: 'j', cron: '99 * * * *', handler: 'j' }]), 'jobs[0].cron', /0 to 59/],
  ['collection schema not object', (m) => (m.collections = [{ name: 'c', schema: { type: 'string' } }]), 'collections[0].schema.type'],
  ['index on unknown field', (m) => (m.collections = [{ name: 'c', schema: { type: 'object', properties: {} }, indexes: [{ fields: ['nope'] }] }]), 'collections[0].indexes[0].fields[0]'],
  ['tool parameters not a schema', (m) => ((m.agentTools as Array<Record<string, unknown>>)[0]!.parameters = { type: 'object', properties: 5 }), 'agentTools[0].parameters'],
  ['dependency range', (m) => (m.dependencies = { 'acme.base': 'latest!!' }), 'dependencies.acme.base'],
  ['dependency id', (m) => (m.dependencies = { base: '^1.0.0' }), 'dependencies.base'],
  ['jobs without schedules permission', (m) => (m.permissions = (m.permissions as Array<{ kind: string }>).filter((p) => p.kind !== 'schedules')), 'jobs', /schedules/],
  ['duplicate route', (m) => (m.routes = [{ method: 'GET', path: '/x', handler: 'a' }, { method: 'GET', path: '/x', handler: 'b' }]), 'routes', /twice/],
  ['unknown property', (m) => (m.homepage = 'x'), 'homepage', /not an accepted/],
];

for (const [name, mutate, field, message] of cases) {
  t.test(`${name}: the problem names ${field}`, async (t) => {
    const m = structuredClone(full) as unknown as Record<string, unknown>;
    mutate(m);
    const result = validateManifest(m);
    t.notOk(result.ok);
    if (result.ok) return;
    const hit = result.problems.find((p) => p.field === field);
    t.ok(hit, `problems: ${JSON.stringify(result.problems)}`);
    if (hit && message) t.match(hit.message, message);
  });
}

t.test('erpnext access is read, write or submit, on doctypes named as Frappe names them', async (t) => {
  for (const access of ['read', 'write', 'submit']) {
    const m = structuredClone(full) as unknown as { permissions: Array<Record<string, unknown>> };
    m.permissions[5]!.access = access;
    m.permissions[5]!.doctypes = ['Sales Invoice', 'Item_Price-2', 'D'.repeat(140)];
    const result = validateManifest(m);
    t.ok(result.ok, result.ok ? access : `${access}: ${JSON.stringify(result.problems)}`);
  }
});

t.test('non-objects are refused, never thrown', async (t) => {
  for (const v of [null, 42, 'x', [], undefined]) t.notOk(validateManifest(v).ok);
});
