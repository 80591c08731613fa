import { Validator } from '@seriousme/openapi-schema-validator';
import t from 'tap';
import { startFullKernel } from './helpers/full-kernel.js';

/**
 * Route policy is declared, and the declaration is what clients read: with every first-party plugin
 * loaded, every registered route (hidden ones too) declares a policy, and every operation of
 * `/docs/json` states it (`x-dogan-policy`) with the `security` requirement it means.
 */

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const SCOPES_BY_AUTH: Record<string, readonly string[]> = {
  public: ['public'],
  'platform-admin': ['admin'],
  tenant: ['read', 'write', 'admin'],
  route: ['read', 'write', 'admin'],
};
const SECURITY_BY_AUTH: Record<string, unknown> = {
  public: [],
  'platform-admin': [{ bearer: [] }],
  tenant: [{ bearer: [] }, { apiKey: [] }],
};

interface Operation {
  'x-dogan-policy'?: { auth: string; scope: string; credential?: string };
  security?: Array<Record<string, string[]>>;
}

t.test('every route declares a policy and every documented operation states its scope', async (t) => {
  const { kernel, routes } = await startFullKernel(t);
  t.ok(routes.length > 60, `the plugins registered their routes (${routes.length})`);
  t.same(routes.filter((r) => !r.policy).map((r) => `${r.method} ${r.url}`), [], 'no route without a policy');

  const res = await kernel.app.inject({ url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const doc = res.json() as { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
  const result = await new Validator().validate(doc as Parameters<Validator['validate']>[0]);
  t.ok(result.valid, `still valid OpenAPI: ${JSON.stringify(result.errors ?? []).slice(0, 2000)}`);

  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  );
  t.ok(operations.length > 60, `${operations.length} operations documented`);
  const byAuth: Record<string, number> = {};
  const wrong: string[] = [];
  for (const { name, op } of operations) {
    const policy = op['x-dogan-policy'];
    if (!policy) {
      wrong.push(`${name}: no x-dogan-policy`);
      continue;
    }
    byAuth[policy.auth] = (byAuth[policy.auth] ?? 0) + 1;
    if (!SCOPES_BY_AUTH[policy.auth]?.includes(policy.scope)) wrong.push(`${name}: auth ${policy.auth} with scope ${policy.scope}`);
    if (policy.auth === 'route') {
      if (!policy.credential) wrong.push(`${name}: a route-checked credential without its name`);
      for (const requirement of op.security ?? []) {
        for (const scheme of Object.keys(requirement)) if (!doc.components.securitySchemes[scheme]) wrong.push(`${name}: names undeclared scheme ${scheme}`);
      }
    } else if (JSON.stringify(op.security) !== JSON.stringify(SECURITY_BY_AUTH[policy.auth])) {
      wrong.push(`${name}: security ${JSON.stringify(op.security)} for auth ${policy.auth}`);
    }
  }
  t.same(wrong, [], 'every operation states a policy and the security it means');
  t.comment(`operations by auth: ${JSON.stringify(byAuth)}`);
  for (const auth of ['public', 'platform-admin', 'tenant', 'route']) t.ok(byAuth[auth], `operations with auth "${auth}" exist`);

  // Spot checks of what the declarations mean, one per kind of route.
  const policyOf = (method: string, path: string) => doc.paths[path]?.[method]?.['x-dogan-policy'];
  t.match(policyOf('get', '/api/v1/{tenant}/modules'), { auth: 'tenant', scope: 'read', metered: true });
  t.match(policyOf('post', '/api/v1/{tenant}/modules/{moduleId}/install'), { auth: 'tenant', scope: 'admin' });
  t.match(policyOf('post', '/api/v1/{tenant}/billing/subscription'), { auth: 'tenant', scope: 'admin', metered: false, allowStatuses: ['suspended', 'expired', 'cancelled'] });
  t.match(policyOf('post', '/api/admin/tenants'), { auth: 'platform-admin', scope: 'admin' });
  t.match(policyOf('post', '/api/webhooks/stripe'), { auth: 'route', credential: 'webhook-signature' });
  t.match(policyOf('put', '/registry/v1/packages/{id}/versions/{version}'), { auth: 'route', credential: 'publisher-token', scope: 'write' });
  t.same(doc.paths['/registry/v1/packages/{id}/versions/{version}']!.put!.security, [{ publisherToken: [] }], "a route-checked credential keeps the scheme the route names");
  t.match(policyOf('get', '/api/v1/system/status'), { auth: 'public', scope: 'public' });
  t.match(policyOf('get', '/health'), { auth: 'public', scope: 'public' });

  // Module routes are hidden from the document (a wildcard), but declare their policy like every route.
  const moduleRoutes = routes.filter((r) => r.url === '/api/v1/:tenant/apps/:moduleId/*');
  t.same(
    Object.fromEntries(moduleRoutes.map((r) => [r.method, r.policy?.auth === 'tenant' ? r.policy.scope : r.policy?.auth])),
    { GET: 'read', HEAD: 'read', POST: 'write', PUT: 'write', PATCH: 'write', DELETE: 'write' },
    "a module's routes: reads need the read scope, every other method the write scope",
  );
});
