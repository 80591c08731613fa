import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { adminHeaders, agentBody, allAgents, caller, createAgent, createTenant, startAgentsKernel } from './helpers.js';

void forEachEngine(t, "plan limits through billing: Starter's 5 agents (its 2 defaults among them), PLAN_LIMIT_REACHED, usage counts them", async (t, engine) => {
  const ak = await startAgentsKernel(t, engine, { billing: true });
  const starter = await createTenant(ak, 'starter-co');
  const other = await createTenant(ak, 'other-co');
  const call = caller(ak.app, starter);
  const usage = async (who = starter) => (await ak.app.inject({ url: `/api/v1/${who.subdomain}/dashboard/usage`, headers: who.headers })).json();

  t.equal((await allAgents(call)).length, 2, 'a sales agent and a support agent by default');
  t.match((await usage()).agents, { used: 2, limit: 5 }, 'the usage report counts the real agents');
  for (let i = 3; i <= 5; i++) t.equal((await call('POST', '/agents', agentBody())).statusCode, 201, `agent ${i} of 5`);
  const sixth = await call('POST', '/agents', agentBody());
  t.equal(sixth.statusCode, 403);
  t.match(sixth.headers['content-type'], /^application\/problem\+json/);
  t.match(sixth.json(), { code: 'PLAN_LIMIT_REACHED', resource: 'agents', limit: 5, current: 5, plan: 'starter' });
  t.match((await usage()).agents, { used: 5, limit: 5 });
  t.match((await usage()).counters, { agents: { used: 5, limit: 5 } });
  const quota = (await ak.app.inject({ url: '/api/v1/tenant/quota', headers: starter.headers })).json();
  t.match(quota.agents, { used: 5, limit: 5 }, '/api/v1/tenant/quota too');
  t.equal((await allAgents(call)).length, 5, 'the refused one was not created');

  t.match((await usage(other)).agents, { used: 2, limit: 5 }, "the other tenant's count is its own");
  t.equal((await caller(ak.app, other)('POST', '/agents', agentBody())).statusCode, 201, "one tenant's limit does not stop another");

  const [first] = await allAgents(call);
  t.equal((await call('DELETE', `/agents/${first!.id}`)).statusCode, 204);
  t.equal((await call('POST', '/agents', agentBody())).statusCode, 201, 'deleting one makes room');
  t.equal((await call('POST', '/agents', agentBody())).json().code, 'PLAN_LIMIT_REACHED');

  const raised = await ak.app.inject({ method: 'PUT', url: `/api/admin/billing/tenants/${starter.id}/features`, headers: adminHeaders, payload: { features: { agents: 6 } } });
  t.equal(raised.statusCode, 200, raised.body);
  t.equal((await call('POST', '/agents', agentBody())).statusCode, 201, "an override raises the tenant's limit");
  t.match((await usage()).agents, { used: 6, limit: 6 });
});

void forEachEngine(t, 'Professional starts with its managed org (5 of 20 agents); Enterprise is unlimited', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine, { billing: true });
  const pro = await createTenant(ak, 'pro-co', { plan: 'professional' });
  const big = await createTenant(ak, 'big-co', { plan: 'enterprise' });
  const usage = async (who: typeof pro) => (await ak.app.inject({ url: `/api/v1/${who.subdomain}/dashboard/usage`, headers: who.headers })).json();
  t.match((await usage(pro)).agents, { used: 5, limit: 20 });
  const proCall = caller(ak.app, pro);
  for (let i = 6; i <= 20; i++) if ((await proCall('POST', '/agents', agentBody())).statusCode !== 201) return t.fail(`professional agent ${i} refused`);
  t.match((await proCall('POST', '/agents', agentBody())).json(), { code: 'PLAN_LIMIT_REACHED', limit: 20, current: 20 });

  const bigCall = caller(ak.app, big);
  for (let i = 6; i <= 25; i++) if ((await bigCall('POST', '/agents', agentBody())).statusCode !== 201) return t.fail(`enterprise agent ${i} refused`);
  t.match((await usage(big)).agents, { used: 25, limit: null }, 'unlimited is unlimited');
  const proIds = new Set((await allAgents(proCall)).map((a) => a.id));
  t.notOk((await allAgents(bigCall)).some((a) => proIds.has(a.id)), "neither tenant lists the other's agents");
  t.match((await usage(pro)).agents, { used: 20 }, "nor counts them");
});

void forEachEngine(t, 'without billing nothing is limited by plan, and the usage counter is not needed', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine);
  const co = await createTenant(ak, 'free-co');
  const call = caller(ak.app, co);
  const other = await createTenant(ak, 'other-co');
  for (let i = 3; i <= 8; i++) await createAgent(call);
  t.equal((await allAgents(call)).length, 8, 'past Starter’s 5: billing is what sells limits');
  t.equal((await allAgents(caller(ak.app, other))).length, 2, 'the other tenant has its own two');
});
