import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { startInboundKernel, waitFor } from './inbound-helpers.js';
import { imapAddress } from '../../plugins/email/src/inbound/imap/imap-connection.js';
import { dovecotMissing, startDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { freePort } from '../helpers/free-port.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';

/**
 * IMAP mailboxes read by the cluster's poll job, against a real Dovecot: unseen messages arrive as
 * `email.received` once each however often the mailbox is polled, are marked \Seen, and a mailbox
 * that refuses its login shows EMAIL_IMAP_AUTH_FAILED on its status without stopping the others.
 */

const PROBLEM = /^application\/problem\+json/;
const MAX_BYTES = 64 * 1024;

function startKernel(t: Test, engine: TestEngine) {
  return startInboundKernel(t, engine, {
    EMAIL_IMAP_POLL_INTERVAL_MS: '250',
    EMAIL_IMAP_ALLOW_PRIVATE_NETWORKS: 'true',
    EMAIL_IMAP_TIMEOUT_MS: '3000',
    EMAIL_INBOUND_MAX_BYTES: String(MAX_BYTES),
  });
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ARABIC_SUBJECT = 'فاتورة شهر مايو';
const ATTACHMENT = Buffer.from('invoice,total\n2025-05,1150.00\n');

function message(id: string, subject: string, from = '"Omar Al-Harbi" <omar@example.sa>', extraBody = ''): string {
  return [
    `From: ${from}`,
    'To: billing@acme.example',
    `Subject: ${subject}`,
    `Message-ID: ${id}`,
    'Date: Wed, 04 Jun 2025 12:00:00 +0300',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    `Body of ${id}${extraBody}`,
    '',
  ].join('\r\n');
}

function arabicWithAttachment(id: string): string {
  return [
    `From: =?UTF-8?B?${b64('ليلى')}?= <layla@example.sa>`,
    'To: billing@acme.example',
    `Subject: =?UTF-8?B?${b64(ARABIC_SUBJECT)}?=`,
    `Message-ID: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="xx"',
    '',
    '--xx',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    b64('مرفق الفاتورة'),
    '--xx',
    'Content-Type: text/csv; name="invoice.csv"',
    'Content-Disposition: attachment; filename="invoice.csv"',
    'Content-Transfer-Encoding: base64',
    '',
    b64(ATTACHMENT),
    '--xx--',
    '',
  ].join('\r\n');
}

type Tenant = Awaited<ReturnType<typeof createTenantWithKey>>;

function imapOf(app: FastifyInstance, tenant: Tenant) {
  return (method: 'GET' | 'PUT' | 'POST' | 'DELETE', path = '', payload?: object) =>
    app.inject({ method, url: `/api/v1/${tenant.subdomain}/email/inbound/imap${path}`, headers: tenant.headers, ...(payload ? { payload } : {}) });
}

const missing = dovecotMissing();
if (missing) {
  t.skip(missing, async () => undefined);
} else {
  forEachEngine(t, 'IMAP mailboxes read by the cluster', async (t, engine) => {
    const dovecot = (await startDovecot(t, ['alpha', 'beta', 'gamma'])) as DovecotServer;
    const { app, events } = await startKernel(t, engine);
    const a = await createTenantWithKey(app, { name: 'imap-a', subdomain: 'imap-a' });
    const b = await createTenantWithKey(app, { name: 'imap-b', subdomain: 'imap-b' });
    const imapA = imapOf(app, a);
    const imapB = imapOf(app, b);
    const eventsOf = (tenant: Tenant) => events.filter((e) => e.tenantId === tenant.id);
    const settings = (user: string, extra: object = {}) => ({ host: dovecot.host, port: dovecot.port, secure: false, user, password: dovecot.users[user]!.password, ...extra });
    const statusOf = async (imap: ReturnType<typeof imapOf>) => (await imap('GET')).json().status;

    const first = await dovecot.deliver('alpha', arabicWithAttachment('<inv-1@example.sa>'));
    const second = await dovecot.deliver('alpha', message('<plain-1@example.sa>', 'Meeting on Sunday'));
    await dovecot.deliver('beta', message('<beta-1@example.sa>', 'For tenant b only'));

    await t.test('settings are saved with the password encrypted and never returned; the login test passes', async (t) => {
      const saved = await imapA('PUT', '', settings('alpha', { verify: true }));
      t.equal(saved.statusCode, 200, saved.body);
      t.match(saved.json(), { host: '127.0.0.1', port: dovecot.port, secure: false, user: 'alpha', mailbox: 'INBOX', enabled: true, passwordSet: true });
      t.notOk(saved.body.includes(dovecot.users.alpha!.password), 'no password in the answer');
      t.notOk((await imapA('GET')).body.includes(dovecot.users.alpha!.password), 'nor when read');
      const test = await imapA('POST', '/test');
      t.equal(test.statusCode, 200, test.body);
      t.match(test.json().mailbox, { path: 'INBOX', messages: 2 });
      t.equal((await imapB('PUT', '', settings('beta'))).statusCode, 200);
    });

    await t.test('unseen messages arrive as email.received, decoded, and are marked seen', async (t) => {
      await waitFor('both mails of tenant a', () => eventsOf(a).length >= 2);
      const arabic = eventsOf(a).find((e) => e.payload.messageId === '<inv-1@example.sa>')!;
      t.equal(arabic.payload.subject, ARABIC_SUBJECT);
      t.same(arabic.payload.from, { address: 'layla@example.sa', name: 'ليلى', displayName: 'ليلى' });
      t.equal(arabic.payload.source, 'imap');
      t.equal(arabic.payload.provider, 'imap');
      t.match(arabic.payload.attachments, [{ filename: 'invoice.csv', contentType: 'text/csv', size: ATTACHMENT.length, sha256: sha256(ATTACHMENT), contentBase64: b64(ATTACHMENT) }]);
      const plain = eventsOf(a).find((e) => e.payload.messageId === '<plain-1@example.sa>')!;
      t.same(plain.payload.from, { address: 'omar@example.sa', name: 'Omar Al-Harbi', displayName: 'Omar Al-Harbi' });
      t.equal(plain.payload.text?.trim(), 'Body of <plain-1@example.sa>');
      await waitFor('the messages marked seen', async () => (await dovecot.flags('alpha', first)).includes('\\Seen') && (await dovecot.flags('alpha', second)).includes('\\Seen'));
      const status = await waitFor('the status after the poll', async () => {
        const s = await statusOf(imapA);
        return s.receivedCount === 2 && s;
      });
      t.match(status, { state: 'ok', lastError: null, failures: 0, lastUid: second });
      t.ok(status.lastSuccessAt, 'a successful poll is recorded');
    });

    await t.test('polling again, by the job and on demand, publishes nothing twice', async (t) => {
      const before = (await statusOf(imapA)).lastPollAt;
      for (let i = 0; i < 2; i++) {
        const polled = await imapA('POST', '/poll');
        t.equal(polled.statusCode, 200, polled.body);
        t.match(polled.json(), { state: 'ok', recorded: 0, duplicates: 0, error: null });
      }
      await waitFor('two more polls by the job', async () => {
        const s = await statusOf(imapA);
        return s.lastPollAt > before && s;
      });
      // The same Message-ID delivered again is a duplicate: marked seen, not published.
      const copy = await dovecot.deliver('alpha', message('<plain-1@example.sa>', 'Meeting on Sunday'));
      await waitFor('the copy marked seen', async () => (await dovecot.flags('alpha', copy)).includes('\\Seen'));
      const fresh = await dovecot.deliver('alpha', message('<plain-2@example.sa>', 'Agenda'));
      await waitFor('the new mail', () => eventsOf(a).some((e) => e.payload.messageId === '<plain-2@example.sa>'));
      t.equal(eventsOf(a).filter((e) => e.payload.messageId === '<plain-1@example.sa>').length, 1, 'the copy was not published');
      t.equal(eventsOf(a).filter((e) => e.payload.messageId === '<inv-1@example.sa>').length, 1);
      t.equal(eventsOf(a).length, 3);
      t.equal((await statusOf(imapA)).lastUid, fresh);
      const list = (await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound/messages`, headers: a.headers })).json();
      t.equal(list.total, 3, 'three mails stored');
    });

    await t.test('a message over the size limit is left unseen with a note, and the ones after it still arrive', async (t) => {
      const big = await dovecot.deliver('alpha', message('<big@example.sa>', 'Large', 'x', `\r\n${'y'.repeat(MAX_BYTES + 100)}`));
      const after = await dovecot.deliver('alpha', message('<after-big@example.sa>', 'After the large one'));
      await waitFor('the mail after the large one', () => eventsOf(a).some((e) => e.payload.messageId === '<after-big@example.sa>'));
      t.notOk(events.some((e) => e.payload.messageId === '<big@example.sa>'));
      t.notOk((await dovecot.flags('alpha', big)).includes('\\Seen'), 'left for a person to read');
      const status = await waitFor('the note', async () => {
        const s = await statusOf(imapA);
        return s.lastError && s;
      });
      t.match(status, { state: 'ok', lastError: { code: 'EMAIL_INBOUND_TOO_LARGE' } });
      t.match(status.lastError.message, new RegExp(`UID ${big}`));
      t.ok(status.lastUid >= after);
    });

    await t.test('a wrong password is EMAIL_IMAP_AUTH_FAILED on the test and on the status; the other mailbox goes on', async (t) => {
      const c = await createTenantWithKey(app, { name: 'imap-c', subdomain: 'imap-c' });
      const imapC = imapOf(app, c);
      t.equal((await imapC('PUT', '', settings('gamma', { password: 'not-the-password' }))).statusCode, 200, 'saved without verify');
      const refused = await imapC('PUT', '', settings('gamma', { password: 'not-the-password', verify: true }));
      t.equal(refused.statusCode, 502);
      t.equal(refused.json().code, 'EMAIL_IMAP_AUTH_FAILED', 'verify refuses it');
      const test = await imapC('POST', '/test');
      t.equal(test.statusCode, 502);
      t.match(test.headers['content-type'], PROBLEM);
      t.equal(test.json().code, 'EMAIL_IMAP_AUTH_FAILED');
      t.notOk(test.body.includes('not-the-password'));
      t.equal((await statusOf(imapC)).lastError.code, 'EMAIL_IMAP_AUTH_FAILED', 'the test is on the status');
      const status = await waitFor('a failed poll by the job', async () => {
        const s = await statusOf(imapC);
        return s.failures >= 1 && s;
      });
      t.match(status, { state: 'failing', lastError: { code: 'EMAIL_IMAP_AUTH_FAILED' } });
      t.ok(status.lastError.at, 'when');
      // Tenant a's mailbox is read all the same.
      await dovecot.deliver('alpha', message('<while-c-fails@example.sa>', 'Still here'));
      await waitFor("tenant a's mail while c fails", () => eventsOf(a).some((e) => e.payload.messageId === '<while-c-fails@example.sa>'));
      t.same(eventsOf(c), []);
      // Fixed: the next poll clears the status.
      t.equal((await imapC('PUT', '', settings('gamma'))).statusCode, 200);
      await waitFor('the status cleared', async () => {
        const s = await statusOf(imapC);
        return s.state === 'ok' && s.lastError === null;
      });
    });

    await t.test('an unreachable server is EMAIL_IMAP_UNREACHABLE; a private address is refused unless allowed', async (t) => {
      const d = await createTenantWithKey(app, { name: 'imap-d', subdomain: 'imap-d' });
      const imapD = imapOf(app, d);
      t.equal((await imapD('POST', '/test')).json().code, 'EMAIL_IMAP_NOT_CONFIGURED');
      t.equal((await imapD('PUT', '', settings('gamma', { port: await freePort(), enabled: false }))).statusCode, 200);
      const test = await imapD('POST', '/test');
      t.equal(test.statusCode, 502);
      t.equal(test.json().code, 'EMAIL_IMAP_UNREACHABLE');
      t.equal((await imapD('DELETE')).statusCode, 204);
      t.equal((await imapD('GET')).statusCode, 409);
      // This kernel allows loopback (EMAIL_IMAP_ALLOW_PRIVATE_NETWORKS, for Dovecot); a platform's default does not.
      for (const host of ['127.0.0.1', '10.1.2.3', '169.254.169.254', 'localhost']) {
        await t.rejects(imapAddress({ host, port: 993 }, false), { code: 'EMAIL_IMAP_ADDRESS_FORBIDDEN' }, `${host} refused`);
      }
      t.equal(await imapAddress({ host: '127.0.0.1', port: 993 }, true), '127.0.0.1');
    });

    await t.test('the second tenant sees only its own mailbox', async (t) => {
      const own = await waitFor("tenant b's mail", () => eventsOf(b).length >= 1 && eventsOf(b));
      t.equal(own.length, 1);
      t.equal(own[0]!.payload.messageId, '<beta-1@example.sa>');
      t.notOk(eventsOf(a).some((e) => e.payload.messageId === '<beta-1@example.sa>'));
      const list = (await app.inject({ url: `/api/v1/${b.subdomain}/email/inbound/messages`, headers: b.headers })).json();
      t.same(
        list.items.map((m: { messageId: string }) => m.messageId),
        ['<beta-1@example.sa>'],
      );
      const ofA = eventsOf(a)[0]!;
      t.equal((await app.inject({ url: `/api/v1/${b.subdomain}/email/inbound/messages/${ofA.payload.id}`, headers: b.headers })).statusCode, 404);
      t.match((await imapB('GET')).json(), { user: 'beta', status: { receivedCount: 1 } });
    });
  });
}
