import t from 'tap';
import type { ModuleManifest } from '@dogan/module-manifest';
import type { PluginDefinition } from '@dogan/runtime';
import { createModulesPlugin, moduleFromSource, modulesRuntimeRef, resolveGrants } from '@dogan/plugin-modules';
import { forEachEngine } from '../helpers/engines.js';
import { manifestFor } from '../registry/helpers/releases.js';
import { caller, createTenant, messageIn, startEmailKernel, useSink } from './helpers.js';
import { startSmtpSink } from './smtp-sink.js';

/**
 * `email.send` from the sandbox, as tenants meet it: a module granted `email` with `recipients:
 * tenant` writes to the tenant's own addresses and no others (whatever it claims), one granted `any`
 * to anyone; every send is the tenant's, recorded with the module as its source, counted against
 * the tenant's daily limit, and sent by the tenant's SMTP settings. A second tenant running the same
 * module has its own addresses, limit and record.
 */

const description = { en: 'Send mail', ar: 'إرسال البريد' };
const code = `import { email } from 'dogan:module';
export const routes = {
  send: async (req) => {
    try {
      return { status: 200, body: { ok: true, message: await email.send(req.body) } };
    } catch (err) {
      return { status: 200, body: { ok: false, code: err.code, message: err.message } };
    }
  },
};`;
const moduleWith = (id: string, recipients: 'tenant' | 'any') =>
  moduleFromSource(
    manifestFor(id, '1.0.0', {
      permissions: [{ name: 'mail', kind: 'email', required: false, description, recipients }],
      collections: [],
      routes: [{ method: 'POST', path: '/send', handler: 'send' }],
    }) as ModuleManifest,
    code,
  );

const notify = moduleWith('acme.notify', 'tenant');
// Without the runtime's email capability (its grants have no `email`), there is nothing to test yet.
const unsupported = !('email' in resolveGrants(notify, ['mail'])) && 'the platform has no email capability for modules yet (the manifest, runtime and modules changes for email.send are not applied)';

if (unsupported) void t.test('a module sends mail through its email grant', { skip: unsupported }, async () => undefined);
else void forEachEngine(t, 'a module sends mail through its email grant', async (t, engine) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const modules = createModulesPlugin({ sandbox: { hosts: 1 } }) as PluginDefinition;
  const { kernel, app } = await startEmailKernel(t, engine, { plugins: [modules], env: { EMAIL_MODULE_DAILY_LIMIT: '4' } });
  const runtime = kernel.host.service(modulesRuntimeRef);
  runtime.register(notify);
  runtime.register(moduleWith('acme.broadcast', 'any'));
  const acme = await createTenant(app, 'acme', 'ar');
  const globex = await createTenant(app, 'globex', 'en');
  await useSink(caller(app, acme), sink, { fromAddress: 'billing@acme.example', noticeAddress: 'owner@acme.example' });
  await useSink(caller(app, globex), sink, { fromAddress: 'hello@globex.example', noticeAddress: 'ops@globex.example', ownDomains: ['globex.example', 'globex.sa'] });
  for (const tenant of [acme, globex]) {
    await runtime.enableForTenant(tenant.id, 'acme.notify', ['mail']);
    await runtime.enableForTenant(tenant.id, 'acme.broadcast', ['mail']);
  }
  const send = async (tenant: typeof acme, moduleId: string, body: Record<string, unknown>) =>
    (await app.inject({ method: 'POST', url: `/api/v1/${tenant.subdomain}/apps/${moduleId}/send`, headers: tenant.headers, payload: body })).json() as { ok: boolean; code?: string; message: any };

  await t.test('the tenant grant: its own addresses only', async (t) => {
    const sent = await send(acme, 'acme.notify', { to: 'team@acme.example', subject: 'طلب جديد', text: 'وصل طلب جديد من العميل.' });
    t.match(sent, { ok: true, message: { status: 'queued', to: ['team@acme.example'], source: 'module:acme.notify', locale: 'ar' } });
    const record = await messageIn(caller(app, acme), sent.message.id, ['sent']);
    const mail = (await sink.waitFor(1))[0]!;
    t.equal(mail.parsed.subject, 'طلب جديد');
    t.match(String(mail.parsed.html), /<html lang="ar" dir="rtl">/);
    t.equal(mail.parsed.messageId, record.messageId);
    t.equal(mail.parsed.from?.value[0]?.address, 'billing@acme.example', "sent by the tenant's settings");
    t.ok((await send(acme, 'acme.notify', { to: 'Owner@Acme.example', subject: 'x', text: 'y' })).ok, 'the billing contact is the tenant’s');

    const outside = await send(acme, 'acme.notify', { to: ['team@acme.example', 'someone@other.example'], subject: 'x', text: 'y' });
    t.match(outside, { ok: false, code: 'EMAIL_RECIPIENT_NOT_ALLOWED' });
    t.match(outside.message, /someone@other\.example/);
    t.match(await send(acme, 'acme.notify', { to: 'someone@other.example', subject: 'x', text: 'y', recipients: 'any' }), { ok: false, code: 'EMAIL_RECIPIENT_NOT_ALLOWED' }, 'a module cannot widen its own grant');
    t.match(await send(globex, 'acme.notify', { to: 'team@acme.example', subject: 'x', text: 'y' }), { ok: false, code: 'EMAIL_RECIPIENT_NOT_ALLOWED' }, "the first tenant's domain is not the second's");
    t.match(await send(globex, 'acme.notify', { to: 'desk@globex.sa', subject: 'x', text: 'y' }), { ok: true }, "the second tenant's listed domains are");
  });

  await t.test('the any grant, templates and keys', async (t) => {
    t.equal((await caller(app, acme)('PUT', '/email/templates/order', { ar: { subject: 'طلب {{number}}', html: '<p>المبلغ {{total | money}}</p>' } })).statusCode, 200);
    const templated = await send(acme, 'acme.broadcast', { to: 'client@other.example', template: 'order', data: { number: 'SO-1', total: 5000 }, idempotencyKey: 'so-1' });
    t.match(templated, { ok: true, message: { subject: 'طلب SO-1', to: ['client@other.example'] } });
    const again = await send(acme, 'acme.broadcast', { to: 'client@other.example', template: 'order', data: { number: 'SO-1', total: 5000 }, idempotencyKey: 'so-1' });
    t.equal(again.message.id, templated.message.id, 'the same key: the first message');
    const otherModule = await send(acme, 'acme.notify', { to: 'team@acme.example', subject: 'k', text: 'k', idempotencyKey: 'so-1' });
    t.not(otherModule.message.id, templated.message.id, "another module's key is its own");
    await messageIn(caller(app, acme), templated.message.id, ['sent']);
    t.match(String(sink.to('client@other.example')[0]!.parsed.text), /المبلغ ٥٠٫٠٠/);
    t.match(await send(acme, 'acme.broadcast', { to: 'not an address', subject: 'x', text: 'y' }), { ok: false, code: 'EMAIL_ADDRESS_INVALID' });
    t.match(await send(acme, 'acme.broadcast', { to: 'a@b.example', template: 'missing' }), { ok: false, code: 'EMAIL_TEMPLATE_NOT_FOUND' });
  });

  await t.test("the tenant's daily limit, and a module without the grant", async (t) => {
    // acme's modules recorded four messages above (refused sends record nothing): the limit.
    t.match(await send(acme, 'acme.broadcast', { to: 'one-more@other.example', subject: 'x', text: 'y' }), { ok: false, code: 'EMAIL_MODULE_DAILY_LIMIT' });
    t.match(await send(acme, 'acme.broadcast', { to: 'client@other.example', template: 'order', data: { number: 'SO-1', total: 5000 }, idempotencyKey: 'so-1' }), { ok: true }, 'a retry of a recorded send still answers');
    t.match(await send(globex, 'acme.broadcast', { to: 'anyone@other.example', subject: 'x', text: 'y' }), { ok: true }, "the second tenant's count is its own");
    await runtime.enableForTenant(globex.id, 'acme.notify', []);
    t.match(await send(globex, 'acme.notify', { to: 'desk@globex.sa', subject: 'x', text: 'y' }), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' });
    const acmeSources = (await caller(app, acme)('GET', '/email/messages?perPage=100')).json().items.map((m: { source: string }) => m.source);
    t.same([...new Set(acmeSources)].sort(), ['module:acme.broadcast', 'module:acme.notify']);
    t.equal((await caller(app, globex)('GET', '/email/messages?perPage=100')).json().total, 2, "the second tenant's two sends, none of the first's");
  });
});
