import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { runDoganModule } from '../registry/helpers/run-cli.js';
import { startFrappeSite } from '../simulators/frappe/index.js';

/**
 * `dogan-module test` runs a module's `erpnext` calls through the local platform's ERPNext plugin:
 * the capability is there, a test connects its tenant with `t.connectErpnext` (private addresses
 * allowed, the credentials checked with the site), and `DOGAN_TEST_ERPNEXT_*` connect every test's
 * tenant. No ERPNext answers here: the paths that need no site are what this file checks.
 */

const MANIFEST = {
  id: 'acme.erp-probe',
  version: '1.0.0',
  engine: '^0.1.0',
  name: { en: 'ERP probe', ar: 'مسبار' },
  description: { en: 'Exercises the ERPNext capability in the harness', ar: 'يختبر' },
  category: 'integration',
  pricing: { model: 'free' },
  permissions: [{ name: 'customers', kind: 'erpnext', required: true, description: { en: 'Read customers', ar: 'قراءة العملاء' }, access: 'read', doctypes: ['Customer'] }],
  collections: [],
  routes: [{ method: 'GET', path: '/customers/:doctype/:name', handler: 'customer' }],
  events: [],
  jobs: [],
  agentTools: [],
  dependencies: {},
};

const SOURCE = `import { erpnext } from 'dogan:module';

export const routes = {
  async customer(req) {
    try {
      return { status: 200, body: await erpnext.get(req.params.doctype, req.params.name) };
    } catch (err) {
      return { status: 409, body: { code: err.code, message: err.message } };
    }
  },
};
`;

const TESTS = `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

type Refusal = { code: string; message: string };

export default defineModuleTests({
  async 'a tenant without a connection gets ERPNEXT_NOT_CONNECTED'(t) {
    const res = await t.request('GET', '/customers/Customer/CUST-1');
    assert.equal(res.status, 409);
    assert.equal((res.body as Refusal).code, 'ERPNEXT_NOT_CONNECTED');
  },
  async 'an ungranted doctype is refused by the sandbox'(t) {
    assert.equal(((await t.request('GET', '/customers/Sales Order/SO-1')).body as Refusal).code, 'SANDBOX_PERMISSION_DENIED');
  },
  async 'connectErpnext checks the site, on a loopback address too'(t) {
    await assert.rejects(t.connectErpnext({ url: 'http://127.0.0.1:1', apiKey: 'key', apiSecret: 'secret' }), (err: { code?: string }) => {
      assert.equal(err.code, 'ERPNEXT_UNREACHABLE');
      return true;
    });
  },
});
`;

const made: string[] = [];
process.once('exit', () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function writeModule(tests = TESTS): string {
  const dir = mkdtempSync(join(tmpdir(), 'dogan-harness-erp-'));
  made.push(dir);
  for (const [path, content] of Object.entries({ 'manifest.json': JSON.stringify(MANIFEST), 'src/index.ts': SOURCE, 'test/erp.test.ts': tests })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

// The developer's own DOGAN_TEST_ERPNEXT_* must not reach these runs unless a test sets them.
const clean = { DOGAN_TEST_ERPNEXT_URL: '', DOGAN_TEST_ERPNEXT_API_KEY: '', DOGAN_TEST_ERPNEXT_API_SECRET: '', DOGAN_TEST_ERPNEXT_SITE_NAME: '' };

t.test("the local platform runs the erpnext capability and connects a test's tenant through the plugin", async (t) => {
  const res = await runDoganModule(['test'], { cwd: writeModule(), env: clean });
  t.equal(res.code, 0, res.stdout + res.stderr);
  t.match(res.stdout, /3 passed, 0 failed/);
  t.notMatch(res.stdout, /DOGAN_TEST_ERPNEXT_URL/, 'no site from the environment');
});

t.test('DOGAN_TEST_ERPNEXT_* connect every test tenant before the module is enabled', async (t) => {
  const dir = writeModule();
  const res = await runDoganModule(['test'], { cwd: dir, env: { ...clean, DOGAN_TEST_ERPNEXT_URL: 'http://127.0.0.1:1', DOGAN_TEST_ERPNEXT_API_KEY: 'key', DOGAN_TEST_ERPNEXT_API_SECRET: 'secret' } });
  t.equal(res.code, 1);
  t.match(res.stdout, /each test's tenant is connected to the ERPNext at http:\/\/127\.0\.0\.1:1 \(DOGAN_TEST_ERPNEXT_URL\)/);
  t.match(res.stdout, /✗ a tenant without a connection gets ERPNEXT_NOT_CONNECTED[^\n]*\n +could not connect the test tenant to the ERPNext of DOGAN_TEST_ERPNEXT_URL \(http:\/\/127\.0\.0\.1:1\)/);
  t.match(res.stdout, /0 passed, 3 failed/);

  const partial = await runDoganModule(['test'], { cwd: dir, env: { ...clean, DOGAN_TEST_ERPNEXT_URL: 'http://127.0.0.1:1', DOGAN_TEST_ERPNEXT_API_KEY: 'key' } });
  t.equal(partial.code, 1);
  t.match(partial.stdout + partial.stderr, /DOGAN_TEST_ERPNEXT_URL is set, but DOGAN_TEST_ERPNEXT_API_SECRET is not/);
});

// Module tests against a Frappe site: what a developer runs with DOGAN_TEST_ERPNEXT_* set to a real ERPNext.
const SITE_TESTS = `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

export default defineModuleTests({
  async 'reads a customer from the site'(t) {
    const res = await t.request('GET', '/customers/Customer/' + encodeURIComponent('Al Noor Trading'));
    assert.equal(res.status, 200);
    assert.equal((res.body as { customer_name: string }).customer_name, 'Al Noor Trading');
  },
  async 'a customer the site lacks is ERPNEXT_NOT_FOUND'(t) {
    const res = await t.request('GET', '/customers/Customer/Nobody');
    assert.equal((res.body as { code: string }).code, 'ERPNEXT_NOT_FOUND');
  },
});
`;

t.test('with DOGAN_TEST_ERPNEXT_* set to a Frappe site, module tests read through it', async (t) => {
  const site = await startFrappeSite();
  t.teardown(() => site.close());
  site.insertDirect('Customer', { customer_name: 'Al Noor Trading', customer_group: 'Commercial', territory: 'Saudi Arabia', customer_type: 'Company' });
  const res = await runDoganModule(['test'], { cwd: writeModule(SITE_TESTS), env: { ...clean, DOGAN_TEST_ERPNEXT_URL: site.url, DOGAN_TEST_ERPNEXT_API_KEY: site.apiKey, DOGAN_TEST_ERPNEXT_API_SECRET: site.apiSecret } });
  t.equal(res.code, 0, res.stdout + res.stderr);
  t.match(res.stdout, /2 passed, 0 failed/);
  t.notOk((res.stdout + res.stderr).includes(site.apiSecret), 'the secret is not printed');
  t.ok(site.requestLog.some((r) => r.path.startsWith('/api/resource/Customer/')), 'the module read the site');
});
