import t from 'tap';
import { startServer, type PluginDefinition } from '@dogan/runtime';
import erpnextPlugin from '@dogan/plugin-erpnext';
import { forEachEngine } from '../helpers/engines.js';
import { startFrappeSite, type FrappeSite } from '../simulators/frappe/index.js';
import { startLlmSimulator } from '../simulators/llm/index.js';
import { startSmtpSink } from '../email/smtp-sink.js';
import { createTenant, createWorkflow, startWorkflowsKernel, waitFor, waitRun, type TestTenant } from './helpers.js';

/**
 * The whole path of issue 18 as a tenant meets it: a Sales Order submitted in ERPNext (the Frappe
 * simulator) sends a signed webhook; the event `erpnext.sales_order.on_submit` starts the tenant's
 * workflow, which asks an employee agent for a follow-up (its model is the LLM simulator), waits for a
 * person's approval, emails the follow-up in Arabic (to a real SMTP server in this process), and
 * completes. A second tenant with the same workflow and its own site sees none of it.
 */

async function submitSalesOrder(site: FrappeSite, customer: string): Promise<string> {
  const headers = { authorization: `token ${site.apiKey}:${site.apiSecret}`, 'content-type': 'application/json' };
  const post = async (doctype: string, doc: Record<string, unknown>) => {
    const res = await fetch(`${site.url}/api/resource/${encodeURIComponent(doctype)}`, { method: 'POST', headers, body: JSON.stringify(doc) });
    if (!res.ok) throw new Error(`${doctype}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: Record<string, unknown> }).data;
  };
  await post('Customer', { customer_name: customer, customer_group: 'Commercial', territory: 'Saudi Arabia', customer_type: 'Company' });
  await post('Item', { item_code: 'CONSULT', item_name: 'Consulting', item_group: 'Services', stock_uom: 'Hour' }).catch(() => undefined);
  const order = await post('Sales Order', { customer, transaction_date: '2026-12-01', delivery_date: '2026-12-10', items: [{ item_code: 'CONSULT', qty: 3, rate: 500 }] });
  const submitted = await fetch(`${site.url}/api/resource/Sales%20Order/${encodeURIComponent(String(order.name))}`, { method: 'PUT', headers, body: JSON.stringify({ docstatus: 1 }) });
  if (!submitted.ok) throw new Error(`submit: ${submitted.status} ${await submitted.text()}`);
  return String(order.name);
}

forEachEngine(t, 'an ERPNext sales order starts a workflow: agent follow-up, approval, Arabic email, done', async (t, engine) => {
  const sink = await startSmtpSink();
  const llm = await startLlmSimulator();
  t.teardown(async () => {
    await sink.close();
    await llm.close();
  });
  const { kernel, app } = await startWorkflowsKernel(t, engine, {
    env: {
      ERPNEXT_ALLOW_PRIVATE_NETWORKS: 'true',
      ERPNEXT_TIMEOUT_MS: '3000',
      EMAIL_SMTP_URL: `smtp://${sink.host}:${sink.port}`,
      EMAIL_FROM: 'Dogan <no-reply@dogan.test>',
      EMAIL_ALLOW_PRIVATE_NETWORKS: 'true',
      EMAIL_POLL_INTERVAL_MS: '50',
    },
    extra: [erpnextPlugin as PluginDefinition],
  });
  const server = await startServer(kernel);
  const base = server.url.replace('[::1]', '127.0.0.1');
  const sites: FrappeSite[] = [];
  t.teardown(() => Promise.all(sites.map((s) => s.close())));

  const setUp = async (subdomain: string) => {
    const tenant = await createTenant(app, subdomain);
    const site = await startFrappeSite({ webhookRetryDelayMs: 5 } as Parameters<typeof startFrappeSite>[0]);
    sites.push(site);
    const connected = await tenant.call('PUT', '/erpnext/connection', { baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret });
    if (connected.statusCode !== 200) throw new Error(`connection: ${connected.body}`);
    const hook = (await tenant.call('POST', '/erpnext/hooks', { doctype: 'Sales Order', events: ['on_submit'] })).json() as { erpnextWebhooks: Array<Record<string, any>> };
    for (const settings of hook.erpnextWebhooks) {
      site.addWebhook({
        doctype: String(settings.webhook_doctype),
        event: settings.webhook_docevent as 'on_submit',
        url: `${base}${new URL(settings.request_url).pathname}`,
        secret: settings.webhook_secret,
        requestStructure: 'JSON',
        json: settings.webhook_json,
        headers: Object.fromEntries((settings.webhook_headers as Array<{ key: string; value: string }>).map((h) => [h.key, h.value])),
      });
    }
    const profile = await tenant.call('PUT', '/agents/llm-profiles/default', { kind: 'openai', model: 'openai-test', baseUrl: `${llm.url}/v1`, apiKey: llm.apiKey, isDefault: true });
    if (profile.statusCode !== 200) throw new Error(`profile: ${profile.body}`);
    const agent = (await tenant.call('POST', '/agents', { name: { ar: 'سارة', en: 'Sara' }, title: { ar: 'مسؤولة مبيعات', en: 'Sales officer' }, role: 'officer', department: 'sales' })).json() as { id: string };
    const workflow = await createWorkflow(tenant, {
      name: 'Follow up submitted orders',
      trigger: { type: 'event', event: 'erpnext.sales_order.on_submit' },
      steps: [
        { id: 'follow_up', type: 'agent_task', agent: agent.id, title: 'Follow up order {{$.trigger.event.payload.name}}', description: 'Suggest the next step with the customer' },
        { id: 'review', type: 'approval', title: 'Send the follow-up for {{$.trigger.event.payload.name}}?' },
        {
          id: 'notify',
          type: 'email',
          to: `sales@${subdomain}.example`,
          subject: 'متابعة الطلب {{$.trigger.event.payload.name}}',
          text: 'اقتراح سارة: {{$.steps.follow_up.output.result.text}}',
        },
      ],
    });
    return { tenant, site, agent, workflow };
  };
  const acme = await setUp('acme');
  const globex = await setUp('globex');
  const runsOf = async (x: { tenant: TestTenant; workflow: { id: string } }) => (await x.tenant.call('GET', `/workflows/${x.workflow.id}/runs`)).json().items as Array<{ id: string; status: string }>;

  llm.on('Follow up order', { text: 'اتصل بالعميل يوم الأحد لتأكيد موعد التسليم' });
  const order = await submitSalesOrder(acme.site, 'شركة الرياض للتجارة');
  await acme.site.settleWebhooks();
  t.match(acme.site.webhookLog, [{ doctype: 'Sales Order', name: order, event: 'on_submit', status: 200 }], 'ERPNext sent one signed webhook and Dogan took it');

  const [run] = await waitFor('the run the event started', async () => {
    const runs = await runsOf(acme);
    return runs.length > 0 && runs;
  });
  const waiting = await waitRun(acme.tenant, acme.workflow.id, run!.id, (r) => r.steps.some((s: any) => s.key === 'review' && s.status === 'waiting'));
  const followUp = waiting.steps.find((s: any) => s.key === 'follow_up')!;
  t.match(followUp, { status: 'succeeded', output: { status: 'completed', result: { text: 'اتصل بالعميل يوم الأحد لتأكيد موعد التسليم' } } }, "the agent's follow-up is the step's output");
  const task = (await acme.tenant.call('GET', `/agents/tasks/${followUp.output.taskId}`)).json();
  t.match(task, { title: `Follow up order ${order}`, agentId: acme.agent.id, status: 'completed' }, 'the task the agent did, created by the workflow');
  t.equal(sink.messages.length, 0, 'nothing is emailed before the approval');

  const approved = await acme.tenant.call('POST', `/workflows/${acme.workflow.id}/runs/${run!.id}/approvals/review`, { decision: 'approved', note: 'ok' });
  t.equal(approved.statusCode, 200, 'a person approved');
  const done = await waitRun(acme.tenant, acme.workflow.id, run!.id);
  t.equal(done.status, 'completed', JSON.stringify(done.error));
  t.same(done.steps.map((s: any) => `${s.key}:${s.status}`), ['follow_up:succeeded', 'review:succeeded', 'notify:succeeded']);

  const [mail] = await waitFor('the email at the SMTP server', () => sink.to('sales@acme.example').length > 0 && sink.to('sales@acme.example'));
  t.equal(mail!.parsed.subject, `متابعة الطلب ${order}`, 'the Arabic subject arrived intact (RFC 2047 encoded on the wire)');
  t.match(mail!.raw.toString('utf8'), /^Subject: =\?UTF-8\?/m, 'the Subject header was encoded, not sent as raw 8-bit');
  t.equal(mail!.parsed.text?.trim(), 'اقتراح سارة: اتصل بالعميل يوم الأحد لتأكيد موعد التسليم', 'and the Arabic body too');

  t.same(await runsOf(globex), [], 'the second tenant had no run: the event was acme’s');
  t.equal(sink.to('sales@globex.example').length, 0, 'and no mail');
  t.equal((await globex.tenant.call('GET', `/workflows/${acme.workflow.id}/runs/${run!.id}`)).statusCode, 404, "acme's run is not globex's");
  t.equal(globex.site.webhookLog.length, 0);
  t.same(llm.unscripted, []);
});
