import t from 'tap';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { startFullKernel } from './helpers/full-kernel.js';

/**
 * Route validators compile on first use (start-up does not pay for them), so a schema that cannot
 * compile would show only at its route's first request: with every first-party plugin loaded, all of
 * them compile, and compiling them again finds none left.
 */
t.test("every route's request schemas compile", async (t) => {
  const { kernel, routes } = await startFullKernel(t);
  const compiled = await kernel.validators.compileRemaining();
  t.ok(compiled > routes.length / 2, `${compiled} validators compiled for ${routes.length} routes`);
  t.equal(await kernel.validators.compileRemaining(), 0, 'none left after');
});

t.test('a route validates on its first request, before any background compile', async (t) => {
  const { kernel } = await startFullKernel(t);
  // A body that breaks the schema of a route nobody has called: refused with the route's rule, not let through.
  const res = await kernel.app.inject({ method: 'POST', url: '/api/admin/tenants', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, payload: { name: 42 } });
  t.not(res.statusCode, 201, 'not created');
  t.equal(res.statusCode, 400, 'refused by the schema');
  t.equal(res.json().code, 'VALIDATION_FAILED');
});
