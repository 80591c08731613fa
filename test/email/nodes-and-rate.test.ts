import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { caller, createTenant, startEmailKernel, useSink, waitFor } from './helpers.js';
import { startSmtpSink } from './smtp-sink.js';

/**
 * The queue is the cluster's: two nodes on one control plane and tenant databases share the due
 * list, and each message is claimed by one of them, so every message arrives once. A tenant's rate
 * is counted in its database: past it, its mail waits queued until its oldest attempt of the minute
 * leaves the window; another tenant's mail goes meanwhile.
 */

void forEachEngine(t, 'two nodes send each message once', async (t, engine) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const a = await startEmailKernel(t, engine, { env: { EMAIL_CONCURRENCY: '3' } });
  const b = await startEmailKernel(t, engine, { env: { EMAIL_CONCURRENCY: '3' } });
  const acme = await createTenant(a.app, 'acme', 'en');
  const globex = await createTenant(a.app, 'globex', 'en');
  for (const tenant of [acme, globex]) await useSink(caller(a.app, tenant), sink, { fromAddress: `hello@${tenant.subdomain}.example` });
  const count = 30;
  for (let i = 0; i < count; i++) {
    const tenant = i % 2 === 0 ? acme : globex;
    // Half the sends reach each node, as behind a load balancer.
    const node = i % 4 < 2 ? a : b;
    const res = await caller(node.app, tenant)('POST', '/email/messages', { to: `r${i}@client.example`, subject: `#${i}`, text: 't' });
    t.equal(res.statusCode, 202);
  }
  await sink.waitFor(count);
  const sent = await waitFor('every message recorded as sent', async () => {
    const totals = await Promise.all([acme, globex].map(async (tenant) => (await caller(b.app, tenant)('GET', '/email/messages?status=sent&perPage=100')).json()));
    return totals[0].total + totals[1].total === count && totals;
  });
  const subjects = sink.messages.map((m) => m.parsed.subject);
  t.equal(new Set(subjects).size, count, 'each message arrived once');
  t.equal(subjects.length, count, 'and no message twice');
  t.ok(sent[0].items.every((m: { attempts: number }) => m.attempts === 1), 'one attempt each');
  t.ok(sink.messages.filter((m) => m.parsed.from?.value[0]?.address === 'hello@acme.example').every((m) => Number(m.parsed.subject!.slice(1)) % 2 === 0), "each tenant's mail from its own sender");
});

void forEachEngine(t, "a tenant past its rate waits; another tenant's mail goes meanwhile", async (t, engine) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const { app } = await startEmailKernel(t, engine, { env: { EMAIL_RATE_PER_MINUTE: '2' } });
  const busy = await createTenant(app, 'busy', 'en');
  const quiet = await createTenant(app, 'quiet', 'en');
  const callBusy = caller(app, busy);
  const callQuiet = caller(app, quiet);
  await useSink(callBusy, sink, { fromAddress: 'a@busy.example' });
  await useSink(callQuiet, sink, { fromAddress: 'a@quiet.example' });
  for (let i = 0; i < 4; i++) await callBusy('POST', '/email/messages', { to: `busy${i}@client.example`, subject: `b${i}`, text: 't' });
  await waitFor('the busy tenant to be due again only after the minute', async () => {
    const sent = (await callBusy('GET', '/email/messages?status=sent')).json().total;
    const rows = await engine.controlPlaneRows(`SELECT due_at FROM email_send_due WHERE tenant_id = '${busy.id}'`);
    return sent === 2 && rows.length === 1 && Number(rows[0]!.due_at) > Date.now() + 30_000;
  });
  t.pass('two sent, then the tenant is not due until its oldest attempt leaves the minute');
  t.equal((await callBusy('GET', '/email/messages?status=queued')).json().total, 2, 'the other two wait, queued');
  t.equal(sink.messages.length, 2);
  await callQuiet('POST', '/email/messages', { to: 'quiet@client.example', subject: 'q', text: 't' });
  await sink.waitFor(3);
  t.equal(sink.to('quiet@client.example').length, 1, "the other tenant's rate is its own");
  t.equal((await callBusy('GET', '/email/messages?status=queued')).json().total, 2, 'the busy tenant still waits');
});
