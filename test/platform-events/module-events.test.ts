import t from 'tap';
import { PLATFORM_EVENT_TYPES } from '@dogan/runtime';
import { MODULE_EVENT_TYPES } from '../../plugins/marketplace/src/index.js';
import { forEachEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { tasksV1, tasksV2, tasksV3Broken } from '../marketplace/fixtures.js';
import { startMarketKernel } from '../marketplace/helpers.js';
import { recordingOutbox } from './helpers/recording-outbox.js';

/**
 * The marketplace records `module.*` with the write that ends each operation: once per operation,
 * with the module, version and grants, settings changes by name only (some are secret), and nothing
 * for an operation that failed and was put back.
 */

t.test('every type recorded here is in the kernel catalog of platform event types', async (t) => {
  for (const type of MODULE_EVENT_TYPES) t.ok(type in PLATFORM_EVENT_TYPES, type);
});

void forEachEngine(t, 'module operations are recorded once with their outcome; failed ones say nothing', async (t, engine) => {
  const outbox = recordingOutbox();
  const { kernel, publish } = await startMarketKernel(t, {}, [outbox.plugin], engine);
  const { app } = kernel;
  for (const release of [tasksV1, tasksV2, tasksV3Broken]) await publish(release.manifest, release.code);
  const a = await createTenantWithKey(app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenantWithKey(app, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  const req = (method: string, path: string, payload?: unknown) =>
    app.inject({ method: method as 'GET', url: `/api/v1/${a.subdomain}${path}`, headers: a.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const moduleEvents = async () => (await outbox.recorded('module.*')).filter((e) => e.tenantId === a.id);
  const last = async () => (await moduleEvents()).at(-1);

  // An install whose recording fails is put back: not installed, nothing said.
  outbox.failNext('module.installed');
  const failed = await req('POST', '/modules/acme.tasks/install', { version: '1.0.0', grants: ['store'], settings: { team: 'ops', token: 's3cret' } });
  t.match({ status: failed.statusCode, body: failed.json() }, { status: 502, body: { code: 'MODULE_INSTALL_FAILED', detail: /record-install/ } }, 'the install fails at its record step');
  t.equal((await req('GET', '/modules/acme.tasks')).json().status, 'available', 'the failed install left nothing');
  t.equal((await req('GET', '/apps/acme.tasks/tasks')).statusCode, 404);
  t.same(await moduleEvents(), []);

  t.equal((await req('POST', '/modules/acme.tasks/install', { version: '1.0.0', grants: ['store'], settings: { team: 'ops', token: 's3cret' } })).statusCode, 201);
  t.match(await moduleEvents(), [{ type: 'module.installed', version: 1, tenantId: a.id, payload: { moduleId: 'acme.tasks', version: '1.0.0', status: 'installed', grants: ['store'] } }]);

  t.equal((await req('PUT', '/modules/acme.tasks/settings', { team: 'sales', token: 'n3w-secret' })).statusCode, 200);
  const settings = await last();
  t.match(settings, { type: 'module.settings_changed', payload: { moduleId: 'acme.tasks', version: '1.0.0', changedSettings: ['team', 'token'] } });
  t.notMatch(JSON.stringify(settings), /s3cret|n3w-secret|sales|dgnenc/, 'names only: no value, clear or encrypted');
  const count = (await moduleEvents()).length;
  t.equal((await req('PUT', '/modules/acme.tasks/settings', { team: 'sales', token: '********' })).statusCode, 200);
  t.equal((await moduleEvents()).length, count, 'settings saved unchanged say nothing');

  outbox.failNext('module.upgraded');
  const failedUpgrade = await req('POST', '/modules/acme.tasks/upgrade', { version: '1.1.0', grants: ['notify'] });
  t.equal(failedUpgrade.statusCode, 502, failedUpgrade.body);
  t.equal((await req('GET', '/modules/acme.tasks')).json().installedVersion, '1.0.0', 'the upgrade rolled back with its event');
  t.equal((await moduleEvents()).length, count);

  t.equal((await req('POST', '/modules/acme.tasks/upgrade', { version: '1.1.0', grants: ['notify'] })).statusCode, 200);
  t.match(await last(), { type: 'module.upgraded', payload: { version: '1.1.0', previousVersion: '1.0.0', grants: ['store', 'notify'] } });
  t.equal((await req('POST', '/modules/acme.tasks/upgrade', { version: '1.2.0' })).statusCode, 502, 'an upgrade whose hook throws...');
  t.equal((await last())!.type, 'module.upgraded', '...says nothing');
  t.equal((await req('POST', '/modules/acme.tasks/rollback')).statusCode, 200);
  t.match(await last(), { type: 'module.rolled_back', payload: { version: '1.0.0', previousVersion: '1.1.0', grants: ['store'] } });

  t.equal((await req('POST', '/modules/acme.tasks/disable')).statusCode, 200);
  t.match(await last(), { type: 'module.disabled', payload: { status: 'disabled' } });
  t.equal((await req('POST', '/modules/acme.tasks/disable')).statusCode, 200);
  t.equal((await moduleEvents()).filter((e) => e.type === 'module.disabled').length, 1, 'disabling a disabled module says nothing');
  t.equal((await req('POST', '/modules/acme.tasks/enable')).statusCode, 200);
  t.match(await last(), { type: 'module.enabled', payload: { status: 'installed' } });

  t.equal((await req('DELETE', '/modules/acme.tasks')).statusCode, 204);
  t.match(await last(), { type: 'module.uninstalled', payload: { moduleId: 'acme.tasks', version: '1.0.0', status: 'uninstalled', purged: false } });
  t.equal((await req('POST', '/modules/acme.tasks/install', { version: '1.0.0', grants: ['store'] })).statusCode, 201);
  t.equal((await req('DELETE', '/modules/acme.tasks?purge=true')).statusCode, 204);
  t.match(await last(), { type: 'module.uninstalled', payload: { purged: true } });

  t.same(
    (await moduleEvents()).map((e) => e.type),
    ['module.installed', 'module.settings_changed', 'module.upgraded', 'module.rolled_back', 'module.disabled', 'module.enabled', 'module.uninstalled', 'module.installed', 'module.uninstalled'],
    'each operation once, in order',
  );
  t.same((await outbox.recorded('module.*')).filter((e) => e.tenantId === b.id), [], 'tenant B, which did nothing, is in no module event');
});
