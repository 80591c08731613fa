import t from 'tap';
import { deriveAction } from '@dogan/tenants';
import { canonicalJson } from '../../tenants/src/audit/chain-hash.js';
import { maskSecrets } from '../../tenants/src/audit/mask-secrets.js';
import { actorFromLabel } from '../../tenants/src/audit/trail-entry.js';

/** The rules the audit trail names actions by, masks secrets by and hashes by: pure functions. */

t.test('an action and its target from the route’s URL pattern and method', async (t) => {
  const cases: Array<[string, string, string, string, string[]]> = [
    ['POST', '/api/v1/:tenant/workflows/:id/enable', 'workflows.enable', 'workflows', ['id']],
    ['PUT', '/api/v1/:tenant/email/settings', 'email.settings.update', 'email.settings', []],
    ['POST', '/api/v1/:tenant/workflows', 'workflows.create', 'workflows', []],
    ['PUT', '/api/v1/:tenant/workflows/:id', 'workflows.update', 'workflows', ['id']],
    ['PATCH', '/api/v1/:tenant/workflows/:id', 'workflows.update', 'workflows', ['id']],
    ['DELETE', '/api/v1/:tenant/webhooks/:id', 'webhooks.delete', 'webhooks', ['id']],
    ['POST', '/api/v1/:tenant/workflows/:id/runs/:runId/cancel', 'workflows.runs.cancel', 'runs', ['runId']],
    ['POST', '/api/v1/:tenant/workflows/:id/runs/:runId/approvals/:stepKey', 'workflows.runs.approvals.create', 'approvals', ['stepKey']],
    ['PUT', '/api/v1/:tenant/agents/teams/:teamId/members/:agentId', 'agents.teams.members.update', 'members', ['agentId']],
    ['POST', '/api/v1/:tenant/billing/subscription/cancel', 'billing.subscription.cancel.create', 'billing.subscription.cancel', []],
    ['POST', '/api/admin/tenants/:id/suspend', 'tenants.suspend', 'tenants', ['id']],
    ['PUT', '/api/admin/hijri-months/:year/:month', 'hijri-months.update', 'hijri-months', ['year', 'month']],
    ['POST', '/api/admin/billing/run', 'billing.run.create', 'billing.run', []],
    ['POST', '/api/v1/:tenant/apps/:moduleId/*', 'apps.create', 'apps', ['moduleId']],
    ['PUT', '/api/v1/:tenant/erpnext/documents/:doctype/:name', 'erpnext.documents.update', 'documents', ['doctype', 'name']],
    ['POST', '/api/v1/:tenant/Odd Segment/x', 'odd-segment.x.create', 'odd-segment.x', []],
  ];
  for (const [method, url, action, targetType, targetParams] of cases) {
    t.same(deriveAction(method, url), { action, targetType, targetParams }, `${method} ${url}`);
  }
});

t.test('secret-looking fields are masked at any depth; references to them are not', async (t) => {
  const at = new Date('2025-01-02T03:04:05.678Z');
  t.same(
    maskSecrets({ smtp: { host: 'mx', password: 'p', apiKey: 'k', keyId: 'id-1', tokenPrefix: 'dgn_1' }, webhookSecret: 's', list: [{ token: 't' }], at, gone: undefined, n: 1 }),
    { smtp: { host: 'mx', password: '********', apiKey: '********', keyId: 'id-1', tokenPrefix: 'dgn_1' }, webhookSecret: '********', list: [{ token: '********' }], at: at.toISOString(), n: 1 },
  );
  t.same(maskSecrets({ secret: null }), { secret: null }, 'an unset secret shows as unset');
});

t.test('canonical JSON: keys sorted at every depth, undefined left out', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: null }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[2,{"e":null,"f":1}]},"b":1}');
});

t.test('actors from the labels written before actors had kinds', async (t) => {
  t.same(actorFromLabel('platform-admin'), { kind: 'platform-admin', id: null });
  t.same(actorFromLabel('system:sweep'), { kind: 'system', id: 'sweep' });
  t.same(actorFromLabel('api-key:ab12cd34ef56'), { kind: 'key', id: 'ab12cd34ef56' });
  t.same(actorFromLabel('cli'), { kind: 'system', id: 'cli' });
  t.same(actorFromLabel('module:acme.crm'), { kind: 'module', id: 'acme.crm' });
});
