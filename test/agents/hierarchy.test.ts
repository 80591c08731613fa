import { randomUUID } from 'node:crypto';
import t from 'tap';
import { agentsDirectoryRef, MAX_ORG_DEPTH } from '@dogan/plugin-agents';
import { forEachEngine } from '../helpers/engines.js';
import { allAgents, caller, clearOrg, createAgent, createTeam, createTenant, startAgentsKernel, type Call } from './helpers.js';

/** gm → sales → (s1 → s3, s2); gm → support → p1; sales leads the Sales team (s1, s2 in it). */
async function buildOrg(call: Call) {
  const agent = (en: string, extra: Record<string, unknown> = {}) => createAgent(call, { name: { ar: `${en} بالعربية`, en }, ...extra });
  const gm = await agent('GM', { department: 'management' });
  const sales = await agent('Sales Lead', { manager: gm.id, department: 'sales' });
  const support = await agent('Support Lead', { manager: gm.id, department: 'support' });
  const team = await createTeam(call, { name: { ar: 'فريق المبيعات', en: 'Sales Team' }, department: 'sales', lead: sales.id });
  const s1 = await agent('S1', { manager: sales.id, department: 'sales', team: team.id });
  const s2 = await agent('S2', { manager: sales.id, department: 'sales', team: team.id });
  const p1 = await agent('P1', { manager: support.id, department: 'support' });
  const s3 = await agent('S3', { manager: s1.id, department: 'sales' });
  return { gm: gm.id, sales: sales.id, support: support.id, s1: s1.id, s2: s2.id, p1: p1.id, s3: s3.id, team: team.id };
}

void forEachEngine(t, 'hierarchy: cycles refused with the cycle named, chains, reports, the org chart, reassignment on delete', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine, { events: true });
  const acme = await createTenant(ak, 'acme');
  const globex = await createTenant(ak, 'globex', { plan: 'professional' });
  const call = caller(ak.app, acme);
  await clearOrg(call);
  const o = await buildOrg(call);
  const idsOf = async (path: string) => (await call('GET', path)).json().items.map((a: { id: string }) => a.id);
  const name = (id: string) => Object.entries(o).find(([, v]) => v === id)?.[0];

  // Cycles: refused, naming the agents in it, in order.
  const loop = await call('PUT', `/agents/${o.gm}`, { manager: o.s3 });
  t.equal(loop.statusCode, 409, loop.body);
  t.equal(loop.json().code, 'AGENT_MANAGER_CYCLE');
  t.same(loop.json().cycle.map((a: { id: string }) => name(a.id)), ['gm', 's3', 's1', 'sales', 'gm']);
  t.match(loop.json().detail, /"GM" → "S3" → "S1" → "Sales Lead" → "GM"/);
  t.same((await call('PUT', `/agents/${o.sales}`, { manager: o.sales })).json().cycle.map((a: { id: string }) => name(a.id)), ['sales', 'sales'], 'not its own manager');
  t.equal((await call('PUT', `/agents/${o.s1}`, { manager: o.s3 })).json().code, 'AGENT_MANAGER_CYCLE', 'nor one of its reports');
  t.equal((await call('GET', `/agents/${o.gm}`)).json().manager, null, 'a refused change changes nothing');
  const both = await Promise.all([call('PUT', `/agents/${o.s2}`, { manager: o.p1 }), call('PUT', `/agents/${o.p1}`, { manager: o.s2 })]);
  t.same(both.map((r) => r.statusCode).sort(), [200, 409], 'two changes that together close a cycle: one goes through, the other is refused');
  await call('PUT', `/agents/${o.s2}`, { manager: o.sales });
  await call('PUT', `/agents/${o.p1}`, { manager: o.support });

  // Reports, chains, the org chart.
  t.same((await idsOf(`/agents/${o.gm}/reports`)).map(name), ['sales', 'support']);
  t.same((await idsOf(`/agents/${o.gm}/reports?all=true`)).map(name), ['sales', 'support', 's1', 's2', 'p1', 's3']);
  t.same(await idsOf(`/agents/${o.s3}/reports?all=true`), []);
  t.same((await idsOf(`/agents/${o.s3}/chain`)).map(name), ['s1', 'sales', 'gm']);
  t.same(await idsOf(`/agents/${o.gm}/chain`), [], 'the top has no chain');
  type Node = { id: string; name: { en: string }; reports: Node[] };
  const shape = (nodes: Node[]): unknown => nodes.map((n) => ({ [name(n.id)!]: shape(n.reports) }));
  const chart = (await call('GET', '/agents/org-chart')).json();
  t.same(shape(chart.roots), [{ gm: [{ sales: [{ s1: [{ s3: [] }] }, { s2: [] }] }, { support: [{ p1: [] }] }] }]);
  t.match(chart.roots[0], { name: { en: 'GM' }, department: 'management', status: 'available' });
  t.notOk('persona' in chart.roots[0], 'the chart leaves long texts out');
  t.same(shape((await call('GET', '/agents/org-chart?department=sales')).json().roots), [{ sales: [{ s1: [{ s3: [] }] }, { s2: [] }] }]);
  t.same((await call('GET', '/agents/org-chart?department=finance')).json(), { department: 'finance', roots: [] });
  t.equal((await call('PUT', `/agents/${o.support}`, { manager: null })).json().manager, null);
  t.same(shape((await call('GET', '/agents/org-chart')).json().roots), [{ gm: [{ sales: [{ s1: [{ s3: [] }] }, { s2: [] }] }] }, { support: [{ p1: [] }] }], 'a cleared manager makes a root');
  await call('PUT', `/agents/${o.support}`, { manager: o.gm });

  // Deleting a manager: refused with what it manages, unless someone takes it over.
  const refused = await call('DELETE', `/agents/${o.sales}`);
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'AGENT_HAS_DEPENDENTS', reports: [{ id: o.s1, name: 'S1' }, { id: o.s2, name: 'S2' }], teams: [{ id: o.team, name: 'Sales Team' }] });
  t.match(refused.json().detail, /manages 2 agents \(S1, S2\) and leads 1 team \(Sales Team\).*reassignTo/);
  t.equal((await call('DELETE', `/agents/${o.support}`)).json().code, 'AGENT_HAS_DEPENDENTS');
  t.equal((await call('DELETE', `/agents/${o.gm}?reassignTo=${o.s3}`)).json().code, 'AGENT_MANAGER_CYCLE', "handing gm's reports to one below them would close a cycle");
  const promoted = await call('DELETE', `/agents/${o.sales}?reassignTo=${o.s1}`);
  t.equal(promoted.statusCode, 204, promoted.body);
  t.equal((await call('GET', `/agents/${o.s1}`)).json().manager, o.gm, "a report taking over takes the deleted agent's place");
  t.equal((await call('GET', `/agents/${o.s2}`)).json().manager, o.s1, 'its peers report to it');
  t.equal((await call('GET', `/agents/teams/${o.team}`)).json().lead, o.s1, 'and it leads the teams');
  t.same((await idsOf(`/agents/${o.s3}/chain`)).map(name), ['s1', 'gm']);
  t.equal((await call('DELETE', `/agents/${o.support}?reassignTo=${o.gm}`)).statusCode, 204, 'reports move up to the manager');
  t.equal((await call('GET', `/agents/${o.p1}`)).json().manager, o.gm);
  t.equal((await call('DELETE', `/agents/${o.s3}?reassignTo=${o.gm}`)).statusCode, 204, 'reassignTo with nothing to reassign just deletes');

  // Depth is bounded: no agent has more than MAX_ORG_DEPTH managers above it.
  let above = o.gm;
  for (let i = 1; i <= MAX_ORG_DEPTH; i++) above = (await createAgent(call, { manager: above })).id;
  const tooDeep = await call('POST', '/agents', { name: { ar: 'عميق', en: 'Deep' }, title: { ar: 'م', en: 'T' }, role: 'x', department: 'x', manager: above });
  t.equal(tooDeep.statusCode, 409);
  t.equal(tooDeep.json().code, 'AGENT_HIERARCHY_TOO_DEEP');
  t.equal((await call('PUT', `/agents/${o.p1}`, { manager: above })).json().code, 'AGENT_HIERARCHY_TOO_DEEP', 'by a change too');
  t.equal((await call('GET', `/agents/${above}/chain`)).json().items.length, MAX_ORG_DEPTH);

  // The second tenant's chart is its own (Professional defaults) and holds none of acme's agents.
  const asGlobex = caller(ak.app, globex);
  const globexChart = (await asGlobex('GET', '/agents/org-chart')).json();
  t.same(globexChart.roots.map((r: { role: string }) => r.role), ['general_manager']);
  const acmeIds = new Set((await allAgents(call)).map((a) => a.id));
  const walk = (nodes: Node[]): string[] => nodes.flatMap((n) => [n.id, ...walk(n.reports)]);
  t.equal(walk(globexChart.roots).length, 5);
  t.notOk(walk(globexChart.roots).some((id) => acmeIds.has(id)), "no acme agent in globex's chart");
  t.equal((await asGlobex('PUT', `/agents/${globexChart.roots[0].id}`, { manager: o.gm })).json().code, 'AGENT_MANAGER_UNKNOWN', "acme's agent cannot manage globex's");

  // Each change recorded its event, with acme's id, in order.
  const acmeEvents = () => ak.events.filter((e) => e.tenantId === acme.id);
  const until = Date.now() + 10_000;
  while (!acmeEvents().some((e) => e.type === 'agent.deleted' && (e.payload as { agent: { id: string } }).agent.id === o.s3) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const deleted = acmeEvents().find((e) => e.type === 'agent.deleted' && (e.payload as { agent: { id: string } }).agent.id === o.sales);
  t.match(deleted?.payload, { agent: { id: o.sales, name: { en: 'Sales Lead' } }, reassignedTo: o.s1 });
  t.ok(acmeEvents().some((e) => e.type === 'agent.updated' && (e.payload as { agent: { id: string }; changed: string[] }).agent.id === o.s2 && (e.payload as { changed: string[] }).changed.includes('manager')), 'moved reports: agent.updated');
  t.ok(acmeEvents().some((e) => e.type === 'agent.created' && (e.payload as { agent: { id: string } }).agent.id === o.gm));
  t.notOk(acmeEvents().some((e) => e.type === 'agent.updated' && (e.payload as { agent: { id: string } }).agent.id === o.gm), 'refused changes recorded nothing');
  t.ok(ak.events.filter((e) => e.tenantId === globex.id).every((e) => e.type === 'agent.created'), "globex's events are its own defaults'");
});

void forEachEngine(t, 'the directory: get, list, reports, chain, and whom an agent may delegate to', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine);
  const acme = await createTenant(ak, 'acme');
  const globex = await createTenant(ak, 'globex');
  const call = caller(ak.app, acme);
  await clearOrg(call);
  const o = await buildOrg(call);
  const directory = ak.kernel.host.service(agentsDirectoryRef);
  const tenant = acme.record;
  const name = (id: string) => Object.entries(o).find(([, v]) => v === id)?.[0];
  const peer = await createAgent(call, { manager: o.support, team: o.team, name: { ar: 'زميل', en: 'Peer' } });

  t.match(await directory.get(tenant, o.s3), { id: o.s3, managerId: o.s1, name: { en: 'S3' } });
  await t.rejects(directory.get(tenant, randomUUID()), { code: 'AGENT_NOT_FOUND' });
  await t.rejects(directory.get(globex.record, o.s3), { code: 'AGENT_NOT_FOUND' }, "acme's agent is not globex's");
  t.same((await directory.list(tenant, { department: 'sales', skill: undefined })).map((a) => name(a.id)), ['sales', 's1', 's2', 's3']);
  t.same((await directory.list(tenant, { team: o.team })).map((a) => a.id), [o.s1, o.s2, peer.id]);
  t.same((await directory.reports(tenant, o.sales)).map((a) => name(a.id)), ['s1', 's2']);
  t.same((await directory.reports(tenant, o.sales, { all: true })).map((a) => name(a.id)), ['s1', 's2', 's3']);
  t.same((await directory.chain(tenant, o.s3)).map((a) => name(a.id)), ['s1', 'sales', 'gm']);
  await t.rejects(directory.chain(tenant, randomUUID()), { code: 'AGENT_NOT_FOUND' });

  const may = (from: string, to: string) => directory.canDelegate(tenant, from, to);
  t.ok(await may(o.gm, o.sales), 'to a direct report');
  t.ok(await may(o.sales, peer.id), 'to a member of a team it leads, reporting elsewhere');
  t.ok(await may(o.s3, o.s1), 'escalation to its own manager');
  t.notOk(await may(o.gm, o.s1), 'not past a level');
  t.notOk(await may(o.sales, o.support), 'nor sideways');
  t.notOk(await may(o.s1, o.gm), "nor to its manager's manager");
  t.notOk(await may(o.s1, o.s1), 'nor to itself');
  t.notOk(await may(o.gm, randomUUID()), 'nor to an unknown agent');
  t.notOk(await directory.canDelegate(globex.record, o.gm, o.sales), "acme's agents are unknown in globex");
  await call('PUT', `/agents/teams/${o.team}`, { lead: null });
  t.notOk(await may(o.sales, peer.id), 'a cleared lead leads no team');
  await call('PUT', `/agents/${o.sales}`, { manager: null });
  t.notOk(await may(o.gm, o.sales), 'a cleared manager manages no longer');
  t.notOk(await may(o.sales, o.gm), 'nor is escalated to');
});
