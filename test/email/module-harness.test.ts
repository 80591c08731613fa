import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { validateManifest, type ModuleManifest } from '@dogan/module-manifest';
import { moduleFromSource, resolveGrants } from '@dogan/plugin-modules';
import { runDoganModule } from '../registry/helpers/run-cli.js';

/**
 * `dogan-module test` lets a module's developer test `email.send`: the local platform catches what
 * the module sends (nothing leaves the machine) and `t.sentEmails()` shows it, with the grant the
 * permission gave; the sandbox refuses the send when the permission is not granted.
 */

const MANIFEST = {
  id: 'acme.mailer',
  version: '1.0.0',
  engine: '^0.1.0',
  name: { en: 'Mailer', ar: 'مرسل البريد' },
  description: { en: 'Exercises email.send in the harness', ar: 'يختبر الإرسال' },
  category: 'integration',
  pricing: { model: 'free' },
  permissions: [{ name: 'mail', kind: 'email', required: true, description: { en: 'Email the team', ar: 'مراسلة الفريق' }, recipients: 'tenant' }],
  collections: [],
  routes: [{ method: 'POST', path: '/welcome', handler: 'welcome' }],
  events: [],
  jobs: [],
  agentTools: [],
  dependencies: {},
};

const SOURCE = `import { email } from 'dogan:module';

export const routes = {
  async welcome(req) {
    try {
      const sent = await email.send({ to: req.body.to, subject: 'أهلًا ' + req.body.name, text: 'مرحبًا بك', locale: 'ar', idempotencyKey: 'welcome:' + req.body.to });
      return { status: 202, body: sent };
    } catch (err) {
      return { status: 403, body: { code: err.code } };
    }
  },
};
`;

const TESTS = `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

export default defineModuleTests({
  async 'the welcome route sends one email per address'(t) {
    const first = await t.request('POST', '/welcome', { body: { to: 'sara@acme.example', name: 'سارة' } });
    assert.equal(first.status, 202);
    assert.equal((first.body as { status: string }).status, 'queued');
    const again = await t.request('POST', '/welcome', { body: { to: 'sara@acme.example', name: 'سارة' } });
    assert.equal((again.body as { id: string }).id, (first.body as { id: string }).id);
    const sent = await t.sentEmails();
    assert.equal(sent.length, 1);
    assert.equal(sent[0].subject, 'أهلًا سارة');
    assert.equal(sent[0].recipients, 'tenant');
    assert.deepEqual(sent[0].to, 'sara@acme.example');
  },
  async 'each test starts with no mail'(t) {
    assert.deepEqual(await t.sentEmails(), []);
  },
});
`;

const DENIED_TESTS = `import assert from 'node:assert/strict';
import { defineModuleTests } from '@dogan/sdk/testing';

export default defineModuleTests({
  async 'without the grant nothing is sent'(t) {
    const res = await t.request('POST', '/welcome', { body: { to: 'sara@acme.example', name: 'x' } });
    assert.deepEqual(res.body, { code: 'SANDBOX_PERMISSION_DENIED' });
    assert.deepEqual(await t.sentEmails(), []);
  },
});
`;

const made: string[] = [];
process.once('exit', () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function writeModule(manifest: object = MANIFEST, tests = TESTS): string {
  const dir = mkdtempSync(join(tmpdir(), 'dogan-harness-email-'));
  made.push(dir);
  for (const [path, content] of Object.entries({ 'manifest.json': JSON.stringify(manifest), 'src/index.ts': SOURCE, 'test/mail.test.ts': tests })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

// The manifest's `email` kind and the runtime's capability come together; without them there is nothing to test.
const unsupported =
  (!validateManifest(MANIFEST).ok || !('email' in resolveGrants(moduleFromSource(MANIFEST as ModuleManifest, SOURCE), ['mail']))) &&
  'the platform has no email capability for modules yet (the manifest, runtime and modules changes for email.send are not applied)';

t.test('the local platform catches email.send for t.sentEmails()', { skip: unsupported }, async (t) => {
  const res = await runDoganModule(['test'], { cwd: writeModule() });
  t.equal(res.code, 0, res.stdout + res.stderr);
  t.match(res.stdout, /2 passed, 0 failed/);
});

t.test('without the permission the sandbox refuses the send', { skip: unsupported }, async (t) => {
  const res = await runDoganModule(['test'], { cwd: writeModule({ ...MANIFEST, permissions: [] }, DENIED_TESTS) });
  t.equal(res.code, 0, res.stdout + res.stderr);
  t.match(res.stdout, /1 passed, 0 failed/);
});

t.test('the manifest declares whom a module may email', { skip: unsupported }, async (t) => {
  const withMail = (mail: Record<string, unknown>) => validateManifest({ ...MANIFEST, permissions: [{ ...MANIFEST.permissions[0], ...mail }] });
  t.ok(validateManifest(MANIFEST).ok, 'recipients: tenant');
  t.ok(withMail({ recipients: 'any' }).ok, 'recipients: any');
  const { recipients: _left, ...without } = MANIFEST.permissions[0]!;
  t.match(validateManifest({ ...MANIFEST, permissions: [without] }), { ok: false, problems: [{ field: 'permissions[0].recipients', message: 'is required' }] }, 'recipients is required');
  t.match(withMail({ recipients: 'everyone' }), { ok: false, problems: [{ field: 'permissions[0].recipients', message: /tenant, any/ }] }, 'and is tenant or any');
});
