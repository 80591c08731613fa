import { randomUUID } from 'node:crypto';
import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { caller, clearOrg, createAgent, createTeam, createTenant, PROBLEM, startAgentsKernel } from './helpers.js';

void forEachEngine(t, 'teams: create with a lead, members (one team each), clear the lead, delete; a second tenant sees none of it', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine);
  const acme = await createTenant(ak, 'acme');
  const globex = await createTenant(ak, 'globex');
  const call = caller(ak.app, acme);
  const asGlobex = caller(ak.app, globex);
  await clearOrg(call);

  const ahmed = await createAgent(call, { name: { ar: 'أحمد آل سعود', en: 'Ahmed Al-Saud' }, department: 'sales' });
  const sara = await createAgent(call, { department: 'sales' });
  const khalid = await createAgent(call, { department: 'support' });
  const created = await call('POST', '/agents/teams', { name: { ar: 'فريق المبيعات', en: 'Sales Team' }, department: 'sales', lead: ahmed.id });
  t.equal(created.statusCode, 201, created.body);
  const sales = created.json();
  t.match(sales, { id: /^[0-9a-f-]{36}$/, name: { ar: 'فريق المبيعات', en: 'Sales Team' }, department: 'sales', lead: ahmed.id, members: [] });
  const support = await createTeam(call, { name: { ar: 'فريق الدعم', en: 'Support Team' }, department: 'support' });
  t.equal(support.lead, null);

  const join = (team: string, agent: string) => call('PUT', `/agents/teams/${team}/members/${agent}`);
  t.same((await join(sales.id, ahmed.id)).json().members, [ahmed.id]);
  t.same((await join(sales.id, sara.id)).json().members, [ahmed.id, sara.id]);
  t.same((await join(sales.id, sara.id)).json().members, [ahmed.id, sara.id], 'joining twice changes nothing');
  t.equal((await call('GET', `/agents/${sara.id}`)).json().team, sales.id, "the agent's team is the team");
  t.same((await join(support.id, sara.id)).json().members, [sara.id], 'joining another team moves the agent');
  t.same((await call('GET', `/agents/teams/${sales.id}`)).json().members, [ahmed.id], 'out of the first: one team at most');
  t.same((await call('GET', `/agents?team=${support.id}`)).json().items.map((a: { id: string }) => a.id), [sara.id]);
  const left = await call('DELETE', `/agents/teams/${support.id}/members/${sara.id}`);
  t.equal(left.statusCode, 204);
  t.equal((await call('GET', `/agents/${sara.id}`)).json().team, null);
  const notIn = await call('DELETE', `/agents/teams/${support.id}/members/${sara.id}`);
  t.equal(notIn.statusCode, 404);
  t.equal(notIn.json().code, 'AGENT_TEAM_MEMBER_NOT_FOUND');
  t.equal((await call('DELETE', `/agents/teams/${sales.id}/members/${khalid.id}`)).json().code, 'AGENT_TEAM_MEMBER_NOT_FOUND', 'a member of no team');

  const renamed = await call('PUT', `/agents/teams/${sales.id}`, { name: { en: 'Sales' }, department: 'commercial' });
  t.match(renamed.json(), { name: { ar: 'فريق المبيعات', en: 'Sales' }, department: 'commercial', lead: ahmed.id, members: [ahmed.id] }, 'a partial change');
  const noLead = await call('PUT', `/agents/teams/${sales.id}`, { lead: null });
  t.equal(noLead.statusCode, 200, noLead.body);
  t.equal(noLead.json().lead, null, '"lead": null clears the lead');
  t.equal((await call('GET', `/agents/teams/${sales.id}`)).json().lead, null, 'in the database too');
  t.equal((await call('PUT', `/agents/teams/${sales.id}`, { lead: khalid.id })).json().lead, khalid.id, 'a lead from outside the team is fine');
  t.equal((await call('DELETE', `/agents/${ahmed.id}`)).statusCode, 204, 'a member who leads nothing can go');
  t.same((await call('GET', `/agents/teams/${sales.id}`)).json().members, [], 'and leaves the team with it');

  await join(sales.id, sara.id);
  t.equal((await call('DELETE', `/agents/teams/${sales.id}`)).statusCode, 204);
  t.equal((await call('GET', `/agents/teams/${sales.id}`)).json().code, 'AGENT_TEAM_NOT_FOUND');
  t.equal((await call('GET', `/agents/${sara.id}`)).json().team, null, "a deleted team's members are in no team");
  t.same((await call('GET', '/agents/teams')).json().items.map((x: { id: string }) => x.id), [support.id]);

  // The second tenant: its own (default, Starter: none) teams, and nothing of acme's.
  t.same((await asGlobex('GET', '/agents/teams')).json().items, []);
  const theirs = await createAgent(asGlobex);
  for (const [method, path, body] of [
    ['GET', `/agents/teams/${support.id}`],
    ['PUT', `/agents/teams/${support.id}`, { lead: null }],
    ['DELETE', `/agents/teams/${support.id}`],
    ['PUT', `/agents/teams/${support.id}/members/${theirs.id}`],
  ] as const) {
    t.equal((await asGlobex(method, path, body)).json().code, 'AGENT_TEAM_NOT_FOUND', `${method} ${path} through globex`);
  }
  const globexTeam = await createTeam(asGlobex);
  t.equal((await asGlobex('PUT', `/agents/teams/${globexTeam.id}/members/${khalid.id}`)).json().code, 'AGENT_NOT_FOUND', "acme's agent cannot join globex's team");
  t.equal((await asGlobex('POST', '/agents/teams', { name: { ar: 'ف', en: 'T' }, department: 'x', lead: khalid.id })).json().code, 'AGENT_LEAD_UNKNOWN', "nor lead one");
  t.equal((await asGlobex('PUT', `/agents/teams/${globexTeam.id}`, { lead: khalid.id })).json().code, 'AGENT_LEAD_UNKNOWN');
  t.equal((await call('GET', `/agents/teams/${support.id}`)).json().lead, null, "acme's team unchanged");
});

void forEachEngine(t, 'teams: bad input is a problem document with a code', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine);
  const acme = await createTenant(ak, 'acme');
  const call = caller(ak.app, acme);
  const team = await createTeam(call);
  const agent = await createAgent(call);
  const unknown = randomUUID();
  const cases: Array<[string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, object | undefined, number, string]> = [
    ['unknown team', 'GET', `/agents/teams/${unknown}`, undefined, 404, 'AGENT_TEAM_NOT_FOUND'],
    ['unknown team, changed', 'PUT', `/agents/teams/${unknown}`, { department: 'x' }, 404, 'AGENT_TEAM_NOT_FOUND'],
    ['unknown team, deleted', 'DELETE', `/agents/teams/${unknown}`, undefined, 404, 'AGENT_TEAM_NOT_FOUND'],
    ['unknown team, member', 'PUT', `/agents/teams/${unknown}/members/${agent.id}`, undefined, 404, 'AGENT_TEAM_NOT_FOUND'],
    ['unknown agent, member', 'PUT', `/agents/teams/${team.id}/members/${unknown}`, undefined, 404, 'AGENT_NOT_FOUND'],
    ['malformed team id', 'GET', '/agents/teams/sales', undefined, 400, 'VALIDATION_FAILED'],
    ['malformed member id', 'PUT', `/agents/teams/${team.id}/members/ahmed`, undefined, 400, 'VALIDATION_FAILED'],
    ['unknown lead', 'POST', '/agents/teams', { name: { ar: 'ف', en: 'T' }, department: 'x', lead: unknown }, 400, 'AGENT_LEAD_UNKNOWN'],
    ['malformed lead', 'PUT', `/agents/teams/${team.id}`, { lead: 'ahmed' }, 400, 'VALIDATION_FAILED'],
    ['name too long', 'POST', '/agents/teams', { name: { ar: 'ف', en: 'T'.repeat(121) }, department: 'x' }, 400, 'VALIDATION_FAILED'],
    ['no department', 'POST', '/agents/teams', { name: { ar: 'ف', en: 'T' } }, 400, 'VALIDATION_FAILED'],
    ['empty change', 'PUT', `/agents/teams/${team.id}`, {}, 400, 'VALIDATION_FAILED'],
  ];
  for (const [what, method, path, body, status, code] of cases) {
    const res = await call(method, path, body);
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
    t.match(res.headers['content-type'], PROBLEM, `${what}: problem+json`);
    t.equal(res.json().code, code, what);
  }
});
