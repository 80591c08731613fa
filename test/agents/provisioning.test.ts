import t from 'tap';
import type { PlanLimits } from '@dogan/tenants';
import { OrgService } from '../../plugins/agents/src/org/org-service.js';
import { forEachEngine } from '../helpers/engines.js';
import { allAgents, caller, clearOrg, createTenant, startAgentsKernel, type TestTenant } from './helpers.js';

type Json = Record<string, any>;

async function orgOf(ak: Awaited<ReturnType<typeof startAgentsKernel>>, tenant: TestTenant) {
  const call = caller(ak.app, tenant);
  const agents = await allAgents(call);
  const teams: Json[] = (await call('GET', '/agents/teams')).json().items;
  const byRole = (role: string) => agents.find((a) => a.role === role)!;
  return { call, agents, teams, byRole };
}

void forEachEngine(t, 'provisioning: default agents by plan, in both languages, linked to managers and teams; each tenant its own', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine);
  const small = await createTenant(ak, 'small-co');
  const pro = await createTenant(ak, 'pro-co', { plan: 'professional', locale: 'en' });
  const big = await createTenant(ak, 'big-co', { plan: 'enterprise' });

  const s = await orgOf(ak, small);
  t.same(s.agents.map((a) => a.role), ['sales_agent', 'support_agent'], 'Starter: a sales agent and a support agent');
  t.same(s.teams, []);
  for (const a of s.agents) {
    t.match(a, { manager: null, team: null, status: 'available', llmProfile: null, tools: [], workingHours: null });
    t.match(a.name, { ar: /[\u0600-\u06FF]/, en: /^[A-Za-z' -]+$/ }, `${a.role}: named in Arabic and English`);
    t.match(a.persona, /[\u0600-\u06FF]/, 'an Arabic tenant gets Arabic personas');
    t.ok(a.skills.length > 0);
  }

  for (const [who, tenant] of [['Professional', pro], ['Enterprise', big]] as const) {
    const o = await orgOf(ak, tenant);
    const gm = o.byRole('general_manager');
    const salesManager = o.byRole('sales_manager');
    const supportLead = o.byRole('support_lead');
    const salesAgent = o.byRole('sales_agent');
    const supportAgent = o.byRole('support_agent');
    t.equal(o.agents.length, 5, `${who}: five agents`);
    t.match(salesManager, { name: { ar: 'أحمد آل سعود', en: 'Ahmed Al-Saud' }, title: { en: 'Sales Manager' }, department: 'sales' });
    t.equal(gm.manager, null);
    t.same([salesManager.manager, supportLead.manager], [gm.id, gm.id], 'the sales manager and the support lead report to the general manager');
    t.same([salesAgent.manager, supportAgent.manager], [salesManager.id, supportLead.id]);
    const team = (id: string) => o.teams.find((x) => x.id === id)!;
    t.match(team(salesAgent.team), { name: { ar: 'فريق المبيعات', en: 'Sales Team' }, lead: salesManager.id, members: [salesManager.id, salesAgent.id] });
    t.match(team(supportAgent.team), { name: { en: 'Support Team' }, lead: supportLead.id, members: [supportLead.id, supportAgent.id] });
    t.equal(o.teams.length, 2);
    const chart = (await o.call('GET', '/agents/org-chart')).json().roots;
    t.same(chart.map((n: Json) => n.id), [gm.id], 'one root: the general manager');
    t.same(chart[0].reports.map((n: Json) => n.id), [salesManager.id, supportLead.id]);
    t.same((await o.call('GET', `/agents/${salesAgent.id}/chain`)).json().items.map((a: Json) => a.role), ['sales_manager', 'general_manager']);
  }
  t.match((await orgOf(ak, pro)).byRole('general_manager').persona, /^You are Abdullah/, 'an English tenant gets English personas');

  const ids = await Promise.all([small, pro, big].map(async (tenant) => (await orgOf(ak, tenant)).agents.map((a) => a.id)));
  t.equal(new Set(ids.flat()).size, 12, 'every tenant has agents of its own');
  const proTeams = (await orgOf(ak, pro)).teams.map((x) => x.id);
  t.equal((await caller(ak.app, big)('GET', `/agents/teams/${proTeams[0]}`)).json().code, 'AGENT_TEAM_NOT_FOUND', "one tenant's default team is not another's");
});

void forEachEngine(t, 'provisioning respects the plan limit: as many defaults as it allows, a team only with its lead; a tenant with agents keeps its own', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine);
  const pro = await createTenant(ak, 'pro-co', { plan: 'professional' });
  const other = await createTenant(ak, 'other-co', { plan: 'professional' });
  const otherBefore = (await orgOf(ak, other)).agents.map((a) => a.id);
  let limit: number | null = 3;
  const limits: PlanLimits = { limit: async () => limit, assertWithinLimit: async () => undefined };
  const org = new OrgService({ data: ak.api.data, limits: () => limits, outbox: () => undefined });
  const call = caller(ak.app, pro);

  t.equal(await org.seedDefaults(pro.record), 0, 'a tenant with agents keeps them: nothing added');
  await clearOrg(call);
  t.equal(await org.seedDefaults(pro.record), 3);
  let o = await orgOf(ak, pro);
  t.same(o.agents.map((a) => a.role), ['general_manager', 'sales_manager', 'support_lead'], 'the top of the org first');
  t.same(o.teams.map((x) => [x.name.en, x.lead, x.members]), [
    ['Sales Team', o.byRole('sales_manager').id, [o.byRole('sales_manager').id]],
    ['Support Team', o.byRole('support_lead').id, [o.byRole('support_lead').id]],
  ]);

  await clearOrg(call);
  limit = 1;
  t.equal(await org.seedDefaults(pro.record), 1);
  o = await orgOf(ak, pro);
  t.same(o.agents.map((a) => [a.role, a.manager, a.team]), [['general_manager', null, null]]);
  t.same(o.teams, [], 'no team without its lead');

  await clearOrg(call);
  limit = 0;
  t.equal(await org.seedDefaults(pro.record), 0);
  t.same((await orgOf(ak, pro)).agents, []);
  limit = null;
  t.equal(await org.seedDefaults(pro.record), 5, 'unlimited: all of them');
  t.same((await orgOf(ak, other)).agents.map((a) => a.id), otherBefore, "the other tenant's defaults untouched throughout");
});
