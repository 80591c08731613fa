import t from 'tap';
import type { Kernel } from '@dogan/runtime';
import { forEachEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN, startTestKernel } from '../helpers/kernel.js';
import { malformedRequest, routesOf, seededRandom, type FuzzContext, type Route } from './malformed-requests.js';

/**
 * 10,000 malformed requests over every route in `/docs/json` (and the notes module's routes, which a
 * module declares and the document hides), with every plugin loaded as `npm start` loads them: not
 * one may answer 5xx, and every refusal is a problem document. FUZZ_REQUESTS and FUZZ_SEED replay.
 */

const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

async function json(kernel: Kernel, method: string, url: string, key: string, body?: unknown) {
  const res = await kernel.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, payload: body as object | undefined });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

await forEachEngine(t, 'malformed requests across every documented route answer 4xx, never 5xx', async (t, engine) => {
  const kernel = await startTestKernel(t, { config: engine.config({ DOGAN_DEMO_TENANT: 'true' }) });
  const demoKey = /DOGAN_DEMO_KEY=(\S+)/.exec(kernel.host.announcements.join('\n'))?.[1];
  t.ok(demoKey, 'the demo tenant and its key exist');
  const demo = await json(kernel, 'GET', '/api/v1/tenant/info', demoKey!);
  const other = await json(kernel, 'POST', '/api/admin/tenants', TEST_ADMIN_TOKEN, { name: 'Other Co', subdomain: 'other' });
  t.equal(other.status, 201);
  const otherKey = await json(kernel, 'POST', `/api/admin/tenants/${other.body.id}/api-keys`, TEST_ADMIN_TOKEN, { name: 'fuzz' });
  const keys = await json(kernel, 'GET', '/api/v1/demo/api-keys', demoKey!);
  const tenantId = String((demo.body.tenant as { id?: string } | undefined)?.id ?? demo.body.id);

  const docs = await kernel.app.inject({ url: '/docs/json' });
  t.equal(docs.statusCode, 200, '/docs/json answers with every plugin loaded');
  const routes: Route[] = [
    ...routesOf(docs.json()),
    { method: 'POST', path: '/api/v1/{tenant}/apps/dogan.notes/notes', operation: { requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { text: { type: 'string' } } } } } } } },
    { method: 'GET', path: '/api/v1/{tenant}/apps/dogan.notes/notes', operation: {} },
  ];
  t.ok(routes.length > 60, `${routes.length} routes to fuzz`);
  const ctx: FuzzContext = {
    tenant: 'demo',
    tenantId,
    tenantKey: demoKey!,
    otherTenantKey: String(otherKey.body.key),
    adminToken: TEST_ADMIN_TOKEN,
    known: {
      id: [tenantId, 'demo'],
      tenantId: [tenantId],
      keyId: ((keys.body.items as Array<{ id: string }> | undefined) ?? []).map((k) => k.id),
      moduleId: ['dogan.notes'],
      ref: ['INV-1', tenantId],
      year: ['2025', '1446'],
      month: ['3'],
      country: ['SA'],
      name: ['dogan'],
      version: ['1.0.0'],
      tag: ['latest'],
    },
  };

  const rnd = seededRandom(SEED);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < TOTAL; i++) {
    const route = routes[i % routes.length]!;
    const req = malformedRequest(route, ctx, rnd);
    const res = await kernel.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const isProblem = String(res.headers['content-type'] ?? '').startsWith('application/problem+json');
    if (res.statusCode >= 500 || (res.statusCode >= 400 && !isProblem)) {
      if (failures.length < 25) failures.push(`#${i} ${req.method} ${req.url.slice(0, 160)} (${req.mutation}) -> ${res.statusCode} ${res.body.slice(0, 300)}`);
      else failures.push('');
    }
  }
  t.comment(`statuses: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  t.same(failures.filter(Boolean), [], `0 of ${TOTAL} malformed requests answered 5xx or a 4xx that is not a problem (seed ${SEED}; ${failures.length} failed)`);
});
