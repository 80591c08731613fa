import { randomUUID } from 'node:crypto';
import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { agentBody, allAgents, caller, clearOrg, createAgent, createTeam, createTenant, PROBLEM, startAgentsKernel } from './helpers.js';

void forEachEngine(t, 'agents: create, read, filter and page, change partially (null clears links), delete; a second tenant sees none of it', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine);
  const acme = await createTenant(ak, 'acme');
  const globex = await createTenant(ak, 'globex');
  const call = caller(ak.app, acme);
  const asGlobex = caller(ak.app, globex);
  await clearOrg(call);
  const globexDefaults = await allAgents(asGlobex);
  t.equal(globexDefaults.length, 2, "globex keeps its Starter defaults: clearing acme's org touched none of them");

  const sales = await createTeam(call, { name: { ar: 'فريق المبيعات', en: 'Sales' }, department: 'sales' });
  const manager = await createAgent(call, { name: { ar: 'أحمد آل سعود', en: 'Ahmed Al-Saud' }, title: { ar: 'مدير المبيعات', en: 'Sales Manager' }, role: 'sales_manager', department: 'sales', skills: ['sales', 'negotiation'] });
  const created = await call('POST', '/agents', {
    name: { ar: '  سارة القحطاني ', en: 'Sara Al-Qahtani' },
    title: { ar: 'مندوبة مبيعات', en: 'Sales Representative' },
    role: 'sales_agent',
    department: 'sales',
    team: sales.id,
    manager: manager.id,
    skills: ['crm', 'sales'],
    status: 'busy',
    goal: 'Close deals',
    persona: 'Friendly and precise.',
    llmProfile: 'default',
    tools: ['erpnext_get_document'],
    workingHours: { timezone: 'Asia/Riyadh', days: [{ day: 1, start: '09:00', end: '17:00' }, { day: 7, start: '09:00', end: '17:00' }] },
  });
  t.equal(created.statusCode, 201, created.body);
  const sara = created.json();
  t.match(sara, {
    id: /^[0-9a-f-]{36}$/,
    name: { ar: 'سارة القحطاني', en: 'Sara Al-Qahtani' },
    team: sales.id,
    manager: manager.id,
    skills: ['crm', 'sales'],
    status: 'busy',
    llmProfile: 'default',
    tools: ['erpnext_get_document'],
    workingHours: { timezone: 'Asia/Riyadh', days: [{ day: 7 }, { day: 1 }] },
  });
  t.same((await call('GET', `/agents/${sara.id}`)).json(), sara, 'read back as created');
  const plain = await createAgent(call);
  t.match(plain, { team: null, manager: null, skills: [], status: 'available', goal: '', persona: '', llmProfile: null, tools: [], workingHours: null }, 'defaults');

  // Filters and pagination.
  const list = async (query: string) => (await call('GET', `/agents?${query}`)).json();
  t.same((await list('department=sales')).items.map((a: { id: string }) => a.id), [manager.id, sara.id], 'oldest first');
  t.same((await list(`team=${sales.id}`)).items.map((a: { id: string }) => a.id), [sara.id]);
  t.same((await list('status=busy')).items.map((a: { id: string }) => a.id), [sara.id]);
  t.same((await list('role=sales_manager')).items.map((a: { id: string }) => a.id), [manager.id]);
  t.same((await list('skill=sales')).items.map((a: { id: string }) => a.id), [manager.id, sara.id]);
  t.same((await list('skill=negotiation&department=sales')).items.map((a: { id: string }) => a.id), [manager.id], 'filters combine');
  t.same((await list('skill=sale')).items, [], 'a skill matches whole, never a part');
  for (let i = 0; i < 4; i++) await createAgent(call);
  const page2 = await list('perPage=2&page=2');
  t.match(page2, { total: 7, page: 2, perPage: 2 });
  t.equal(page2.items.length, 2);
  t.equal((await list('perPage=5&page=2')).items.length, 2, 'the last page holds the rest');
  t.same((await list('perPage=5&page=3')).items, [], 'past the end: none, with the total');

  // A partial change: what is left out stays; null clears the links (the old system could not).
  const renamed = await call('PUT', `/agents/${sara.id}`, { name: { en: 'Sara Q.' }, status: 'away' });
  t.equal(renamed.statusCode, 200, renamed.body);
  t.match(renamed.json(), { name: { ar: 'سارة القحطاني', en: 'Sara Q.' }, status: 'away', team: sales.id, manager: manager.id, skills: ['crm', 'sales'] });
  const cleared = (await call('PUT', `/agents/${sara.id}`, { manager: null, team: null, workingHours: null, llmProfile: null })).json();
  t.match(cleared, { manager: null, team: null, workingHours: null, llmProfile: null, status: 'away' });
  t.same((await call('GET', `/agents/${sara.id}`)).json().manager, null, 'cleared in the database too');
  t.same((await call('GET', `/agents/teams/${sales.id}`)).json().members, [], 'and out of the team');
  const relinked = (await call('PUT', `/agents/${sara.id}`, { manager: manager.id, team: sales.id, skills: ['closing'] })).json();
  t.match(relinked, { manager: manager.id, team: sales.id, skills: ['closing'] });
  t.same((await list('skill=crm')).items, [], 'skills replaced, not added');
  t.ok(Date.parse(relinked.updatedAt) >= Date.parse(sara.updatedAt));

  t.equal((await call('DELETE', `/agents/${plain.id}`)).statusCode, 204);
  t.equal((await call('GET', `/agents/${plain.id}`)).json().code, 'AGENT_NOT_FOUND');
  t.equal((await call('DELETE', `/agents/${plain.id}`)).json().code, 'AGENT_NOT_FOUND', 'deleting twice: 404');

  // The second tenant: none of acme's agents, by list, id, change or delete.
  t.same((await allAgents(asGlobex)).map((a) => a.id), globexDefaults.map((a) => a.id), "globex lists its own agents only");
  for (const [method, path, body] of [
    ['GET', `/agents/${sara.id}`],
    ['PUT', `/agents/${sara.id}`, { status: 'offline' }],
    ['DELETE', `/agents/${sara.id}`],
    ['GET', `/agents/${sara.id}/reports`],
    ['GET', `/agents/${sara.id}/chain`],
  ] as const) {
    const res = await asGlobex(method, path, body);
    t.equal(res.json().code, 'AGENT_NOT_FOUND', `${method} ${path} through globex`);
  }
  t.same((await asGlobex('GET', `/agents?team=${sales.id}`)).json().items, [], "filtering on acme's team finds nothing in globex");
  t.same((await asGlobex('GET', '/agents?department=sales')).json().items.map((a: { id: string }) => a.id), globexDefaults.filter((a) => a.department === 'sales').map((a) => a.id));
  t.ok([401, 403, 404].includes((await ak.app.inject({ url: '/api/v1/acme/agents', headers: globex.headers })).statusCode), "globex's key does not open acme's agents");
  t.equal((await call('GET', `/agents/${sara.id}`)).json().status, 'away', "acme's agent unchanged by globex's attempts");
});

void forEachEngine(t, 'bad input is a problem document with a code, never a 500', async (t, engine) => {
  const ak = await startAgentsKernel(t, engine);
  const acme = await createTenant(ak, 'acme');
  const globex = await createTenant(ak, 'globex');
  const call = caller(ak.app, acme);
  const asGlobex = caller(ak.app, globex);
  const agent = await createAgent(call);
  const globexAgent = await createAgent(asGlobex);
  const globexTeam = await createTeam(asGlobex);
  const unknown = randomUUID();
  const long = 'x'.repeat(121);

  const cases: Array<[string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, object | undefined, number, string]> = [
    ['unknown agent id', 'GET', `/agents/${unknown}`, undefined, 404, 'AGENT_NOT_FOUND'],
    ['unknown agent id, changed', 'PUT', `/agents/${unknown}`, { status: 'busy' }, 404, 'AGENT_NOT_FOUND'],
    ['unknown agent id, deleted', 'DELETE', `/agents/${unknown}`, undefined, 404, 'AGENT_NOT_FOUND'],
    ['unknown agent id, reports', 'GET', `/agents/${unknown}/reports?all=true`, undefined, 404, 'AGENT_NOT_FOUND'],
    ['malformed agent id', 'GET', '/agents/not-an-id', undefined, 400, 'VALIDATION_FAILED'],
    ['malformed agent id, upper case', 'GET', `/agents/${agent.id.toUpperCase()}`, undefined, 400, 'VALIDATION_FAILED'],
    ['malformed agent id, changed', 'PUT', '/agents/123', { status: 'busy' }, 400, 'VALIDATION_FAILED'],
    ['malformed agent id, deleted', 'DELETE', "/agents/1'%20OR%20'1'='1", undefined, 400, 'VALIDATION_FAILED'],
    ['malformed agent id, chain', 'GET', '/agents/zzz/chain', undefined, 400, 'VALIDATION_FAILED'],
    ['invalid status', 'POST', '/agents', agentBody({ status: 'sleeping' }), 400, 'VALIDATION_FAILED'],
    ['invalid status, changed', 'PUT', `/agents/${agent.id}`, { status: 'ON' }, 400, 'VALIDATION_FAILED'],
    ['invalid status filter', 'GET', '/agents?status=sleeping', undefined, 400, 'VALIDATION_FAILED'],
    ['name too long', 'POST', '/agents', agentBody({ name: { ar: 'أ', en: long } }), 400, 'VALIDATION_FAILED'],
    ['Arabic name too long', 'PUT', `/agents/${agent.id}`, { name: { ar: 'ب'.repeat(121) } }, 400, 'VALIDATION_FAILED'],
    ['blank name', 'POST', '/agents', agentBody({ name: { ar: '   ', en: 'A' } }), 400, 'VALIDATION_FAILED'],
    ['one language only', 'POST', '/agents', agentBody({ name: { en: 'A' } }), 400, 'VALIDATION_FAILED'],
    ['title too long', 'POST', '/agents', agentBody({ title: { ar: 'م', en: long } }), 400, 'VALIDATION_FAILED'],
    ['persona too long', 'PUT', `/agents/${agent.id}`, { persona: 'p'.repeat(8001) }, 400, 'VALIDATION_FAILED'],
    ['a name, not an object', 'POST', '/agents', agentBody({ name: 'Ahmed' }), 400, 'VALIDATION_FAILED'],
    ['missing role', 'POST', '/agents', { name: { ar: 'أ', en: 'A' }, title: { ar: 'م', en: 'T' }, department: 'sales' }, 400, 'VALIDATION_FAILED'],
    ['role not a key', 'POST', '/agents', agentBody({ role: 'Sales Manager' }), 400, 'VALIDATION_FAILED'],
    ['skill not lower case', 'POST', '/agents', agentBody({ skills: ['Sales'] }), 400, 'VALIDATION_FAILED'],
    ['skill twice', 'POST', '/agents', agentBody({ skills: ['sales', 'sales'] }), 400, 'VALIDATION_FAILED'],
    ['tool name', 'PUT', `/agents/${agent.id}`, { tools: ['rm -rf'] }, 400, 'VALIDATION_FAILED'],
    ['unknown field', 'POST', '/agents', agentBody({ salary: 1 }), 400, 'VALIDATION_FAILED'],
    ['empty change', 'PUT', `/agents/${agent.id}`, {}, 400, 'VALIDATION_FAILED'],
    ['malformed manager', 'PUT', `/agents/${agent.id}`, { manager: 'boss' }, 400, 'VALIDATION_FAILED'],
    ['unknown manager', 'POST', '/agents', agentBody({ manager: unknown }), 400, 'AGENT_MANAGER_UNKNOWN'],
    ["a manager in another tenant's id space", 'POST', '/agents', agentBody({ manager: globexAgent.id }), 400, 'AGENT_MANAGER_UNKNOWN'],
    ["another tenant's agent as manager, changed", 'PUT', `/agents/${agent.id}`, { manager: globexAgent.id }, 400, 'AGENT_MANAGER_UNKNOWN'],
    ["another tenant's team", 'PUT', `/agents/${agent.id}`, { team: globexTeam.id }, 400, 'AGENT_TEAM_UNKNOWN'],
    ['unknown team filter is fine', 'GET', `/agents?team=${unknown}`, undefined, 200, ''],
    ['malformed team filter', 'GET', '/agents?team=sales', undefined, 400, 'VALIDATION_FAILED'],
    ['page size too big', 'GET', '/agents?perPage=1000', undefined, 400, 'VALIDATION_FAILED'],
    ['unknown query', 'GET', '/agents?sort=name', undefined, 400, 'VALIDATION_FAILED'],
    ['reports ?all not a boolean', 'GET', `/agents/${agent.id}/reports?all=maybe`, undefined, 400, 'VALIDATION_FAILED'],
    ['hours ending before they start', 'PUT', `/agents/${agent.id}`, { workingHours: { days: [{ day: 1, start: '17:00', end: '09:00' }] } }, 400, 'AGENT_WORKING_HOURS_INVALID'],
    ['overlapping hours', 'PUT', `/agents/${agent.id}`, { workingHours: { days: [{ day: 2, start: '09:00', end: '13:00' }, { day: 2, start: '12:00', end: '18:00' }] } }, 400, 'AGENT_WORKING_HOURS_INVALID'],
    ['hours at 25:00', 'PUT', `/agents/${agent.id}`, { workingHours: { days: [{ day: 1, start: '09:00', end: '25:00' }] } }, 400, 'VALIDATION_FAILED'],
    ['day 8', 'PUT', `/agents/${agent.id}`, { workingHours: { days: [{ day: 8, start: '09:00', end: '17:00' }] } }, 400, 'VALIDATION_FAILED'],
    ['unknown time zone', 'PUT', `/agents/${agent.id}`, { workingHours: { timezone: 'Mars/Olympus', days: [{ day: 1, start: '09:00', end: '17:00' }] } }, 400, 'VALIDATION_FAILED'],
    ['reassign to an unknown agent', 'DELETE', `/agents/${agent.id}?reassignTo=${unknown}`, undefined, 400, 'AGENT_REASSIGN_TARGET_UNKNOWN'],
    ["reassign to another tenant's agent", 'DELETE', `/agents/${agent.id}?reassignTo=${globexAgent.id}`, undefined, 400, 'AGENT_REASSIGN_TARGET_UNKNOWN'],
    ['reassign to itself', 'DELETE', `/agents/${agent.id}?reassignTo=${agent.id}`, undefined, 400, 'AGENT_REASSIGN_TO_SELF'],
    ['malformed reassignTo', 'DELETE', `/agents/${agent.id}?reassignTo=me`, undefined, 400, 'VALIDATION_FAILED'],
  ];
  for (const [what, method, path, body, status, code] of cases) {
    const res = await call(method, path, body);
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
    if (!code) continue;
    t.match(res.headers['content-type'], PROBLEM, `${what}: problem+json`);
    t.equal(res.json().code, code, what);
  }
  t.equal((await call('GET', `/agents/${agent.id}`)).statusCode, 200, 'the agent survived every bad request');
  const nul = await call('POST', '/agents', agentBody({ goal: 'a\u0000b' }));
  t.equal(nul.statusCode, 400, 'NUL in a text: refused at the door, not a database error');
  const text = await ak.app.inject({ method: 'POST', url: '/api/v1/acme/agents', headers: { ...acme.headers, 'content-type': 'application/json' }, payload: '{"name": ' });
  t.equal(text.statusCode, 400, 'broken JSON');
  t.match(text.headers['content-type'], PROBLEM);
});
