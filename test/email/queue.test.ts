import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { caller, createTenant, messageIn, PROBLEM, startEmailKernel, useSink, waitFor } from './helpers.js';
import { startSmtpSink } from './smtp-sink.js';

/**
 * The queue against a real SMTP server that misbehaves: a refused login is recorded on the message
 * with its code and nothing goes out until the password is fixed; a deferral (4xx) is retried until
 * the server takes the message; a 5xx at RCPT TO fails the message and suppresses the address; and a
 * provider's bounce or complaint, posted with the tenant's intake secret, suppresses it too. The
 * second tenant's list and mail are its own.
 */

void forEachEngine(t, 'retries, refused logins, hard bounces and the suppression list', async (t, engine) => {
  const sink = await startSmtpSink({ auth: { user: 'mailer', pass: 'right-password' } });
  t.teardown(() => sink.close());
  const { app, logText } = await startEmailKernel(t, engine);
  const acme = await createTenant(app, 'acme', 'ar');
  const globex = await createTenant(app, 'globex', 'en');
  const call = caller(app, acme);
  const callGlobex = caller(app, globex);
  await useSink(callGlobex, sink, { username: 'mailer', password: 'right-password', fromAddress: 'hello@globex.example' });

  await t.test('a refused login: EMAIL_SMTP_AUTH_FAILED on the test and on the message, nothing sent until it is fixed', async (t) => {
    await useSink(call, sink, { username: 'mailer', password: 'stale-password', verify: false });
    const tested = await call('POST', '/email/settings/test');
    t.equal(tested.statusCode, 422);
    t.match(tested.headers['content-type'], PROBLEM);
    t.equal(tested.json().code, 'EMAIL_SMTP_AUTH_FAILED');
    const id = (await call('POST', '/email/messages', { to: 'customer@client.example', subject: 'إشعار', text: 'مرحبا' })).json().id;
    const refused = await waitFor('the refusal on the message', async () => {
      const m = (await call('GET', `/email/messages/${id}`)).json();
      return m.lastError?.code === 'EMAIL_SMTP_AUTH_FAILED' && m;
    });
    t.ok(['queued', 'sending'].includes(refused.status), 'it waits for another attempt (or is in one)');
    t.ok(refused.attempts >= 1);
    t.match(refused.lastError.message, /535/);
    t.equal(sink.to('customer@client.example').length, 0, 'nothing reached the server: not half sent');
    t.ok(sink.logins.some((l) => l.user === 'mailer' && !l.ok), 'the server saw the refused login');

    await useSink(call, sink, { username: 'mailer', password: 'right-password' });
    const sent = await messageIn(call, id, ['sent', 'failed']);
    t.equal(sent.status, 'sent', 'with the password fixed, the next attempt sends it');
    t.equal(sent.lastError, null);
    t.equal(sink.to('customer@client.example').length, 1, 'once');
  });

  await t.test('deferred twice with 451, then taken: three attempts, one message', async (t) => {
    sink.deferNext(2);
    const id = (await call('POST', '/email/messages', { to: 'patient@client.example', subject: 'Retry', text: 'x' })).json().id;
    const sent = await messageIn(call, id, ['sent', 'failed']);
    t.match(sent, { status: 'sent', attempts: 3, lastError: null });
    t.equal(sink.to('patient@client.example').length, 1);
  });

  await t.test('a 550 at RCPT TO fails the message and suppresses the address; the next send to it is suppressed', async (t) => {
    sink.rejectRecipient('gone@client.example');
    const id = (await call('POST', '/email/messages', { to: 'gone@client.example', subject: 'Hello', text: 'x' })).json().id;
    const failed = await messageIn(call, id, ['failed', 'sent']);
    t.match(failed, { status: 'failed', attempts: 1, lastError: { code: 'EMAIL_RECIPIENT_REJECTED' } });
    t.match(failed.lastError.message, /550/);
    const list = (await call('GET', '/email/suppressions')).json();
    t.match(list.items, [{ address: 'gone@client.example', reason: 'hard_bounce', source: 'smtp' }]);

    const again = await call('POST', '/email/messages', { to: 'Gone@Client.example', subject: 'Again', text: 'x' });
    t.equal(again.statusCode, 202);
    t.match(again.json(), { status: 'suppressed', suppressed: ['Gone@Client.example'], lastError: { code: 'EMAIL_RECIPIENT_SUPPRESSED' } });
    const mixed = (await call('POST', '/email/messages', { to: ['gone@client.example', 'still-here@client.example'], subject: 'Both', text: 'x' })).json();
    t.equal(mixed.status, 'queued', 'one suppressed recipient of two: the message goes to the other');
    await messageIn(call, mixed.id, ['sent']);
    t.same(sink.to('still-here@client.example')[0]?.to, ['still-here@client.example'], 'to the other only');

    await useSink(callGlobex, sink, { username: 'mailer', password: 'right-password', fromAddress: 'hello@globex.example' });
    t.same((await callGlobex('GET', '/email/suppressions')).json().items, [], "the second tenant's list is empty");
  });

  await t.test('the suppression list by hand', async (t) => {
    const added = await call('POST', '/email/suppressions', { address: 'Quiet@Client.example', detail: 'asked us to stop' });
    t.equal(added.statusCode, 201);
    t.match(added.json(), { address: 'quiet@client.example', reason: 'manual', source: 'api' });
    t.equal((await call('POST', '/email/suppressions', { address: 'quiet@client.example' })).statusCode, 200, 'already listed');
    t.equal((await call('POST', '/email/messages', { to: 'quiet@client.example', subject: 's', text: 't' })).json().status, 'suppressed');
    t.equal((await call('DELETE', '/email/suppressions/quiet@client.example')).statusCode, 204);
    t.equal((await call('DELETE', '/email/suppressions/quiet@client.example')).json().code, 'EMAIL_SUPPRESSION_NOT_FOUND');
    t.equal((await call('POST', '/email/messages', { to: 'quiet@client.example', subject: 's', text: 't' })).json().status, 'queued', 'removed: sent again');
  });

  await t.test("a provider's bounce and complaint reports, with the tenant's intake secret", async (t) => {
    const rotated = await call('POST', '/email/settings/intake-secret');
    t.equal(rotated.statusCode, 201);
    const { url, secret } = rotated.json();
    t.match(url, /\/api\/webhooks\/email\/acme\/events$/);
    t.equal((await call('GET', '/email/settings')).json().intakeSecretSet, true);
    t.notOk(JSON.stringify((await call('GET', '/email/settings')).json()).includes(secret), 'the secret is shown once');
    const globexSecret = (await callGlobex('POST', '/email/settings/intake-secret')).json().secret;
    const post = (tenant: string, body: unknown, auth?: string) =>
      app.inject({ method: 'POST', url: `/api/webhooks/email/${tenant}/events`, headers: auth ? { authorization: auth } : {}, payload: body as object });
    const basic = (s: string) => `Basic ${Buffer.from(`postmark:${s}`).toString('base64')}`;

    const bounce = await post('acme', { RecordType: 'Bounce', Type: 'HardBounce', Email: 'bounced@client.example', Description: 'The server was unable to deliver your message' }, basic(secret));
    t.equal(bounce.statusCode, 200);
    t.match(bounce.json().results, [{ outcome: 'suppressed', address: 'bounced@client.example', reason: 'hard_bounce' }]);
    const reports = [
      { RecordType: 'SpamComplaint', Type: 'SpamComplaint', Email: 'angry@client.example' },
      { RecordType: 'Bounce', Type: 'SoftBounce', Email: 'full@client.example' },
      { RecordType: 'Bounce', Type: 'HardBounce', Email: 'bounced@client.example' },
    ];
    t.match((await post('acme', reports, `Bearer ${secret}`)).json().results, [
      { outcome: 'suppressed', reason: 'complaint' },
      { outcome: 'ignored', address: 'full@client.example' },
      { outcome: 'already_suppressed' },
    ]);
    const listed = (await call('GET', '/email/suppressions?perPage=100')).json().items.map((s: { address: string; reason: string; source: string }) => `${s.address} ${s.reason} ${s.source}`);
    t.ok(listed.includes('bounced@client.example hard_bounce provider') && listed.includes('angry@client.example complaint provider'));
    t.notOk(listed.some((s: string) => s.startsWith('full@')), 'a soft bounce suppresses nothing');

    const refusals: Array<[string, unknown, string | undefined, number, string]> = [
      ['acme', reports[0], undefined, 401, 'EMAIL_INTAKE_UNAUTHORIZED'],
      ['acme', reports[0], basic('wrong'), 401, 'EMAIL_INTAKE_UNAUTHORIZED'],
      ['acme', reports[0], basic(globexSecret), 401, 'EMAIL_INTAKE_UNAUTHORIZED'],
      ['nosuch', reports[0], basic(secret), 404, 'TENANT_NOT_FOUND'],
      ['acme', { RecordType: 'Delivery', Email: 'x@y.example' }, basic(secret), 400, 'EMAIL_INTAKE_INVALID'],
      ['acme', { RecordType: 'Bounce', Type: 'HardBounce' }, basic(secret), 400, 'EMAIL_INTAKE_INVALID'],
      ['acme', [], basic(secret), 400, 'EMAIL_INTAKE_INVALID'],
    ];
    for (const [tenant, body, auth, status, code] of refusals) {
      const res = await post(tenant, body, auth);
      t.equal(res.statusCode, status, code);
      t.equal(res.json().code, code);
    }
    t.same((await callGlobex('GET', '/email/suppressions')).json().items, [], "the first tenant's reports suppress nothing of the second");
    const theirs = (await callGlobex('POST', '/email/messages', { to: 'bounced@client.example', subject: 's', text: 't' })).json();
    t.equal((await messageIn(callGlobex, theirs.id, ['sent', 'failed', 'suppressed'])).status, 'sent', 'the second tenant still mails the address');
    t.notOk(logText().includes(secret) || logText().includes(globexSecret), 'intake secrets are never logged');
    t.notOk(logText().includes('right-password') || logText().includes('stale-password'), 'nor SMTP passwords');
  });

  await t.test('the messages list filters by status and pages', async (t) => {
    const failed = (await call('GET', '/email/messages?status=failed')).json();
    t.equal(failed.total, 1);
    t.equal(failed.items[0].to[0], 'gone@client.example');
    const page = (await call('GET', '/email/messages?perPage=2&page=1')).json();
    t.equal(page.items.length, 2);
    t.ok(page.total >= 6);
    t.equal((await callGlobex('GET', '/email/messages?status=failed')).json().total, 0);
    const detail = (await call('GET', `/email/messages/${failed.items[0].id}`)).json();
    t.match(detail, { html: /<html lang="ar" dir="rtl">/, text: 'x' });
  });
});
