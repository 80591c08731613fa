import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { manifest, startMarketKernel } from './helpers.js';

const settingsSchema = (secret: boolean) => ({
  type: 'object',
  additionalProperties: false,
  properties: { team: { type: 'string', maxLength: 20 }, token: { type: 'string', ...(secret ? { secret: true } : {}) } },
});

const routes = [
  { method: 'GET' as const, path: '/leak', handler: 'leak' },
  { method: 'GET' as const, path: '/fail', handler: 'fail' },
];

// A careless module: it logs its secret (in the message, in the data, inside a URL) and throws it.
const code = `import { defineModule, log, settings } from 'dogan:module';
const leak = async () => {
  const { token } = settings.get();
  log.info('connecting with key=' + token + ';', { token, url: 'https://api.example/?k=' + encodeURIComponent(token) });
  return { status: 200, body: { ok: true } };
};
const fail = async () => { throw new Error('upstream refused token ' + settings.get().token + '!'); };
export default defineModule({
  routes: { leak, fail },
  hooks: { async install() { if (settings.get().team === 'boom') throw new Error('cannot install with ' + settings.get().token); } },
});`;

const vaultV1 = { manifest: manifest({ id: 'acme.vault', version: '1.0.0', permissions: [], routes, settings: settingsSchema(true) }), code };
/** The next version forgets that `token` is a secret. */
const vaultV2 = { manifest: manifest({ id: 'acme.vault', version: '1.1.0', permissions: [], routes, settings: settingsSchema(false) }), code };
/** And the one after marks it secret again: rolling back from it would lose the protection. */
const vaultV3 = { manifest: manifest({ id: 'acme.vault', version: '1.2.0', permissions: [], routes, settings: settingsSchema(true) }), code };

const SECRET_A = 'tok-A/s3cret value+1';
// Four characters: short secrets are redacted too.
const SECRET_B = 'q7Zx';

void forEachEngine(t, 'a secret is never put in clear by an upgrade, and never shown in module logs or errors', async (t, engine) => {
  const { kernel, publish } = await startMarketKernel(t, {}, [], engine);
  const { app } = kernel;
  for (const release of [vaultV1, vaultV2, vaultV3]) await publish(release.manifest, release.code);
  const a = await createTenantWithKey(app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenantWithKey(app, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  type Who = typeof a;
  const req = (who: Who, method: string, path: string, payload?: unknown) =>
    app.inject({ method: method as 'GET', url: `/api/v1/${who.subdomain}${path}`, headers: who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const controlPlaneText = async () => JSON.stringify(await engine.controlPlaneRows('SELECT id, settings FROM marketplace_installs'));
  const logsOf = async (who: Who) => {
    const res = await req(who, 'GET', '/modules/acme.vault/logs');
    t.equal(res.statusCode, 200, res.body);
    return res.body;
  };

  await t.test('an install hook that throws its secret: the problem detail has it masked', async (t) => {
    const res = await req(a, 'POST', '/modules/acme.vault/install', { version: '1.0.0', grants: [], settings: { team: 'boom', token: SECRET_A } });
    t.equal(res.statusCode, 502, res.body);
    t.equal(res.json().code, 'MODULE_INSTALL_FAILED');
    t.notOk(res.body.includes(SECRET_A), 'the secret is not in the answer');
    t.match(res.json().detail, /cannot install with \*{8}/);
  });

  await t.test('both tenants install v1 with a secret', async (t) => {
    t.equal((await req(a, 'POST', '/modules/acme.vault/install', { version: '1.0.0', grants: [], settings: { team: 'ops', token: SECRET_A } })).statusCode, 201);
    t.equal((await req(b, 'POST', '/modules/acme.vault/install', { version: '1.0.0', grants: [], settings: { team: 'ops', token: SECRET_B } })).statusCode, 201);
    t.notOk((await controlPlaneText()).includes(SECRET_A), 'stored encrypted');
  });

  await t.test('what a module logs of its secret reaches the log endpoint masked', async (t) => {
    for (const [who, secret] of [[a, SECRET_A], [b, SECRET_B]] as const) {
      t.equal((await req(who, 'GET', '/apps/acme.vault/leak')).statusCode, 200);
      const body = await logsOf(who);
      t.notOk(body.includes(secret), `no ${secret} in the log`);
      t.notOk(body.includes(encodeURIComponent(secret)), 'nor its URL-encoded form');
      t.match(body, /key=\*{8};/, 'the value is replaced where it stood');
    }
    t.notOk((await logsOf(b)).includes(SECRET_A), "B's log never holds A's secret");
  });

  await t.test('what a module throws reaches the problem detail masked', async (t) => {
    for (const [who, secret] of [[a, SECRET_A], [b, SECRET_B]] as const) {
      const res = await req(who, 'GET', '/apps/acme.vault/fail');
      t.equal(res.statusCode, 502);
      t.notOk(res.body.includes(secret), res.body);
      t.match(res.json().detail, /upstream refused token \*{8}!/);
    }
  });

  await t.test('an upgrade that drops "secret": true is refused without consent, naming the setting', async (t) => {
    const res = await req(a, 'POST', '/modules/acme.vault/upgrade', { version: '1.1.0' });
    t.equal(res.statusCode, 409, res.body);
    t.match(res.json(), { code: 'MODULE_SECRET_DOWNGRADE', settings: ['token'], detail: /token/ });
    t.equal((await req(a, 'GET', '/modules/acme.vault')).json().installedVersion, '1.0.0', 'still on v1');
    t.same((await req(a, 'GET', '/modules/acme.vault/settings')).json().settings, { team: 'ops', token: '********' });
    t.notOk((await controlPlaneText()).includes(SECRET_A), 'nothing stored in clear');
  });

  await t.test('with consent the secret is discarded, never stored or shown in clear', async (t) => {
    const res = await req(a, 'POST', '/modules/acme.vault/upgrade', { version: '1.1.0', discardSecrets: ['token'] });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().version, '1.1.0');
    const settings = await req(a, 'GET', '/modules/acme.vault/settings');
    t.same(settings.json().settings, { team: 'ops' }, 'the secret is gone, the rest carried over');
    t.notOk(settings.body.includes(SECRET_A));
    t.notOk((await controlPlaneText()).includes(SECRET_A), 'not in the control plane');
  });

  await t.test('a rollback to a version that does not mark the secret is refused the same way', async (t) => {
    const secret = 'tok-A-second-secret';
    t.equal((await req(a, 'PUT', '/modules/acme.vault/settings', { team: 'ops', token: 'not-yet-secret' })).statusCode, 200);
    t.equal((await req(a, 'POST', '/modules/acme.vault/upgrade', { version: '1.2.0' })).statusCode, 200, 'a field becoming secret needs no consent');
    t.equal((await req(a, 'PUT', '/modules/acme.vault/settings', { team: 'ops', token: secret })).statusCode, 200);
    const refused = await req(a, 'POST', '/modules/acme.vault/rollback');
    t.equal(refused.statusCode, 409, refused.body);
    t.match(refused.json(), { code: 'MODULE_SECRET_DOWNGRADE', settings: ['token'] });
    t.equal((await req(a, 'GET', '/modules/acme.vault')).json().installedVersion, '1.2.0');
    const rolled = await req(a, 'POST', '/modules/acme.vault/rollback', { discardSecrets: ['token'] });
    t.equal(rolled.statusCode, 200, rolled.body);
    t.equal(rolled.json().version, '1.1.0');
    t.same((await req(a, 'GET', '/modules/acme.vault/settings')).json().settings, { team: 'ops' });
    t.notOk((await controlPlaneText()).includes(secret));
  });

  await t.test('B, untouched, keeps its version, its masked secret and its working routes', async (t) => {
    t.equal((await req(b, 'GET', '/modules/acme.vault')).json().installedVersion, '1.0.0');
    t.same((await req(b, 'GET', '/modules/acme.vault/settings')).json().settings, { team: 'ops', token: '********' });
    t.equal((await req(b, 'GET', '/apps/acme.vault/leak')).statusCode, 200);
  });
});
